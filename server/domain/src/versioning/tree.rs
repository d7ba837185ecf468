//! The file tree of a commit as a content-addressed hash tree, like git's tree objects but
//! fanned out by the hash of each path instead of by folder.
//!
//! A path's key is the SHA-256 of the path. Inner nodes at levels `0..DEPTH` map one hex digit
//! of the key to a child; the leaves list `(path, blob, size)` sorted by path. A node's name is
//! the SHA-256 of its body, so equal subtrees are stored once, across commits and dots. Changing
//! one file rewrites one leaf and the `DEPTH` inner nodes above it — about the same work for a
//! dot of one file as for one of 10,000 — and two trees differ only below differing hashes,
//! which keeps diffs proportional to the change, not to the dot.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use super::model::{ChangeKind, FileDiff};
use crate::error::{DomainError, DomainResult};

/// Levels of inner nodes above the leaves: 16² = 256 leaves, ~40 paths each at 10,000 files.
const DEPTH: usize = 2;

/// A file in a tree: its content's blob hash and size.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FileRef {
    pub blob: String,
    pub size: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
struct Entry(String, String, i64);

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
enum Node {
    #[serde(rename = "i")]
    Inner(BTreeMap<char, String>),
    #[serde(rename = "l")]
    Leaf(Vec<Entry>),
}

impl Node {
    fn encode(&self) -> (String, String) {
        let body = serde_json::to_string(self).expect("tree nodes serialise");
        (hash_of(&body), body)
    }
}

