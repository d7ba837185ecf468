//! Text answers (pages, JSON, the UI's scripts and WebAssembly, CSV and NDJSON exports) are
//! compressed with brotli or gzip for clients that accept it. Files and archives are not: they
//! are sent as stored, with their ranges and ETags meaning what they say.
//!
//! A request without `Accept-Encoding` (most scripts send none) skips the compression layer
//! altogether: it would only wrap every body for nothing (the benchmark's profile in README's
//! performance section shows the cost).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use axum::body::{Body, HttpBody};
use axum::response::Response;
use futures_util::future::Either;
use http::{header, Request};
use tower::{Layer, Service};
use tower_http::compression::predicate::{And, Predicate, SizeAbove};
use tower_http::compression::{Compression, CompressionLayer};

/// Worth compressing: text-like, more than 256 bytes, and not a byte range of something.
type Policy = And<SizeAbove, TextLike>;

#[derive(Clone, Copy)]
pub struct TextLike;

impl Predicate for TextLike {
    fn should_compress<B: HttpBody>(&self, response: &http::Response<B>) -> bool {
        let headers = response.headers();
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let compressible = content_type.starts_with("text/")
            || ["json", "javascript", "wasm", "ndjson", "xml"]
                .iter()
                .any(|kind| content_type.contains(kind));
        compressible && !headers.contains_key(header::CONTENT_RANGE)
    }
}

/// Compression around the rest of the stack, for the requests that ask for it.
#[derive(Clone)]
pub struct WhenAskedLayer;

impl<S: Clone> Layer<S> for WhenAskedLayer {
    type Service = WhenAsked<S>;
    fn layer(&self, inner: S) -> WhenAsked<S> {
        let compression = CompressionLayer::new()
            .br(true)
            .gzip(true)
            .compress_when(SizeAbove::new(256).and(TextLike));
        WhenAsked {
            compressed: compression.layer(inner.clone()),
            plain: inner,
        }
    }
}

#[derive(Clone)]
pub struct WhenAsked<S> {
    plain: S,
    compressed: Compression<S, Policy>,
}

impl<S, B> Service<Request<B>> for WhenAsked<S>
where
    S: Service<Request<B>, Response = Response, Error = Infallible> + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<S::Future, Compressing>;

    /// Both ways are readied (the router always is), so either can take the call.
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        ready!(self.plain.poll_ready(cx))?;
        self.compressed.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        if asks_for_compression(request.headers()) {
            let compressed = self.compressed.call(request);
            Either::Right(Box::pin(async move {
                let Ok(response) = compressed.await;
                Ok(response.map(Body::new))
            }))
        } else {
            Either::Left(self.plain.call(request))
        }
    }
}

/// A compressed answer on its way.
type Compressing = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

/// Whether the client accepts an encoding Depot compresses with (`identity`, which Python's
/// http.client sends, is not one).
fn asks_for_compression(headers: &http::HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| value.contains("br") || value.contains("gzip") || value.contains('*'))
}
