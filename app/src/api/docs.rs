//! The API's own description, for the admin UI's API page: the document `/openapi.json` serves.

use leptos::prelude::*;
use serde_json::Value;
use server_fn::codec::{GetUrl, Json};

use super::{ApiError, Fetch};

/// The OpenAPI document of this Depot, which the server puts in the context of every page and
/// server function (it is built once, from the routes that exist).
#[cfg(feature = "ssr")]
#[derive(Clone)]
pub struct ApiDocument(pub std::sync::Arc<Value>);

/// `GET /api/openapi`: the OpenAPI document, as `/openapi.json` serves it.
#[server(prefix = "/api", client = Fetch, endpoint = "openapi", input = GetUrl, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn load_api_document() -> Result<Value, ApiError> {
    use_context::<ApiDocument>()
        .map(|document| (*document.0).clone())
        .ok_or_else(|| ApiError::new(500, "internal server error"))
}
