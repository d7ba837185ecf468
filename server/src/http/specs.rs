//! The Specs surface, specstore-compatible: `/source/…` (API.md §5). Uploads always answer 200
//! with `{"success", "dataset_id", "flow_id", "errors"}`; every other refusal is
//! `{"success": false, "errors": […]}` with its 4xx status, rendered in [`refusal`] only.

use std::collections::HashMap;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use depot_domain::specs::service::{self, EventKind, PipelineEvent, Uploader, Which};
use depot_domain::specs::token::Claims;
use depot_domain::specs::{schema, Revision, UploadOutcome};
use depot_domain::{Actor, DomainError};
use http::{HeaderMap, StatusCode};
use serde_json::{json, Map, Value};

use super::error::refusal_status;
use super::AppState;

/// Everything but the upload, which [`upload_routes`] carries.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/source/update", post(update))
        .route("/source/schema", get(published_schema))
        .route("/source/{owner}", get(owner_datasets))
        .route("/source/{owner}/{dataset}", get(dataset_revisions))
        .route("/source/{owner}/{dataset}/{revision}", get(revision))
}

/// `POST /source/upload`, outside the router's body limit: it applies the limit itself.
pub fn upload_routes() -> Router<AppState> {
    Router::new().route("/source/upload", post(upload))
}

/// This surface's error body, for refusals made here and before the request got here.
pub fn refusal(status: StatusCode, message: String) -> Response {
    (status, Json(json!({"success": false, "errors": [message]}))).into_response()
}

fn refuse(error: DomainError) -> Response {
    match refusal_status(&error) {
        Some(status) => refusal(status, error.to_string()),
        None => {
            tracing::error!(error = %error, "specs request failed");
            refusal(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal server error".into(),
            )
        }
    }
}

/// `POST /source/upload`. The token comes from the `Auth-Token` header or the `jwt` parameter;
/// a Depot API key (or password) of the owner's user does too. The owner check stays on under
/// `--no-auth`: it is part of what specstore's clients rely on.
async fn upload(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    // The body limit is applied here rather than by the router's layer, so that even a spec
    // over it gets specstore's answer instead of a bare 413.
    let body = match axum::body::to_bytes(body, state.config.body_limit).await {
        Ok(body) => body,
        Err(_) => {
            return Json(UploadOutcome::refused(vec![format!(
                "The spec could not be read whole: it must be at most {} bytes",
                state.config.body_limit
            )]))
            .into_response()
        }
    };
    let uploader = match (token_claims(&state, &headers, &params), actor) {
        (Some(claims), _) => Uploader::Token(claims),
        (None, user @ Actor::User { .. }) => Uploader::Depot(user),
        // Under --no-auth every caller is the local operator, so look at what it presented.
        (None, Actor::Local) => match super::auth::user_of(&state, &headers).await {
            Ok(Some(user)) => Uploader::Depot(user),
            Ok(None) | Err(DomainError::Unauthenticated(_)) => Uploader::Nobody,
            Err(fault) => return refuse(fault),
        },
        (None, Actor::Anonymous { .. }) => Uploader::Nobody,
    };
    let contents = if super::sends_json(&headers) && !body.iter().all(u8::is_ascii_whitespace) {
        match serde_json::from_slice::<Value>(&body) {
            Ok(spec) => Some(spec),
            Err(e) => {
                return Json(UploadOutcome::refused(vec![format!(
                    "The spec is not valid JSON: {e}"
                )]))
                .into_response()
            }
        }
    } else {
        None
    };
    match service::upload(
        &state.store,
        &uploader,
        contents.as_ref(),
        &state.dispatching,
    )
    .await
    {
        Ok(outcome) => Json(outcome).into_response(),
        Err(fault) => refuse(fault),
    }
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

/// Who reads `owner`'s specs: the caller — or, when the caller may not read, the holder of a
/// valid token for that owner: specstore's clients poll their revisions with the token they
/// uploaded with.
fn reader_of(
    state: &AppState,
    caller: Actor,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
    owner: &str,
) -> Actor {
    if caller.require_read().is_ok() {
        return caller;
    }
    match token_claims(state, headers, params) {
        Some(claims) if claims.userid == owner => Actor::Anonymous { may_read: true },
        _ => caller,
    }
}

/// `POST /source/update`: a pipeline runner's event.
async fn update(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let event = match event_from(&headers, &body) {
        Ok(event) => event,
        Err(message) => return refused_event(DomainError::Invalid(message)),
    };
    match service::update(&state.store, &actor, &event).await {
        Ok(outcome) => Json(outcome).into_response(),
        Err(error) => refused_event(error),
    }
}

/// A refused event, in `/source/update`'s own shape.
fn refused_event(error: DomainError) -> Response {
    let Some(status) = refusal_status(&error) else {
        return refuse(error);
    };
    let body = json!({"success": false, "status": null, "id": null, "errors": [error.to_string()]});
    (status, Json(body)).into_response()
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

async fn owner_datasets(
    State(state): State<AppState>,
    Extension(caller): Extension<Actor>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    Path(owner): Path<String>,
) -> Response {
    let actor = reader_of(&state, caller, &headers, &params, &owner);
    match service::datasets(&state.store, &actor, &owner).await {
        Ok(datasets) => Json(json!({"owner": owner, "datasets": datasets})).into_response(),
        Err(error) => refuse(error),
    }
}

async fn dataset_revisions(
    State(state): State<AppState>,
    Extension(caller): Extension<Actor>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    Path((owner, dataset)): Path<(String, String)>,
) -> Response {
    let actor = reader_of(&state, caller, &headers, &params, &owner);
    match service::dataset(&state.store, &actor, &owner, &dataset).await {
        Ok(dataset) => Json(dataset).into_response(),
        Err(error) => refuse(error),
    }
}

/// `GET /source/{owner}/{dataset}/{N|latest|successful}` in specstore's shape.
async fn revision(
    State(state): State<AppState>,
    Extension(caller): Extension<Actor>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    Path((owner, dataset, which)): Path<(String, String, String)>,
) -> Response {
    let actor = reader_of(&state, caller, &headers, &params, &owner);
    let which = match Which::parse(&which) {
        Ok(which) => which,
        Err(error) => return refuse(error),
    };
    match service::revision(&state.store, &actor, &owner, &dataset, which).await {
        Ok(revision) => Json(specstore_shape(revision)).into_response(),
        Err(error) => refuse(error),
    }
}

fn specstore_shape(revision: Revision) -> Value {
    let pipelines: Map<String, Value> = revision
        .pipelines
        .into_iter()
        .map(|p| {
            (
                p.id,
                json!({
                    "title": p.title,
                    "status": p.status.shown(),
                    "stats": p.stats,
                    "error_log": p.error_log,
                }),
            )
        })
        .collect();
    json!({
        "id": revision.flow_id,
        "spec_contents": revision.spec,
        "modified": revision.modified,
        "state": revision.state,
        "logs": revision.logs,
        "error_log": revision.error_log,
        "stats": revision.stats,
        "pipelines": pipelines,
    })
}
