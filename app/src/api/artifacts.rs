//! The Artifacts pages' server functions: the same domain services as `/v3/…`. Archives are
//! uploaded through the REST route (streamed, with progress), not through here.

use depot_domain::artifacts::{AppDetail, AppSummary, ArtifactDetail, ArtifactSummary};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use server_fn::codec::{GetUrl, Json};

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
/// given (else the app keeps its config).
#[server(prefix = "/api", client = Fetch, endpoint = "artifacts/apps/version", input = JsonOrForm, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn change_app_version(
    namespace: String,
    app: String,
    version: String,
    config: Option<Value>,
) -> Result<(), ApiError> {
    use depot_domain::artifacts::apps::{self, AppRequest, ArtifactChoice};
    let (store, actor) = super::caller().await?;
    let request = AppRequest {
        artifact: Some(ArtifactChoice {
            version: Some(version),
            ..Default::default()
        }),
        config,
        description: None,
    };
    Ok(apps::update(&store, &actor, &namespace, &app, request).await?)
}
