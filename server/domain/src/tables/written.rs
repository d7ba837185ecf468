//! Who writes a row, and the audit record each write leaves. Every write service of Tables
//! takes its [`Writer`], checks the role and records the change itself, so a row saved from the
//! admin UI is audited exactly as one written over REST (API.md §0).

use serde_json::{json, Map, Value};

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

/// Appends the audit record of a write to `row` (`fields`: the columns the caller gave; for an
/// update, `before` is the row as it was, and the record says what each field changed from and
/// to). The row lives in another database than the audit log, so the record follows the row's
/// commit; one that cannot be written is logged (README: a known difference).
pub(super) async fn record(
    by: Writer<'_>,
    database: &Database,
    table: &Table,
    row: &Row,
    before: Option<&Row>,
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
        summary: summary(fields, before, row),
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

/// The longest text of a value the audit record keeps; longer values are cut, with "…".
const KEPT_CHARS: usize = 200;

/// `{"fields": [...]}`, and for an update `"changes": {field: {"from": …, "to": …}}` for each
/// given field whose value changed.
fn summary(fields: Vec<String>, before: Option<&Row>, after: &Row) -> Value {
    let kept = |value: Option<&Value>| match value {
        Some(Value::String(text)) if text.chars().count() > KEPT_CHARS => {
            Value::String(text.chars().take(KEPT_CHARS).chain(['…']).collect())
        }
        Some(value) => value.clone(),
        None => Value::Null,
    };
    let changes: Map<String, Value> = before
        .map(|before| {
            fields
                .iter()
                .filter(|field| before.get(*field) != after.get(*field))
                .map(|field| {
                    let change = json!({"from": kept(before.get(field)), "to": kept(after.get(field))});
                    (field.clone(), change)
                })
                .collect()
        })
        .unwrap_or_default();
    if changes.is_empty() {
        json!({ "fields": fields })
    } else {
        json!({ "fields": fields, "changes": changes })
    }
}
