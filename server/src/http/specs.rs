//! The Specs surface, specstore-compatible: `/source/…` (API.md §5). Uploads always answer 200
//! with `{"success", "dataset_id", "flow_id", "errors"}`; every other refusal is a
//! [`SpecstoreError`], `{"success": false, "errors": […]}` with its 4xx status, except an
//! event's ([`EventError`]), which keeps the shape of `/source/update`'s answer.

use std::borrow::Cow;
use std::collections::HashMap;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Path, Query};
use axum::response::{IntoResponse, Response};
use axum::Json;
use depot_domain::specs::service::{self, EventKind, PipelineEvent, Uploader, Which};
use depot_domain::specs::token::Claims;
use depot_domain::specs::{
    schema, Dataset, DatasetSummary, Revision, RevisionState, UpdateOutcome, UploadOutcome,
};
use depot_domain::{Actor, DomainError};
use http::request::Parts;
use http::{HeaderMap, StatusCode};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Serialize, Serializer};
use serde_json::{json, Map, Value};

use super::error::{Refusal, Specstore, SpecstoreError, WireFormat};
use super::extract::{path_params, Caller};
use super::routes::{described, doc, get, post, Routes};
use super::AppState;

const TAG: &str = "Specs (specstore)";

/// Everything but the upload, which [`upload_routes`] carries.
pub fn routes() -> Routes {
    Routes::new(TAG)
        .route(
            "/source/update",
            post(
                update,
                doc(
                    "A pipeline runner's event {pipeline_id, event: queue|start|progress|finish, \
                     success, errors, log, stats, flow_id?} (writer)",
                )
                .takes::<SpecsPipelineEvent>()
                .answers::<UpdateOutcome>(),
            ),
        )
        .route(
            "/source/schema",
            get(
                published_schema,
                doc("The JSON Schema an uploaded spec must satisfy")
                    .answers_as::<Value>(StatusCode::OK, "application/schema+json"),
            ),
        )
        .route(
            "/source/{owner}",
            get(
                owner_datasets,
                doc(
                    "The owner's datasets with their latest state (also to the owner's token, \
                     in Auth-Token or ?jwt=)",
                )
                .query::<SpecsTokenQuery>()
                .answers::<OwnerDatasets>(),
            ),
        )
        .route(
            "/source/{owner}/{dataset}",
            get(
                dataset_revisions,
                doc(
                    "A dataset with its current spec and revisions, newest first (also to the \
                     owner's token, in Auth-Token or ?jwt=)",
                )
                .query::<SpecsTokenQuery>()
                .answers::<Dataset>(),
            ),
        )
        .route(
            "/source/{owner}/{dataset}/{revision}",
            get(
                revision,
                doc(
                    "A revision (N, latest or successful) with state, logs, stats and pipelines, \
                     in specstore's shape (also to the owner's token, in Auth-Token or ?jwt=)",
                )
                .query::<SpecsTokenQuery>()
                .answers::<SpecstoreRevision>(),
            ),
        )
}

/// `POST /source/upload`, outside the router's body limit: it applies the limit itself.
pub fn upload_routes() -> Routes {
    Routes::new(TAG).route(
        "/source/upload",
        post(
            upload,
            // Every outcome, a refusal included, is 200 with `UploadOutcome` (specstore's way).
            doc(
                "Upload a spec (JSON) with Auth-Token: <RS256 token> or ?jwt=, or a Depot key of \
                 the owner; always 200 {success, dataset_id, flow_id, errors}",
            )
            .query::<SpecsTokenQuery>()
            .takes::<Map<String, Value>>()
            .answers::<UploadOutcome>(),
        ),
    )
}

described! {
    /// The auth server's token as a query parameter, for the document: the handlers read the
    /// query as a map (a repeated `jwt` is no refusal: the last one counts).
    SpecsTokenQuery {
        "type": "object",
        "properties": {
            "jwt": {
                "type": "string",
                "description": "The auth server's RS256 token (as the Auth-Token header)",
            },
        },
    }
}

described! {
    /// A pipeline runner's event, for the document: `event_from` reads it by hand, so that each
    /// mistake gets specstore's message.
    SpecsPipelineEvent {
        "type": "object",
        "required": ["pipeline_id", "event"],
        "properties": {
            "pipeline_id": {"type": "string"},
            "pipeline": {
                "type": ["string", "null"],
                "description": "the pipeline's id, when pipeline_id is absent",
            },
            "event": {"enum": ["queue", "start", "progress", "finish"]},
            "flow_id": {
                "type": ["string", "null"],
                "description": "owner/dataset/N: the revision the event is about (else the \
                                newest unfinished one with the pipeline)",
            },
            "success": {"type": ["boolean", "null"]},
            "errors": {"description": "a list of lines, or one line", "type": ["array", "string", "null"]},
            "log": {"description": "a list of lines, or one line", "type": ["array", "string", "null"]},
            "stats": {"type": ["object", "null"]},
        },
    }
}

