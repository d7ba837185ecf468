//! Scheduled re-submission: a dataset whose spec has `schedule: "every …"` gets a new revision
//! of its current spec each time its next run comes due. Every process may look; a run is taken
//! by moving the dataset's due time with a compare-and-set, so exactly one process makes it.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::schedule::next_run_after;
use super::service::{create_revision, Dispatching};
use crate::error::{DomainError, DomainResult};
use crate::store::Store;
use crate::time;

/// The name scheduled revisions are recorded under.
pub const SCHEDULER: &str = "scheduler";

/// A run a process saw due: the dataset and the due time it saw, which taking the run moves on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueRun {
    pub dataset_id: String,
    was_due: String,
    period_seconds: i64,
}

/// Makes every run due at `now`; returns the flow ids of the revisions made.
pub async fn run_due(
    store: &Store,
    now: DateTime<Utc>,
    dispatching: &Dispatching,
) -> DomainResult<Vec<String>> {
    let mut made = Vec::new();
    for run in due(store, now).await? {
        // One dataset's trouble must not hold up every other schedule.
        match take(store, &run, now, dispatching).await {
            Ok(Some(flow_id)) => made.push(flow_id),
            Ok(None) => {}
            Err(error) => {
                tracing::warn!(dataset = %run.dataset_id, %error, "a scheduled run failed")
            }
        }
    }
    Ok(made)
}

/// The runs due at `now`, oldest first.
pub async fn due(store: &Store, now: DateTime<Utc>) -> DomainResult<Vec<DueRun>> {
    let rows = sqlx::query(
        "SELECT id, schedule_seconds, next_run_at FROM spec_datasets \
         WHERE next_run_at IS NOT NULL AND schedule_seconds IS NOT NULL AND next_run_at <= $1 \
         ORDER BY next_run_at",
    )
    .bind(time::format(now))
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(DueRun {
                dataset_id: row.try_get("id")?,
                was_due: row.try_get("next_run_at")?,
                period_seconds: row.try_get("schedule_seconds")?,
            })
        })
        .collect()
}

/// Takes `run` and makes its revision — unless another process took it since it was seen due,
/// which the compare-and-set on the due time finds out (`None`).
pub async fn take(
    store: &Store,
    run: &DueRun,
    now: DateTime<Utc>,
    dispatching: &Dispatching,
) -> DomainResult<Option<String>> {
    let id = &run.dataset_id;
    let next = next_run_after(time::instant(&run.was_due)?, run.period_seconds, now);
    let mut tx = store.begin_write().await?;
    let taken =
        sqlx::query("UPDATE spec_datasets SET next_run_at = $3 WHERE id = $1 AND next_run_at = $2")
            .bind(id)
            .bind(&run.was_due)
            .bind(time::format(next))
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if taken == 0 {
        return Ok(None);
    }
    let spec_text: String = sqlx::query("SELECT spec FROM spec_datasets WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
    let spec = serde_json::from_str(&spec_text)
        .map_err(|e| DomainError::Internal(format!("the stored spec of {id} is not JSON: {e}")))?;
    let flow_id = create_revision(
        &mut tx,
        id,
        &spec,
        "schedule",
        SCHEDULER,
        &time::format(now),
        dispatching,
    )
    .await?;
    tx.commit().await?;
    dispatching.ring();
    Ok(Some(flow_id))
}
