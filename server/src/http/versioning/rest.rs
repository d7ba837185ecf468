//! The REST face of Versioning, `/dots/…` (API.md §3): the same service as `/rpc`, in Depot's
//! JSON, with file contents streamed in and out. Refusals are Depot's `{"status", "error"}`
//! ([`DepotError`]).

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Path, Query};
use axum::response::{IntoResponse, Response};
use axum::Json;
use depot_domain::versioning::files::{self, Version, WorkingFile};
use depot_domain::versioning::service::{self, DotPath};
use depot_domain::{Actor, DomainError};
use futures_util::TryStreamExt;
use http::request::Parts;
use http::{HeaderMap, StatusCode};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio_util::io::StreamReader;

use crate::http::download::blob_response;
use crate::http::error::DepotError;
use crate::http::extract::{path_params, Caller};
use crate::http::AppState;

type Answer = Result<Response, DepotError>;

/// The dot a `/dots/{ns}/{dot}/…` route names, its name checked.
pub struct DotRef(DotPath);

impl FromRequestParts<AppState> for DotRef {
    type Rejection = DepotError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, DepotError> {
        let params = path_params(parts, state).await?;
        let part = |name: &str| params.get(name).map(String::as_str).unwrap_or_default();
        Ok(Self(DotPath::new(part("ns"), part("dot"))?))
    }
}

/// The version of the dot a route names: a branch's working tree (`{branch}`) or a commit
/// (`{commit}`).
pub enum At {
    WorkingTree(String),
    Commit(String),
}

impl At {
    fn version(&self) -> Version<'_> {
        match self {
            Self::WorkingTree(branch) => Version::WorkingTree { branch },
            Self::Commit(id) => Version::Commit(id),
        }
    }
}

impl FromRequestParts<AppState> for At {
    type Rejection = DepotError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, DepotError> {
        let mut params = path_params(parts, state).await?;
        match (params.remove("commit"), params.remove("branch")) {
            (Some(commit), _) => Ok(Self::Commit(commit)),
            (None, Some(branch)) => Ok(Self::WorkingTree(branch)),
            (None, None) => {
                Err(DomainError::Internal("a file route names no version".into()).into())
            }
        }
    }
}

/// A file's path inside a dot: the rest of the route.
#[derive(Deserialize)]
pub struct InDot {
    path: String,
}

#[derive(Deserialize)]
pub struct OnBranch {
    branch: String,
}

#[derive(Deserialize)]
pub struct BranchFile {
    branch: String,
    path: String,
}

#[derive(Deserialize)]
pub struct BranchUpload {
    branch: String,
    upload: String,
}

fn body_json<T: DeserializeOwned>(body: &Bytes) -> Result<T, DepotError> {
    serde_json::from_slice(body)
        .map_err(|e| DepotError::invalid(format!("the body is not the expected JSON: {e}")))
}

fn ok(status: StatusCode, value: impl serde::Serialize) -> Answer {
    Ok((status, Json(value)).into_response())
}

pub async fn list_dots(Caller { state, actor }: Caller, Path(namespace): Path<String>) -> Answer {
    let volumes = service::list(&state.store, &actor, Some(&namespace)).await?;
    ok(StatusCode::OK, volumes)
}

#[derive(Deserialize, JsonSchema)]
pub struct NewDot {
    name: String,
}

pub async fn create_dot(
    Caller { state, actor }: Caller,
    Path(namespace): Path<String>,
    body: Bytes,
) -> Answer {
    let new: NewDot = body_json(&body)?;
    let path = DotPath::new(&namespace, &new.name)?;
    let volume = service::create(&state.store, &actor, &path).await?;
    ok(StatusCode::CREATED, volume)
}

pub async fn show_dot(Caller { state, actor }: Caller, DotRef(path): DotRef) -> Answer {
    ok(
        StatusCode::OK,
        service::volume(&state.store, &actor, &path).await?,
    )
}

