//! The Specs pages' server functions: the same domain services as `/source/…`.

use depot_domain::specs::{Dataset, DatasetSummary, OwnerSummary, Revision, UploadOutcome};
use leptos::prelude::*;
use server_fn::codec::{GetUrl, Json};

use super::{ApiError, Fetch, JsonOrForm};
use crate::urlencode;

/// A dataset's page; `dataset_id` is `owner/dataset`.
pub fn dataset_href(dataset_id: &str) -> String {
    let (owner, name) = dataset_id.split_once('/').unwrap_or((dataset_id, ""));
    format!("/specs/{}/{}", urlencode(owner), urlencode(name))
}

/// A revision's page; `flow_id` is `owner/dataset/revision`.
pub fn flow_href(flow_id: &str) -> String {
    match flow_id.rsplit_once('/') {
        Some((dataset_id, n)) => format!("{}/{}", dataset_href(dataset_id), urlencode(n)),
        None => "/specs".into(),
    }
}

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
/// `plain_form`: posted by the page's form before or without its script; the browser is sent
/// on to the new revision, and a refused spec is a refusal (400) naming its problems, which the
/// page shows where the hydrated page shows them.
#[server(prefix = "/api", client = Fetch, endpoint = "specs/upload", input = JsonOrForm, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn upload_spec(
    spec: String,
    #[server(default)] plain_form: bool,
) -> Result<UploadOutcome, ApiError> {
    use depot_domain::specs::service::{self, Dispatching, Uploader};
    let dispatching = use_context::<Dispatching>().unwrap_or_default();
    let (store, actor) = super::caller().await?;
    let outcome = match serde_json::from_str::<serde_json::Value>(&spec) {
        Ok(contents) => {
            let uploader = Uploader::Depot(actor);
            service::upload(&store, &uploader, Some(&contents), &dispatching).await?
        }
        Err(e) => UploadOutcome::refused(vec![format!("The spec is not valid JSON: {e}")]),
    };
    if plain_form {
        match &outcome.flow_id {
            Some(flow_id) if outcome.success => leptos_axum::redirect(&flow_href(flow_id)),
            _ => {
                let problems = outcome.errors.join("; ");
                return Err(ApiError::new(
                    400,
                    format!("The spec was not accepted: {problems}"),
                ));
            }
        }
    }
    Ok(outcome)
}

/// Runs a dataset's current spec again as a new revision; answers its flow id. `plain_form`:
/// posted by the page's button before or without its script; the browser is sent on to the
/// new revision.
#[server(prefix = "/api", client = Fetch, endpoint = "specs/rerun", input = JsonOrForm, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn rerun_spec(
    owner: String,
    dataset: String,
    #[server(default)] plain_form: bool,
) -> Result<String, ApiError> {
    use depot_domain::specs::service::{self, Dispatching};
    let dispatching = use_context::<Dispatching>().unwrap_or_default();
    let (store, actor) = super::caller().await?;
    let flow_id = service::rerun(&store, &actor, &owner, &dataset, &dispatching).await?;
    if plain_form {
        leptos_axum::redirect(&flow_href(&flow_id));
    }
    Ok(flow_id)
}
