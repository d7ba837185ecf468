//! Uploads, revisions and pipeline events. Every write is one transaction: a refused upload
//! leaves nothing behind, and a revision, its pipelines, its place in the runner's outbox and its
//! audit record appear together.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::Utc;
use serde_json::{json, Value};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use tokio::sync::Notify;

use super::model::*;
use super::plan::{plan, PlannedPipeline};
use super::token::Claims;
use super::{outbox, schedule, schema};
use crate::audit::Surface;
use crate::auth::actor::Actor;
use crate::auth::Role;
use crate::error::{DomainError, DomainResult};
use crate::store::{json_column, Store, Tx};
use crate::time;

pub const EMPTY_CONTENTS: &str = "Received empty contents (make sure your content-type is correct)";
pub const MISSING_OWNER: &str = "Missing owner in spec";
pub const NOT_AUTHORISED: &str = "No token or token not authorised for owner";
pub const PIPELINE_NOT_FOUND: &str = "pipeline not found";

/// Who is uploading a spec.
#[derive(Clone, Debug)]
pub enum Uploader {
    /// The holder of a verified auth-server token.
    Token(Claims),
    /// A Depot user (API key, password or session), or the local operator under `--no-auth`
    /// through Depot's own API.
    Depot(Actor),
    /// No usable credentials: no token, or one that did not verify.
    Nobody,
}

impl Uploader {
    /// The plan limit on datasets, when the owner may upload for `owner` at all. Depot users
    /// have no plan: an admin may upload for anyone, a writer for the owner of its own name.
    fn may_upload_for(&self, owner: &str) -> Option<Option<i64>> {
        match self {
            Uploader::Token(claims) if claims.userid == owner => Some(Some(claims.max_datasets)),
            Uploader::Depot(actor) if may_act_for(actor, owner) => Some(None),
            _ => None,
        }
    }

    fn name(&self) -> String {
        match self {
            Uploader::Token(claims) => format!("token:{}", claims.userid),
            Uploader::Depot(actor) => actor.name().to_string(),
            Uploader::Nobody => "anonymous".into(),
        }
    }
}

/// Whether a Depot user may make revisions of `owner`'s specs: an admin (or the local operator)
/// for anyone, a writer for the owner of its own name.
fn may_act_for(actor: &Actor, owner: &str) -> bool {
    match actor {
        Actor::Local => true,
        Actor::User { name, role, .. } => {
            *role == Role::Admin || (*role == Role::Writer && name == owner)
        }
        Actor::Anonymous { .. } => false,
    }
}

/// Whether new revisions are queued for the pipeline runner (`DPP_URL` is set), and the bell
/// that wakes this process's dispatcher once one is committed. The outbox in the store is the
/// truth; the bell only saves the dispatcher's wait for its next look.
#[derive(Clone, Debug, Default)]
pub struct Dispatching {
    bell: Option<Arc<Notify>>,
}

impl Dispatching {
    /// No runner: revisions are not queued.
    pub fn off() -> Self {
        Self::default()
    }

    pub fn to_runner() -> Self {
        Self {
            bell: Some(Arc::new(Notify::new())),
        }
    }

    pub fn is_on(&self) -> bool {
        self.bell.is_some()
    }

    /// Tells the dispatcher a queued revision has been committed.
    pub fn ring(&self) {
        if let Some(bell) = &self.bell {
            bell.notify_one();
        }
    }

    /// Waits for a ring, or `at_most`.
    pub async fn wait(&self, at_most: std::time::Duration) {
        match &self.bell {
            Some(bell) => {
                let _ = tokio::time::timeout(at_most, bell.notified()).await;
            }
            None => tokio::time::sleep(at_most).await,
        }
    }
}

