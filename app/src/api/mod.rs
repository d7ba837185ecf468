//! Server functions: the UI's way into the domain services. Each one is also a stable REST
//! route under `/api/` taking and returning JSON (GET ones take query parameters; the others a
//! plain form's fields too, so the UI's forms work before hydration: `codec`), so anything the
//! UI does a script can do too.

pub mod accounts;
pub mod artifacts;
pub mod audit;
mod codec;
#[cfg(feature = "ssr")]
pub mod cookies;
pub mod docs;
mod error;
#[cfg(feature = "ssr")]
pub mod handover;
pub mod inventory;
pub mod overview;
pub mod page_data;
pub mod plain_upload;
#[cfg(feature = "ssr")]
pub mod request_id;
pub mod specs;
pub mod tables;
pub mod transport;
pub mod versioning;

pub use codec::JsonOrForm;
pub use error::ApiError;
pub use plain_upload::PlainUpload;
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

/// A server function as the OpenAPI document describes it: its path, what it does, and the
/// schemas of its arguments and its answer, from the types the function itself takes and
/// returns (the arguments struct derives `JsonSchema` through `input_derive`).
#[cfg(feature = "ssr")]
pub struct ServerFunctionDoc {
    pub method: http::Method,
    pub path: &'static str,
    pub summary: &'static str,
    pub takes: fn(&mut schemars::SchemaGenerator) -> schemars::Schema,
    pub answers: fn(&mut schemars::SchemaGenerator) -> schemars::Schema,
    /// The field that carries a file, for a function that takes a plain form with one
    /// (`multipart/form-data`, [`PlainUpload`]); its other fields are what `takes` describes.
    pub file_field: Option<&'static str>,
}