/// `/source/update`'s refusals: the shape of its answer, with neither status nor id. A fault
/// (5xx) has the surface's usual shape.
pub struct Event;

impl WireFormat for Event {
    fn render(status: StatusCode, message: String) -> Response {
        if status.is_server_error() {
            return Specstore::render(status, message);
        }
        let body = json!({"success": false, "status": null, "id": null, "errors": [message]});
        (status, Json(body)).into_response()
    }
}

pub type EventError = Refusal<Event>;

/// `POST /source/upload`. The token comes from the `Auth-Token` header or the `jwt` parameter;
/// a Depot API key (or password) of the owner's user does too. The owner check stays on under
/// `--no-auth`: it is part of what specstore's clients rely on.
async fn upload(
    Caller { state, actor }: Caller,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, SpecstoreError> {
    // The body limit is applied here rather than by the router's layer, so that even a spec
    // over it gets specstore's answer instead of a bare 413.
    let Ok(body) = axum::body::to_bytes(body, state.config.body_limit).await else {
        return Ok(refused_upload(format!(
            "The spec could not be read whole: it must be at most {} bytes",
            state.config.body_limit
        )));
    };
    let uploader = match (token_claims(&state, &headers, &params), actor) {
        (Some(claims), _) => Uploader::Token(claims),
        (None, user @ Actor::User { .. }) => Uploader::Depot(user),
        // Under --no-auth every caller is the local operator, so look at what it presented.
        (None, Actor::Local) => match super::auth::user_of(&state, &headers).await {
            Ok(Some(user)) => Uploader::Depot(user),
            Ok(None) | Err(DomainError::Unauthenticated(_)) => Uploader::Nobody,
            Err(fault) => return Err(fault.into()),
        },
        (None, Actor::Anonymous { .. }) => Uploader::Nobody,
    };
    let contents = if super::sends_json(&headers) && !body.iter().all(u8::is_ascii_whitespace) {
        match serde_json::from_slice::<Value>(&body) {
            Ok(spec) => Some(spec),
            Err(e) => return Ok(refused_upload(format!("The spec is not valid JSON: {e}"))),
        }
    } else {
        None
    };
    let outcome = service::upload(
        &state.store,
        &uploader,
        contents.as_ref(),
        &state.dispatching,
    )
    .await?;
    Ok(Json(outcome).into_response())
}

/// An upload refused before it reached the service: still 200, with specstore's outcome.
fn refused_upload(error: String) -> Response {
    Json(UploadOutcome::refused(vec![error])).into_response()
}

/// What the auth server's token in `Auth-Token` (any case) or `?jwt=` grants, when there is one
/// and it verifies.
fn token_claims(
    state: &AppState,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Option<Claims> {
    let token = headers
        .get("auth-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| params.get("jwt").cloned())
        .filter(|t| !t.trim().is_empty())?;
    state
        .token_verifier
        .as_ref()?
        .verify(&token, chrono::Utc::now().timestamp())
}

/// A read of `{owner}`'s specs, and who makes it: the caller — or, when the caller may not
/// read, the holder of a valid token for that owner: specstore's clients poll their revisions
/// with the token they uploaded with.
struct OwnerRead {
    state: AppState,
    reader: Actor,
    owner: String,
}

impl FromRequestParts<AppState> for OwnerRead {
    type Rejection = SpecstoreError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, SpecstoreError> {
        let Caller { state, actor } = Caller::of(parts, state)?;
        let owner = path_params(parts, &state)
            .await?
            .remove("owner")
            .unwrap_or_default();
        let reader = if actor.require_read().is_ok() {
            actor
        } else {
            let params: HashMap<String, String> =
                form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
                    .into_owned()
                    .collect();
            match token_claims(&state, &parts.headers, &params) {
                Some(claims) if claims.userid == owner => Actor::Anonymous { may_read: true },
                _ => actor,
            }
        };
        Ok(Self {
            state,
            reader,
            owner,
        })
    }
}

/// `POST /source/update`: a pipeline runner's event.
async fn update(
    Caller { state, actor }: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, EventError> {
    let event = event_from(&headers, &body).map_err(EventError::invalid)?;
    let outcome = service::update(&state.store, &actor, &event).await?;
    Ok(Json(outcome).into_response())
}

fn event_from(headers: &HeaderMap, body: &[u8]) -> Result<PipelineEvent, String> {
    if !super::sends_json(headers) {
        return Err("send the event as JSON (Content-Type: application/json)".into());
    }
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("the event is not valid JSON: {e}"))?;
    let Value::Object(fields) = value else {
        return Err("the event must be a JSON object".into());
    };
    let text = |name: &str| -> Result<Option<String>, String> {
        match fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(format!("{name} must be a string")),
        }
    };
    let pipeline_id = match text("pipeline_id")? {
        Some(id) => id,
        None => text("pipeline")?.ok_or("pipeline_id (or pipeline) is required")?,
    };
    let event = text("event")?.ok_or("event is required: queue, start, progress or finish")?;
    let event = EventKind::parse(&event).map_err(|e| e.to_string())?;
    let success = match fields.get("success") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(success)) => Some(*success),
        Some(_) => return Err("success must be true or false".into()),
    };
    let lines = |name: &str| -> Result<Vec<Value>, String> {
        match fields.get(name) {
            None | Some(Value::Null) => Ok(vec![]),
            Some(Value::Array(items)) => Ok(items.clone()),
            Some(Value::String(line)) => Ok(vec![Value::String(line.clone())]),
            Some(_) => Err(format!("{name} must be a list of lines")),
        }
    };
    let stats = match fields.get("stats") {
        None | Some(Value::Null) => None,
        Some(Value::Object(stats)) => Some(Value::Object(stats.clone())),
        Some(_) => return Err("stats must be an object".into()),
    };
    Ok(PipelineEvent {
        pipeline_id,
        flow_id: text("flow_id")?,
        event,
        success,
        errors: lines("errors")?,
        log: lines("log")?,
        stats,
    })
}

