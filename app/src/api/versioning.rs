//! The Versioning pages' server functions: the same domain service as `/rpc` and `/dots/…`.
//! File contents go through the REST routes (streamed, with upload progress), not through here,
//! except a plain form's file from a page without its script ([`upload_dot_file`]).

use depot_domain::versioning::{BranchInfo, DotFile, FileDiff, FileTextDiff, GraphCommit, Volume};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::{GetUrl, Json, MultipartData};

use super::plain_upload::{takes_plain_upload, PlainUpload};
use super::{ApiError, Fetch, JsonOrForm};

/// Everything the dot page draws: the dot, its branches and its commit graph.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DotOverview {
    pub volume: Volume,
    pub branches: Vec<BranchInfo>,
    pub commits: Vec<GraphCommit>,
    /// Files are uploaded through a signed URL of the object store (two steps), not in the
    /// body of a request to Depot.
    pub direct_uploads: bool,
}

#[cfg(feature = "ssr")]
fn dot_path(namespace: &str, name: &str) -> Result<depot_domain::versioning::DotPath, ApiError> {
    Ok(depot_domain::versioning::DotPath::new(namespace, name)?)
}

/// `GET /api/dots`: every dot, by namespace and name.
#[server(prefix = "/api", client = Fetch, endpoint = "dots", input = GetUrl, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn list_dots() -> Result<Vec<Volume>, ApiError> {
    let (store, actor) = super::caller().await?;
    Ok(depot_domain::versioning::service::list(&store, &actor, None).await?)
}

#[server(prefix = "/api", client = Fetch, endpoint = "dots/create", input = JsonOrForm, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn create_dot(namespace: String, name: String) -> Result<Volume, ApiError> {
    let (store, actor) = super::caller().await?;
    let path = dot_path(namespace.trim(), name.trim())?;
    Ok(depot_domain::versioning::service::create(&store, &actor, &path).await?)
}

#[server(prefix = "/api", client = Fetch, endpoint = "dots/overview", input = GetUrl, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn load_dot(namespace: String, name: String) -> Result<DotOverview, ApiError> {
    let direct_uploads = super::blob_store()?.takes_direct_uploads();
    let (store, actor) = super::caller().await?;
    let path = dot_path(&namespace, &name)?;
    overview(&store, &actor, &path, direct_uploads).await
}

#[cfg(feature = "ssr")]
async fn overview(
    store: &depot_domain::Store,
    actor: &depot_domain::Actor,
    path: &depot_domain::versioning::DotPath,
    direct_uploads: bool,
) -> Result<DotOverview, ApiError> {
    use depot_domain::versioning::service;
    Ok(DotOverview {
        volume: service::volume(store, actor, path).await?,
        branches: service::branches(store, actor, path).await?,
        commits: service::graph(store, actor, path).await?,
        direct_uploads,
    })
}

/// The commit `commit` when one is given, else the working tree of `branch`.
#[cfg(feature = "ssr")]
fn version<'a>(branch: &'a str, commit: &'a str) -> depot_domain::versioning::files::Version<'a> {
    use depot_domain::versioning::files::Version;
    match commit {
        "" => Version::WorkingTree { branch },
        commit => Version::Commit(commit),
    }
}

/// The files of a branch's working tree, or of a commit when `commit` is given.
#[server(prefix = "/api", client = Fetch, endpoint = "dots/files", input = GetUrl, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn dot_files(
    namespace: String,
    name: String,
    branch: String,
    commit: Option<String>,
) -> Result<Vec<DotFile>, ApiError> {
    let (store, actor) = super::caller().await?;
    let path = dot_path(&namespace, &name)?;
    let version = version(&branch, commit.as_deref().unwrap_or_default());
    Ok(depot_domain::versioning::files::list(&store, &actor, &path, version).await?)
}

