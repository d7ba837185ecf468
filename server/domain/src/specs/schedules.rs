//! Scheduled re-submission: a dataset whose spec has `schedule: "every …"` gets a new revision
//! of its current spec each time its next run comes due. Every process may look; a run is taken
//! by moving the dataset's due time with a compare-and-set, so exactly one process makes it.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::schedule::next_run_after;
use super::service::{create_revision, instant, Dispatching};
use crate::error::{DomainError, DomainResult};
use crate::store::Store;
use crate::time;

/// The name scheduled revisions are recorded under.
pub const SCHEDULER: &str = "scheduler";

/// Makes every run due at `now`; returns the flow ids of the revisions made.
pub async fn run_due(
    store: &Store,
    now: DateTime<Utc>,
    dispatching: &Dispatching,
) -> DomainResult<Vec<String>> {
    let stamp = time::format(now);
    let due = sqlx::query(
        "SELECT id, schedule_seconds, next_run_at FROM spec_datasets \
         WHERE next_run_at IS NOT NULL AND next_run_at <= $1 ORDER BY next_run_at",
    )
    .bind(&stamp)
    .fetch_all(store.pool())
    .await?;
    let mut made = Vec::new();
    for row in due {
        let id: String = row.try_get("id")?;
        // One dataset's trouble must not hold up every other schedule.
        match run_one(store, &row, now, &stamp, dispatching).await {
            Ok(Some(flow_id)) => made.push(flow_id),
            Ok(None) => {}
            Err(error) => tracing::warn!(dataset = %id, %error, "a scheduled run failed"),
        }
    }
    Ok(made)
}

/// Takes one due run and makes its revision, unless another process took it first.
async fn run_one(
    store: &Store,
    row: &AnyRow,
    now: DateTime<Utc>,
    stamp: &str,
    dispatching: &Dispatching,
) -> DomainResult<Option<String>> {
    let id: String = row.try_get("id")?;
    let was_due: String = row.try_get("next_run_at")?;
    let Some(period) = row.try_get::<Option<i64>, _>("schedule_seconds")? else {
        return Ok(None);
    };
    let next = next_run_after(instant(&was_due)?, period, now);
    let mut tx = store.begin_write().await?;
    let taken =
        sqlx::query("UPDATE spec_datasets SET next_run_at = $3 WHERE id = $1 AND next_run_at = $2")
            .bind(&id)
            .bind(&was_due)
            .bind(time::format(next))
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if taken == 0 {
        return Ok(None);
    }
    let spec_text: String = sqlx::query("SELECT spec FROM spec_datasets WHERE id = $1")
        .bind(&id)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
    let spec = serde_json::from_str(&spec_text)
        .map_err(|e| DomainError::Internal(format!("the stored spec of {id} is not JSON: {e}")))?;
    let flow_id = create_revision(
        &mut tx,
        &id,
        &spec,
        "schedule",
        SCHEDULER,
        stamp,
        dispatching,
    )
    .await?;
    tx.commit().await?;
    dispatching.ring();
    Ok(Some(flow_id))
}