pub async fn delete_dot(Caller { state, actor }: Caller, DotRef(path): DotRef) -> Answer {
    service::delete(&state.store, &actor, &path).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn list_branches(Caller { state, actor }: Caller, DotRef(path): DotRef) -> Answer {
    ok(
        StatusCode::OK,
        service::branches(&state.store, &actor, &path).await?,
    )
}

#[derive(Deserialize, JsonSchema)]
pub struct NewBranch {
    name: String,
    /// The branch to start from (master when absent).
    #[serde(default)]
    from: String,
    /// The commit to start at (the source branch's head when absent).
    #[serde(default)]
    commit: String,
}

pub async fn create_branch(
    Caller { state, actor }: Caller,
    DotRef(path): DotRef,
    body: Bytes,
) -> Answer {
    let new: NewBranch = body_json(&body)?;
    let id = service::create_branch(
        &state.store,
        &actor,
        &path,
        &new.from,
        &new.name,
        &new.commit,
    )
    .await?;
    ok(StatusCode::CREATED, CreatedBranch { id, name: new.name })
}

/// A new branch: its id and name.
#[derive(Serialize, JsonSchema)]
pub struct CreatedBranch {
    id: String,
    name: String,
}

pub async fn delete_branch(
    Caller { state, actor }: Caller,
    DotRef(path): DotRef,
    Path(OnBranch { branch }): Path<OnBranch>,
) -> Answer {
    service::delete_branch(&state.store, &actor, &path, &branch).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A file of the branch's working tree, however its bytes arrive.
fn working_file<'a>(
    state: &'a AppState,
    actor: &'a Actor,
    dot: &'a DotPath,
    branch: &'a str,
    path: &'a str,
) -> WorkingFile<'a> {
    WorkingFile {
        store: &state.store,
        actor,
        dot,
        branch,
        path,
    }
}

/// `PUT …/branches/{b}/files/{path}`: the body, streamed to the blob store as it arrives.
pub async fn put_file(
    Caller { state, actor }: Caller,
    DotRef(path): DotRef,
    Path(BranchFile {
        branch,
        path: file_path,
    }): Path<BranchFile>,
    body: Body,
) -> Answer {
    let content = StreamReader::new(body.into_data_stream().map_err(std::io::Error::other));
    let to = working_file(&state, &actor, &path, &branch, &file_path);
    ok(
        StatusCode::CREATED,
        state.blobs.receive(&to, content).await?,
    )
}

#[derive(Deserialize, JsonSchema)]
pub struct UploadRequest {
    path: String,
}

/// `POST …/branches/{branch}/uploads` `{"path"}`: a signed URL to PUT the file's bytes to.
pub async fn begin_upload(
    Caller { state, actor }: Caller,
    DotRef(path): DotRef,
    Path(OnBranch { branch }): Path<OnBranch>,
    body: Bytes,
) -> Answer {
    let request: UploadRequest = body_json(&body)?;
    let to = working_file(&state, &actor, &path, &branch, &request.path);
    ok(StatusCode::CREATED, state.blobs.begin_receiving(&to).await?)
}

#[derive(Deserialize, JsonSchema)]
pub struct UploadConfirmation {
    path: String,
    size: i64,
    sha256: String,
}

/// `POST …/branches/{branch}/uploads/{upload}` `{"path", "size", "sha256"}`: the bytes PUT to
/// the signed URL become the file, once their size and SHA-256 are checked.
pub async fn finish_upload(
    Caller { state, actor }: Caller,
    DotRef(path): DotRef,
    Path(BranchUpload { branch, upload }): Path<BranchUpload>,
    body: Bytes,
) -> Answer {
    let confirmation: UploadConfirmation = body_json(&body)?;
    let to = working_file(&state, &actor, &path, &branch, &confirmation.path);
    let confirmed = (confirmation.size, confirmation.sha256.as_str());
    ok(
        StatusCode::CREATED,
        state
            .blobs
            .finish_receiving(&to, &upload, confirmed)
            .await?,
    )
}

