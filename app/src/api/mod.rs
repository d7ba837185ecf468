//! Server functions: the UI's way into the domain services. Each one is also a stable REST
//! route under `/api/` taking and returning JSON (GET ones take query parameters), so anything
//! the UI does a script can do too.

pub mod accounts;
pub mod artifacts;
pub mod audit;
pub mod docs;
mod error;
pub mod inventory;
pub mod specs;
pub mod tables;
pub mod transport;
pub mod versioning;

pub use error::ApiError;
pub use transport::Fetch;

/// What a server function needs from the server: the store and who is calling.
#[cfg(feature = "ssr")]
pub(crate) async fn caller() -> Result<(depot_domain::Store, depot_domain::Actor), ApiError> {
    use leptos::prelude::use_context;
    let store = use_context::<depot_domain::Store>()
        .ok_or_else(|| ApiError::new(500, "the store is not available"))?;
    let axum::Extension(actor) = leptos_axum::extract::<axum::Extension<depot_domain::Actor>>()
        .await
        .map_err(|_| ApiError::new(500, "the caller is not known"))?;
    Ok((store, actor))
}

/// The blob store, for the functions that read or place file contents. Take it before the
/// first real await: the context is gone after it.
#[cfg(feature = "ssr")]
pub(crate) fn blob_store() -> Result<depot_domain::blobs::BlobStore, ApiError> {
    leptos::prelude::use_context::<depot_domain::blobs::BlobStore>()
        .ok_or_else(|| ApiError::new(500, "the blob store is not available"))
}

/// Parses an optional whole-number query parameter, naming it when it is not one.
#[cfg(feature = "ssr")]
pub(crate) fn query_number(name: &str, value: Option<String>) -> Result<Option<i64>, ApiError> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(text) => text.parse().map(Some).map_err(|_| {
            ApiError::new(400, format!("{name} must be a whole number, not {text:?}"))
        }),
    }
}

/// One line per server function for the OpenAPI document: method, path, summary. The server
/// checks this against the functions actually registered, so a new one cannot go undocumented.
pub fn route_summaries() -> Vec<(&'static str, &'static str, &'static str)> {
    use server_fn::ServerFn;
    vec![
        ("GET", accounts::CurrentSession::PATH, "Who is signed in (null when nobody is)"),
        ("GET", docs::LoadApiDocument::PATH, "This API's OpenAPI document, as /openapi.json serves it, for the API page"),
        ("GET", accounts::ListUsers::PATH, "List users: all of them for an admin, yourself otherwise"),
        ("POST", accounts::CreateUser::PATH, "Create a user {name, role, password?} (admin)"),
        ("POST", accounts::SetPassword::PATH, "Set a password {name, password}: your own, or anyone's as admin"),
        ("GET", accounts::ListKeys::PATH, "List API keys (?user= for one user's, admin)"),
        ("POST", accounts::CreateKey::PATH, "Create an API key {name, user?}; the secret is in this answer only"),
        ("POST", accounts::RevokeKey::PATH, "Revoke an API key {id}"),
        ("GET", tables::ListDatabases::PATH, "The attached databases and their tables"),
        ("GET", tables::LoadTablePage::PATH, "One page of a table for the browser (?db=&table=&query=)"),
        ("GET", tables::LoadRowForm::PATH, "What the row form shows: shape, row, foreign-key choices (?db=&table=&key=)"),
        ("GET", tables::GetRow::PATH, "One row with its ETag (?db=&table=&key=)"),
        ("GET", tables::Choices::PATH, "Rows of a referenced table to choose from (?db=&table=&search=)"),
        ("POST", tables::SaveRow::PATH, "Create or update a row {db, table, key?, values, etag?}"),
        ("POST", tables::DeleteRow::PATH, "Delete a row {db, table, key, etag?}"),
        ("GET", inventory::SearchEntities::PATH, "Inventory entities by name, or by attribute with search=key=value"),
        ("GET", inventory::LoadEntity::PATH, "One inventory entity with attributes, parents, contents and address use (?name=)"),
        ("POST", inventory::CreateEntity::PATH, "Create an inventory entity {driver, name}"),
        ("POST", inventory::SetAttribute::PATH, "Set an attribute {name, key, subkey?, value, datatype}"),
        ("POST", inventory::ChangeMembership::PATH, "Put a device in a pool or take it out {pool, device, insert}"),
        ("POST", inventory::AllocateIp::PATH, "Allocate an address from an IP manager {manager, object}"),
        ("GET", versioning::ListDots::PATH, "Every dot with its size, commit count and dirty bytes"),
        ("POST", versioning::CreateDot::PATH, "Create a dot {namespace, name}"),
        ("GET", versioning::LoadDot::PATH, "A dot with its branches and commit graph (?namespace=&name=)"),
        ("GET", versioning::DotFiles::PATH, "Files of a branch's working tree or of a commit (?namespace=&name=&branch=&commit=)"),
        ("GET", versioning::DotDiff::PATH, "Files changed between two commits, or a commit and the working tree (?namespace=&name=&branch=&from=&to=)"),
        ("GET", versioning::DotFileDiff::PATH, "One file's line diff between two versions (?namespace=&name=&branch=&from=&to=&path=)"),
        ("POST", versioning::CommitDot::PATH, "Commit a branch {namespace, name, branch, message, metadata: name=value lines}"),
        ("POST", versioning::BranchDot::PATH, "Start a branch {namespace, name, from_branch, commit, new_branch}"),
        ("POST", versioning::RollbackDot::PATH, "Roll a branch back to a commit {namespace, name, branch, commit}"),
        ("GET", artifacts::LoadNamespace::PATH, "An artifact namespace: the namespaces, its artifacts and apps (?namespace=)"),
        ("GET", artifacts::LoadArtifact::PATH, "Every version of an artifact in full, and the apps running it (?namespace=&name=)"),
        ("POST", artifacts::ChangeAppVersion::PATH, "Upgrade or roll back an app {namespace, app, version, config?}"),
        ("GET", specs::ListSpecOwners::PATH, "Owners with spec datasets, and how many each has"),
        ("GET", specs::ListSpecDatasets::PATH, "An owner's spec datasets with their latest state (?owner=)"),
        ("GET", specs::LoadSpecDataset::PATH, "A spec dataset with its current spec and revisions, newest first (?owner=&dataset=)"),
        ("GET", specs::LoadSpecRevision::PATH, "A revision with its pipelines, logs and dispatch (?owner=&dataset=&revision=N|latest|successful)"),
        ("POST", specs::UploadSpec::PATH, "Upload a spec {spec: JSON text} as the signed-in user; answers like POST /source/upload"),
        ("POST", specs::RerunSpec::PATH, "Run a dataset's current spec again as a new revision {owner, dataset}"),
        ("GET", audit::ListAudit::PATH, "Read the audit log, newest first (?user=&surface=&object=&since=&until=&before=&limit=)"),
    ]
}
