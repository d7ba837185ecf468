//! How the write functions behind the UI's forms take their arguments: as JSON from a script or
//! the hydrated UI, or as a plain HTML form's fields from a page that is not hydrated — yet
//! (the WebAssembly is still on its way) or at all (it failed, or JavaScript is off). The form
//! posts to the function's own route; Leptos answers a browser's form post with a redirect back
//! to the page, carrying a refusal in the URL for the page's action to show
//! (`ServerAction::new` reads it). Answers are JSON either way.
//!
//! A form that sends a file is `multipart/form-data` instead: `super::plain_upload`.

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;
use server_fn::codec::Post;
use server_fn::{ContentType, Decodes, Encodes, Format, FormatType};

/// The input encoding of every server function that is not a GET: `input = JsonOrForm`.
pub type JsonOrForm = Post<JsonOrFormEncoding>;

pub struct JsonOrFormEncoding;

/// The UI itself sends JSON.
impl ContentType for JsonOrFormEncoding {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for JsonOrFormEncoding {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for JsonOrFormEncoding {
    type Error = serde_json::Error;

    fn encode(arguments: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(arguments).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for JsonOrFormEncoding {
    type Error = String;

    /// The body tells which it is ([`is_json`]), whatever a client's `Content-Type` says.
    fn decode(body: Bytes) -> Result<T, String> {
        if is_json(&body) {
            serde_json::from_slice(&body).map_err(|e| format!("JSON: {e}"))
        } else {
            // Nested fields as `values[Name]=…`, up to five levels, as Leptos' forms write them.
            serde_qs::Config::new(5, false)
                .deserialize_bytes(&body)
                .map_err(|e| format!("form fields: {e}"))
        }
    }
}

/// JSON starts with `{` (or `[`, which is refused by name: the arguments are one object); a
/// form's first field name never does (a browser sends `%7B` and `%5B`).
fn is_json(body: &[u8]) -> bool {
    matches!(
        body.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[')
    )
}

/// Sends a browser's plain form post back to the page it came from without that page's query:
/// the question the query asked (`?change=…`) is answered.
#[cfg(feature = "ssr")]
pub(crate) fn back_without_query() {
    let referer = leptos::prelude::use_context::<http::request::Parts>().and_then(|request| {
        let referer = request.headers.get(http::header::REFERER)?.to_str().ok()?;
        referer.parse::<http::Uri>().ok()
    });
    if let Some(page) = referer {
        leptos_axum::redirect(page.path());
    }
}

/// Whether a request is a browser's (it takes HTML): Leptos answers a server function called
/// by a plain form from a page with a redirect back to that page.
#[cfg(feature = "ssr")]
pub(crate) fn accepts_html(headers: &http::HeaderMap) -> bool {
    headers
        .get(http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Arguments {
        name: String,
        role: Option<String>,
        values: Option<BTreeMap<String, String>>,
    }

    fn decoded(body: &str) -> Result<Arguments, String> {
        JsonOrFormEncoding::decode(Bytes::from(body.to_string()))
    }

    #[test]
    fn json_and_a_form_say_the_same() {
        let from_json = decoded(r#" {"name": "ana", "role": "reader"}"#).unwrap();
        let from_form = decoded("name=ana&role=reader").unwrap();
        assert_eq!(from_json, from_form);
        assert_eq!(from_form.name, "ana");
    }

    #[test]
    fn a_form_nests_fields_in_brackets_and_encodes_braces() {
        let row = decoded("name=r&values%5BTitle%5D=%7Bbraces%7D&values%5BId%5D=7").unwrap();
        let values = row.values.unwrap();
        assert_eq!(values["Title"], "{braces}");
        assert_eq!(values["Id"], "7");
    }

    #[test]
    fn a_missing_field_is_named() {
        assert!(decoded("role=reader").unwrap_err().contains("name"));
        assert!(decoded("{}").unwrap_err().contains("name"));
    }
}
