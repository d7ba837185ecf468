//! Commits: the working tree folded into a commit, history, the graph, rollback.

use super::*;

/// Metadata as Dotmesh keeps it: string values under lower-case names.
pub(in crate::versioning) fn commit_metadata(
    given: &Map<String, Value>,
) -> DomainResult<Map<String, Value>> {
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
    let mut conn = store.reading_as(actor).await?;
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
    let mut conn = store.reading_as(actor).await?;
    let dot = dot(&mut conn, path).await?;
    let rows = sqlx::query(
        "SELECT c.id, COALESCE(b.name, '') AS branch, c.parent_id, c.metadata, c.size_bytes, \
                c.file_count, c.dropped, c.created_at \
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
                at: row.try_get("created_at")?,
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
