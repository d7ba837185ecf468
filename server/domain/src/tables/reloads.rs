//! Reloads of an attached database that reach every replica. The process asked to reload
//! introspects at once and bumps the database's generation in the store; every process
//! ([`follow`], polled by the background work) reloads a database whose generation moved past
//! the one it has seen. So a table added to a database shows up on every replica within a poll.

use std::sync::Arc;

use super::catalog::{Catalog, Database};
use super::error::TablesResult;
use crate::audit::{self, Change, Surface};
use crate::{Actor, DomainResult, Store};

/// `POST /api/db/{db}/reload`: an admin's request, audited.
pub async fn request(
    store: &Store,
    catalog: &Catalog,
    actor: &Actor,
    name: &str,
) -> TablesResult<Arc<Database>> {
    actor.require_admin()?;
    catalog.database(name)?;
    let database = catalog.reload(name).await?;
    let mut tx = store.begin_write().await?;
    let generation: i64 = sqlx::query_scalar(
        "INSERT INTO catalog_reloads (name, generation, requested_at) VALUES ($1, 1, $2) \
         ON CONFLICT (name) DO UPDATE SET generation = catalog_reloads.generation + 1, \
         requested_at = excluded.requested_at RETURNING generation",
    )
    .bind(name)
    .bind(crate::time::now())
    .fetch_one(&mut *tx)
    .await
    .map_err(crate::DomainError::from)?;
    audit::record(
        &mut tx,
        actor,
        Change {
            surface: Surface::Tables,
            object: name,
            action: "reload",
            summary: serde_json::json!({ "tables": database.tables.len() }),
        },
    )
    .await?;
    tx.commit().await.map_err(crate::DomainError::from)?;
    catalog.saw_reload(name, generation);
    Ok(database)
}

/// Reloads every database another process was asked to reload since this one last looked.
/// Returns their names.
pub async fn follow(store: &Store, catalog: &Catalog) -> DomainResult<Vec<String>> {
    let generations: Vec<(String, i64)> =
        sqlx::query_as("SELECT name, generation FROM catalog_reloads")
            .fetch_all(store.pool())
            .await?;
    let mut reloaded = Vec::new();
    for (name, generation) in generations {
        if catalog.reload_seen(&name) >= generation || catalog.database(&name).is_err() {
            continue;
        }
        match catalog.reload(&name).await {
            Ok(_) => {
                catalog.saw_reload(&name, generation);
                reloaded.push(name);
            }
            Err(error) => tracing::warn!(database = %name, %error, "could not reload"),
        }
    }
    Ok(reloaded)
}
