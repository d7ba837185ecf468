//! Scheduled re-submission: a dataset whose spec has `schedule: "every …"` gets a new revision
//! of its current spec each time its next run comes due. Every process may look; a run is taken
//! by moving the dataset's due time with a compare-and-set, so exactly one process makes it.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::schedule::next_run_after;
use super::service::{create_revision, instant, Dispatching};
use crate::error::DomainResult;
use crate::store::Store;
use crate::time;

/// The name scheduled revisions are recorded under.
pub const SCHEDULER: &str = "scheduler";

/// Makes every run due at `now`; returns the flow ids of the revisions made.
pub async fn run_due(
    store: &Store,
    now: DateTime<Utc>,
    dispatching: Dispatching,
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
        let was_due: String = row.try_get("next_run_at")?;
        let period: Option<i64> = row.try_get("schedule_seconds")?;
        let Some(period) = period else { continue };
        let next = next_run_after(instant(&was_due)?, period, now);
        let mut tx = store.begin_write().await?;
        let taken = sqlx::query(
            "UPDATE spec_datasets SET next_run_at = $3 WHERE id = $1 AND next_run_at = $2",
        )
        .bind(&id)
        .bind(&was_due)
        .bind(time::format(next))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if taken == 0 {
            continue;
        }
        let spec_text: String = sqlx::query("SELECT spec FROM spec_datasets WHERE id = $1")
            .bind(&id)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        let spec = serde_json::from_str(&spec_text).unwrap_or_default();
        let flow_id = create_revision(
            &mut tx,
            &id,
            &spec,
            "schedule",
            SCHEDULER,
            &stamp,
            dispatching,
        )
        .await?;
        tx.commit().await?;
        made.push(flow_id);
    }
    Ok(made)
}
