//! The pipeline runner's events: a pipeline queued, started, progressing or finished, and the
//! revision's state derived from all of them (a failure fails what depends on it).

use super::*;

/// A pipeline runner's report (`POST /source/update`).
#[derive(Clone, Debug, PartialEq)]
pub struct PipelineEvent {
    pub pipeline_id: String,
    /// `owner/dataset/N` when the runner says which revision; otherwise the event goes to the
    /// newest unfinished revision that has the pipeline (the runner runs the newest spec).
    pub flow_id: Option<String>,
    pub event: EventKind,
    pub success: Option<bool>,
    pub errors: Vec<Value>,
    pub log: Vec<Value>,
    pub stats: Option<Value>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Queue,
    Start,
    Progress,
    Finish,
}

impl EventKind {
    pub fn parse(text: &str) -> DomainResult<Self> {
        match text {
            "queue" => Ok(Self::Queue),
            "start" => Ok(Self::Start),
            "progress" => Ok(Self::Progress),
            "finish" => Ok(Self::Finish),
            other => Err(DomainError::invalid(format!(
                "event must be one of queue, start, progress, finish, not {other:?}"
            ))),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Queue => "queue",
            Self::Start => "start",
            Self::Progress => "progress",
            Self::Finish => "finish",
        }
    }
}

impl PipelineEvent {
    /// The status the event gives its pipeline.
    fn status(&self) -> DomainResult<PipelineStatus> {
        Ok(match (self.event, self.success) {
            (EventKind::Queue, _) => PipelineStatus::Pending,
            (EventKind::Start | EventKind::Progress, _) => PipelineStatus::Running,
            (EventKind::Finish, Some(true)) => PipelineStatus::Success,
            (EventKind::Finish, Some(false)) => PipelineStatus::Failed,
            (EventKind::Finish, None) => {
                return Err(DomainError::invalid(
                    "a finish event needs \"success\": true or false",
                ))
            }
        })
    }

    /// The pipeline (without `./`) and the dataset it belongs to.
    fn pipeline_and_dataset(&self) -> (&str, &str) {
        let pipeline_id = self.pipeline_id.trim_start_matches("./");
        let dataset_id = pipeline_id.split(':').next().unwrap_or(pipeline_id);
        (pipeline_id, dataset_id)
    }
}

/// Records a pipeline runner's event: the pipeline's status, log, errors and stats, the failure
/// of what depends on a failed pipeline, and the revision's state derived from all its
/// pipelines — in one transaction, with its audit record. An unknown pipeline or revision is
/// specstore's "pipeline not found", not an error.
pub async fn update(
    store: &Store,
    actor: &Actor,
    event: &PipelineEvent,
) -> DomainResult<UpdateOutcome> {
    actor.require_write()?;
    let status = event.status()?;
    let not_found = UpdateOutcome {
        success: false,
        status: None,
        id: None,
        errors: vec![PIPELINE_NOT_FOUND.into()],
    };
    let (pipeline_id, dataset_id) = event.pipeline_and_dataset();
    let now = time::now();

    let mut tx = store.begin_write().await?;
    let Some(revision) = revision_of(&mut tx, event).await? else {
        return Ok(not_found);
    };
    if !lock_revision(&mut tx, dataset_id, revision, &now).await? {
        return Ok(not_found);
    }
    let mut pipelines = pipelines_of(&mut tx, dataset_id, revision).await?;
    let Some(changed) = apply(&mut pipelines, pipeline_id, status, event, &now) else {
        return Ok(not_found);
    };
    for pipeline in pipelines.iter().filter(|p| changed.contains(&p.id)) {
        store_pipeline(&mut tx, dataset_id, revision, pipeline, &now).await?;
    }
    let state = state_of(pipelines.iter().map(|p| p.status));
    store_revision_state(&mut tx, dataset_id, revision, state, event).await?;
    let flow_id = format!("{dataset_id}/{revision}");
    let summary =
        json!({"pipeline": pipeline_id, "status": status.as_str(), "state": state.as_str()});
    Surface::Specs
        .record(&mut tx, actor, &flow_id, event.event.as_str(), summary)
        .await?;
    tx.commit().await?;
    Ok(UpdateOutcome {
        success: true,
        status: Some(state.flow_status().into()),
        id: Some(flow_id),
        errors: event.errors.iter().map(text_of).collect(),
    })
}

