//! The Specs pages' server functions: the same domain services as `/source/…`.

use depot_domain::specs::{Dataset, DatasetSummary, OwnerSummary, Revision, UploadOutcome};
use leptos::prelude::*;
use server_fn::codec::{GetUrl, Json};

use super::{ApiError, Fetch, JsonOrForm};

#[server(prefix = "/api", client = Fetch, endpoint = "specs/owners", input = GetUrl, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn list_spec_owners() -> Result<Vec<OwnerSummary>, ApiError> {
    let (store, actor) = super::caller().await?;
    Ok(depot_domain::specs::service::owners(&store, &actor).await?)
}

#[server(prefix = "/api", client = Fetch, endpoint = "specs/datasets", input = GetUrl, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn list_spec_datasets(owner: String) -> Result<Vec<DatasetSummary>, ApiError> {
    let (store, actor) = super::caller().await?;
    Ok(depot_domain::specs::service::datasets(&store, &actor, &owner).await?)
}

#[server(prefix = "/api", client = Fetch, endpoint = "specs/dataset", input = GetUrl, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn load_spec_dataset(owner: String, dataset: String) -> Result<Dataset, ApiError> {
    let (store, actor) = super::caller().await?;
    Ok(depot_domain::specs::service::dataset(&store, &actor, &owner, &dataset).await?)
}

/// `revision` is a number, `latest` or `successful`.
#[server(prefix = "/api", client = Fetch, endpoint = "specs/revision", input = GetUrl, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn load_spec_revision(
    owner: String,
    dataset: String,
    revision: String,
) -> Result<Revision, ApiError> {
    use depot_domain::specs::service::{self, Which};
    let (store, actor) = super::caller().await?;
    let which = Which::parse(&revision)?;
    Ok(service::revision(&store, &actor, &owner, &dataset, which).await?)
}

/// Uploads a spec given as JSON text, as the signed-in user: an admin may upload for any
/// owner, a writer for the owner of its own name. Answers like `POST /source/upload`.
#[server(prefix = "/api", client = Fetch, endpoint = "specs/upload", input = JsonOrForm, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn upload_spec(spec: String) -> Result<UploadOutcome, ApiError> {
    use depot_domain::specs::service::{self, Dispatching, Uploader};
    let dispatching = use_context::<Dispatching>().unwrap_or_default();
    let (store, actor) = super::caller().await?;
    let contents: serde_json::Value = match serde_json::from_str(&spec) {
        Ok(contents) => contents,
        Err(e) => {
            return Ok(UploadOutcome::refused(vec![format!(
                "The spec is not valid JSON: {e}"
            )]))
        }
    };
    Ok(service::upload(
        &store,
        &Uploader::Depot(actor),
        Some(&contents),
        &dispatching,
    )
    .await?)
}

/// Runs a dataset's current spec again as a new revision; answers its flow id.
#[server(prefix = "/api", client = Fetch, endpoint = "specs/rerun", input = JsonOrForm, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn rerun_spec(owner: String, dataset: String) -> Result<String, ApiError> {
    use depot_domain::specs::service::{self, Dispatching};
    let dispatching = use_context::<Dispatching>().unwrap_or_default();
    let (store, actor) = super::caller().await?;
    Ok(service::rerun(&store, &actor, &owner, &dataset, &dispatching).await?)
}