/// Files that differ from `from` to `to` (commit ids; empty `from` is the branch head, empty
/// `to` its working tree).
#[server(prefix = "/api", client = Fetch, endpoint = "dots/diff", input = GetUrl, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn dot_diff(
    namespace: String,
    name: String,
    branch: String,
    from: String,
    to: String,
) -> Result<Vec<FileDiff>, ApiError> {
    let (store, actor) = super::caller().await?;
    let path = dot_path(&namespace, &name)?;
    Ok(depot_domain::versioning::service::diff(&store, &actor, &path, &branch, &from, &to).await?)
}

/// `GET /api/dots/changes?namespace=&name=&commit=`: what one commit changed, against its
/// parent (every file added, for a first commit).
#[server(prefix = "/api", client = Fetch, endpoint = "dots/changes", input = GetUrl, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn commit_changes(
    namespace: String,
    name: String,
    commit: String,
) -> Result<Vec<FileDiff>, ApiError> {
    let (store, actor) = super::caller().await?;
    let path = dot_path(&namespace, &name)?;
    Ok(depot_domain::versioning::service::changes_of(&store, &actor, &path, &commit).await?)
}

/// The line diff of one file between the same two versions as [`dot_diff`].
#[server(prefix = "/api", client = Fetch, endpoint = "dots/file-diff", input = GetUrl, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn dot_file_diff(
    namespace: String,
    name: String,
    branch: String,
    from: String,
    to: String,
    path: String,
) -> Result<FileTextDiff, ApiError> {
    let blobs = super::blob_store()?;
    let (store, actor) = super::caller().await?;
    let dot = dot_path(&namespace, &name)?;
    Ok(depot_domain::versioning::files::text_diff(
        &store, &blobs, &actor, &dot, &branch, &from, &to, &path,
    )
    .await?)
}

/// All a dot's page shows for one view of it (`DotPage`: the branch, the commit `at`, the two
/// ends of the diff, the file whose lines are compared), in one answer: one request and one
/// resource per view, instead of one for each of the five parts. Each part but the overview
/// fails on its own, as the page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DotPageData {
    pub overview: DotOverview,
    /// The files of the branch's working tree, or of the commit `at`.
    pub files: Result<Vec<DotFile>, ApiError>,
    /// What differs from `from` to `to` ([`dot_diff`]).
    pub diff: Result<Vec<FileDiff>, ApiError>,
    /// What the commit `at` changed ([`commit_changes`]); none without a commit.
    pub commit_changes: Option<Result<Vec<FileDiff>, ApiError>>,
    /// The line diff of `file` ([`dot_file_diff`]); none without a file.
    pub file_diff: Option<Result<FileTextDiff, ApiError>>,
}

/// `GET /api/dots/page?namespace=&name=&branch=&at=&from=&to=&file=`: [`DotPageData`], the
/// same as the five functions it is made of.
#[server(prefix = "/api", client = Fetch, endpoint = "dots/page", input = GetUrl, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn dot_page(
    namespace: String,
    name: String,
    branch: String,
    at: String,
    from: String,
    to: String,
    file: String,
) -> Result<DotPageData, ApiError> {
    use depot_domain::versioning::{files, service};
    // One caller and one dot for all five parts: each part's own function would look the
    // session up again.
    let blobs = super::blob_store()?;
    let (store, actor) = super::caller().await?;
    let path = dot_path(&namespace, &name)?;
    let (store, actor, path) = (&store, &actor, &path);
    let overview = overview(store, actor, path, blobs.takes_direct_uploads()).await?;
    let (files, diff, commit_changes, file_diff) = futures::join!(
        files::list(store, actor, path, version(&branch, &at)),
        service::diff(store, actor, path, &branch, &from, &to),
        async {
            if at.is_empty() {
                return None;
            }
            Some(service::changes_of(store, actor, path, &at).await)
        },
        async {
            if file.is_empty() {
                return None;
            }
            Some(files::text_diff(store, &blobs, actor, path, &branch, &from, &to, &file).await)
        },
    );
    Ok(DotPageData {
        overview,
        files: files.map_err(ApiError::from),
        diff: diff.map_err(ApiError::from),
        commit_changes: commit_changes.map(|part| part.map_err(ApiError::from)),
        file_diff: file_diff.map(|part| part.map_err(ApiError::from)),
    })
}

