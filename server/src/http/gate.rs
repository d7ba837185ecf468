//! What every request passes through, once around the whole router: it is timed and counted
//! ([`Measure`]), CORS is answered, cross-site writes are refused and the caller identified
//! ([`Admit`]) — each a [`Step`] run by one [`Gate`]. Inside the router [`NoteRoute`] records
//! the matched pattern for the count.
//!
//! These are plain tower services rather than `axum::middleware::from_fn` on every route:
//! applied per route, each layer is cloned and boxed for every request (the profile in
//! README's performance section shows it); here each costs one boxed future, or none.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::response::Response;
use depot_app::api::request_id;
use http::{HeaderName, HeaderValue, Request};
use tower::{Layer, Service};

use super::{auth, metrics, AppState};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

type Answer = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

/// One of the layers around the router: what it does with a request, given the rest of the
/// stack as `rest`.
pub trait Step: Clone + Send + Sync + 'static {
    fn run<S, B>(
        self,
        state: AppState,
        request: Request<B>,
        rest: S,
    ) -> impl Future<Output = Response> + Send
    where
        S: Service<Request<B>, Response = Response, Error = Infallible> + Send + 'static,
        S::Future: Send + 'static,
        B: Send + 'static;
}

/// `step` around the rest of the stack, with the state it needs.
#[derive(Clone)]
pub struct GateLayer<K> {
    pub state: AppState,
    pub step: K,
}

impl<S, K: Clone> Layer<S> for GateLayer<K> {
    type Service = Gate<S, K>;
    fn layer(&self, inner: S) -> Gate<S, K> {
        Gate {
            state: self.state.clone(),
            step: self.step.clone(),
            inner,
        }
    }
}

#[derive(Clone)]
pub struct Gate<S, K> {
    state: AppState,
    step: K,
    inner: S,
}

impl<S, B, K> Service<Request<B>> for Gate<S, K>
where
    S: Service<Request<B>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
    K: Step,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Answer;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Answer {
        // The ready service goes with the call; a clone stays for the next one.
        let clone = self.inner.clone();
        let rest = std::mem::replace(&mut self.inner, clone);
        let run = self.step.clone().run(self.state.clone(), request, rest);
        Box::pin(async move { Ok(run.await) })
    }
}

/// Outermost: names every request with an id (`X-Request-Id`, on each of its log lines and
/// in a fault's message: [`request_id`]), times it and counts it under its route pattern
/// (`/metrics`).
#[derive(Clone)]
pub struct Measure;

impl Step for Measure {
    async fn run<S, B>(self, state: AppState, mut request: Request<B>, mut rest: S) -> Response
    where
        S: Service<Request<B>, Response = Response, Error = Infallible> + Send + 'static,
        S::Future: Send + 'static,
        B: Send + 'static,
    {
        let incoming = request
            .headers()
            .get(REQUEST_ID)
            .and_then(|v| v.to_str().ok());
        let id = request_id::of(incoming);
        let header = HeaderValue::from_str(&id);
        let observation = metrics::Observation::start(&mut request);
        // The id goes with the work as a task-local, where a fault's message and the log
        // (`crate::logging`) find it; no span per request (see there).
        let Ok(mut response) = request_id::scope(id, rest.call(request)).await;
        observation.finish(&state.metrics, &response);
        if let Ok(header) = header {
            response.headers_mut().insert(REQUEST_ID, header);
        }
        response
    }
}

/// Refuses cross-site writes, then identifies the caller (an `Actor` in the request's
/// extensions) or refuses bad credentials.
#[derive(Clone)]
pub struct Admit;

impl Step for Admit {
    async fn run<S, B>(self, state: AppState, request: Request<B>, mut rest: S) -> Response
    where
        S: Service<Request<B>, Response = Response, Error = Infallible> + Send + 'static,
        S::Future: Send + 'static,
        B: Send + 'static,
    {
        if let Some(refused) = auth::cross_site_refusal(&state, &request) {
            return refused;
        }
        match auth::admit(&state, request).await {
            Ok(request) => {
                let Ok(response) = rest.call(request).await;
                response
            }
            Err(refused) => refused,
        }
    }
}

/// Inside the router, on every route: notes the matched pattern for [`Measure`].
#[derive(Clone)]
pub struct NoteRouteLayer;

impl<S> Layer<S> for NoteRouteLayer {
    type Service = NoteRoute<S>;
    fn layer(&self, inner: S) -> NoteRoute<S> {
        NoteRoute(inner)
    }
}

#[derive(Clone)]
pub struct NoteRoute<S>(S);

impl<S, B> Service<Request<B>> for NoteRoute<S>
where
    S: Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> S::Future {
        metrics::note_route(&request);
        self.0.call(request)
    }
}
