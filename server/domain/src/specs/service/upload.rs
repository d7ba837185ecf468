//! Uploads: a spec checked and made a revision with its planned pipelines, queued for the
//! pipeline runner; reruns of a dataset.

use super::*;

/// A spec that passed specstore's checks, with what is derived from it.
struct Checked<'a> {
    spec: &'a Value,
    owner: &'a str,
    name: &'a str,
    /// The plan's dataset limit for the owner, if any.
    limit: Option<i64>,
    /// Seconds between scheduled runs, if the spec has a schedule.
    period: Option<i64>,
}

impl Checked<'_> {
    fn dataset_id(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }
}

/// specstore's checks, in its order: contents, owner, the uploader's right, the schema and the
/// schedule. A refusal is the texts to answer with.
fn check<'a>(uploader: &Uploader, contents: Option<&'a Value>) -> Result<Checked<'a>, Vec<String>> {
    let spec = contents
        .filter(|c| !c.is_null())
        .ok_or_else(|| vec![EMPTY_CONTENTS.to_string()])?;
    let owner = spec
        .pointer("/meta/ownerid")
        .and_then(Value::as_str)
        .ok_or_else(|| vec![MISSING_OWNER.to_string()])?;
    let limit = uploader
        .may_upload_for(owner)
        .ok_or_else(|| vec![NOT_AUTHORISED.to_string()])?;
    let mut errors = schema::violations(spec);
    let period = schedule::period_of(spec).unwrap_or_else(|text| {
        errors.push(text.into());
        None
    });
    if !errors.is_empty() {
        return Err(errors);
    }
    let name = spec
        .pointer("/meta/dataset")
        .and_then(Value::as_str)
        .expect("the schema requires meta.dataset as a string");
    Ok(Checked {
        spec,
        owner,
        name,
        limit,
        period,
    })
}

/// `POST /source/upload`: the checks in specstore's order, then the new revision. Refusals are
/// answers (`success: false`), not errors; only a store fault is an `Err`.
pub async fn upload(
    store: &Store,
    uploader: &Uploader,
    contents: Option<&Value>,
    dispatching: &Dispatching,
) -> DomainResult<UploadOutcome> {
    let checked = match check(uploader, contents) {
        Ok(checked) => checked,
        Err(errors) => return Ok(UploadOutcome::refused(errors)),
    };
    let dataset_id = checked.dataset_id();
    let now = Utc::now();
    let stamp = time::format(now);
    let next_run = checked
        .period
        .map(|seconds| time::format(now + chrono::Duration::seconds(seconds)));

    let mut tx = store.begin_write().await?;
    if let Err(refusal) = save_dataset(&mut tx, &checked, &stamp, next_run.as_deref()).await? {
        tx.rollback().await?;
        return Ok(UploadOutcome::refused(vec![refusal]));
    }
    let by = uploader.name();
    let flow_id = create_revision(
        &mut tx,
        &dataset_id,
        checked.spec,
        "upload",
        &by,
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

/// The dataset made (counted against the owner's plan limit) or its spec and schedule
/// replaced. The inner `Err` is the refusal of a dataset over the limit.
async fn save_dataset(
    tx: &mut Tx,
    checked: &Checked<'_>,
    stamp: &str,
    next_run: Option<&str>,
) -> DomainResult<Result<(), String>> {
    let (spec, owner) = (checked.spec, checked.owner);
    let dataset_id = checked.dataset_id();
    let spec_text = spec.to_string();
    let schedule = spec.get("schedule").and_then(Value::as_str);
    sqlx::query(
        "INSERT INTO spec_owners (owner, datasets) VALUES ($1, 0) ON CONFLICT (owner) DO NOTHING",
    )
    .bind(owner)
    .execute(&mut **tx)
    .await?;
    let created = sqlx::query(
        "INSERT INTO spec_datasets (id, owner, name, spec, created_at, updated_at, schedule, \
         schedule_seconds, next_run_at, last_revision) \
         VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, 0) ON CONFLICT (id) DO NOTHING",
    )
    .bind(&dataset_id)
    .bind(owner)
    .bind(checked.name)
    .bind(&spec_text)
    .bind(stamp)
    .bind(schedule)
    .bind(checked.period)
    .bind(next_run)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1;
    if !created {
        sqlx::query(
            "UPDATE spec_datasets SET spec = $2, updated_at = $3, schedule = $4, \
             schedule_seconds = $5, next_run_at = $6 WHERE id = $1",
        )
        .bind(&dataset_id)
        .bind(&spec_text)
        .bind(stamp)
        .bind(schedule)
        .bind(checked.period)
        .bind(next_run)
        .execute(&mut **tx)
        .await?;
        return Ok(Ok(()));
    }
    // The count is raised only under the limit, in one statement: two uploads racing for the
    // last free place cannot both get it.
    let counted = match checked.limit {
        Some(max) => sqlx::query(
            "UPDATE spec_owners SET datasets = datasets + 1 WHERE owner = $1 AND datasets < $2",
        )
        .bind(owner)
        .bind(max),
        None => sqlx::query("UPDATE spec_owners SET datasets = datasets + 1 WHERE owner = $1")
            .bind(owner),
    }
    .execute(&mut **tx)
    .await?
    .rows_affected();
    match counted {
        0 => Ok(Err(format!(
            "Max datasets for user exceeded plan limit ({})",
            checked.limit.unwrap_or_default()
        ))),
        _ => Ok(Ok(())),
    }
}

/// Adds the dataset's next revision running `spec`, with its planned pipelines, queued for the
/// runner when one is configured; returns its flow id. The dataset row is locked by taking the
/// number, so concurrent uploads of one dataset get consecutive numbers.
pub(in crate::specs) async fn create_revision(
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