#[cfg(feature = "ssr")]
fn documented<F>(summary: &'static str) -> ServerFunctionDoc
where
    F: server_fn::ServerFn + schemars::JsonSchema,
    F::Output: schemars::JsonSchema,
{
    use server_fn::{Protocol, ServerFn};
    type Of<F> = <F as ServerFn>::Protocol;
    let method = <Of<F> as Protocol<
        F,
        F::Output,
        F::Client,
        F::Server,
        F::Error,
        F::InputStreamError,
        F::OutputStreamError,
    >>::METHOD;
    ServerFunctionDoc {
        method,
        path: F::PATH,
        summary,
        takes: |generator| generator.subschema_for::<F>(),
        answers: |generator| generator.subschema_for::<F::Output>(),
        file_field: None,
    }
}

/// A function that takes a plain form with a file: `Fields` are the form's text fields, which
/// come before the file, named `file_field`.
#[cfg(feature = "ssr")]
fn documented_upload<F, Fields>(
    summary: &'static str,
    file_field: &'static str,
) -> ServerFunctionDoc
where
    F: server_fn::ServerFn,
    F::Output: schemars::JsonSchema,
    Fields: schemars::JsonSchema,
{
    ServerFunctionDoc {
        method: http::Method::POST,
        path: F::PATH,
        summary,
        takes: |generator| generator.subschema_for::<Fields>(),
        answers: |generator| generator.subschema_for::<F::Output>(),
        file_field: Some(file_field),
    }
}

/// Every server function, described. The server checks this against the functions actually
/// registered, so a new one cannot go undocumented.
#[cfg(feature = "ssr")]
pub fn server_function_docs() -> Vec<ServerFunctionDoc> {
    vec![
        documented::<accounts::CurrentSession>("Who is signed in (null when nobody is)"),
        documented::<docs::LoadApiDocument>(
            "This API's OpenAPI document, as /openapi.json serves it, for the API page",
        ),
        documented::<overview::LoadOverview>(
            "The home page: what each surface holds, recent activity, the parts' health",
        ),
        documented::<accounts::ListUsers>(
            "List users: all of them for an admin, yourself otherwise",
        ),
        documented::<accounts::CreateUser>("Create a user (admin)"),
        documented::<accounts::SetPassword>("Set a password: your own, or anyone's as admin"),
        documented::<accounts::UpdateUser>(
            "Change a user's role, or disable or enable them (admin)",
        ),
        documented::<accounts::RemoveUser>("Remove a user with their keys and sessions (admin)"),
        documented::<accounts::ListKeys>("List API keys"),
        documented::<accounts::CreateKey>("Create an API key; the secret is in this answer only"),
        documented::<accounts::RevokeKey>("Revoke an API key"),
        documented::<tables::ListDatabases>("The attached databases and their tables"),
        documented::<tables::LoadTablePage>("One page of a table for the browser"),
        documented::<tables::LoadRowForm>(
            "What the row form shows: shape, row, foreign-key choices",
        ),
        documented::<tables::GetRow>("One row with its ETag"),
        documented::<tables::Choices>("Rows of a referenced table to choose from"),
        documented::<tables::SaveRow>("Create or update a row"),
        documented::<tables::DeleteRow>("Delete a row"),
        documented::<inventory::SearchEntities>(
            "Inventory entities by name, or by attribute with search=key=value",
        ),
        documented::<inventory::LoadEntity>(
            "One inventory entity with attributes, parents, contents and address use",
        ),
        documented::<inventory::CreateEntity>("Create an inventory entity"),
        documented::<inventory::SetAttribute>("Set an attribute"),
        documented::<inventory::ChangeMembership>("Put a device in a pool or take it out"),
        documented::<inventory::AllocateIp>("Allocate an address from an IP manager"),
        documented::<versioning::CommitChanges>("What one commit changed against its parent"),
        documented::<versioning::ListDots>("Every dot with its size, commit count and dirty bytes"),
        documented::<versioning::CreateDot>("Create a dot"),
        documented::<versioning::LoadDot>("A dot with its branches and commit graph"),
        documented::<versioning::DotPage>(
            "All a dot's page shows for one view: overview, files, diff, a commit's changes, a file's lines",
        ),
        documented::<versioning::DotFiles>("Files of a branch's working tree or of a commit"),
        documented::<versioning::DotDiff>(
            "Files changed between two commits, or a commit and the working tree",
        ),
        documented::<versioning::DotFileDiff>("One file's line diff between two versions"),
        documented::<versioning::CommitDot>("Commit a branch"),
        documented_upload::<versioning::UploadDotFile, versioning::DotUploadFields>(
            "Add a file to a branch's working tree from a plain form (a page without its script)",
            "file",
        ),
        documented::<versioning::BranchDot>("Start a branch"),
        documented::<versioning::RollbackDot>("Roll a branch back to a commit"),
        documented::<artifacts::LoadNamespace>(
            "An artifact namespace: the namespaces, its artifacts and apps",
        ),
        documented::<artifacts::LoadArtifact>(
            "Every version of an artifact in full, and the apps running it",
        ),
        documented_upload::<artifacts::UploadArtifactArchive, artifacts::ArtifactUploadFields>(
            "Add an archive as an artifact version from a plain form (a page without its script)",
            "archive",
        ),
        documented::<artifacts::ChangeAppVersion>("Upgrade or roll back an app"),
        documented::<specs::ListSpecOwners>("Owners with spec datasets, and how many each has"),
        documented::<specs::ListSpecDatasets>("An owner's spec datasets with their latest state"),
        documented::<specs::LoadSpecDataset>(
            "A spec dataset with its current spec and revisions, newest first",
        ),
        documented::<specs::LoadSpecRevision>("A revision with its pipelines, logs and dispatch"),
        documented::<specs::UploadSpec>(
            "Upload a spec as the signed-in user; answers like POST /source/upload",
        ),
        documented::<specs::RerunSpec>("Run a dataset's current spec again as a new revision"),
        documented::<audit::ListAudit>("Read the audit log, newest first"),
    ]
}
