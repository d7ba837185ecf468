//! The durable outbox of revisions for the pipeline runner. A revision is queued in the
//! transaction that creates it; a sender claims one due entry at a time for a short lease,
//! posts it, and marks it delivered — or schedules the next attempt with a growing back-off.
//! A claim is a guarded UPDATE, so of several processes exactly one sends a given entry at a
//! time, and a process that dies mid-send only delays the entry until its lease runs out.

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use sqlx::{AnyConnection, Row};

use super::model::Dispatch;
use crate::error::DomainResult;
use crate::store::{Store, Tx};
use crate::time;

/// How long a claimed entry is left to its sender before another may take it.
pub const LEASE: Duration = Duration::seconds(30);
/// The longest wait between two attempts.
pub const MAX_BACKOFF_SECONDS: i64 = 60;

pub(super) async fn enqueue(
    tx: &mut Tx,
    flow_id: &str,
    payload: &Value,
    now: &str,
) -> DomainResult<()> {
    sqlx::query(
        "INSERT INTO spec_dispatches (flow_id, payload, created_at, attempts, next_attempt_at) \
         VALUES ($1, $2, $3, 0, $3)",
    )
    .bind(flow_id)
    .bind(payload.to_string())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An entry claimed for sending.
#[derive(Clone, Debug)]
pub struct Claimed {
    pub flow_id: String,
    pub payload: String,
    /// Including this one.
    pub attempt: i64,
}

/// Claims the entry that has been due longest, if any is due at `now`.
pub async fn claim_next(store: &Store, now: DateTime<Utc>) -> DomainResult<Option<Claimed>> {
    let stamp = time::format(now);
    let Some(row) = sqlx::query(
        "SELECT flow_id FROM spec_dispatches WHERE delivered_at IS NULL AND next_attempt_at <= $1 \
         AND (claimed_until IS NULL OR claimed_until <= $1) ORDER BY next_attempt_at LIMIT 1",
    )
    .bind(&stamp)
    .fetch_optional(store.pool())
    .await?
    else {
        return Ok(None);
    };
    let flow_id: String = row.try_get(0)?;
    let mut tx = store.begin_write().await?;
    let claimed = sqlx::query(
        "UPDATE spec_dispatches SET claimed_until = $2, attempts = attempts + 1 \
         WHERE flow_id = $1 AND delivered_at IS NULL AND (claimed_until IS NULL OR claimed_until <= $3)",
    )
    .bind(&flow_id)
    .bind(time::format(now + LEASE))
    .bind(&stamp)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if claimed == 0 {
        // Another process took it first.
        return Ok(None);
    }
    let row = sqlx::query("SELECT payload, attempts FROM spec_dispatches WHERE flow_id = $1")
        .bind(&flow_id)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(Claimed {
        flow_id,
        payload: row.try_get("payload")?,
        attempt: row.try_get("attempts")?,
    }))
}

pub async fn delivered(store: &Store, flow_id: &str, now: DateTime<Utc>) -> DomainResult<()> {
    sqlx::query(
        "UPDATE spec_dispatches SET delivered_at = $2, claimed_until = NULL, last_error = NULL \
         WHERE flow_id = $1",
    )
    .bind(flow_id)
    .bind(time::format(now))
    .execute(store.pool())
    .await?;
    Ok(())
}

/// Records a failed attempt and when to try again: 1 s, 2 s, 4 s … up to a minute.
pub async fn failed(
    store: &Store,
    claimed: &Claimed,
    error: &str,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    sqlx::query(
        "UPDATE spec_dispatches SET next_attempt_at = $2, claimed_until = NULL, last_error = $3 \
         WHERE flow_id = $1",
    )
    .bind(&claimed.flow_id)
    .bind(time::format(now + backoff(claimed.attempt)))
    .bind(error)
    .execute(store.pool())
    .await?;
    Ok(())
}

pub fn backoff(attempt: i64) -> Duration {
    let exponent = attempt.clamp(1, 7) - 1;
    Duration::seconds((1_i64 << exponent).min(MAX_BACKOFF_SECONDS))
}

/// Revisions not yet accepted by the runner, store-wide, and when the oldest was queued.
pub async fn backlog(store: &Store) -> DomainResult<(i64, Option<String>)> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS waiting, MIN(created_at) AS oldest FROM spec_dispatches \
         WHERE delivered_at IS NULL",
    )
    .fetch_one(store.pool())
    .await?;
    Ok((row.try_get("waiting")?, row.try_get("oldest")?))
}

pub(super) async fn status(
    conn: &mut AnyConnection,
    flow_id: &str,
) -> DomainResult<Option<Dispatch>> {
    let row = sqlx::query(
        "SELECT attempts, delivered_at, next_attempt_at, last_error FROM spec_dispatches \
         WHERE flow_id = $1",
    )
    .bind(flow_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|row| {
        let delivered: Option<String> = row.try_get("delivered_at")?;
        Ok(Dispatch {
            attempts: row.try_get("attempts")?,
            next_attempt: if delivered.is_some() {
                None
            } else {
                row.try_get("next_attempt_at")?
            },
            delivered,
            last_error: row.try_get("last_error")?,
        })
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_minute() {
        let seconds: Vec<i64> = (1..=9).map(|a| backoff(a).num_seconds()).collect();
        assert_eq!(seconds, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }
}
