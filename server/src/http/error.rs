//! Depot's own error body, `{"status": N, "error": "…"}`, the same shape the `/api/` server
//! functions answer with (see `depot_app::api::ApiError`).

use axum::response::{IntoResponse, Response};
use axum::Json;
use depot_app::api::ApiError;
use depot_domain::DomainError;
use http::{StatusCode, Uri};

/// The status every surface answers a domain refusal with; `None` for a fault of the store or
/// the server, which the surface logs and answers 500 without details.
pub fn refusal_status(error: &DomainError) -> Option<StatusCode> {
    match error {
        DomainError::Invalid(_) => Some(StatusCode::BAD_REQUEST),
        DomainError::Unauthenticated(_) => Some(StatusCode::UNAUTHORIZED),
        DomainError::Forbidden(_) => Some(StatusCode::FORBIDDEN),
        DomainError::NotFound(_) => Some(StatusCode::NOT_FOUND),
        DomainError::Conflict(_) => Some(StatusCode::CONFLICT),
        DomainError::Unavailable(_) => Some(StatusCode::SERVICE_UNAVAILABLE),
        DomainError::Store(_) | DomainError::Internal(_) => None,
    }
}

pub fn error_response(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(ApiError::new(status.as_u16(), message))).into_response()
}

pub async fn unknown_api_route(uri: Uri) -> Response {
    error_response(
        StatusCode::NOT_FOUND,
        format!("no API route at {}", uri.path()),
    )
}

/// The format a surface writes its refusals in (API.md §1–§6), told by the path. Refusals
/// made before a request reaches its surface (credentials, the cross-site check) use it, and
/// `/openapi.json` documents each route's 4xx body from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefusalFormat {
    /// sandman2: `{"message": "…"}`.
    Sandman2,
    /// clusto: a JSON string.
    Clusto,
    /// Dotmesh's `/rpc`: plain text (JSON-RPC errors proper come with 200).
    Dotmesh,
    /// CDAP: plain text.
    Cdap,
    /// specstore: `{"success": false, "errors": ["…"]}`.
    Specstore,
    /// Depot's own: `{"status": N, "error": "…"}`.
    Depot,
}

impl RefusalFormat {
    pub fn of(path: &str) -> Self {
        if path.starts_with("/db/") {
            Self::Sandman2
        } else if path.starts_with("/v3/") {
            Self::Cdap
        } else if path == "/rpc" {
            Self::Dotmesh
        } else if path.starts_with("/source/") {
            Self::Specstore
        } else if path == "/inventory" || path.starts_with("/inventory/") {
            Self::Clusto
        } else {
            Self::Depot
        }
    }

    pub fn render(self, status: StatusCode, message: impl Into<String>) -> Response {
        let text = |text: String| {
            let plain = [(http::header::CONTENT_TYPE, "text/plain; charset=utf-8")];
            (status, plain, text).into_response()
        };
        match self {
            Self::Sandman2 => {
                (status, Json(serde_json::json!({"message": message.into()}))).into_response()
            }
            Self::Cdap => text(message.into()),
            // Dotmesh's clients show the text as it is, and expect this one for credentials.
            Self::Dotmesh if status == StatusCode::UNAUTHORIZED => text("Unauthorized.".into()),
            Self::Dotmesh => text(message.into()),
            Self::Specstore => super::specs::refusal(status, message.into()),
            Self::Clusto => {
                (status, Json(serde_json::Value::String(message.into()))).into_response()
            }
            Self::Depot => error_response(status, message),
        }
    }

    /// The content type and JSON Schema of a refusal's body.
    pub fn schema(self) -> (&'static str, serde_json::Value) {
        use serde_json::json;
        match self {
            Self::Sandman2 => (
                "application/json",
                json!({"type": "object", "required": ["message"], "properties": {"message": {"type": ["string", "null"]}}}),
            ),
            Self::Clusto => ("application/json", json!({"type": "string"})),
            Self::Dotmesh | Self::Cdap => ("text/plain", json!({"type": "string"})),
            Self::Specstore => (
                "application/json",
                json!({"type": "object", "required": ["success", "errors"], "properties": {
                    "success": {"const": false}, "errors": {"type": "array", "items": {"type": "string"}}}}),
            ),
            Self::Depot => (
                "application/json",
                json!({"$ref": "#/components/schemas/Error"}),
            ),
        }
    }
}

/// A refusal made before a request reaches its surface (credentials, cross-site check), in the
/// error format of the surface the path belongs to.
pub fn refusal_for(path: &str, status: StatusCode, message: impl Into<String>) -> Response {
    RefusalFormat::of(path).render(status, message)
}
