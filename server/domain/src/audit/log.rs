//! Writing and reading the audit log.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{AuditEntry, AuditFilter, Surface};
use crate::auth::actor::Actor;
use crate::error::{DomainError, DomainResult};
use crate::store::{Store, Tx};
use crate::time;

/// What a write did, as recorded: who, when, where, to what, and a summary of the change
/// (never a secret).
pub struct Change<'a> {
    pub surface: Surface,
    pub object: &'a str,
    pub action: &'a str,
    pub summary: serde_json::Value,
}

pub async fn record(tx: &mut Tx, actor: &Actor, change: Change<'_>) -> DomainResult<()> {
    record_as(tx, actor.name(), change).await
}

/// Records a write by a party that is not a Depot user: the holder of an auth-server token, or
/// Depot itself (the scheduler).
pub async fn record_as(tx: &mut Tx, actor_name: &str, change: Change<'_>) -> DomainResult<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor, surface, object, action, summary) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(time::now())
    .bind(actor_name)
    .bind(change.surface.as_str())
    .bind(change.object)
    .bind(change.action)
    .bind(change.summary.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Surface {
    /// Records a write on this surface, in the writer's transaction: the form every surface's
    /// service uses, so none needs a wrapper of its own.
    pub async fn record(
        self,
        tx: &mut Tx,
        actor: &Actor,
        object: &str,
        action: &str,
        summary: serde_json::Value,
    ) -> DomainResult<()> {
        self.record_as(tx, actor.name(), object, action, summary)
            .await
    }

    /// [`Surface::record`] for a writer known only by name (see [`record_as`]).
    pub async fn record_as(
        self,
        tx: &mut Tx,
        actor_name: &str,
        object: &str,
        action: &str,
        summary: serde_json::Value,
    ) -> DomainResult<()> {
        record_as(
            tx,
            actor_name,
            Change {
                surface: self,
                object,
                action,
                summary,
            },
        )
        .await
    }
}

pub const DEFAULT_PAGE: i64 = 100;
pub const MAX_PAGE: i64 = 1000;

/// Entries matching `filter`, newest first.
pub async fn query(
    store: &Store,
    actor: &Actor,
    filter: &AuditFilter,
) -> DomainResult<Vec<AuditEntry>> {
    actor.require_read()?;
    let limit = filter.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(DomainError::invalid(format!(
            "limit must be between 1 and {MAX_PAGE}, not {limit}"
        )));
    }
    let since = filter
        .since
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| time::parse("since", s))
        .transpose()?;
    let until = filter
        .until
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| time::parse("until", s))
        .transpose()?;

    // Conditions are fixed SQL; only their values are bound.
    let mut conditions = Vec::new();
    let mut values: Vec<String> = Vec::new();
    let mut condition = |sql: &str, value: String| {
        values.push(value);
        conditions.push(sql.replace('?', &format!("${}", values.len())));
    };
    if let Some(user) = filter.user.as_deref().filter(|s| !s.is_empty()) {
        condition("actor = ?", user.to_string());
    }
    if let Some(surface) = filter.surface.as_deref().filter(|s| !s.is_empty()) {
        condition("surface = ?", surface.to_string());
    }
    if let Some(object) = filter.object.as_deref().filter(|s| !s.is_empty()) {
        condition("object = ?", object.to_string());
    }
    if let Some(since) = since {
        condition("at >= ?", since);
    }
    if let Some(until) = until {
        condition("at < ?", until);
    }
    let mut sql =
        String::from("SELECT id, at, actor, surface, object, action, summary FROM audit_log");
    let before_placeholder = values.len() + 1;
    if filter.before.is_some() {
        conditions.push(format!("id < ${before_placeholder}"));
    }
    if !conditions.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&conditions.join(" AND "));
    }
    sql.push_str(&format!(" ORDER BY id DESC LIMIT {limit}"));

    let mut query = sqlx::query(&sql);
    for value in values {
        query = query.bind(value);
    }
    if let Some(before) = filter.before {
        query = query.bind(before);
    }
    let rows = query.fetch_all(store.pool()).await?;
    rows.iter().map(entry_from_row).collect()
}

fn entry_from_row(row: &AnyRow) -> DomainResult<AuditEntry> {
    let summary: String = row.try_get("summary")?;
    Ok(AuditEntry {
        id: row.try_get("id")?,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        surface: row.try_get("surface")?,
        object: row.try_get("object")?,
        action: row.try_get("action")?,
        summary: serde_json::from_str(&summary).unwrap_or(serde_json::Value::String(summary)),
    })
}