/// The revision an event is about: the one its `flow_id` names, or else the newest unfinished
/// revision that has the pipeline. `None` when there is none.
async fn revision_of(tx: &mut Tx, event: &PipelineEvent) -> DomainResult<Option<i64>> {
    let (pipeline_id, dataset_id) = event.pipeline_and_dataset();
    if let Some(flow_id) = &event.flow_id {
        return Ok(flow_id
            .strip_prefix(dataset_id)
            .and_then(|rest| rest.strip_prefix('/'))
            .and_then(|n| n.parse::<i64>().ok()));
    }
    let newest_running = sqlx::query(
        "SELECT p.revision FROM spec_pipelines p JOIN spec_revisions r \
         ON r.dataset_id = p.dataset_id AND r.revision = p.revision \
         WHERE p.dataset_id = $1 AND p.pipeline_id = $2 AND r.state IN ('QUEUED', 'INPROGRESS') \
         ORDER BY p.revision DESC LIMIT 1",
    )
    .bind(dataset_id)
    .bind(pipeline_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(newest_running
        .map(|row| row.try_get::<i64, _>(0))
        .transpose()?)
}

/// Takes the revision's row, so that events of one revision wait for each other and each
/// derives the state from every earlier event's statuses. False when there is no such row.
async fn lock_revision(
    tx: &mut Tx,
    dataset_id: &str,
    revision: i64,
    now: &str,
) -> DomainResult<bool> {
    let locked = sqlx::query(
        "UPDATE spec_revisions SET updated_at = $3 WHERE dataset_id = $1 AND revision = $2",
    )
    .bind(dataset_id)
    .bind(revision)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(locked.rows_affected() > 0)
}

/// The event applied to its pipeline (and, for a failure, to those depending on it): the ids
/// of the pipelines it changed, or `None` when the revision has no such pipeline.
fn apply(
    pipelines: &mut [Pipeline],
    pipeline_id: &str,
    status: PipelineStatus,
    event: &PipelineEvent,
    now: &str,
) -> Option<Vec<String>> {
    let target = pipelines.iter_mut().find(|p| p.id == pipeline_id)?;
    target.status = status;
    target.error_log = event.errors.clone();
    append_kept(&mut target.log, &event.log);
    if let Some(stats) = event.stats.as_ref().filter(|s| !s.is_null()) {
        target.stats = stats.clone();
    }
    target.updated = now.to_string();
    let mut changed = vec![pipeline_id.to_string()];
    if status == PipelineStatus::Failed {
        changed.extend(fail_dependants(pipelines, pipeline_id, now));
    }
    Some(changed)
}

async fn store_pipeline(
    tx: &mut Tx,
    dataset_id: &str,
    revision: i64,
    pipeline: &Pipeline,
    now: &str,
) -> DomainResult<()> {
    sqlx::query(
        "UPDATE spec_pipelines SET status = $4, stats = $5, error_log = $6, log = $7, \
         updated_at = $8 WHERE dataset_id = $1 AND revision = $2 AND pipeline_id = $3",
    )
    .bind(dataset_id)
    .bind(revision)
    .bind(&pipeline.id)
    .bind(pipeline.status.as_str())
    .bind(pipeline.stats.to_string())
    .bind(json!(pipeline.error_log).to_string())
    .bind(json!(pipeline.log).to_string())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The revision's new state, with the event's log lines, errors and stats added to its own.
async fn store_revision_state(
    tx: &mut Tx,
    dataset_id: &str,
    revision: i64,
    state: RevisionState,
    event: &PipelineEvent,
) -> DomainResult<()> {
    let row = sqlx::query("SELECT * FROM spec_revisions WHERE dataset_id = $1 AND revision = $2")
        .bind(dataset_id)
        .bind(revision)
        .fetch_one(&mut **tx)
        .await?;
    let mut logs = json_column(&row, "logs")?;
    append_kept(&mut logs, &event.log);
    let mut error_log = json_column(&row, "error_log")?;
    append_kept(&mut error_log, &event.errors);
    let stats = match &event.stats {
        Some(Value::Object(map)) if !map.is_empty() => Value::Object(map.clone()),
        _ => json_column(&row, "stats")?,
    };
    sqlx::query(
        "UPDATE spec_revisions SET state = $3, logs = $4, error_log = $5, stats = $6 \
         WHERE dataset_id = $1 AND revision = $2",
    )
    .bind(dataset_id)
    .bind(revision)
    .bind(state.as_str())
    .bind(json!(logs).to_string())
    .bind(json!(error_log).to_string())
    .bind(stats.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// How many log lines a revision or pipeline keeps: the newest ones, as a runner's log can
/// grow without end.
pub const KEPT_LOG_LINES: usize = 1_000;

pub(in crate::specs) fn append_kept(log: &mut Vec<Value>, lines: &[Value]) {
    log.extend(lines.iter().cloned());
    if log.len() > KEPT_LOG_LINES {
        log.drain(..log.len() - KEPT_LOG_LINES);
    }
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Fails every pending pipeline that depends, directly or through others, on `failed`; returns
/// the ids it failed.
pub(in crate::specs) fn fail_dependants(
    pipelines: &mut [Pipeline],
    failed: &str,
    now: &str,
) -> Vec<String> {
    let mut failed_ids: BTreeSet<String> = BTreeSet::from([failed.to_string()]);
    let mut newly = Vec::new();
    loop {
        let next = pipelines.iter_mut().find(|p| {
            p.status == PipelineStatus::Pending
                && p.dependencies.iter().any(|d| failed_ids.contains(d))
        });
        let Some(dependant) = next else { break };
        let cause = dependant
            .dependencies
            .iter()
            .find(|d| failed_ids.contains(*d))
            .cloned()
            .unwrap_or_default();
        dependant.status = PipelineStatus::Failed;
        dependant.error_log = vec![Value::String(format!(
            "Dependency unsuccessful. Cannot run until dependency \"{cause}\" is successfully executed"
        ))];
        dependant.updated = now.to_string();
        failed_ids.insert(dependant.id.clone());
        newly.push(dependant.id.clone());
    }
    newly
}

/// A revision's state from its pipelines' statuses (API.md §5): any running → INPROGRESS;
/// else any pending → INPROGRESS if any has finished, QUEUED if none has; else any failed →
/// FAILED; else SUCCEEDED.
pub fn state_of(statuses: impl Iterator<Item = PipelineStatus> + Clone) -> RevisionState {
    let any = |wanted: PipelineStatus| statuses.clone().any(|s| s == wanted);
    if any(PipelineStatus::Running) {
        RevisionState::InProgress
    } else if any(PipelineStatus::Pending) {
        if any(PipelineStatus::Success) || any(PipelineStatus::Failed) {
            RevisionState::InProgress
        } else {
            RevisionState::Queued
        }
    } else if any(PipelineStatus::Failed) {
        RevisionState::Failed
    } else {
        RevisionState::Succeeded
    }
}
