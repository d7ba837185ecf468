//! The parameters the handlers read, described for `/openapi.json`. Handlers read them by hand
//! from [`super::call::Params`] (query string and form body alike, repeated names as lists, as
//! clusto does), so each description is a type that is never made: an empty enum whose JSON
//! Schema lists what its handler reads. Reads (and deletes with nothing to send) take them in
//! the query string, other writes in a form, as clusto's clients send them.

use serde_json::{json, Value};

/// How clusto's clients send a write's parameters.
pub const FORM: &str = "application/x-www-form-urlencoded";

pub(crate) use crate::http::routes::described as parameters;

/// `as_of`, which reads take (all but one manager's).
pub fn as_of() -> Value {
    json!({
        "type": "string",
        "description": "An RFC 3339 time or a YYYY-MM-DD date: answer as the inventory was then",
    })
}

/// A parameter that may be given more than once (`name=a&name=b`).
pub fn repeated(description: &str) -> Value {
    json!({"type": "array", "items": {"type": "string"}, "description": description})
}

/// A parameter given once.
pub fn text(description: &str) -> Value {
    json!({"type": "string", "description": description})
}

parameters! {
    /// What a plain read takes.
    Reading {
        "type": "object",
        "properties": {"as_of": as_of()},
    }
}