/// `POST /source/upload`: the checks in specstore's order, then the new revision. Refusals are
/// answers (`success: false`), not errors; only a store fault is an `Err`.
pub async fn upload(
    store: &Store,
    uploader: &Uploader,
    contents: Option<&Value>,
    dispatching: &Dispatching,
) -> DomainResult<UploadOutcome> {
    let Some(spec) = contents.filter(|c| !c.is_null()) else {
        return Ok(UploadOutcome::refused(vec![EMPTY_CONTENTS.into()]));
    };
    let Some(owner) = spec.pointer("/meta/ownerid").and_then(Value::as_str) else {
        return Ok(UploadOutcome::refused(vec![MISSING_OWNER.into()]));
    };
    let Some(limit) = uploader.may_upload_for(owner) else {
        return Ok(UploadOutcome::refused(vec![NOT_AUTHORISED.into()]));
    };
    let mut errors = schema::violations(spec);
    let period = match schedule::period_of(spec) {
        Ok(period) => period,
        Err(text) => {
            errors.push(text.into());
            None
        }
    };
    if !errors.is_empty() {
        return Ok(UploadOutcome::refused(errors));
    }
    let name = spec
        .pointer("/meta/dataset")
        .and_then(Value::as_str)
        .expect("the schema requires meta.dataset as a string");
    let dataset_id = format!("{owner}/{name}");
    let now = Utc::now();
    let stamp = time::format(now);
    let next_run = period.map(|seconds| time::format(now + chrono::Duration::seconds(seconds)));
    let spec_text = spec.to_string();

    let mut tx = store.begin_write().await?;
    sqlx::query(
        "INSERT INTO spec_owners (owner, datasets) VALUES ($1, 0) ON CONFLICT (owner) DO NOTHING",
    )
    .bind(owner)
    .execute(&mut *tx)
    .await?;
    let created = sqlx::query(
        "INSERT INTO spec_datasets (id, owner, name, spec, created_at, updated_at, schedule, \
         schedule_seconds, next_run_at, last_revision) \
         VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, 0) ON CONFLICT (id) DO NOTHING",
    )
    .bind(&dataset_id)
    .bind(owner)
    .bind(name)
    .bind(&spec_text)
    .bind(&stamp)
    .bind(spec.get("schedule").and_then(Value::as_str))
    .bind(period)
    .bind(&next_run)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if created {
        // The count is raised only under the limit, in one statement: two uploads racing for
        // the last free place cannot both get it.
        let counted = match limit {
            Some(max) => sqlx::query(
                "UPDATE spec_owners SET datasets = datasets + 1 WHERE owner = $1 AND datasets < $2",
            )
            .bind(owner)
            .bind(max),
            None => sqlx::query("UPDATE spec_owners SET datasets = datasets + 1 WHERE owner = $1")
                .bind(owner),
        }
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if counted == 0 {
            tx.rollback().await?;
            return Ok(UploadOutcome::refused(vec![format!(
                "Max datasets for user exceeded plan limit ({})",
                limit.unwrap_or_default()
            )]));
        }
    } else {
        sqlx::query(
            "UPDATE spec_datasets SET spec = $2, updated_at = $3, schedule = $4, \
             schedule_seconds = $5, next_run_at = $6 WHERE id = $1",
        )
        .bind(&dataset_id)
        .bind(&spec_text)
        .bind(&stamp)
        .bind(spec.get("schedule").and_then(Value::as_str))
        .bind(period)
        .bind(&next_run)
        .execute(&mut *tx)
        .await?;
    }
    let flow_id = create_revision(
        &mut tx,
        &dataset_id,
        spec,
        "upload",
        &uploader.name(),
        &stamp,
        dispatching,
    )
    .await?;
    tx.commit().await?;
    dispatching.ring();
    Ok(UploadOutcome {
        success: true,
        dataset_id: Some(dataset_id),
        flow_id: Some(flow_id),
        errors: vec![],
    })
}

