//! Reading the audit log.

use depot_domain::audit::AuditEntry;
use leptos::prelude::*;
use server_fn::codec::{GetUrl, Json};

use super::{ApiError, Fetch};

/// `GET /api/audit?user=&surface=&object=&since=&until=&before=&limit=`: entries, newest
/// first. `since`/`until` take RFC 3339 times or dates; `before` is an entry id, for paging.
#[server(prefix = "/api", client = Fetch, endpoint = "audit", input = GetUrl, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn list_audit(
    user: Option<String>,
    surface: Option<String>,
    object: Option<String>,
    since: Option<String>,
    until: Option<String>,
    // Numbers arrive as text so that a bad one is refused with its parameter's name.
    before: Option<String>,
    limit: Option<String>,
) -> Result<Vec<AuditEntry>, ApiError> {
    let (store, actor) = super::caller().await?;
    let before = super::query_number("before", before)?;
    let limit = super::query_number("limit", limit)?;
    let filter = depot_domain::audit::AuditFilter {
        user,
        surface,
        object,
        since,
        until,
        before,
        limit,
    };
    Ok(depot_domain::audit::query(&store, &actor, &filter).await?)
}
