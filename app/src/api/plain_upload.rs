//! A plain form that sends a file (`multipart/form-data`): a dot page's or the artifacts page's
//! upload before or without the page's script. Hydrated, a page sends a file itself, with
//! progress (`components::upload`), so only a page without its script posts one to a function;
//! the function reads the form's text fields, then streams the file on to the blob store.

use futures::StreamExt;
#[cfg(feature = "ssr")]
use serde::de::DeserializeOwned;
use server_fn::codec::{Encoding, MultipartData};
use server_fn::error::{FromServerFnError, ServerFnErrorErr, ServerFnErrorWrapper};
use server_fn::request::browser::BrowserFormData;
use server_fn::request::{ClientReq, Req};
use server_fn::ContentType;

/// The input encoding of a function that takes a plain form with a file: `input = PlainUpload`,
/// one argument of type [`MultipartData`], and `takes_plain_upload!(TheFunction)`. Unlike
/// server_fn's own `MultipartFormData`, a body that is not multipart is refused in words (400)
/// instead of stopping the request with a panic.
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
                $crate::api::plain_upload::plain_upload_request(self.into(), path, accepts)
            }
        }

        impl<E, Request> server_fn::codec::FromReq<$crate::api::PlainUpload, Request, E> for $function
        where
            E: server_fn::error::FromServerFnError + Send + Sync,
            Request: server_fn::request::Req<E> + Send + 'static,
        {
            async fn from_req(request: Request) -> Result<Self, E> {
                $crate::api::plain_upload::plain_upload_of(request).await.map(Self::from)
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
