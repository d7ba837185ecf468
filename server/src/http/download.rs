//! Streaming a stored blob to the client: `ETag` (its SHA-256), `If-None-Match` → 304, and a
//! single byte range (`Range: bytes=a-b`, `a-`, `-n`) → 206 with `Content-Range`, or 416 when
//! the range lies outside the content — or, where downloads are redirected (a function), a 307
//! to a signed GET of the object. Shared by every surface that hands out files.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use depot_domain::blobs::BlobStore;
use depot_domain::DomainError;
use http::{header, HeaderMap, HeaderValue, StatusCode};
use tokio_util::io::ReaderStream;

/// How much of a file is read at once while it streams out.
const CHUNK_BYTES: usize = 256 * 1024;

/// A byte range `start..=end` within content of some length.
#[derive(Debug, PartialEq, Eq)]
struct ByteRange {
    start: u64,
    end: u64,
}

/// `None`: no (usable) Range header, send everything. `Some(Err(()))`: unsatisfiable.
fn requested_range(headers: &HeaderMap, size: u64) -> Option<Result<ByteRange, ()>> {
    let value = headers.get(header::RANGE)?.to_str().ok()?;
    let spec = value.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        // Several ranges would need a multipart answer; the whole content is a valid reply.
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let range = match (first.trim(), last.trim()) {
        ("", suffix) => {
            let length: u64 = suffix.parse().ok()?;
            if length == 0 || size == 0 {
                return Some(Err(()));
            }
            ByteRange {
                start: size.saturating_sub(length),
                end: size - 1,
            }
        }
        (start, "") => ByteRange {
            start: start.parse().ok()?,
            end: size.saturating_sub(1),
        },
        (start, end) => {
            let (start, end): (u64, u64) = (start.parse().ok()?, end.parse().ok()?);
            if end < start {
                return None;
            }
            ByteRange {
                start,
                end: end.min(size.saturating_sub(1)),
            }
        }
    };
    if range.start >= size {
        return Some(Err(()));
    }
    Some(Ok(range))
}

/// The response for blob `hash` of `size` bytes, honouring the request's conditional and range
/// headers. A blob that cannot be opened is a fault, for the surface to answer in its format.
pub async fn blob_response(
    blobs: &BlobStore,
    hash: &str,
    size: u64,
    content_type: &'static str,
    headers: &HeaderMap,
) -> Result<Response, DomainError> {
    let fault = |error: String| DomainError::Internal(format!("blob {hash}: {error}"));
    let etag =
        HeaderValue::from_str(&format!("\"{hash}\"")).expect("a hex digest is a valid header");
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|tag| tag.trim() == etag.to_str().unwrap_or_default() || tag.trim() == "*")
        });
    if unchanged {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    match blobs.download_url(hash).await {
        // The client fetches it from the object store, with its own Range header if any.
        Ok(Some(url)) => {
            let location = HeaderValue::from_str(&url)
                .map_err(|_| fault("the signed URL is not a header value".into()))?;
            return Ok((
                StatusCode::TEMPORARY_REDIRECT,
                [(header::LOCATION, location), (header::ETAG, etag)],
            )
                .into_response());
        }
        Ok(None) => {}
        Err(error) => return Err(fault(error.to_string())),
    }
    let range = match requested_range(headers, size) {
        Some(Err(())) => {
            return Ok((
                StatusCode::RANGE_NOT_SATISFIABLE,
                [(
                    header::CONTENT_RANGE,
                    HeaderValue::from_str(&format!("bytes */{size}")).unwrap(),
                )],
            )
                .into_response())
        }
        Some(Ok(range)) => Some(range),
        None => None,
    };
    let wanted = range.as_ref().map(|r| (r.start, r.end - r.start + 1));
    let content = match blobs.read(hash, wanted).await {
        Ok(content) => content,
        Err(error) => return Err(fault(error.to_string())),
    };
    let common = [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (header::ETAG, etag),
        (header::ACCEPT_RANGES, HeaderValue::from_static("bytes")),
    ];
    Ok(match range {
        None => (
            StatusCode::OK,
            common,
            [(header::CONTENT_LENGTH, HeaderValue::from(size))],
            Body::from_stream(ReaderStream::with_capacity(content, CHUNK_BYTES)),
        )
            .into_response(),
        Some(ByteRange { start, end }) => {
            let length = end - start + 1;
            (
                StatusCode::PARTIAL_CONTENT,
                common,
                [
                    (header::CONTENT_LENGTH, HeaderValue::from(length)),
                    (
                        header::CONTENT_RANGE,
                        HeaderValue::from_str(&format!("bytes {start}-{end}/{size}")).unwrap(),
                    ),
                ],
                Body::from_stream(ReaderStream::with_capacity(content, CHUNK_BYTES)),
            )
                .into_response()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(value: &str, size: u64) -> Option<Result<ByteRange, ()>> {
        let mut headers = HeaderMap::new();
        headers.insert(header::RANGE, HeaderValue::from_str(value).unwrap());
        requested_range(&headers, size)
    }

    #[test]
    fn byte_ranges_follow_rfc_9110() {
        assert_eq!(
            range("bytes=0-4", 10),
            Some(Ok(ByteRange { start: 0, end: 4 }))
        );
        assert_eq!(
            range("bytes=5-", 10),
            Some(Ok(ByteRange { start: 5, end: 9 }))
        );
        assert_eq!(
            range("bytes=-3", 10),
            Some(Ok(ByteRange { start: 7, end: 9 }))
        );
        assert_eq!(
            range("bytes=8-100", 10),
            Some(Ok(ByteRange { start: 8, end: 9 }))
        );
        assert_eq!(range("bytes=10-", 10), Some(Err(())), "starts past the end");
        assert_eq!(
            range("bytes=0-1,4-5", 10),
            None,
            "several ranges: send it all"
        );
        assert_eq!(range("items=0-1", 10), None, "unknown unit: send it all");
        assert_eq!(range("bytes=5-2", 10), None, "malformed: ignored");
    }
}
