//! Reading the overview: one statement for the surfaces' counts, the catalog for the tables,
//! the audit log for the recent activity, and a question to each part for its health.

use std::time::Duration;

use sqlx::Row;

use super::{Holding, Overview, PartHealth};
use crate::audit::{self, AuditFilter, Surface};
use crate::blobs::BlobStore;
use crate::store::Backend;
use crate::tables::Catalog;
use crate::{time, Actor, DomainResult, Store};

/// How many audit entries the overview shows.
pub const RECENT: i64 = 8;

/// A spec revision waiting longer than this for the pipeline runner makes dispatch unhealthy.
pub const STALE_DISPATCH: Duration = Duration::from_secs(15 * 60);

/// The overview for `actor` (anyone who may read).
pub async fn gather(
    store: &Store,
    blobs: &BlobStore,
    catalog: &Catalog,
    actor: &Actor,
) -> DomainResult<Overview> {
    actor.require_read()?;
    let recent = AuditFilter {
        limit: Some(RECENT),
        ..AuditFilter::default()
    };
    Ok(Overview {
        holdings: holdings(store, catalog).await?,
        recent: audit::query(store, actor, &recent).await?,
        health: vec![
            store_health(store),
            blob_health(blobs).await,
            dispatch_health(store).await?,
        ],
    })
}

fn noun(count: i64, one: &str, many: &str) -> String {
    (if count == 1 { one } else { many }).to_string()
}

async fn holdings(store: &Store, catalog: &Catalog) -> DomainResult<Vec<Holding>> {
    let counts = sqlx::query(
        // clusto keeps its own metadata as an entity: not one of the user's.
        "SELECT (SELECT COUNT(*) FROM inventory_entities WHERE driver <> 'clustometa') AS entities, \
                (SELECT COUNT(*) FROM dots) AS dots, \
                (SELECT COUNT(*) FROM artifacts) AS artifacts, \
                (SELECT COUNT(*) FROM artifact_apps) AS apps, \
                (SELECT COUNT(*) FROM spec_datasets) AS datasets",
    )
    .fetch_one(store.pool())
    .await?;
    let count = |column: &str| counts.try_get::<i64, _>(column);
    let (entities, dots, artifacts, apps, datasets) = (
        count("entities")?,
        count("dots")?,
        count("artifacts")?,
        count("apps")?,
        count("datasets")?,
    );
    let databases: Vec<_> = catalog
        .names()
        .iter()
        .filter_map(|name| catalog.database(name).ok())
        .collect();
    let tables = databases.iter().map(|db| db.tables.len() as i64).sum();
    let databases = databases.len() as i64;
    let holding = |surface: Surface, count: i64, what: String| Holding {
        surface: surface.as_str().to_string(),
        count,
        what,
    };
    Ok(vec![
        holding(
            Surface::Tables,
            tables,
            format!(
                "{} in {databases} {}",
                noun(tables, "table", "tables"),
                noun(databases, "database", "databases")
            ),
        ),
        holding(
            Surface::Inventory,
            entities,
            noun(entities, "entity", "entities"),
        ),
        holding(Surface::Versioning, dots, noun(dots, "dot", "dots")),
        holding(
            Surface::Artifacts,
            artifacts,
            format!(
                "{}, {apps} {}",
                noun(artifacts, "artifact version", "artifact versions"),
                noun(apps, "app", "apps")
            ),
        ),
        holding(
            Surface::Specs,
            datasets,
            noun(datasets, "dataset", "datasets"),
        ),
    ])
}

/// The store has just answered the counts.
fn store_health(store: &Store) -> PartHealth {
    let backend = match store.backend() {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    PartHealth {
        part: "Store".into(),
        healthy: true,
        detail: format!("{backend} answers"),
    }
}

async fn blob_health(blobs: &BlobStore) -> PartHealth {
    let part = "Blob store".to_string();
    let kind = if blobs.takes_direct_uploads() {
        "S3"
    } else {
        "folder"
    };
    if let Err(error) = blobs.probe().await {
        tracing::warn!(%error, "the blob store does not answer");
        return PartHealth {
            part,
            healthy: false,
            detail: format!("the {kind} does not answer"),
        };
    }
    let detail = match blobs.totals().await {
        Ok((count, bytes)) => format!(
            "{kind} answers; {count} {}, {}",
            noun(count, "blob", "blobs"),
            crate::units::human_size(bytes)
        ),
        Err(_) => format!("{kind} answers"),
    };
    PartHealth {
        part,
        healthy: true,
        detail,
    }
}

async fn dispatch_health(store: &Store) -> DomainResult<PartHealth> {
    let (waiting, oldest) = crate::specs::outbox::backlog(store).await?;
    let waited = oldest
        .as_deref()
        .and_then(|at| time::instant(at).ok())
        .map(|at| (chrono::Utc::now() - at).to_std().unwrap_or_default())
        .unwrap_or_default();
    let detail = match (waiting, oldest) {
        (0, _) | (_, None) => "nothing waiting for the pipeline runner".to_string(),
        (waiting, Some(oldest)) => format!(
            "{waiting} {} waiting for the pipeline runner, the oldest since {oldest}",
            noun(waiting, "revision", "revisions")
        ),
    };
    Ok(PartHealth {
        part: "Pipeline dispatch".into(),
        healthy: waited < STALE_DISPATCH,
        detail,
    })
}
