//! The error every `/api/…` route answers with: `{"status": 403, "error": "…"}` and that HTTP
//! status. This is the one place server-function errors become HTTP responses.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};
use server_fn::Bytes;

#[derive(
    Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error, schemars::JsonSchema,
)]
#[error("{error}")]
pub struct ApiError {
    pub status: u16,
    pub error: String,
    /// The input fields the error is about, so a form can show it at the field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
}

impl ApiError {
    pub fn new(status: u16, error: impl Into<String>) -> Self {
        Self {
            status,
            error: error.into(),
            fields: Vec::new(),
        }
    }

    /// Whether the caller has to sign in (again) before this can work.
    pub fn needs_login(&self) -> bool {
        self.status == 401
    }
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::Deserialization(message) => {
                Self::new(
                    400,
                    format!("the arguments are not what this call takes: {message}"),
                )
            }
            ServerFnErrorErr::MissingArg(name) => Self::new(400, format!("missing field: {name}")),
            // Seen only in the browser: the request never got an answer.
            ServerFnErrorErr::Request(message) | ServerFnErrorErr::Response(message) => {
                Self::new(0, format!("the server could not be reached: {message}"))
            }
            other => Self::new(500, other.to_string()),
        }
    }

    /// Called on the server while the error response is built: besides encoding the body, it
    /// gives the response this error's status (server functions otherwise always answer 500).
    fn ser(&self) -> Bytes {
        #[cfg(feature = "ssr")]
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            // A browser's plain form post is sent back to its page with the refusal in the
            // address (`api::codec`): a status here would replace that redirect.
            let from_a_page = leptos::prelude::use_context::<http::request::Parts>()
                .is_some_and(|request| super::codec::accepts_html(&request.headers));
            match http::StatusCode::from_u16(self.status) {
                Ok(status) if !from_a_page => response.set_status(status),
                _ => {}
            }
            response.insert_header(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            );
        }
        Bytes::from(serde_json::to_vec(self).unwrap_or_default())
    }
}

/// The HTTP status of each kind of refusal: the one table every surface and the server
/// functions answer with.
#[cfg(feature = "ssr")]
pub fn status_of(kind: depot_domain::ErrorKind) -> http::StatusCode {
    use depot_domain::ErrorKind::*;
    use http::StatusCode;
    match kind {
        Invalid => StatusCode::BAD_REQUEST,
        Unauthenticated => StatusCode::UNAUTHORIZED,
        Forbidden => StatusCode::FORBIDDEN,
        NotFound => StatusCode::NOT_FOUND,
        Conflict => StatusCode::CONFLICT,
        Precondition => StatusCode::PRECONDITION_FAILED,
        Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Fault => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

#[cfg(feature = "ssr")]
impl ApiError {
    /// What a caller is told of `error`: its kind's status and its message. A fault is logged
    /// here, the one place, and answered without its details.
    pub fn refusing(error: &impl depot_domain::Classified) -> Self {
        let kind = error.kind();
        let status = status_of(kind).as_u16();
        if kind == depot_domain::ErrorKind::Fault {
            tracing::error!(error = %error, "request failed");
            return Self::new(status, Self::fault_message());
        }
        Self::new(status, error.to_string())
    }

    /// What a fault is answered: nothing of its details, but the id of the request, which the
    /// log line with the details carries too.
    pub fn fault_message() -> String {
        match super::request_id::current() {
            Some(id) => format!("internal server error (request {id})"),
            None => "internal server error".to_string(),
        }
    }

    pub fn status_code(&self) -> http::StatusCode {
        http::StatusCode::from_u16(self.status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// Depot's own error body with its status: how `/api/…`, `/dots/…` and the operational routes
/// refuse.
#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for ApiError {
    fn into_response(self) -> axum::response::Response {
        (self.status_code(), axum::Json(self)).into_response()
    }
}

#[cfg(feature = "ssr")]
impl From<depot_domain::DomainError> for ApiError {
    fn from(error: depot_domain::DomainError) -> Self {
        Self::refusing(&error)
    }
}

/// The admin UI's table forms: the refused fields named, and messages for a person rather
/// than sandman2's.
#[cfg(feature = "ssr")]
impl From<depot_domain::tables::TablesError> for ApiError {
    fn from(error: depot_domain::tables::TablesError) -> Self {
        use depot_domain::tables::TablesError::*;
        let refused = Self::refusing(&error);
        match error {
            InvalidField(field) | UnknownField(field) => Self { fields: vec![field], ..refused },
            MissingRequired(fields) => Self { fields, ..refused },
            NotFound => Self::new(404, "no such row"),
            PreconditionFailed => Self::new(
                412,
                "someone else changed this row after you opened it; reload to see their change, then edit again",
            ),
            Constraint { column, .. } => Self { fields: column.into_iter().collect(), ..refused },
            _ => refused,
        }
    }
}
