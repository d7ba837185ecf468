//! How the write functions behind the UI's forms take their arguments: as JSON from a script or
//! the hydrated UI, or as a plain HTML form's fields from a page that is not hydrated — yet
//! (the WebAssembly is still on its way) or at all (it failed, or JavaScript is off). The form
//! posts to the function's own route; Leptos answers a browser's form post with a redirect back
//! to the page, carrying a refusal in the URL for the page's action to show
//! (`ServerAction::new` reads it). Answers are JSON either way.
//!
//! A form that sends a file is `multipart/form-data` instead ([`PlainUpload`]): the hydrated
//! page sends a file itself, with progress (`components::upload`), so only a page without its
//! script posts one to a function.

use bytes::Bytes;
use futures::StreamExt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use server_fn::codec::{Encoding, MultipartData, Post};
use server_fn::error::{FromServerFnError, ServerFnErrorErr, ServerFnErrorWrapper};
use server_fn::request::browser::BrowserFormData;
use server_fn::request::{ClientReq, Req};
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

/// The input encoding of a function that takes a plain form with a file: `input = PlainUpload`,
/// one argument of type [`MultipartData`], and `takes_plain_upload!(TheFunction)`. Unlike server_fn's own `MultipartFormData`, a body
/// that is not multipart is refused in words (400) instead of stopping the request with a panic.
pub struct PlainUpload;

impl ContentType for PlainUpload {
    const CONTENT_TYPE: &'static str = "multipart/form-data";
}

impl Encoding for PlainUpload {
    const METHOD: http::Method = http::Method::POST;
}

/// Makes a server function whose one argument is [`MultipartData`] take [`PlainUpload`]: the
/// encoding's impls name the function's own type (a blanket impl would break the orphan rule).
macro_rules! takes_plain_upload {
    ($($function:ty),* $(,)?) => {$(
        impl<E, Request> server_fn::codec::IntoReq<$crate::api::PlainUpload, Request, E> for $function
        where
            E: server_fn::error::FromServerFnError,
            Request: server_fn::request::ClientReq<E, FormData = server_fn::request::browser::BrowserFormData>,
        {
            fn into_req(self, path: &str, accepts: &str) -> Result<Request, E> {
                $crate::api::codec::plain_upload_request(self.into(), path, accepts)
            }
        }

        impl<E, Request> server_fn::codec::FromReq<$crate::api::PlainUpload, Request, E> for $function
        where
            E: server_fn::error::FromServerFnError + Send + Sync,
            Request: server_fn::request::Req<E> + Send + 'static,
        {
            async fn from_req(request: Request) -> Result<Self, E> {
                $crate::api::codec::plain_upload_of(request).await.map(Self::from)
            }
        }
    )*};
}
pub(crate) use takes_plain_upload;

/// The browser's form data as a request (the hydrated page sends files itself, so only a
/// script of its own would call this).
pub fn plain_upload_request<E, Request>(
    data: MultipartData,
    path: &str,
    accepts: &str,
) -> Result<Request, E>
where
    E: FromServerFnError,
    Request: ClientReq<E, FormData = BrowserFormData>,
{
    let form = data.into_client_data().ok_or_else(|| {
        E::from_server_fn_error(ServerFnErrorErr::Request(
            "a file is sent from a browser's form".into(),
        ))
    })?;
    Request::try_new_post_multipart(path, accepts, form)
}

/// The request's multipart body, or a refusal in words when it is not one.
pub async fn plain_upload_of<E, Request>(request: Request) -> Result<MultipartData, E>
where
    E: FromServerFnError + Send + Sync,
    Request: Req<E> + Send + 'static,
{
    let boundary = request
        .to_content_type()
        .and_then(|content_type| multer::parse_boundary(content_type).ok())
        .ok_or_else(|| {
            E::from_server_fn_error(ServerFnErrorErr::Args(
                "a file comes as multipart/form-data, as a browser's form sends it".into(),
            ))
        })?;
    let body = request
        .try_into_stream()?
        .map(|chunk| chunk.map_err(|error| ServerFnErrorWrapper(E::de(error))));
    Ok(MultipartData::Server(multer::Multipart::new(
        body, boundary,
    )))
}

/// A plain form with a file, read in the order a browser sends it (the page's order): its
/// text fields as `F`, then the file named `file_field`, whose bytes are left to be streamed
/// on. A page puts the file last, so nothing is held in memory.
#[cfg(feature = "ssr")]
pub(crate) async fn fields_then_file<F: DeserializeOwned>(
    data: MultipartData,
    file_field: &str,
) -> Result<(F, UploadedFile), super::ApiError> {
    use super::ApiError;
    let unreadable =
        |error: multer::Error| ApiError::new(400, format!("the form could not be read: {error}"));
    let mut multipart = data
        .into_inner()
        .ok_or_else(|| ApiError::new(400, "the form could not be read"))?;
    let mut fields = serde_json::Map::new();
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == file_field {
            let file_name = field.file_name().unwrap_or_default().to_string();
            if file_name.is_empty() {
                return Err(no_file(file_field));
            }
            let fields = serde_json::from_value(serde_json::Value::Object(fields))
                .map_err(|e| ApiError::new(400, format!("the form's fields: {e}")))?;
            return Ok((
                fields,
                UploadedFile {
                    name: file_name,
                    field,
                },
            ));
        }
        let text = field.text().await.map_err(unreadable)?;
        fields.insert(name, text.into());
    }
    Err(no_file(file_field))
}

#[cfg(feature = "ssr")]
fn no_file(file_field: &str) -> super::ApiError {
    super::ApiError {
        fields: vec![file_field.to_string()],
        ..super::ApiError::new(400, "choose a file to upload")
    }
}

/// The file of a plain form, as it arrives.
#[cfg(feature = "ssr")]
pub(crate) struct UploadedFile {
    /// The name the file had on the sender's machine.
    pub name: String,
    field: multer::Field<'static>,
}

#[cfg(feature = "ssr")]
impl UploadedFile {
    /// The file's bytes as they arrive.
    pub fn content(self) -> impl tokio::io::AsyncRead + Unpin {
        let bytes = futures::TryStreamExt::map_err(self.field, std::io::Error::other);
        tokio_util::io::StreamReader::new(bytes)
    }
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
