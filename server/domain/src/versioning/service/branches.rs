//! Branches: list, create from a branch or commit, delete.

use super::*;

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
    let mut conn = store.reading_as(actor).await?;
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