/// Adds the dataset's next revision running `spec`, with its planned pipelines, queued for the
/// runner when one is configured; returns its flow id. The dataset row is locked by taking the
/// number, so concurrent uploads of one dataset get consecutive numbers.
pub(super) async fn create_revision(
    tx: &mut Tx,
    dataset_id: &str,
    spec: &Value,
    cause: &str,
    by: &str,
    now: &str,
    dispatching: &Dispatching,
) -> DomainResult<String> {
    sqlx::query("UPDATE spec_datasets SET last_revision = last_revision + 1 WHERE id = $1")
        .bind(dataset_id)
        .execute(&mut **tx)
        .await?;
    let revision: i64 = sqlx::query("SELECT last_revision FROM spec_datasets WHERE id = $1")
        .bind(dataset_id)
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
    sqlx::query(
        "INSERT INTO spec_revisions (dataset_id, revision, spec, state, cause, created_by, \
         created_at, updated_at, logs, error_log, stats) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, '[]', '[]', '{}')",
    )
    .bind(dataset_id)
    .bind(revision)
    .bind(spec.to_string())
    .bind(RevisionState::Queued.as_str())
    .bind(cause)
    .bind(by)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    let pipelines = plan(dataset_id, spec);
    for (position, pipeline) in pipelines.iter().enumerate() {
        sqlx::query(
            "INSERT INTO spec_pipelines (dataset_id, revision, pipeline_id, position, title, \
             status, dependencies, stats, error_log, log, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, '{}', '[]', '[]', $8)",
        )
        .bind(dataset_id)
        .bind(revision)
        .bind(&pipeline.id)
        .bind(position as i64)
        .bind(&pipeline.title)
        .bind(PipelineStatus::Pending.as_str())
        .bind(json!(pipeline.dependencies).to_string())
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    let flow_id = format!("{dataset_id}/{revision}");
    if dispatching.is_on() {
        outbox::enqueue(
            tx,
            &flow_id,
            &runner_payload(&flow_id, dataset_id, revision, spec, &pipelines),
            now,
        )
        .await?;
    }
    Surface::Specs
        .record_as(
            tx,
            by,
            &flow_id,
            cause,
            json!({"pipelines": pipelines.len(), "queued_for_runner": dispatching.is_on()}),
        )
        .await?;
    Ok(flow_id)
}

/// What the pipeline runner is sent for a revision.
fn runner_payload(
    flow_id: &str,
    dataset_id: &str,
    revision: i64,
    spec: &Value,
    pipelines: &[PlannedPipeline],
) -> Value {
    json!({
        "flow_id": flow_id,
        "dataset_id": dataset_id,
        "revision": revision,
        "spec": spec,
        "pipelines": pipelines.iter().map(|p| json!({
            "id": p.id, "title": p.title, "dependencies": p.dependencies,
        })).collect::<Vec<_>>(),
    })
}

/// Which revision a path names: a number, `latest`, or `successful`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    Number(i64),
    Latest,
    Successful,
}

impl Which {
    pub fn parse(text: &str) -> DomainResult<Self> {
        match text {
            "latest" => Ok(Self::Latest),
            "successful" => Ok(Self::Successful),
            number => match number.parse::<i64>() {
                Ok(n) if n > 0 => Ok(Self::Number(n)),
                _ => Err(DomainError::invalid(format!(
                    "revision must be a number from 1, latest or successful, not {text:?}"
                ))),
            },
        }
    }
}

pub async fn revision(
    store: &Store,
    actor: &Actor,
    owner: &str,
    dataset: &str,
    which: Which,
) -> DomainResult<Revision> {
    actor.require_read()?;
    let dataset_id = format!("{owner}/{dataset}");
    // One snapshot for the revision, its pipelines and its dispatch: an event committed in
    // between cannot show half of itself.
    let mut conn = store.begin_read().await?;
    dataset_exists(&mut conn, &dataset_id).await?;
    let (condition, number) = match which {
        Which::Number(n) => ("revision = $2", Some(n)),
        Which::Latest => ("1 = 1", None),
        Which::Successful => ("state = 'SUCCEEDED'", None),
    };
    let sql = format!(
        "SELECT * FROM spec_revisions WHERE dataset_id = $1 AND {condition} \
         ORDER BY revision DESC LIMIT 1"
    );
    let mut query = sqlx::query(&sql).bind(&dataset_id);
    if let Some(n) = number {
        query = query.bind(n);
    }
    let row = query.fetch_optional(&mut *conn).await?.ok_or_else(|| {
        DomainError::not_found(match which {
            Which::Number(n) => format!("dataset {dataset_id} has no revision {n}"),
            Which::Latest => format!("dataset {dataset_id} has no revision"),
            Which::Successful => format!("dataset {dataset_id} has no successful revision"),
        })
    })?;
    revision_from(&mut conn, &row).await
}

async fn dataset_exists(conn: &mut AnyConnection, dataset_id: &str) -> DomainResult<()> {
    sqlx::query("SELECT 1 FROM spec_datasets WHERE id = $1")
        .bind(dataset_id)
        .fetch_optional(&mut *conn)
        .await?
        .map(|_| ())
        .ok_or_else(|| DomainError::not_found(format!("no dataset {dataset_id}")))
}

