//! Runs a write's handler in a task of its own, so a client that hangs up (or the request
//! timeout) does not cancel it half-way. A cancelled future can leave a store connection inside
//! a transaction it began (SQLite's `BEGIN IMMEDIATE` still completes on sqlx's worker thread
//! after the caller is gone), holding the write lock for every later writer; a finished
//! handler always commits or rolls back. Reads (GET, HEAD, OPTIONS) change nothing and hold no
//! write lock, so they run in place and spare a task per request; a panic in either is a 500.
//!
//! A plain tower layer rather than `axum::middleware::from_fn`: it sits on every route, and
//! `from_fn` boxes the rest of the route and its future again for every request.

use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::response::Response;
use depot_app::api::request_id;
use futures_util::FutureExt;
use http::{Method, Request, StatusCode};
use tower::{Layer, Service};

use super::error_response;

#[derive(Clone, Copy)]
pub struct RunToCompletionLayer;

impl<S> Layer<S> for RunToCompletionLayer {
    type Service = RunToCompletion<S>;
    fn layer(&self, inner: S) -> RunToCompletion<S> {
        RunToCompletion(inner)
    }
}

#[derive(Clone)]
pub struct RunToCompletion<S>(S);

type Finishing = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl<S, B> Service<Request<B>> for RunToCompletion<S>
where
    S: Service<Request<B>, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Finishing;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Finishing {
        let read = matches!(
            *request.method(),
            Method::GET | Method::HEAD | Method::OPTIONS
        );
        let work = self.0.call(request);
        if read {
            return Box::pin(async move {
                Ok(match AssertUnwindSafe(work).catch_unwind().await {
                    Ok(Ok(response)) => response,
                    Err(_) => panicked("a read handler panicked"),
                })
            });
        }
        // The task is still part of the request: its id goes with it.
        let work = match request_id::current() {
            Some(id) => request_id::scope(id, work).left_future(),
            None => work.right_future(),
        };
        let task = tokio::spawn(work);
        Box::pin(async move {
            let finished = task.await;
            Ok(match finished {
                Ok(Ok(response)) => response,
                Err(fault) => panicked(&fault.to_string()),
            })
        })
    }
}

fn panicked(fault: &str) -> Response {
    tracing::error!(error = %fault, "a request handler panicked");
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        depot_app::api::ApiError::fault_message(),
    )
}
