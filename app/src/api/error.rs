//! The error every `/api/…` route answers with: `{"status": 403, "error": "…"}` and that HTTP
//! status. This is the one place server-function errors become HTTP responses.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};
use server_fn::Bytes;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
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
                    format!("the body is not the JSON this call takes: {message}"),
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
            if let Ok(status) = http::StatusCode::from_u16(self.status) {
                response.set_status(status);
            }
            response.insert_header(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            );
        }
        Bytes::from(serde_json::to_vec(self).unwrap_or_default())
    }
}

#[cfg(feature = "ssr")]
impl From<depot_domain::DomainError> for ApiError {
    fn from(error: depot_domain::DomainError) -> Self {
        use depot_domain::DomainError::*;
        match error {
            Invalid(message) => Self::new(400, message),
            Unauthenticated(message) => Self::new(401, message),
            Forbidden(message) => Self::new(403, message),
            NotFound(message) => Self::new(404, message),
            Conflict(message) => Self::new(409, message),
            unavailable @ Unavailable(_) => Self::new(503, unavailable.to_string()),
            fault @ (Store(_) | Internal(_)) => {
                tracing::error!(error = %fault, "server function failed");
                Self::new(500, "internal server error")
            }
        }
    }
}

#[cfg(feature = "ssr")]
impl From<depot_domain::tables::TablesError> for ApiError {
    fn from(error: depot_domain::tables::TablesError) -> Self {
        use depot_domain::tables::TablesError::*;
        let message = error.to_string();
        match error {
            InvalidField(field) | UnknownField(field) => Self { fields: vec![field], ..Self::new(400, message) },
            MissingRequired(fields) => Self { fields, ..Self::new(400, message) },
            NoData | NoJson | BadParameter(_) => Self::new(400, message),
            NotFound => Self::new(404, "no such row"),
            PreconditionFailed => Self::new(
                412,
                "someone else changed this row after you opened it; reload to see their change, then edit again",
            ),
            Constraint { message, column } => Self { fields: column.into_iter().collect(), ..Self::new(409, message) },
            ReadOnly(reason) => Self::new(403, reason),
            Domain(domain) => domain.into(),
        }
    }
}
