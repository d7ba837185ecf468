//! The Versioning pages' server functions: the same domain service as `/rpc` and `/dots/…`.
//! File contents go through the REST routes (streamed, with upload progress), not through here.

use depot_domain::versioning::{BranchInfo, DotFile, FileDiff, FileTextDiff, GraphCommit, Volume};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::{GetUrl, Json};

use super::ApiError;

/// Everything the dot page draws: the dot, its branches and its commit graph.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DotOverview {
    pub volume: Volume,
    pub branches: Vec<BranchInfo>,
    pub commits: Vec<GraphCommit>,
}

#[cfg(feature = "ssr")]
fn dot_path(namespace: &str, name: &str) -> Result<depot_domain::versioning::DotPath, ApiError> {
    Ok(depot_domain::versioning::DotPath::new(namespace, name)?)
}

/// `GET /api/dots`: every dot, by namespace and name.
#[server(prefix = "/api", endpoint = "dots", input = GetUrl, output = Json)]
pub async fn list_dots() -> Result<Vec<Volume>, ApiError> {
    let (store, actor) = super::caller().await?;
    Ok(depot_domain::versioning::service::list(&store, &actor, None).await?)
}

#[server(prefix = "/api", endpoint = "dots/create", input = Json, output = Json)]
pub async fn create_dot(namespace: String, name: String) -> Result<Volume, ApiError> {
    let (store, actor) = super::caller().await?;
    let path = dot_path(namespace.trim(), name.trim())?;
    Ok(depot_domain::versioning::service::create(&store, &actor, &path).await?)
}

#[server(prefix = "/api", endpoint = "dots/overview", input = GetUrl, output = Json)]
pub async fn load_dot(namespace: String, name: String) -> Result<DotOverview, ApiError> {
    use depot_domain::versioning::service;
    let (store, actor) = super::caller().await?;
    let path = dot_path(&namespace, &name)?;
    Ok(DotOverview {
        volume: service::volume(&store, &actor, &path).await?,
        branches: service::branches(&store, &actor, &path).await?,
        commits: service::graph(&store, &actor, &path).await?,
    })
}

/// The files of a branch's working tree, or of a commit when `commit` is given.
#[server(prefix = "/api", endpoint = "dots/files", input = GetUrl, output = Json)]
pub async fn dot_files(
    namespace: String,
    name: String,
    branch: String,
    commit: Option<String>,
) -> Result<Vec<DotFile>, ApiError> {
    use depot_domain::versioning::files::{self, Version};
    let (store, actor) = super::caller().await?;
    let path = dot_path(&namespace, &name)?;
    let version = match commit.as_deref().filter(|c| !c.is_empty()) {
        Some(commit) => Version::Commit(commit),
        None => Version::WorkingTree { branch: &branch },
    };
    Ok(files::list(&store, &actor, &path, version).await?)
}

/// Files that differ from `from` to `to` (commit ids; empty `from` is the branch head, empty
/// `to` its working tree).
#[server(prefix = "/api", endpoint = "dots/diff", input = GetUrl, output = Json)]
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

/// The line diff of one file between the same two versions as [`dot_diff`].
#[server(prefix = "/api", endpoint = "dots/file-diff", input = GetUrl, output = Json)]
pub async fn dot_file_diff(
    namespace: String,
    name: String,
    branch: String,
    from: String,
    to: String,
    path: String,
) -> Result<FileTextDiff, ApiError> {
    // Context first: it is gone after the first real await.
    let blobs = use_context::<depot_domain::blobs::BlobStore>()
        .ok_or_else(|| ApiError::new(500, "the blob store is not available"))?;
    let (store, actor) = super::caller().await?;
    let dot = dot_path(&namespace, &name)?;
    Ok(depot_domain::versioning::files::text_diff(
        &store, &blobs, &actor, &dot, &branch, &from, &to, &path,
    )
    .await?)
}

/// Commits a branch's working tree. `metadata` is `name=value` lines.
#[server(prefix = "/api", endpoint = "dots/commit", input = Json, output = Json)]
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

/// Starts branch `new_branch` at `commit` of `from_branch`; answers the new branch's name.
#[server(prefix = "/api", endpoint = "dots/branch", input = Json, output = Json)]
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

#[server(prefix = "/api", endpoint = "dots/rollback", input = Json, output = Json)]
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
