//! Who writes a row, and the audit record each write leaves. Every write service of Tables
//! takes its [`Writer`], checks the role and records the change itself, so a row saved from the
//! admin UI is audited exactly as one written over REST (API.md §0).

use serde_json::json;

use super::catalog::{Database, Table};
use super::service::{Row, RowKey};
use crate::audit::{self, Change, Surface};
use crate::auth::actor::Actor;
use crate::error::DomainError;
use crate::store::Store;

/// The caller of a write, and Depot's store, which keeps the audit log.
#[derive(Clone, Copy)]
pub struct Writer<'a> {
    pub store: &'a Store,
    pub actor: &'a Actor,
}

/// Appends the audit record of a write to `row` (`fields`: the columns the caller gave). The
/// row lives in another database than the audit log, so the record follows the row's commit;
/// one that cannot be written is logged (README: a known difference).
pub(super) async fn record(
    by: Writer<'_>,
    database: &Database,
    table: &Table,
    row: &Row,
    action: &str,
    fields: Vec<String>,
) {
    let object = format!(
        "{}/{}/{}",
        database.name,
        table.resource,
        RowKey::of(table, row)
    );
    let change = Change {
        surface: Surface::Tables,
        object: &object,
        action,
        summary: json!({ "fields": fields }),
    };
    let recorded = async {
        let mut tx = by.store.begin_write().await?;
        audit::record(&mut tx, by.actor, change).await?;
        tx.commit().await?;
        Ok::<_, DomainError>(())
    }
    .await;
    if let Err(error) = recorded {
        tracing::error!(%error, "audit record of a tables write failed");
    }
}
