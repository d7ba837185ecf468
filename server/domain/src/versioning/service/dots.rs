//! Dots: create, look up, list, delete.

use super::*;

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
    let mut conn = store.reading_as(actor).await?;
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
    let mut conn = store.reading_as(actor).await?;
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
    let mut conn = store.reading_as(actor).await?;
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
