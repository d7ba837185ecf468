//! How every surface refuses. A domain error says its kind ([`Classified`]); `ApiError::refusing`
//! turns that into a status and the text a caller may see (logging faults, hiding their
//! details); and [`Refusal`] renders it in one surface's wire format ([`RefusalFormat`]). Each
//! surface names its own error type — [`Sandman2Error`], [`ClustoError`], [`CdapError`],
//! [`SpecstoreError`], [`DepotError`] — so its handlers return `Result<_, ThatError>` and use `?`.

use std::marker::PhantomData;

use axum::response::{IntoResponse, Response};
use axum::Json;
use depot_app::api::ApiError;
use depot_domain::Classified;
use http::{StatusCode, Uri};

/// Depot's own error body, `{"status": N, "error": "…"}`, the same shape the `/api/` server
/// functions answer with (see `depot_app::api::ApiError`).
pub fn error_response(status: StatusCode, message: impl Into<String>) -> Response {
    ApiError::new(status.as_u16(), message).into_response()
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
            // sandman2 says nothing more of a missing row than `null`; its 412 has Depot's shape.
            Self::Sandman2 if status == StatusCode::NOT_FOUND => {
                (status, Json(serde_json::json!({"message": null}))).into_response()
            }
            Self::Sandman2 if status == StatusCode::PRECONDITION_FAILED => {
                error_response(status, "precondition failed")
            }
            Self::Sandman2 => {
                (status, Json(serde_json::json!({"message": message.into()}))).into_response()
            }
            Self::Cdap => text(message.into()),
            // Dotmesh's clients show the text as it is, and expect this one for credentials.
            Self::Dotmesh if status == StatusCode::UNAUTHORIZED => text("Unauthorized.".into()),
            Self::Dotmesh => text(message.into()),
            Self::Specstore => (
                status,
                Json(serde_json::json!({"success": false, "errors": [message.into()]})),
            )
                .into_response(),
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

/// A surface's wire format, as a type: what [`Refusal`] renders in.
pub trait WireFormat {
    fn render(status: StatusCode, message: String) -> Response;
}

macro_rules! wire_formats {
    ($($(#[$doc:meta])* $format:ident => $error:ident;)*) => {$(
        $(#[$doc])*
        pub struct $format;
        impl WireFormat for $format {
            fn render(status: StatusCode, message: String) -> Response {
                RefusalFormat::$format.render(status, message)
            }
        }
        $(#[$doc])*
        pub type $error = Refusal<$format>;
    )*};
}

wire_formats! {
    /// sandman2's refusals on `/db/…`.
    Sandman2 => Sandman2Error;
    /// clusto-apiserver's refusals on `/inventory/…`.
    Clusto => ClustoError;
    /// CDAP's refusals on `/v3/…`.
    Cdap => CdapError;
    /// specstore's refusals on `/source/…`.
    Specstore => SpecstoreError;
    /// Depot's own refusals: `/dots/…`, `/api/…` and the operational routes.
    Depot => DepotError;
}

/// A refusal on its way out in the wire format `F`. Any [`Classified`] domain error becomes
/// one with `?`; a handler's own refusals are made with [`Refusal::new`].
pub struct Refusal<F> {
    status: StatusCode,
    message: String,
    format: PhantomData<F>,
}

impl<F> Refusal<F> {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            format: PhantomData,
        }
    }

    /// A refusal of the caller's input (400).
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
}

impl<F, E: Classified> From<E> for Refusal<F> {
    fn from(error: E) -> Self {
        let refused = ApiError::refusing(&error);
        Self::new(refused.status_code(), refused.error)
    }
}

impl<F: WireFormat> IntoResponse for Refusal<F> {
    fn into_response(self) -> Response {
        F::render(self.status, self.message)
    }
}