async fn revision_from(conn: &mut AnyConnection, row: &AnyRow) -> DomainResult<Revision> {
    let dataset_id: String = row.try_get("dataset_id")?;
    let number: i64 = row.try_get("revision")?;
    let flow_id = format!("{dataset_id}/{number}");
    let pipelines = pipelines_of(conn, &dataset_id, number).await?;
    let dispatch = outbox::status(conn, &flow_id).await?;
    Ok(Revision {
        flow_id,
        dataset_id,
        revision: number,
        state: state_from(row)?,
        cause: row.try_get("cause")?,
        created_by: row.try_get("created_by")?,
        created: row.try_get("created_at")?,
        modified: row.try_get("updated_at")?,
        spec: json_column(row, "spec")?,
        logs: json_column(row, "logs")?,
        error_log: json_column(row, "error_log")?,
        stats: json_column(row, "stats")?,
        pipelines,
        dispatch,
    })
}

async fn pipelines_of(
    conn: &mut AnyConnection,
    dataset_id: &str,
    revision: i64,
) -> DomainResult<Vec<Pipeline>> {
    let rows = sqlx::query(
        "SELECT * FROM spec_pipelines WHERE dataset_id = $1 AND revision = $2 ORDER BY position",
    )
    .bind(dataset_id)
    .bind(revision)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let status: String = row.try_get("status")?;
            let dependencies: Vec<String> = json_column(row, "dependencies")?;
            Ok(Pipeline {
                id: row.try_get("pipeline_id")?,
                title: row.try_get("title")?,
                status: PipelineStatus::parse(&status).ok_or_else(|| {
                    DomainError::Internal(format!("stored pipeline status {status:?}"))
                })?,
                dependencies,
                stats: json_column(row, "stats")?,
                error_log: json_column(row, "error_log")?,
                log: json_column(row, "log")?,
                updated: row.try_get("updated_at")?,
            })
        })
        .collect()
}

fn state_from(row: &AnyRow) -> DomainResult<RevisionState> {
    let state: String = row.try_get("state")?;
    RevisionState::parse(&state)
        .ok_or_else(|| DomainError::Internal(format!("stored revision state {state:?}")))
}

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

