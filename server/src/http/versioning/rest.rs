//! The REST face of Versioning, `/dots/…` (API.md §3): the same service as `/rpc`, in Depot's
//! JSON, with file contents streamed in and out. Errors are Depot's `{"status", "error"}`,
//! rendered in [`refuse`] only.

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use depot_app::api::ApiError;
use depot_domain::versioning::files::{self, Version};
use depot_domain::versioning::service::{self, DotPath};
use depot_domain::{Actor, DomainError};
use futures_util::TryStreamExt;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use tokio_util::io::StreamReader;

use crate::http::download::blob_response;
use crate::http::AppState;

type Answer = Result<Response, Response>;

fn refuse(error: DomainError) -> Response {
    let error = ApiError::from(error);
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(error)).into_response()
}

fn dot_path(namespace: &str, name: &str) -> Result<DotPath, Response> {
    DotPath::new(namespace, name).map_err(refuse)
}

fn body_json<T: DeserializeOwned>(body: &Bytes) -> Result<T, Response> {
    serde_json::from_slice(body).map_err(|e| {
        refuse(DomainError::invalid(format!(
            "the body is not the expected JSON: {e}"
        )))
    })
}

fn ok(status: StatusCode, value: impl serde::Serialize) -> Answer {
    Ok((status, Json(value)).into_response())
}

pub async fn list_dots(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(namespace): Path<String>,
) -> Answer {
    let volumes = service::list(&state.store, &actor, Some(&namespace))
        .await
        .map_err(refuse)?;
    ok(StatusCode::OK, volumes)
}

#[derive(Deserialize)]
struct NewDot {
    name: String,
}

pub async fn create_dot(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(namespace): Path<String>,
    body: Bytes,
) -> Answer {
    let new: NewDot = body_json(&body)?;
    let path = dot_path(&namespace, &new.name)?;
    let volume = service::create(&state.store, &actor, &path)
        .await
        .map_err(refuse)?;
    ok(StatusCode::CREATED, volume)
}

pub async fn show_dot(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((namespace, name)): Path<(String, String)>,
) -> Answer {
    let path = dot_path(&namespace, &name)?;
    ok(
        StatusCode::OK,
        service::volume(&state.store, &actor, &path)
            .await
            .map_err(refuse)?,
    )
}

