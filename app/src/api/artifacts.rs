//! The Artifacts pages' server functions: the same domain services as `/v3/…`. Archives are
//! uploaded through the REST route (streamed, with progress), not through here, except a plain
//! form's archive from a page without its script ([`upload_artifact_archive`]).

use depot_domain::artifacts::{AppDetail, AppSummary, ArtifactDetail, ArtifactSummary};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use server_fn::codec::{GetUrl, Json, MultipartData};

use super::plain_upload::{takes_plain_upload, PlainUpload};
use super::{ApiError, Fetch, JsonOrForm};

/// A namespace's page: the namespaces to switch to, its artifacts and its apps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NamespaceOverview {
    pub namespaces: Vec<String>,
    pub artifacts: Vec<ArtifactSummary>,
    pub apps: Vec<AppSummary>,
    /// Archives are uploaded through a signed URL of the object store (two steps), not in the
    /// body of a request to Depot.
    pub direct_uploads: bool,
}

/// An artifact's page: every version in full, and the apps that run any of them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ArtifactOverview {
    pub versions: Vec<ArtifactDetail>,
    pub apps: Vec<AppDetail>,
}

/// The text fields of the plain form that uploads an archive; the archive comes after them, as
/// `archive`.
#[derive(Deserialize, schemars::JsonSchema)]
pub struct ArtifactUploadFields {
    pub namespace: String,
    pub name: String,
    /// Blank for the manifest's `Bundle-Version`.
    #[serde(default)]
    pub version: String,
}

/// Adds the archive a plain form sends as a version of an artifact: the artifacts page's upload
/// before or without its script (the hydrated page sends it to `POST /v3/…/artifacts/{name}`
/// itself, with progress). The archive arrives in this request's body, whatever the blob store.
#[server(prefix = "/api", client = Fetch, endpoint = "artifacts/upload", input = PlainUpload, output = Json, input_derive = ())]
pub async fn upload_artifact_archive(form: MultipartData) -> Result<ArtifactDetail, ApiError> {
    use depot_domain::artifacts::service::{Archive, UploadHeaders};
    let blobs = super::blob_store()?;
    let (store, actor) = super::caller().await?;
    let (fields, archive) =
        super::plain_upload::fields_then_file::<ArtifactUploadFields>(form, "archive").await?;
    let version = Some(fields.version.trim().to_string()).filter(|v| !v.is_empty());
    let headers = UploadHeaders {
        version,
        extends: None,
        plugins: None,
    };
    let to = Archive {
        store: &store,
        blobs: &blobs,
        actor: &actor,
        namespace: fields.namespace.trim(),
        name: fields.name.trim(),
        headers: &headers,
    };
    Ok(blobs.receive(&to, archive.content()).await?)
}
takes_plain_upload!(UploadArtifactArchive);

#[server(prefix = "/api", client = Fetch, endpoint = "artifacts/overview", input = GetUrl, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn load_namespace(namespace: String) -> Result<NamespaceOverview, ApiError> {
    use depot_domain::artifacts::{apps, service};
    let direct_uploads = super::blob_store()?.takes_direct_uploads();
    let (store, actor) = super::caller().await?;
    Ok(NamespaceOverview {
        namespaces: service::namespaces(&store, &actor).await?,
        artifacts: service::list(&store, &actor, &namespace, true, None).await?,
        apps: apps::list(&store, &actor, &namespace, &[], None).await?,
        direct_uploads,
    })
}

#[server(prefix = "/api", client = Fetch, endpoint = "artifacts/artifact", input = GetUrl, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn load_artifact(namespace: String, name: String) -> Result<ArtifactOverview, ApiError> {
    use depot_domain::artifacts::{apps, service};
    let (store, actor) = super::caller().await?;
    let versions = service::version_details(&store, &actor, &namespace, &name).await?;
    let mut details = Vec::new();
    for app in apps::list(
        &store,
        &actor,
        &namespace,
        std::slice::from_ref(&name),
        None,
    )
    .await?
    {
        details.push(apps::detail(&store, &actor, &namespace, &app.name).await?);
    }
    Ok(ArtifactOverview {
        versions,
        apps: details,
    })
}

/// Moves an app to another version of its artifact (upgrade or rollback), with `config` when
/// given (else the app keeps its config). `plain_form`: posted by the page's confirmation
/// before or without its script, `config` as JSON text; the browser is sent back to the page
/// without the question.
#[server(prefix = "/api", client = Fetch, endpoint = "artifacts/apps/version", input = JsonOrForm, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn change_app_version(
    namespace: String,
    app: String,
    version: String,
    config: Option<Value>,
    #[server(default)] plain_form: bool,
) -> Result<(), ApiError> {
    use depot_domain::artifacts::apps::{self, AppRequest, ArtifactChoice};
    let (store, actor) = super::caller().await?;
    let config = match config {
        Some(Value::String(text)) if plain_form => Some(
            serde_json::from_str(&text)
                .map_err(|e| ApiError::new(400, format!("the config is not JSON: {e}")))?,
        ),
        config => config,
    };
    let request = AppRequest {
        artifact: Some(ArtifactChoice {
            version: Some(version),
            ..Default::default()
        }),
        config,
        description: None,
    };
    apps::update(&store, &actor, &namespace, &app, request).await?;
    if plain_form {
        super::codec::back_without_query();
    }
    Ok(())
}
