//! Dots, branches and commits: every rule of the Versioning surface, one file per sub-resource
//! — [`dots`], [`branches`], [`commits`] (commit, history, graph, rollback), [`diff`] — with the
//! names, lookups and steps they share here. Texts are Dotmesh's where it had them (API.md §3).
//! Each write is one transaction with its audit record; a branch's row is locked first, so
//! concurrent commits to one branch take turns.

use serde_json::{json, Map, Value};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::model::{
    is_valid_name, BranchInfo, CommitEntry, FileDiff, GraphCommit, Volume, VolumeName, MASTER,
};
use super::tree::{self, Changes, FileRef, Trees};
use crate::audit::Surface;
use crate::auth::actor::Actor;
use crate::error::{DomainError, DomainResult};
use crate::store::{Store, Tx};
use crate::time;

mod branches;
mod commits;
mod diff;
mod dots;

pub use self::branches::*;
pub use self::commits::*;
pub use self::diff::*;
pub use self::dots::*;

/// A dot's namespace and name, checked against the name pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DotPath {
    pub namespace: String,
    pub name: String,
}

impl DotPath {
    pub fn new(namespace: &str, name: &str) -> DomainResult<Self> {
        check_name("Namespace", namespace)?;
        check_name("Name", name)?;
        Ok(Self {
            namespace: namespace.to_string(),
            name: name.to_string(),
        })
    }

    pub fn label(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

fn check_name(what: &str, value: &str) -> DomainResult<()> {
    if is_valid_name(value) {
        Ok(())
    } else {
        Err(DomainError::invalid(format!(
            "{what} {value:?} is invalid: use 1 to 64 letters, digits, - and _"
        )))
    }
}

/// A branch name as callers send it: `""` and `"master"` both mean the master branch.
pub fn branch_name(given: &str) -> DomainResult<String> {
    if given.is_empty() {
        return Ok(MASTER.to_string());
    }
    check_name("Branch", given)?;
    Ok(given.to_string())
}

/// A new id in the form Dotmesh uses (a random UUID).
fn new_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

pub(super) struct Dot {
    pub id: String,
    pub path: DotPath,
    pub owner: String,
}

pub(super) struct Branch {
    pub id: String,
    pub name: String,
    pub head: Option<String>,
    pub origin_branch: Option<String>,
    pub origin_commit: Option<String>,
}

/// The tree a branch's head commit holds, with its totals.
pub(super) struct Head {
    pub root: String,
    pub size: i64,
    pub count: i64,
}

fn no_such_dot(path: &DotPath) -> DomainError {
    DomainError::not_found(format!("No such filesystem named '{}'", path.label()))
}

fn no_such_branch(path: &DotPath, branch: &str) -> DomainError {
    DomainError::not_found(format!(
        "No such branch named '{branch}' on {}",
        path.label()
    ))
}

fn no_such_commit(path: &DotPath, commit: &str) -> DomainError {
    DomainError::not_found(format!("No such commit '{commit}' in {}", path.label()))
}

pub(super) async fn find_dot(
    conn: &mut AnyConnection,
    path: &DotPath,
) -> DomainResult<Option<Dot>> {
    let sql = format!("SELECT {DOT_COLUMNS} FROM dots d WHERE d.namespace = $1 AND d.name = $2");
    let row = sqlx::query(&sql)
        .bind(&path.namespace)
        .bind(&path.name)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(dot_from).transpose()
}

const DOT_COLUMNS: &str = "d.id, d.namespace, d.name, d.owner";

fn dot_from(row: &AnyRow) -> DomainResult<Dot> {
    Ok(Dot {
        id: row.try_get("id")?,
        path: DotPath {
            namespace: row.try_get("namespace")?,
            name: row.try_get("name")?,
        },
        owner: row.try_get("owner")?,
    })
}

pub(super) async fn dot(conn: &mut AnyConnection, path: &DotPath) -> DomainResult<Dot> {
    find_dot(conn, path).await?.ok_or_else(|| no_such_dot(path))
}

const BRANCH_COLUMNS: &str = "b.id, b.name, b.head_commit, b.origin_branch, b.origin_commit";

fn branch_from(row: &AnyRow) -> DomainResult<Branch> {
    Ok(Branch {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        head: row.try_get("head_commit")?,
        origin_branch: row.try_get("origin_branch")?,
        origin_commit: row.try_get("origin_commit")?,
    })
}

async fn find_branch(
    conn: &mut AnyConnection,
    dot: &Dot,
    name: &str,
) -> DomainResult<Option<Branch>> {
    let sql =
        format!("SELECT {BRANCH_COLUMNS} FROM dot_branches b WHERE b.dot_id = $1 AND b.name = $2");
    let row = sqlx::query(&sql)
        .bind(&dot.id)
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(branch_from).transpose()
}

pub(super) async fn branch(
    conn: &mut AnyConnection,
    dot: &Dot,
    name: &str,
) -> DomainResult<Branch> {
    let name = branch_name(name)?;
    find_branch(conn, dot, &name)
        .await?
        .ok_or_else(|| no_such_branch(&dot.path, &name))
}

/// Takes the branch's row lock for the rest of the transaction (PostgreSQL; SQLite's write
/// transaction already holds the database) and reads the branch afresh under it.
pub(super) async fn lock_branch(tx: &mut Tx, dot: &Dot, name: &str) -> DomainResult<Branch> {
    let name = branch_name(name)?;
    sqlx::query(
        "UPDATE dot_branches SET head_commit = head_commit WHERE dot_id = $1 AND name = $2",
    )
    .bind(&dot.id)
    .bind(&name)
    .execute(&mut **tx)
    .await?;
    find_branch(tx, dot, &name)
        .await?
        .ok_or_else(|| no_such_branch(&dot.path, &name))
}

pub(super) async fn head(conn: &mut AnyConnection, branch: &Branch) -> DomainResult<Head> {
    let Some(commit) = &branch.head else {
        return Ok(Head {
            root: tree::empty_root(),
            size: 0,
            count: 0,
        });
    };
    let row = sqlx::query("SELECT root, size_bytes, file_count FROM dot_commits WHERE id = $1")
        .bind(commit)
        .fetch_one(&mut *conn)
        .await?;
    Ok(Head {
        root: row.try_get("root")?,
        size: row.try_get("size_bytes")?,
        count: row.try_get("file_count")?,
    })
}

/// The working tree's changes on top of the head.
pub(super) async fn changes(conn: &mut AnyConnection, branch: &Branch) -> DomainResult<Changes> {
    let rows = sqlx::query("SELECT path, blob, size_bytes FROM dot_changes WHERE branch_id = $1")
        .bind(&branch.id)
        .fetch_all(&mut *conn)
        .await?;
    let mut changes = Changes::new();
    for row in rows {
        let blob: Option<String> = row.try_get("blob")?;
        let size: i64 = row.try_get("size_bytes")?;
        changes.insert(
            row.try_get("path")?,
            blob.map(|blob| FileRef { blob, size }),
        );
    }
    Ok(changes)
}

/// The root of the branch's working tree: its head with the changes folded in, in memory.
pub(super) async fn working_root(
    conn: &mut AnyConnection,
    trees: &mut Trees,
    branch: &Branch,
) -> DomainResult<String> {
    let head = head(conn, branch).await?;
    let changes = changes(conn, branch).await?;
    if changes.is_empty() {
        return Ok(head.root);
    }
    Ok(trees.fold(conn, &head.root, &changes).await?.root)
}

async fn own_commit_count(conn: &mut AnyConnection, branch: &Branch) -> DomainResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM dot_commits WHERE branch_id = $1 AND dropped = 0")
            .bind(&branch.id)
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// (bytes written since the last commit, how much the working tree's size differs from the head's)
async fn change_totals(conn: &mut AnyConnection, branch: &Branch) -> DomainResult<(i64, i64)> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(CASE WHEN blob IS NULL THEN 0 ELSE size_bytes END), 0) AS BIGINT) AS dirty, \
                CAST(COALESCE(SUM(size_bytes - base_size_bytes), 0) AS BIGINT) AS delta \
         FROM dot_changes WHERE branch_id = $1",
    )
    .bind(&branch.id)
    .fetch_one(&mut *conn)
    .await?;
    Ok((row.try_get("dirty")?, row.try_get("delta")?))
}