pub async fn update(
    store: &Store,
    actor: &Actor,
    event: &PipelineEvent,
) -> DomainResult<UpdateOutcome> {
    actor.require_write()?;
    let status = match (event.event, event.success) {
        (EventKind::Queue, _) => PipelineStatus::Pending,
        (EventKind::Start | EventKind::Progress, _) => PipelineStatus::Running,
        (EventKind::Finish, Some(true)) => PipelineStatus::Success,
        (EventKind::Finish, Some(false)) => PipelineStatus::Failed,
        (EventKind::Finish, None) => {
            return Err(DomainError::invalid(
                "a finish event needs \"success\": true or false",
            ))
        }
    };
    let not_found = UpdateOutcome {
        success: false,
        status: None,
        id: None,
        errors: vec![PIPELINE_NOT_FOUND.into()],
    };
    let pipeline_id = event.pipeline_id.trim_start_matches("./");
    let dataset_id = pipeline_id.split(':').next().unwrap_or(pipeline_id);
    let now = time::now();

    let mut tx = store.begin_write().await?;
    let revision = match &event.flow_id {
        Some(flow_id) => match flow_id
            .strip_prefix(dataset_id)
            .and_then(|rest| rest.strip_prefix('/'))
            .and_then(|n| n.parse::<i64>().ok())
        {
            Some(n) => Some(n),
            None => return Ok(not_found),
        },
        None => sqlx::query(
            "SELECT p.revision FROM spec_pipelines p JOIN spec_revisions r \
             ON r.dataset_id = p.dataset_id AND r.revision = p.revision \
             WHERE p.dataset_id = $1 AND p.pipeline_id = $2 AND r.state IN ('QUEUED', 'INPROGRESS') \
             ORDER BY p.revision DESC LIMIT 1",
        )
        .bind(dataset_id)
        .bind(pipeline_id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|row| row.try_get::<i64, _>(0))
        .transpose()?,
    };
    let Some(revision) = revision else {
        return Ok(not_found);
    };
    // Taking the revision's row first makes events of one revision wait for each other, so
    // each derives the state from every earlier event's statuses.
    let locked = sqlx::query(
        "UPDATE spec_revisions SET updated_at = $3 WHERE dataset_id = $1 AND revision = $2",
    )
    .bind(dataset_id)
    .bind(revision)
    .bind(&now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if locked == 0 {
        return Ok(not_found);
    }
    let mut pipelines = pipelines_of(&mut tx, dataset_id, revision).await?;
    let Some(target) = pipelines.iter_mut().find(|p| p.id == pipeline_id) else {
        return Ok(not_found);
    };
    target.status = status;
    target.error_log = event.errors.clone();
    append_kept(&mut target.log, &event.log);
    if let Some(stats) = event.stats.as_ref().filter(|s| !s.is_null()) {
        target.stats = stats.clone();
    }
    target.updated = now.clone();
    let mut changed = vec![pipeline_id.to_string()];
    if status == PipelineStatus::Failed {
        changed.extend(fail_dependants(&mut pipelines, pipeline_id, &now));
    }
    for pipeline in pipelines.iter().filter(|p| changed.contains(&p.id)) {
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
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    }
    let state = state_of(pipelines.iter().map(|p| p.status));
    let row = sqlx::query("SELECT * FROM spec_revisions WHERE dataset_id = $1 AND revision = $2")
        .bind(dataset_id)
        .bind(revision)
        .fetch_one(&mut *tx)
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
    .execute(&mut *tx)
    .await?;
    let flow_id = format!("{dataset_id}/{revision}");
    Surface::Specs
        .record(
            &mut tx,
            actor,
            &flow_id,
            event.event.as_str(),
            json!({"pipeline": pipeline_id, "status": status.as_str(), "state": state.as_str()}),
        )
        .await?;
    tx.commit().await?;
    Ok(UpdateOutcome {
        success: true,
        status: Some(state.flow_status().into()),
        id: Some(flow_id),
        errors: event.errors.iter().map(text_of).collect(),
    })
}

/// How many log lines a revision or pipeline keeps: the newest ones, as a runner's log can
/// grow without end.
pub const KEPT_LOG_LINES: usize = 1_000;

fn append_kept(log: &mut Vec<Value>, lines: &[Value]) {
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
fn fail_dependants(pipelines: &mut [Pipeline], failed: &str, now: &str) -> Vec<String> {
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

pub async fn owners(store: &Store, actor: &Actor) -> DomainResult<Vec<OwnerSummary>> {
    actor.require_read()?;
    let rows =
        sqlx::query("SELECT owner, datasets FROM spec_owners WHERE datasets > 0 ORDER BY owner")
            .fetch_all(store.pool())
            .await?;
    rows.iter()
        .map(|row| {
            Ok(OwnerSummary {
                owner: row.try_get("owner")?,
                datasets: row.try_get("datasets")?,
            })
        })
        .collect()
}

const DATASET_COLUMNS: &str = "d.id, d.owner, d.name, d.spec, d.updated_at, d.schedule, \
     d.next_run_at, d.last_revision, \
     (SELECT r.state FROM spec_revisions r WHERE r.dataset_id = d.id \
      ORDER BY r.revision DESC LIMIT 1) AS latest_state";

pub async fn datasets(
    store: &Store,
    actor: &Actor,
    owner: &str,
) -> DomainResult<Vec<DatasetSummary>> {
    actor.require_read()?;
    let rows = sqlx::query(&format!(
        "SELECT {DATASET_COLUMNS} FROM spec_datasets d WHERE d.owner = $1 ORDER BY d.name"
    ))
    .bind(owner)
    .fetch_all(store.pool())
    .await?;
    if rows.is_empty() {
        return Err(DomainError::not_found(format!(
            "owner {owner} has no datasets"
        )));
    }
    rows.iter().map(dataset_summary_from).collect()
}

fn dataset_summary_from(row: &AnyRow) -> DomainResult<DatasetSummary> {
    let latest: Option<String> = row.try_get("latest_state")?;
    Ok(DatasetSummary {
        id: row.try_get("id")?,
        owner: row.try_get("owner")?,
        name: row.try_get("name")?,
        revisions: row.try_get("last_revision")?,
        latest_state: latest.as_deref().and_then(RevisionState::parse),
        schedule: row.try_get("schedule")?,
        next_run: row.try_get("next_run_at")?,
        updated: row.try_get("updated_at")?,
    })
}

pub async fn dataset(
    store: &Store,
    actor: &Actor,
    owner: &str,
    name: &str,
) -> DomainResult<Dataset> {
    actor.require_read()?;
    let dataset_id = format!("{owner}/{name}");
    let mut conn = store.begin_read().await?;
    let row = sqlx::query(&format!(
        "SELECT {DATASET_COLUMNS} FROM spec_datasets d WHERE d.id = $1"
    ))
    .bind(&dataset_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| DomainError::not_found(format!("no dataset {dataset_id}")))?;
    let rows = sqlx::query(
        "SELECT revision, state, cause, created_by, created_at, updated_at FROM spec_revisions \
         WHERE dataset_id = $1 ORDER BY revision DESC",
    )
    .bind(&dataset_id)
    .fetch_all(&mut *conn)
    .await?;
    let revisions = rows
        .iter()
        .map(|r| {
            let number: i64 = r.try_get("revision")?;
            Ok(RevisionSummary {
                revision: number,
                flow_id: format!("{dataset_id}/{number}"),
                state: state_from(r)?,
                cause: r.try_get("cause")?,
                created_by: r.try_get("created_by")?,
                created: r.try_get("created_at")?,
                modified: r.try_get("updated_at")?,
            })
        })
        .collect::<DomainResult<Vec<_>>>()?;
    Ok(Dataset {
        summary: dataset_summary_from(&row)?,
        spec: json_column(&row, "spec")?,
        revisions,
    })
}

/// Runs the dataset's current spec again as a new revision; returns its flow id.
pub async fn rerun(
    store: &Store,
    actor: &Actor,
    owner: &str,
    name: &str,
    dispatching: &Dispatching,
) -> DomainResult<String> {
    actor.require_write()?;
    if !may_act_for(actor, owner) {
        return Err(DomainError::forbidden(format!(
            "only an admin or the user {owner} may run {owner}'s specs"
        )));
    }
    let dataset_id = format!("{owner}/{name}");
    let mut tx = store.begin_write().await?;
    let row = sqlx::query("SELECT spec FROM spec_datasets WHERE id = $1")
        .bind(&dataset_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| DomainError::not_found(format!("no dataset {dataset_id}")))?;
    let spec = json_column(&row, "spec")?;
    let flow_id = create_revision(
        &mut tx,
        &dataset_id,
        &spec,
        "rerun",
        actor.name(),
        &time::now(),
        dispatching,
    )
    .await?;
    tx.commit().await?;
    dispatching.ring();
    Ok(flow_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use PipelineStatus::*;

    fn state(statuses: &[PipelineStatus]) -> RevisionState {
        state_of(statuses.iter().copied())
    }

    #[test]
    fn only_the_newest_log_lines_are_kept() {
        let mut log: Vec<Value> = (0..990).map(|i| json!(i)).collect();
        let more: Vec<Value> = (990..1_020).map(|i| json!(i)).collect();
        append_kept(&mut log, &more);
        assert_eq!(log.len(), KEPT_LOG_LINES);
        assert_eq!(
            (log[0].clone(), log[999].clone()),
            (json!(20), json!(1_019))
        );
    }

    #[test]
    fn revision_state_follows_the_rules() {
        assert_eq!(state(&[Pending, Pending]), RevisionState::Queued);
        assert_eq!(state(&[Running, Pending]), RevisionState::InProgress);
        assert_eq!(state(&[Success, Pending]), RevisionState::InProgress);
        assert_eq!(state(&[Failed, Pending]), RevisionState::InProgress);
        assert_eq!(state(&[Failed, Running]), RevisionState::InProgress);
        assert_eq!(state(&[Failed, Success]), RevisionState::Failed);
        assert_eq!(state(&[Success, Success]), RevisionState::Succeeded);
    }

    fn pipeline(id: &str, dependencies: &[&str]) -> Pipeline {
        Pipeline {
            id: id.into(),
            title: id.into(),
            status: Pending,
            dependencies: dependencies.iter().map(|d| d.to_string()).collect(),
            stats: json!({}),
            error_log: vec![],
            log: vec![],
            updated: String::new(),
        }
    }

    #[test]
    fn a_failure_fails_pending_dependants_transitively_naming_the_dependency() {
        let mut pipelines = vec![
            pipeline("a:source", &[]),
            pipeline("a:csv", &["a:source"]),
            pipeline("a:zip", &["a:csv"]),
            pipeline("a:json", &["a:source"]),
        ];
        pipelines[0].status = Failed;
        pipelines[3].status = Running;
        let failed = fail_dependants(&mut pipelines, "a:source", "t");
        assert_eq!(failed, ["a:csv", "a:zip"]);
        assert_eq!(
            pipelines[1].error_log,
            [json!("Dependency unsuccessful. Cannot run until dependency \"a:source\" is successfully executed")]
        );
        assert_eq!(
            pipelines[2].error_log,
            [json!("Dependency unsuccessful. Cannot run until dependency \"a:csv\" is successfully executed")]
        );
        assert_eq!(pipelines[3].status, Running);
    }
}