pub async fn delete_dot(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((namespace, name)): Path<(String, String)>,
) -> Answer {
    let path = dot_path(&namespace, &name)?;
    service::delete(&state.store, &actor, &path)
        .await
        .map_err(refuse)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn list_branches(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((namespace, name)): Path<(String, String)>,
) -> Answer {
    let path = dot_path(&namespace, &name)?;
    ok(
        StatusCode::OK,
        service::branches(&state.store, &actor, &path)
            .await
            .map_err(refuse)?,
    )
}

#[derive(Deserialize)]
struct NewBranch {
    name: String,
    /// The branch to start from (master when absent).
    #[serde(default)]
    from: String,
    /// The commit to start at (the source branch's head when absent).
    #[serde(default)]
    commit: String,
}

pub async fn create_branch(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((namespace, name)): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    let new: NewBranch = body_json(&body)?;
    let path = dot_path(&namespace, &name)?;
    let id = service::create_branch(
        &state.store,
        &actor,
        &path,
        &new.from,
        &new.name,
        &new.commit,
    )
    .await
    .map_err(refuse)?;
    ok(StatusCode::CREATED, json!({ "id": id, "name": new.name }))
}

pub async fn delete_branch(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((namespace, name, branch)): Path<(String, String, String)>,
) -> Answer {
    let path = dot_path(&namespace, &name)?;
    service::delete_branch(&state.store, &actor, &path, &branch)
        .await
        .map_err(refuse)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `PUT …/branches/{b}/files/{path}`: the body, streamed to the blob store as it arrives.
pub async fn put_file(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((namespace, name, branch, file_path)): Path<(String, String, String, String)>,
    body: Body,
) -> Answer {
    let path = dot_path(&namespace, &name)?;
    let content = StreamReader::new(body.into_data_stream().map_err(std::io::Error::other));
    let file = files::write(
        &state.store,
        &state.blobs,
        &actor,
        &path,
        &branch,
        &file_path,
        content,
    )
    .await
    .map_err(refuse)?;
    ok(StatusCode::CREATED, file)
}

#[derive(Deserialize)]
pub struct UploadRequest {
    path: String,
}

/// `POST …/branches/{branch}/uploads` `{"path"}`: a signed URL to PUT the file's bytes to.
pub async fn begin_upload(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((namespace, name, branch)): Path<(String, String, String)>,
    body: Bytes,
) -> Answer {
    let request: UploadRequest = body_json(&body)?;
    let path = dot_path(&namespace, &name)?;
    let upload = files::begin_upload(
        &state.store,
        &state.blobs,
        &actor,
        &path,
        &branch,
        &request.path,
    )
    .await
    .map_err(refuse)?;
    ok(StatusCode::CREATED, upload)
}

#[derive(Deserialize)]
pub struct UploadConfirmation {
    path: String,
    size: i64,
    sha256: String,
}

/// `POST …/branches/{branch}/uploads/{upload}` `{"path", "size", "sha256"}`: the bytes PUT to
/// the signed URL become the file, once their size and SHA-256 are checked.
pub async fn finish_upload(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((namespace, name, branch, upload)): Path<(String, String, String, String)>,
    body: Bytes,
) -> Answer {
    let confirmation: UploadConfirmation = body_json(&body)?;
    let path = dot_path(&namespace, &name)?;
    let file = files::finish_upload(
        &state.store,
        &state.blobs,
        &actor,
        &path,
        &branch,
        &confirmation.path,
        &upload,
        (confirmation.size, &confirmation.sha256),
    )
    .await
    .map_err(refuse)?;
    ok(StatusCode::CREATED, file)
}

pub async fn delete_file(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((namespace, name, branch, file_path)): Path<(String, String, String, String)>,
) -> Answer {
    let path = dot_path(&namespace, &name)?;
    files::delete(&state.store, &actor, &path, &branch, &file_path)
        .await
        .map_err(refuse)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn get_working_file(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((namespace, name, branch, file_path)): Path<(String, String, String, String)>,
    headers: HeaderMap,
) -> Answer {
    let path = dot_path(&namespace, &name)?;
    download(
        &state,
        &actor,
        &path,
        Version::WorkingTree { branch: &branch },
        &file_path,
        &headers,
    )
    .await
}

pub async fn get_commit_file(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((namespace, name, commit, file_path)): Path<(String, String, String, String)>,
    headers: HeaderMap,
) -> Answer {
    let path = dot_path(&namespace, &name)?;
    download(
        &state,
        &actor,
        &path,
        Version::Commit(&commit),
        &file_path,
        &headers,
    )
    .await
}

/// Streams a file's content: ETag (its SHA-256, so an unchanged file is a 304) and byte ranges.
async fn download(
    state: &AppState,
    actor: &Actor,
    path: &DotPath,
    version: Version<'_>,
    file_path: &str,
    headers: &HeaderMap,
) -> Answer {
    let file = files::read(&state.store, actor, path, version, file_path)
        .await
        .map_err(refuse)?;
    Ok(blob_response(
        &state.blobs,
        &file.blob,
        file.size as u64,
        "application/octet-stream",
        headers,
        |fault| refuse(DomainError::Internal(fault)),
    )
    .await)
}

pub async fn list_working_files(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((namespace, name, branch)): Path<(String, String, String)>,
) -> Answer {
    let path = dot_path(&namespace, &name)?;
    let listing = files::list(
        &state.store,
        &actor,
        &path,
        Version::WorkingTree { branch: &branch },
    )
    .await
    .map_err(refuse)?;
    ok(StatusCode::OK, listing)
}

pub async fn list_commit_files(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((namespace, name, commit)): Path<(String, String, String)>,
) -> Answer {
    let path = dot_path(&namespace, &name)?;
    let listing = files::list(&state.store, &actor, &path, Version::Commit(&commit))
        .await
        .map_err(refuse)?;
    ok(StatusCode::OK, listing)
}

#[derive(Deserialize)]
struct NewCommit {
    message: String,
    #[serde(default)]
    metadata: Map<String, Value>,
}

pub async fn commit(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((namespace, name, branch)): Path<(String, String, String)>,
    body: Bytes,
) -> Answer {
    let new: NewCommit = body_json(&body)?;
    let path = dot_path(&namespace, &name)?;
    let id = service::commit(
        &state.store,
        &actor,
        &path,
        &branch,
        &new.message,
        &new.metadata,
    )
    .await
    .map_err(refuse)?;
    ok(StatusCode::CREATED, json!({ "id": id }))
}

pub async fn list_commits(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((namespace, name, branch)): Path<(String, String, String)>,
) -> Answer {
    let path = dot_path(&namespace, &name)?;
    ok(
        StatusCode::OK,
        service::commits(&state.store, &actor, &path, &branch)
            .await
            .map_err(refuse)?,
    )
}

/// Every commit of the dot with branch and parent: the commit graph.
pub async fn commit_graph(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((namespace, name)): Path<(String, String)>,
) -> Answer {
    let path = dot_path(&namespace, &name)?;
    ok(
        StatusCode::OK,
        service::graph(&state.store, &actor, &path)
            .await
            .map_err(refuse)?,
    )
}

#[derive(Deserialize)]
struct Rollback {
    commit: String,
}

pub async fn rollback(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((namespace, name, branch)): Path<(String, String, String)>,
    body: Bytes,
) -> Answer {
    let to: Rollback = body_json(&body)?;
    let path = dot_path(&namespace, &name)?;
    service::rollback(&state.store, &actor, &path, &branch, &to.commit)
        .await
        .map_err(refuse)?;
    ok(
        StatusCode::OK,
        json!({ "branch": branch, "head": to.commit }),
    )
}

#[derive(Deserialize)]
pub struct DiffQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// The branch whose head (`from` empty) or working tree (`to` empty) is meant.
    #[serde(default)]
    branch: String,
}

pub async fn diff(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((namespace, name)): Path<(String, String)>,
    Query(query): Query<DiffQuery>,
) -> Answer {
    let path = dot_path(&namespace, &name)?;
    let files = service::diff(
        &state.store,
        &actor,
        &path,
        &query.branch,
        &query.from,
        &query.to,
    )
    .await
    .map_err(refuse)?;
    ok(StatusCode::OK, json!({ "Files": files }))
}