async fn branch_figures(
    conn: &mut AnyConnection,
    branch: &Branch,
) -> DomainResult<(i64, i64, i64)> {
    let head = head(conn, branch).await?;
    let (dirty, delta) = change_totals(conn, branch).await?;
    let commits = own_commit_count(conn, branch).await?;
    Ok((head.size + delta, dirty, commits))
}

async fn volume_of(conn: &mut AnyConnection, dot: &Dot, branch: &Branch) -> DomainResult<Volume> {
    let (size_bytes, dirty_bytes, commit_count) = branch_figures(conn, branch).await?;
    Ok(Volume {
        id: branch.id.clone(),
        name: VolumeName {
            namespace: dot.path.namespace.clone(),
            name: dot.path.name.clone(),
        },
        branch: branch.name.clone(),
        master: dot.id.clone(),
        size_bytes,
        dirty_bytes,
        commit_count,
        server_states: Map::new(),
        server_statuses: Map::new(),
        fork_parent_id: String::new(),
        fork_parent_snapshot_id: String::new(),
        owner: dot.owner.clone(),
    })
}

/// Whether `commit` is `head` or one of its ancestors: the history a branch can see.
async fn in_history(conn: &mut AnyConnection, head: &str, commit: &str) -> DomainResult<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "WITH RECURSIVE history (id, parent_id) AS ( \
             SELECT id, parent_id FROM dot_commits WHERE id = $1 \
             UNION ALL \
             SELECT c.id, c.parent_id FROM dot_commits c JOIN history h ON c.id = h.parent_id) \
         SELECT 1 FROM history WHERE id = $2 LIMIT 1",
    )
    .bind(head)
    .bind(commit)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_dotmesh_pattern() {
        assert!(DotPath::new("admin", "my_dot-1").is_ok());
        let error = DotPath::new("admin", "has space").unwrap_err();
        assert!(
            error.to_string().contains("Name \"has space\" is invalid"),
            "{error}"
        );
        assert!(DotPath::new("", "x").is_err());
        assert!(DotPath::new("a", &"x".repeat(65)).is_err());
        assert_eq!(branch_name("").unwrap(), "master");
        assert_eq!(branch_name("master").unwrap(), "master");
        assert!(branch_name("../etc").is_err());
    }

    #[test]
    fn metadata_names_must_start_lower_case() {
        let given: Map<String, Value> =
            serde_json::from_value(json!({"fruit": "apples", "count": 3})).unwrap();
        let kept = commit_metadata(&given).unwrap();
        assert_eq!(kept["count"], "3");
        let bad: Map<String, Value> = serde_json::from_value(json!({"Color": "red"})).unwrap();
        assert_eq!(
            commit_metadata(&bad).unwrap_err().to_string(),
            "Metadata field names must start with lowercase characters: Color"
        );
    }

    #[test]
    fn ids_look_like_uuids() {
        let id = new_id();
        assert_eq!(id.len(), 36);
        assert_eq!(id.matches('-').count(), 4);
        assert_ne!(id, new_id());
    }
}
