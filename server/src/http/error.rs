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

/// A refusal made before a request reaches its surface (credentials, cross-site check), in the
/// error format of the surface the path belongs to.
pub fn refusal_for(path: &str, status: StatusCode, message: impl Into<String>) -> Response {
    if path.starts_with("/db/") {
        (status, Json(serde_json::json!({"message": message.into()}))).into_response()
    } else if path.starts_with("/v3/") {
        // CDAP answers in plain text.
        (
            status,
            [(http::header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            message.into(),
        )
            .into_response()
    } else if path == "/rpc" {
        // Dotmesh answers refusals in plain text; its clients show the text as it is.
        let text = if status == StatusCode::UNAUTHORIZED {
            "Unauthorized.".to_string()
        } else {
            message.into()
        };
        (
            status,
            [(http::header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            text,
        )
            .into_response()
    } else if path.starts_with("/source/") {
        super::specs::refusal(status, message.into())
    } else if path == "/inventory" || path.starts_with("/inventory/") {
        (status, Json(serde_json::Value::String(message.into()))).into_response()
    } else {
        error_response(status, message)
    }
}