async fn published_schema() -> Response {
    (
        [(http::header::CONTENT_TYPE, "application/schema+json")],
        Json(schema::document()),
    )
        .into_response()
}

type Answer = Result<Response, SpecstoreError>;

async fn owner_datasets(read: OwnerRead) -> Answer {
    let OwnerRead {
        state,
        reader,
        owner,
    } = read;
    let datasets = service::datasets(&state.store, &reader, &owner).await?;
    Ok(Json(OwnerDatasets { owner, datasets }).into_response())
}

/// `GET /source/{owner}`: the owner and its datasets.
#[derive(Serialize, JsonSchema)]
struct OwnerDatasets {
    owner: String,
    datasets: Vec<DatasetSummary>,
}

#[derive(serde::Deserialize)]
struct DatasetPath {
    dataset: String,
}

#[derive(serde::Deserialize)]
struct RevisionPath {
    dataset: String,
    revision: String,
}

async fn dataset_revisions(
    read: OwnerRead,
    Path(DatasetPath { dataset }): Path<DatasetPath>,
) -> Answer {
    let dataset = service::dataset(&read.state.store, &read.reader, &read.owner, &dataset).await?;
    Ok(Json(dataset).into_response())
}

/// `GET /source/{owner}/{dataset}/{N|latest|successful}` in specstore's shape.
async fn revision(
    read: OwnerRead,
    Path(RevisionPath { dataset, revision }): Path<RevisionPath>,
) -> Answer {
    let which = Which::parse(&revision)?;
    let revision = service::revision(
        &read.state.store,
        &read.reader,
        &read.owner,
        &dataset,
        which,
    )
    .await?;
    Ok(Json(specstore_shape(revision)).into_response())
}

fn specstore_shape(revision: Revision) -> SpecstoreRevision {
    let pipelines = revision
        .pipelines
        .into_iter()
        .map(|p| {
            let pipeline = SpecstorePipeline {
                title: p.title,
                status: p.status.shown(),
                stats: p.stats,
                error_log: p.error_log,
            };
            (p.id, pipeline)
        })
        .collect();
    SpecstoreRevision {
        id: revision.flow_id,
        spec_contents: revision.spec,
        modified: revision.modified,
        state: revision.state,
        logs: revision.logs,
        error_log: revision.error_log,
        stats: revision.stats,
        pipelines: SpecstorePipelines(pipelines),
    }
}

/// A revision in specstore's shape.
#[derive(Serialize, JsonSchema)]
struct SpecstoreRevision {
    /// The flow id, `owner/dataset/N`.
    id: String,
    spec_contents: Value,
    modified: String,
    state: RevisionState,
    logs: Vec<Value>,
    error_log: Vec<Value>,
    stats: Value,
    /// The revision's pipelines by id, in planned order (dependencies first).
    pipelines: SpecstorePipelines,
}

/// One pipeline of a revision in specstore's shape: its status in the revision's words
/// (`QUEUED`, `INPROGRESS`, …).
#[derive(Serialize, JsonSchema)]
struct SpecstorePipeline {
    title: String,
    status: RevisionState,
    stats: Value,
    error_log: Vec<Value>,
}

/// The pipelines by id, as a JSON object in planned order: a list of pairs written as a map
/// (the ids are unique within a revision, its store's key), as the `serde_json::Map` it
/// replaces wrote them.
struct SpecstorePipelines(Vec<(String, SpecstorePipeline)>);

impl Serialize for SpecstorePipelines {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(id, pipeline)| (id, pipeline)))
    }
}

impl JsonSchema for SpecstorePipelines {
    fn schema_name() -> Cow<'static, str> {
        "SpecstorePipelines".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let pipeline = generator.subschema_for::<SpecstorePipeline>();
        schemars::json_schema!({"type": "object", "additionalProperties": pipeline})
    }
}
