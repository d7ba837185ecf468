//! What changed between two commits, or a commit and a working tree.

use super::*;

/// The root of a commit of this dot.
pub(in crate::versioning) async fn commit_root(
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
pub(in crate::versioning) async fn diff_roots(
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
    let mut conn = store.reading_as(actor).await?;
    let dot = dot(&mut conn, path).await?;
    let mut trees = Trees::default();
    let (from_root, to_root) =
        diff_roots(&mut conn, &mut trees, &dot, branch_given, from, to).await?;
    trees.diff(&mut conn, &from_root, &to_root).await
}

/// What commit `commit` itself changed: its files against its parent's — every file added, for
/// a dot's first commit.
pub async fn changes_of(
    store: &Store,
    actor: &Actor,
    path: &DotPath,
    commit: &str,
) -> DomainResult<Vec<FileDiff>> {
    let mut conn = store.reading_as(actor).await?;
    let dot = dot(&mut conn, path).await?;
    let parent: Option<Option<String>> =
        sqlx::query_scalar("SELECT parent_id FROM dot_commits WHERE id = $1 AND dot_id = $2")
            .bind(commit)
            .bind(&dot.id)
            .fetch_optional(&mut *conn)
            .await?;
    let from_root = match parent.ok_or_else(|| no_such_commit(&dot.path, commit))? {
        Some(parent) => commit_root(&mut conn, &dot, &parent).await?,
        None => tree::empty_root(),
    };
    let to_root = commit_root(&mut conn, &dot, commit).await?;
    Trees::default().diff(&mut conn, &from_root, &to_root).await
}