fn hash_of(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn key_of(path: &str) -> Vec<char> {
    hash_of(path).chars().take(DEPTH).collect()
}

/// The tree with no files.
pub fn empty_root() -> String {
    Node::Inner(BTreeMap::new()).encode().0
}

/// Changes to fold into a tree: a path and its new content, or `None` to remove it.
pub type Changes = BTreeMap<String, Option<FileRef>>;

/// What folding changes into a tree gave: the new root, the nodes it needs that may not be
/// stored yet, and how the tree's totals moved.
pub struct Folded {
    pub root: String,
    pub new_nodes: Vec<(String, String)>,
    pub size_delta: i64,
    pub count_delta: i64,
}

/// Tree nodes read from the store, and nodes made in memory (a working tree's), by hash.
#[derive(Default)]
pub struct Trees {
    nodes: HashMap<String, Node>,
}

impl Trees {
    async fn load(&mut self, conn: &mut AnyConnection, hashes: Vec<String>) -> DomainResult<()> {
        let missing: Vec<String> = hashes
            .into_iter()
            .filter(|h| !self.nodes.contains_key(h))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let empty = empty_root();
        for chunk in missing.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
            let sql = format!(
                "SELECT hash, body FROM dot_trees WHERE hash IN ({})",
                placeholders.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for hash in chunk {
                query = query.bind(hash.as_str());
            }
            for row in query.fetch_all(&mut *conn).await? {
                let hash: String = row.try_get("hash")?;
                let body: String = row.try_get("body")?;
                let node = serde_json::from_str(&body)
                    .map_err(|e| DomainError::Internal(format!("tree node {hash}: {e}")))?;
                self.nodes.insert(hash, node);
            }
            for hash in chunk {
                if !self.nodes.contains_key(hash) {
                    if *hash == empty {
                        self.nodes
                            .insert(empty.clone(), Node::Inner(BTreeMap::new()));
                    } else {
                        return Err(DomainError::Internal(format!(
                            "tree node {hash} is missing"
                        )));
                    }
                }
            }
        }
        Ok(())
    }

    fn node(&self, hash: &str) -> &Node {
        &self.nodes[hash]
    }

    /// Folds `changes` into the tree at `root`. New nodes are kept in memory (so the result can
    /// be read, diffed or listed at once) and returned for the caller to store.
    pub async fn fold(
        &mut self,
        conn: &mut AnyConnection,
        root: &str,
        changes: &Changes,
    ) -> DomainResult<Folded> {
        if changes.is_empty() {
            return Ok(Folded {
                root: root.to_string(),
                new_nodes: Vec::new(),
                size_delta: 0,
                count_delta: 0,
            });
        }
        let keyed: Vec<(Vec<char>, &String, &Option<FileRef>)> = changes
            .iter()
            .map(|(path, file)| (key_of(path), path, file))
            .collect();
        // Read every node on the way from the root to each changed path, a level at a time.
        let mut cursors: Vec<Option<String>> = vec![Some(root.to_string()); keyed.len()];
        for level in 0..=DEPTH {
            self.load(&mut *conn, cursors.iter().flatten().cloned().collect())
                .await?;
            if level == DEPTH {
                break;
            }
            for (cursor, (key, _, _)) in cursors.iter_mut().zip(&keyed) {
                *cursor = cursor.as_ref().and_then(|hash| match self.node(hash) {
                    Node::Inner(children) => children.get(&key[level]).cloned(),
                    Node::Leaf(_) => None,
                });
            }
        }
        let refs: Vec<&(Vec<char>, &String, &Option<FileRef>)> = keyed.iter().collect();
        let mut folded = Folded {
            root: String::new(),
            new_nodes: Vec::new(),
            size_delta: 0,
            count_delta: 0,
        };
        folded.root = match self.rebuild(0, Some(root), &refs, &mut folded) {
            Some(hash) => hash,
            None => self.keep(Node::Inner(BTreeMap::new()), &mut folded),
        };
        Ok(folded)
    }

    fn keep(&mut self, node: Node, folded: &mut Folded) -> String {
        let (hash, body) = node.encode();
        folded.new_nodes.push((hash.clone(), body));
        self.nodes.insert(hash.clone(), node);
        hash
    }

    /// The new hash of the subtree at `hash` with `changes` applied; `None` when it is empty.
    fn rebuild(
        &mut self,
        level: usize,
        hash: Option<&str>,
        changes: &[&(Vec<char>, &String, &Option<FileRef>)],
        folded: &mut Folded,
    ) -> Option<String> {
        if level == DEPTH {
            let mut files = self.files_of_leaf(hash);
            for (_, path, change) in changes {
                let old = match change {
                    Some(file) => files.insert((*path).clone(), file.clone()),
                    None => files.remove(*path),
                };
                if let Some(old) = &old {
                    folded.size_delta -= old.size;
                    folded.count_delta -= 1;
                }
                if let Some(new) = change {
                    folded.size_delta += new.size;
                    folded.count_delta += 1;
                }
            }
            if files.is_empty() {
                return None;
            }
            let entries = files
                .into_iter()
                .map(|(path, file)| Entry(path, file.blob, file.size))
                .collect();
            return Some(self.keep(Node::Leaf(entries), folded));
        }
        let mut children = match hash.map(|h| self.node(h)) {
            Some(Node::Inner(children)) => children.clone(),
            _ => BTreeMap::new(),
        };
        let mut groups: BTreeMap<char, Vec<&(Vec<char>, &String, &Option<FileRef>)>> =
            BTreeMap::new();
        for change in changes {
            groups.entry(change.0[level]).or_default().push(change);
        }
        for (digit, group) in groups {
            let child = children.get(&digit).cloned();
            match self.rebuild(level + 1, child.as_deref(), &group, folded) {
                Some(new) => children.insert(digit, new),
                None => children.remove(&digit),
            };
        }
        if children.is_empty() {
            return None;
        }
        Some(self.keep(Node::Inner(children), folded))
    }

    /// The pairs of leaves (before, after) whose hashes differ between two trees. Only
    /// subtrees whose hashes differ are read, so the work follows the size of the change.
    async fn differing_leaves(
        &mut self,
        conn: &mut AnyConnection,
        from: &str,
        to: &str,
    ) -> DomainResult<Vec<(Option<String>, Option<String>)>> {
        let mut pairs = vec![(Some(from.to_string()), Some(to.to_string()))];
        for _level in 0..DEPTH {
            pairs.retain(|(a, b)| a != b);
            self.load(&mut *conn, hashes_of(&pairs)).await?;
            let mut next = Vec::new();
            for (a, b) in &pairs {
                let empty = BTreeMap::new();
                let left = self.children_of(a.as_deref()).unwrap_or(&empty);
                let right = self.children_of(b.as_deref()).unwrap_or(&empty);
                let digits: std::collections::BTreeSet<&char> =
                    left.keys().chain(right.keys()).collect();
                for digit in digits {
                    let pair = (left.get(digit).cloned(), right.get(digit).cloned());
                    if pair.0 != pair.1 {
                        next.push(pair);
                    }
                }
            }
            pairs = next;
        }
        self.load(&mut *conn, hashes_of(&pairs)).await?;
        Ok(pairs)
    }

    /// The files that differ between two trees, by path.
    pub async fn diff(
        &mut self,
        conn: &mut AnyConnection,
        from: &str,
        to: &str,
    ) -> DomainResult<Vec<FileDiff>> {
        let mut changes = Vec::new();
        for (a, b) in self.differing_leaves(conn, from, to).await? {
            let before = self.files_of_leaf(a.as_deref());
            let after = self.files_of_leaf(b.as_deref());
            for (path, old) in &before {
                let change = match after.get(path) {
                    None => Some((ChangeKind::Deleted, old.size)),
                    Some(new) if new.blob != old.blob => Some((ChangeKind::Modified, new.size)),
                    Some(_) => None,
                };
                if let Some((change, size_bytes)) = change {
                    changes.push(FileDiff {
                        path: path.clone(),
                        change,
                        size_bytes,
                    });
                }
            }
            for (path, new) in after {
                if !before.contains_key(&path) {
                    changes.push(FileDiff {
                        path,
                        change: ChangeKind::Added,
                        size_bytes: new.size,
                    });
                }
            }
        }
        changes.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(changes)
    }

    /// Every file of the tree at `root`, sorted by path.
    pub async fn files(
        &mut self,
        conn: &mut AnyConnection,
        root: &str,
    ) -> DomainResult<Vec<(String, FileRef)>> {
        let mut files: Vec<(String, FileRef)> = Vec::new();
        for (_, leaf) in self.differing_leaves(conn, &empty_root(), root).await? {
            files.extend(self.files_of_leaf(leaf.as_deref()));
        }
        files.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(files)
    }

    fn children_of(&self, hash: Option<&str>) -> Option<&BTreeMap<char, String>> {
        match hash.map(|h| self.node(h)) {
            Some(Node::Inner(children)) => Some(children),
            _ => None,
        }
    }

    fn files_of_leaf(&self, hash: Option<&str>) -> BTreeMap<String, FileRef> {
        match hash.map(|h| self.node(h)) {
            Some(Node::Leaf(entries)) => entries
                .iter()
                .map(|Entry(path, blob, size)| {
                    (
                        path.clone(),
                        FileRef {
                            blob: blob.clone(),
                            size: *size,
                        },
                    )
                })
                .collect(),
            _ => BTreeMap::new(),
        }
    }

    /// One file of the tree at `root`.
    pub async fn find(
        &mut self,
        conn: &mut AnyConnection,
        root: &str,
        path: &str,
    ) -> DomainResult<Option<FileRef>> {
        let key = key_of(path);
        let mut hash = root.to_string();
        for digit in key.iter().take(DEPTH) {
            self.load(&mut *conn, vec![hash.clone()]).await?;
            match self.children_of(Some(&hash)).and_then(|c| c.get(digit)) {
                Some(child) => hash = child.clone(),
                None => return Ok(None),
            }
        }
        self.load(&mut *conn, vec![hash.clone()]).await?;
        Ok(self.files_of_leaf(Some(&hash)).remove(path))
    }
}

fn hashes_of(pairs: &[(Option<String>, Option<String>)]) -> Vec<String> {
    pairs
        .iter()
        .flat_map(|(a, b)| a.iter().chain(b.iter()))
        .cloned()
        .collect()
}

/// Stores nodes made by [`Trees::fold`]. A node already stored (equal content) keeps its body
/// and is marked as touched now, so a garbage collection running at the same time (which saw it
/// unreachable) leaves it alone.
pub async fn store_nodes(conn: &mut AnyConnection, nodes: &[(String, String)]) -> DomainResult<()> {
    let now = crate::time::now();
    for (hash, body) in nodes {
        sqlx::query(
            "INSERT INTO dot_trees (hash, body, touched_at) VALUES ($1, $2, $3) \
             ON CONFLICT (hash) DO UPDATE SET touched_at = excluded.touched_at",
        )
        .bind(hash)
        .bind(body)
        .bind(&now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Every tree node reachable from `roots`, and every blob their leaves name: what a garbage
/// collection must keep.
pub async fn reachable(
    conn: &mut AnyConnection,
    roots: Vec<String>,
) -> DomainResult<(HashSet<String>, HashSet<String>)> {
    let mut trees = Trees::default();
    let mut nodes = HashSet::new();
    let mut blobs = HashSet::new();
    let mut frontier: Vec<String> = roots;
    while !frontier.is_empty() {
        frontier.retain(|hash| nodes.insert(hash.clone()));
        trees.load(&mut *conn, frontier.clone()).await?;
        let mut next = Vec::new();
        for hash in frontier.drain(..) {
            match trees.nodes.remove(&hash) {
                Some(Node::Inner(children)) => next.extend(children.into_values()),
                Some(Node::Leaf(entries)) => blobs.extend(entries.into_iter().map(|e| e.1)),
                None => {}
            }
        }
        frontier = next;
    }
    Ok((nodes, blobs))
}