pub async fn delete_file(
    Caller { state, actor }: Caller,
    DotRef(path): DotRef,
    Path(BranchFile {
        branch,
        path: file_path,
    }): Path<BranchFile>,
) -> Answer {
    files::delete(&state.store, &actor, &path, &branch, &file_path).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET …/branches/{branch}/files/{path}` and `…/commits/{commit}/files/{path}`: the file's
/// content, streamed, with its ETag (its SHA-256, so an unchanged file is a 304) and ranges.
pub async fn get_file(
    Caller { state, actor }: Caller,
    DotRef(path): DotRef,
    at: At,
    Path(InDot { path: file_path }): Path<InDot>,
    headers: HeaderMap,
) -> Answer {
    let file = files::read(&state.store, &actor, &path, at.version(), &file_path).await?;
    let octets = "application/octet-stream";
    Ok(blob_response(&state.blobs, &file.blob, file.size as u64, octets, &headers).await?)
}

/// `GET …/branches/{branch}/files` and `…/commits/{commit}/files`: every file with its size.
pub async fn list_files(Caller { state, actor }: Caller, DotRef(path): DotRef, at: At) -> Answer {
    let listing = files::list(&state.store, &actor, &path, at.version()).await?;
    ok(StatusCode::OK, listing)
}

#[derive(Deserialize, JsonSchema)]
pub struct NewCommit {
    message: String,
    #[serde(default)]
    metadata: Map<String, Value>,
}

pub async fn commit(
    Caller { state, actor }: Caller,
    DotRef(path): DotRef,
    Path(OnBranch { branch }): Path<OnBranch>,
    body: Bytes,
) -> Answer {
    let new: NewCommit = body_json(&body)?;
    let id = service::commit(
        &state.store,
        &actor,
        &path,
        &branch,
        &new.message,
        &new.metadata,
    )
    .await?;
    ok(StatusCode::CREATED, Committed { id })
}

/// A new commit's id.
#[derive(Serialize, JsonSchema)]
pub struct Committed {
    id: String,
}

pub async fn list_commits(
    Caller { state, actor }: Caller,
    DotRef(path): DotRef,
    Path(OnBranch { branch }): Path<OnBranch>,
) -> Answer {
    ok(
        StatusCode::OK,
        service::commits(&state.store, &actor, &path, &branch).await?,
    )
}

/// Every commit of the dot with branch and parent: the commit graph.
pub async fn commit_graph(Caller { state, actor }: Caller, DotRef(path): DotRef) -> Answer {
    ok(
        StatusCode::OK,
        service::graph(&state.store, &actor, &path).await?,
    )
}

#[derive(Deserialize, JsonSchema)]
pub struct Rollback {
    commit: String,
}

pub async fn rollback(
    Caller { state, actor }: Caller,
    DotRef(path): DotRef,
    Path(OnBranch { branch }): Path<OnBranch>,
    body: Bytes,
) -> Answer {
    let to: Rollback = body_json(&body)?;
    service::rollback(&state.store, &actor, &path, &branch, &to.commit).await?;
    ok(
        StatusCode::OK,
        RolledBack {
            branch,
            head: to.commit,
        },
    )
}

/// A branch after a rollback, and its head now.
#[derive(Serialize, JsonSchema)]
pub struct RolledBack {
    branch: String,
    head: String,
}

#[derive(Deserialize, JsonSchema)]
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
    Caller { state, actor }: Caller,
    DotRef(path): DotRef,
    Query(query): Query<DiffQuery>,
) -> Answer {
    let files = service::diff(
        &state.store,
        &actor,
        &path,
        &query.branch,
        &query.from,
        &query.to,
    )
    .await?;
    ok(StatusCode::OK, Changes { files })
}

/// The files changed between two versions, in Dotmesh's casing.
#[derive(Serialize, JsonSchema)]
pub struct Changes {
    #[serde(rename = "Files")]
    files: Vec<depot_domain::versioning::FileDiff>,
}
