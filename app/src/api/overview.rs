//! The home page's overview.

use depot_domain::overview::Overview;
use leptos::prelude::*;
use server_fn::codec::{GetUrl, Json};

use super::{ApiError, Fetch};

/// `GET /api/overview`: what each surface holds, the newest audit entries, and whether the
/// store, the blob store and the pipeline dispatch answer.
#[server(prefix = "/api", client = Fetch, endpoint = "overview", input = GetUrl, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn load_overview() -> Result<Overview, ApiError> {
    let blobs = super::blob_store()?;
    let catalog = use_context::<depot_domain::tables::Catalog>()
        .ok_or_else(|| ApiError::new(500, "the catalog is not available"))?;
    let (store, actor) = super::caller().await?;
    Ok(depot_domain::overview::gather(&store, &blobs, &catalog, &actor).await?)
}
