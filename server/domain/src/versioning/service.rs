//! Dots, branches and commits: every rule of the Versioning surface. Texts are Dotmesh's where
//! it had them (API.md §3). Each write is one transaction with its audit record; a branch's
//! row is locked first, so concurrent commits to one branch take turns.

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
            "{what} {value:?} is invalid: names match ^[a-zA-Z0-9_\\-]{{1,64}}$"
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

pub async fn create(store: &Store, actor: &Actor, path: &DotPath) -> DomainResult<Volume> {
    actor.require_write()?;
    let mut tx = store.begin_write().await?;
    if let Some(existing) = find_dot(&mut tx, path).await? {
        return Err(DomainError::conflict(format!(
            "A volume called {} already exists with id {}",
            path.label(),
            existing.id
        )));
    }
    let id = new_id();
    let now = time::now();
    sqlx::query(
        "INSERT INTO dots (id, namespace, name, owner, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&id)
    .bind(&path.namespace)
    .bind(&path.name)
    .bind(actor.name())
    .bind(&now)
    .execute(&mut *tx)
    .await
    .map_err(|e| {
        DomainError::on_unique_violation(
            e,
            format!("A volume called {} already exists", path.label()),
        )
    })?;
    sqlx::query("INSERT INTO dot_branches (id, dot_id, name, created_at) VALUES ($1, $1, $2, $3)")
        .bind(&id)
        .bind(MASTER)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    Surface::Versioning
        .record(&mut tx, actor, &path.label(), "create", json!({ "id": id }))
        .await?;
    let dot = dot(&mut tx, path).await?;
    let master = branch(&mut tx, &dot, MASTER).await?;
    let volume = volume_of(&mut tx, &dot, &master).await?;
    tx.commit().await?;
    Ok(volume)
}

/// The id of a branch (the dot's id for master).
pub async fn lookup(
    store: &Store,
    actor: &Actor,
    path: &DotPath,
    branch_given: &str,
) -> DomainResult<String> {
    actor.require_read()?;
    let mut conn = store.pool().acquire().await?;
    let dot = dot(&mut conn, path).await?;
    Ok(branch(&mut conn, &dot, branch_given).await?.id)
}

/// Like [`lookup`], but `""` when the dot or the branch does not exist.
pub async fn exists(
    store: &Store,
    actor: &Actor,
    path: &DotPath,
    branch_given: &str,
) -> DomainResult<String> {
    match lookup(store, actor, path, branch_given).await {
        Err(DomainError::NotFound(_)) => Ok(String::new()),
        other => other,
    }
}

/// The dot seen from the branch with this id (Dotmesh's `Get`).
pub async fn get(store: &Store, actor: &Actor, id: &str) -> DomainResult<Volume> {
    actor.require_read()?;
    let mut conn = store.pool().acquire().await?;
    let sql = format!(
        "SELECT {DOT_COLUMNS} FROM dot_branches b JOIN dots d ON d.id = b.dot_id WHERE b.id = $1"
    );
    let dot = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(dot_from)
        .transpose()?
        .ok_or_else(|| DomainError::not_found(format!("No such volume with id '{id}'")))?;
    let sql = format!("SELECT {BRANCH_COLUMNS} FROM dot_branches b WHERE b.id = $1");
    let branch = branch_from(&sqlx::query(&sql).bind(id).fetch_one(&mut *conn).await?)?;
    volume_of(&mut conn, &dot, &branch).await
}

/// The dot as seen from its master branch.
pub async fn volume(store: &Store, actor: &Actor, path: &DotPath) -> DomainResult<Volume> {
    actor.require_read()?;
    let mut conn = store.pool().acquire().await?;
    let dot = dot(&mut conn, path).await?;
    let master = branch(&mut conn, &dot, MASTER).await?;
    volume_of(&mut conn, &dot, &master).await
}

/// Every dot, by namespace then name, optionally of one namespace.
pub async fn list(
    store: &Store,
    actor: &Actor,
    namespace: Option<&str>,
) -> DomainResult<Vec<Volume>> {
    actor.require_read()?;
    if let Some(namespace) = namespace {
        check_name("Namespace", namespace)?;
    }
    let mut conn = store.pool().acquire().await?;
    let sql = format!(
        "SELECT {DOT_COLUMNS} FROM dots d WHERE ($1 = '' OR d.namespace = $1) ORDER BY d.namespace, d.name"
    );
    let rows = sqlx::query(&sql)
        .bind(namespace.unwrap_or(""))
        .fetch_all(&mut *conn)
        .await?;
    let mut volumes = Vec::with_capacity(rows.len());
    for row in &rows {
        let dot = dot_from(row)?;
        let master = branch(&mut conn, &dot, MASTER).await?;
        volumes.push(volume_of(&mut conn, &dot, &master).await?);
    }
    Ok(volumes)
}

/// The names of the dot's branches other than master, sorted (Dotmesh's `Branches`).
pub async fn branch_names(
    store: &Store,
    actor: &Actor,
    path: &DotPath,
) -> DomainResult<Vec<String>> {
    Ok(branches(store, actor, path)
        .await?
        .into_iter()
        .map(|b| b.name)
        .filter(|name| name != MASTER)
        .collect())
}

/// Every branch of the dot, master first, with its figures.
pub async fn branches(
    store: &Store,
    actor: &Actor,
    path: &DotPath,
) -> DomainResult<Vec<BranchInfo>> {
    actor.require_read()?;
    let mut conn = store.pool().acquire().await?;
    let dot = dot(&mut conn, path).await?;
    let sql = format!(
        "SELECT {BRANCH_COLUMNS} FROM dot_branches b WHERE b.dot_id = $1 \
         ORDER BY CASE WHEN b.name = 'master' THEN 0 ELSE 1 END, b.name"
    );
    let rows = sqlx::query(&sql)
        .bind(&dot.id)
        .fetch_all(&mut *conn)
        .await?;
    let mut infos = Vec::with_capacity(rows.len());
    for row in rows {
        let branch = branch_from(&row)?;
        let (size_bytes, dirty_bytes, commit_count) = branch_figures(&mut conn, &branch).await?;
        infos.push(BranchInfo {
            id: branch.id,
            name: branch.name,
            head: branch.head,
            origin_branch: branch.origin_branch,
            origin_commit: branch.origin_commit,
            commit_count,
            size_bytes,
            dirty_bytes,
        });
    }
    Ok(infos)
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

/// Starts branch `new_name` at `source_commit` (the source branch's head when empty), which
/// must be in the source branch's history.
pub async fn create_branch(
    store: &Store,
    actor: &Actor,
    path: &DotPath,
    source_branch: &str,
    new_name: &str,
    source_commit: &str,
) -> DomainResult<String> {
    actor.require_write()?;
    check_name("NewBranchName", new_name)?;
    if new_name == MASTER {
        return Err(DomainError::conflict("The master branch already exists"));
    }
    let mut tx = store.begin_write().await?;
    let dot = dot(&mut tx, path).await?;
    let source = branch(&mut tx, &dot, source_branch).await?;
    let commit = match (source_commit, &source.head) {
        ("", Some(head)) => head.clone(),
        ("", None) => {
            return Err(DomainError::invalid(format!(
                "Branch '{}' has no commits to branch from",
                source.name
            )))
        }
        (given, head) => {
            let visible = match head {
                Some(head) => in_history(&mut tx, head, given).await?,
                None => false,
            };
            if !visible {
                return Err(DomainError::not_found(format!(
                    "No such commit '{given}' on branch '{}' of {}",
                    source.name,
                    path.label()
                )));
            }
            given.to_string()
        }
    };
    if find_branch(&mut tx, &dot, new_name).await?.is_some() {
        return Err(DomainError::conflict(format!(
            "A branch called {new_name} already exists on {}",
            path.label()
        )));
    }
    let id = new_id();
    sqlx::query(
        "INSERT INTO dot_branches (id, dot_id, name, head_commit, origin_branch, origin_commit, created_at) \
         VALUES ($1, $2, $3, $4, $5, $4, $6)",
    )
    .bind(&id)
    .bind(&dot.id)
    .bind(new_name)
    .bind(&commit)
    .bind(&source.id)
    .bind(time::now())
    .execute(&mut *tx)
    .await
    .map_err(|e| {
        DomainError::on_unique_violation(
            e,
            format!("A branch called {new_name} already exists on {}", path.label()),
        )
    })?;
    Surface::Versioning
        .record(
            &mut tx,
            actor,
            &path.label(),
            "branch",
            json!({ "branch": new_name, "from": source.name, "commit": commit }),
        )
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Metadata as Dotmesh keeps it: string values under lower-case names.
fn commit_metadata(given: &Map<String, Value>) -> DomainResult<Map<String, Value>> {
    let mut metadata = Map::new();
    for (name, value) in given {
        if !name.chars().next().is_some_and(|c| c.is_lowercase()) {
            return Err(DomainError::invalid(format!(
                "Metadata field names must start with lowercase characters: {name}"
            )));
        }
        let text = match value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        crate::error::refuse_nul(&format!("Metadata field {name}"), &text)?;
        metadata.insert(name.clone(), Value::String(text));
    }
    Ok(metadata)
}

/// Snapshots the branch's working tree; returns the new commit's id.
pub async fn commit(
    store: &Store,
    actor: &Actor,
    path: &DotPath,
    branch_given: &str,
    message: &str,
    metadata: &Map<String, Value>,
) -> DomainResult<String> {
    actor.require_write()?;
    let mut metadata = commit_metadata(metadata)?;
    if message.trim().is_empty() {
        return Err(DomainError::invalid("Commit message must not be empty"));
    }
    crate::error::refuse_nul("A commit message", message)?;
    let nanos = chrono::Utc::now()
        .timestamp_nanos_opt()
        .unwrap_or_default()
        .to_string();
    // Depot's values win over fields of the same name in the caller's metadata.
    metadata.insert("author".into(), actor.name().into());
    metadata.insert("message".into(), message.into());
    metadata.insert("timestamp".into(), nanos.into());

    let mut tx = store.begin_write().await?;
    let dot = dot(&mut tx, path).await?;
    let branch = lock_branch(&mut tx, &dot, branch_given).await?;
    let head = head(&mut tx, &branch).await?;
    let changes = changes(&mut tx, &branch).await?;
    let mut trees = Trees::default();
    let folded = trees.fold(&mut tx, &head.root, &changes).await?;
    tree::store_nodes(&mut tx, &folded.new_nodes).await?;
    let seq: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(MAX(seq), 0) + 1 AS BIGINT) FROM dot_commits WHERE branch_id = $1",
    )
    .bind(&branch.id)
    .fetch_one(&mut *tx)
    .await?;
    let id = new_id();
    sqlx::query(
        "INSERT INTO dot_commits (id, dot_id, branch_id, seq, parent_id, root, size_bytes, file_count, metadata, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&id)
    .bind(&dot.id)
    .bind(&branch.id)
    .bind(seq)
    .bind(&branch.head)
    .bind(&folded.root)
    .bind(head.size + folded.size_delta)
    .bind(head.count + folded.count_delta)
    .bind(Value::Object(metadata).to_string())
    .bind(time::now())
    .execute(&mut *tx)
    .await?;
    move_head(&mut tx, &branch, &id).await?;
    Surface::Versioning.record(&mut tx,
        actor,
        &path.label(),
        "commit",
        json!({ "branch": branch.name, "commit": id, "message": message, "files_changed": changes.len() }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Points the branch at `commit` with a clean working tree.
async fn move_head(tx: &mut Tx, branch: &Branch, commit: &str) -> DomainResult<()> {
    sqlx::query("UPDATE dot_branches SET head_commit = $1 WHERE id = $2")
        .bind(commit)
        .bind(&branch.id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM dot_changes WHERE branch_id = $1")
        .bind(&branch.id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn metadata_of(row: &AnyRow) -> DomainResult<Map<String, Value>> {
    let text: String = row.try_get("metadata")?;
    match serde_json::from_str(&text) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(DomainError::Internal(
            "commit metadata is not an object".into(),
        )),
    }
}

/// The branch's own commits, oldest first (a new branch lists only its own).
pub async fn commits(
    store: &Store,
    actor: &Actor,
    path: &DotPath,
    branch_given: &str,
) -> DomainResult<Vec<CommitEntry>> {
    actor.require_read()?;
    let mut conn = store.pool().acquire().await?;
    let dot = dot(&mut conn, path).await?;
    let branch = branch(&mut conn, &dot, branch_given).await?;
    let rows = sqlx::query(
        "SELECT id, metadata FROM dot_commits WHERE branch_id = $1 AND dropped = 0 ORDER BY seq",
    )
    .bind(&branch.id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(CommitEntry {
                id: row.try_get("id")?,
                metadata: metadata_of(row)?,
            })
        })
        .collect()
}

/// Every commit of the dot with its branch and parent, oldest first: the commit graph.
pub async fn graph(store: &Store, actor: &Actor, path: &DotPath) -> DomainResult<Vec<GraphCommit>> {
    actor.require_read()?;
    let mut conn = store.pool().acquire().await?;
    let dot = dot(&mut conn, path).await?;
    let rows = sqlx::query(
        "SELECT c.id, COALESCE(b.name, '') AS branch, c.parent_id, c.metadata, c.size_bytes, \
                c.file_count, c.dropped \
         FROM dot_commits c LEFT JOIN dot_branches b ON b.id = c.branch_id \
         WHERE c.dot_id = $1 ORDER BY c.created_at, c.seq",
    )
    .bind(&dot.id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let metadata = metadata_of(row)?;
            let text = |name: &str| {
                metadata
                    .get(name)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            let dropped: i64 = row.try_get("dropped")?;
            Ok(GraphCommit {
                id: row.try_get("id")?,
                branch: row.try_get("branch")?,
                parent: row.try_get("parent_id")?,
                message: text("message"),
                author: text("author"),
                timestamp: text("timestamp"),
                size_bytes: row.try_get("size_bytes")?,
                file_count: row.try_get("file_count")?,
                dropped: dropped != 0,
                metadata,
            })
        })
        .collect()
}

/// Moves the branch back to `snapshot` (a commit in its history): later commits are taken off
/// the branch and the working tree is reset to the snapshot.
pub async fn rollback(
    store: &Store,
    actor: &Actor,
    path: &DotPath,
    branch_given: &str,
    snapshot: &str,
) -> DomainResult<()> {
    actor.require_write()?;
    let mut tx = store.begin_write().await?;
    let dot = dot(&mut tx, path).await?;
    let branch = lock_branch(&mut tx, &dot, branch_given).await?;
    let reachable = match &branch.head {
        Some(head) => in_history(&mut tx, head, snapshot).await?,
        None => false,
    };
    if !reachable {
        return Err(DomainError::not_found(format!(
            "No such commit '{snapshot}' on branch '{}' of {}",
            branch.name,
            path.label()
        )));
    }
    let own_seq: Option<i64> =
        sqlx::query_scalar("SELECT seq FROM dot_commits WHERE id = $1 AND branch_id = $2")
            .bind(snapshot)
            .bind(&branch.id)
            .fetch_optional(&mut *tx)
            .await?;
    // A snapshot from before the branch's own first commit drops all of the branch's commits.
    sqlx::query("UPDATE dot_commits SET dropped = 1 WHERE branch_id = $1 AND seq > $2")
        .bind(&branch.id)
        .bind(own_seq.unwrap_or(0))
        .execute(&mut *tx)
        .await?;
    move_head(&mut tx, &branch, snapshot).await?;
    Surface::Versioning
        .record(
            &mut tx,
            actor,
            &path.label(),
            "rollback",
            json!({ "branch": branch.name, "from": branch.head, "to": snapshot }),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes the dot with its branches and commits; only its owner or an admin may.
pub async fn delete(store: &Store, actor: &Actor, path: &DotPath) -> DomainResult<()> {
    actor.require_write()?;
    let mut tx = store.begin_write().await?;
    let dot = dot(&mut tx, path).await?;
    if !actor.is_admin() && actor.name() != dot.owner {
        return Err(DomainError::forbidden(format!(
            "You are not the owner of volume {}. Only the owner can delete it.",
            path.label()
        )));
    }
    sqlx::query("DELETE FROM dots WHERE id = $1")
        .bind(&dot.id)
        .execute(&mut *tx)
        .await?;
    Surface::Versioning
        .record(
            &mut tx,
            actor,
            &path.label(),
            "delete",
            json!({ "id": dot.id }),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes a branch other than master. Its commits stay reachable by id, since other branches
/// may have started from them.
pub async fn delete_branch(
    store: &Store,
    actor: &Actor,
    path: &DotPath,
    branch_given: &str,
) -> DomainResult<()> {
    actor.require_write()?;
    if branch_name(branch_given)? == MASTER {
        return Err(DomainError::invalid("The master branch cannot be deleted"));
    }
    let mut tx = store.begin_write().await?;
    let dot = dot(&mut tx, path).await?;
    let branch = lock_branch(&mut tx, &dot, branch_given).await?;
    sqlx::query("DELETE FROM dot_branches WHERE id = $1")
        .bind(&branch.id)
        .execute(&mut *tx)
        .await?;
    Surface::Versioning
        .record(
            &mut tx,
            actor,
            &path.label(),
            "delete branch",
            json!({ "branch": branch.name, "head": branch.head }),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The root of a commit of this dot.
pub(super) async fn commit_root(
    conn: &mut AnyConnection,
    dot: &Dot,
    commit: &str,
) -> DomainResult<String> {
    sqlx::query_scalar("SELECT root FROM dot_commits WHERE id = $1 AND dot_id = $2")
        .bind(commit)
        .bind(&dot.id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| no_such_commit(&dot.path, commit))
}

/// The roots of the two trees a diff compares: commit `from` (the branch head when empty) and
/// commit `to` (the branch's working tree when empty).
pub(super) async fn diff_roots(
    conn: &mut AnyConnection,
    trees: &mut Trees,
    dot: &Dot,
    branch_given: &str,
    from: &str,
    to: &str,
) -> DomainResult<(String, String)> {
    if !from.is_empty() && !to.is_empty() {
        return Ok((
            commit_root(conn, dot, from).await?,
            commit_root(conn, dot, to).await?,
        ));
    }
    let branch = branch(conn, dot, branch_given).await?;
    let from_root = match from {
        "" => head(conn, &branch).await?.root,
        commit => commit_root(conn, dot, commit).await?,
    };
    let to_root = match to {
        "" => working_root(conn, trees, &branch).await?,
        commit => commit_root(conn, dot, commit).await?,
    };
    Ok((from_root, to_root))
}

/// Files that differ from commit `from` (the branch head when empty) to commit `to` (the
/// branch's working tree when empty).
pub async fn diff(
    store: &Store,
    actor: &Actor,
    path: &DotPath,
    branch_given: &str,
    from: &str,
    to: &str,
) -> DomainResult<Vec<FileDiff>> {
    actor.require_read()?;
    let mut conn = store.pool().acquire().await?;
    let dot = dot(&mut conn, path).await?;
    let mut trees = Trees::default();
    let (from_root, to_root) =
        diff_roots(&mut conn, &mut trees, &dot, branch_given, from, to).await?;
    trees.diff(&mut conn, &from_root, &to_root).await
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