/// Commits a branch's working tree. `metadata` is `name=value` lines.
#[server(prefix = "/api", client = Fetch, endpoint = "dots/commit", input = JsonOrForm, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn commit_dot(
    namespace: String,
    name: String,
    branch: String,
    message: String,
    metadata: String,
) -> Result<String, ApiError> {
    let (store, actor) = super::caller().await?;
    let path = dot_path(&namespace, &name)?;
    let mut fields = serde_json::Map::new();
    for line in metadata.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (key, value) = line.split_once('=').ok_or_else(|| {
            ApiError::new(
                400,
                format!("metadata lines take the form name=value, not {line:?}"),
            )
        })?;
        fields.insert(key.trim().to_string(), value.trim().into());
    }
    Ok(
        depot_domain::versioning::service::commit(
            &store, &actor, &path, &branch, &message, &fields,
        )
        .await?,
    )
}

/// The text fields of the plain form that uploads a file into a branch's working tree; the
/// file comes after them, as `file`.
#[derive(Deserialize, schemars::JsonSchema)]
pub struct DotUploadFields {
    pub namespace: String,
    pub name: String,
    pub branch: String,
    /// Where the file goes in the dot; blank for the file's own name.
    #[serde(default)]
    pub path: String,
}

/// Adds the file a plain form sends to a branch's working tree: a dot page's upload before or
/// without its script (the hydrated page sends the file itself, with progress). The file
/// arrives in this request's body, whatever the blob store.
#[server(prefix = "/api", client = Fetch, endpoint = "dots/upload", input = PlainUpload, output = Json, input_derive = ())]
pub async fn upload_dot_file(form: MultipartData) -> Result<DotFile, ApiError> {
    let blobs = super::blob_store()?;
    let (store, actor) = super::caller().await?;
    let (fields, file) =
        super::plain_upload::fields_then_file::<DotUploadFields>(form, "file").await?;
    let dot = dot_path(&fields.namespace, &fields.name)?;
    let path = Some(fields.path.trim())
        .filter(|path| !path.is_empty())
        .unwrap_or(&file.name)
        .to_string();
    let to = depot_domain::versioning::files::WorkingFile {
        store: &store,
        actor: &actor,
        dot: &dot,
        branch: &fields.branch,
        path: &path,
    };
    Ok(blobs.receive(&to, file.content()).await?)
}
takes_plain_upload!(UploadDotFile);

/// Starts branch `new_branch` at `commit` of `from_branch`; answers the new branch's name.
#[server(prefix = "/api", client = Fetch, endpoint = "dots/branch", input = JsonOrForm, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn branch_dot(
    namespace: String,
    name: String,
    from_branch: String,
    commit: String,
    new_branch: String,
) -> Result<String, ApiError> {
    let (store, actor) = super::caller().await?;
    let path = dot_path(&namespace, &name)?;
    let new_branch = new_branch.trim();
    depot_domain::versioning::service::create_branch(
        &store,
        &actor,
        &path,
        &from_branch,
        new_branch,
        &commit,
    )
    .await?;
    Ok(new_branch.to_string())
}

#[server(prefix = "/api", client = Fetch, endpoint = "dots/rollback", input = JsonOrForm, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn rollback_dot(
    namespace: String,
    name: String,
    branch: String,
    commit: String,
) -> Result<(), ApiError> {
    let (store, actor) = super::caller().await?;
    let path = dot_path(&namespace, &name)?;
    Ok(
        depot_domain::versioning::service::rollback(&store, &actor, &path, &branch, &commit)
            .await?,
    )
}
