//! The HTTP face of Depot: one router carrying the admin UI, its `/api/` server functions,
//! sign-in, and the operational endpoints, wrapped in the layers every request passes.
//!
//! A request goes: metrics → CORS → cross-site check → authentication (which attaches the
//! [`Actor`](depot_domain::Actor)), once around the router (`gate`), then on its route the
//! timeout → body limit → the handler. Routes that take files or
//! archives skip the last two (the larger upload limit applies): they stream to the blob store in
//! bounded memory, however large. Specs' upload skips them too and applies the body limit
//! itself, because specstore answers every upload, even an oversized one, with 200 and its errors.

mod artifacts;
mod auth;
mod completion;
mod compression;
mod download;
mod error;
mod extract;
mod gate;
mod inventory;
mod metrics;
mod openapi;
mod ops;
mod routes;
mod serve;
mod specs;
mod tables;
mod versioning;

use std::sync::Arc;

use axum::extract::FromRef;
use axum::routing::{any, get_service};
use axum::{middleware, Extension};
use depot_app::{shell, App};
use depot_domain::blobs::BlobStore;
use depot_domain::specs::service::Dispatching;
use depot_domain::specs::token::TokenVerifier;
use depot_domain::tables::Catalog;
use depot_domain::Store;
use http::{HeaderValue, Method, StatusCode};
use leptos::prelude::{provide_context, LeptosOptions};
use leptos_axum::{
    generate_route_list, site_pkg_dir_service, site_pkg_dir_service_route_path, LeptosRoutes,
};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use self::completion::RunToCompletionLayer;
use self::routes::{doc, get, post, Routes};
use crate::config::ServeConfig;
pub use error::error_response;
pub use metrics::Metrics;
pub use serve::serve;

/// Everything a handler may need. Cloned for every request (each route holds its own copy), so
/// it is one `Arc`: a clone is a counter increment, not a copy of every setting. Nothing here is
/// the only copy of any state: all of it can be rebuilt from the configuration and the store,
/// so processes are replicas.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub store: Store,
    /// The attached databases of the Tables surface (and Depot's own, as `main`).
    pub catalog: Catalog,
    /// File contents by hash (dot files, artifact archives); shared by replicas like the store.
    pub blobs: BlobStore,
    pub config: Arc<ServeConfig>,
    pub leptos_options: LeptosOptions,
    pub metrics: Arc<Metrics>,
    /// Verifies the auth server's tokens on `/source/upload`; `None` when no key is configured.
    pub token_verifier: Option<TokenVerifier>,
    /// Whether new spec revisions go to the pipeline runner's outbox, and the bell of this
    /// process's dispatcher.
    pub dispatching: Dispatching,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub fn new(store: Store, catalog: Catalog, blobs: BlobStore, config: ServeConfig) -> Self {
        let token_verifier = config.token_verifier.clone();
        let dispatching = if config.dpp_url.is_some() {
            Dispatching::to_runner()
        } else {
            Dispatching::off()
        };
        Self(Arc::new(Shared {
            store,
            catalog,
            blobs,
            config: Arc::new(config),
            leptos_options: leptos_options(),
            metrics: Arc::new(Metrics::default()),
            token_verifier,
            dispatching,
        }))
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// Leptos' settings from the `LEPTOS_*` variables cargo-leptos sets, with its defaults
/// (`target/site`, `pkg`) when they are absent. The output name is fixed at compile time by
/// `.cargo/config.toml`.
fn leptos_options() -> LeptosOptions {
    leptos::config::get_configuration(None)
        .map(|conf| conf.leptos_options)
        .unwrap_or_else(|error| {
            tracing::warn!(%error, "ignoring invalid LEPTOS_* settings");
            LeptosOptions::builder()
                .output_name("depot")
                .site_root("target/site")
                .build()
        })
}

/// The admin UI's routes, worked out once per process. Working them out runs the app with
/// resource loading suppressed process-wide, which would stall pages being rendered at that
/// moment by another router in the same process (leptos #4773).
fn ui_routes() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Depot's whole HTTP service, as [`router`] builds it: what `serve` and the function run.
pub trait DepotService:
    tower::Service<
        axum::extract::Request,
        Response = axum::response::Response,
        Error = std::convert::Infallible,
        Future: Send + 'static,
    > + Clone
    + Send
    + 'static
{
}

impl<S> DepotService for S where
    S: tower::Service<
            axum::extract::Request,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
            Future: Send + 'static,
        > + Clone
        + Send
        + 'static
{
}

/// The layers around the router are applied to it directly, not as a `Router`'s fallback: a
/// router around the router would match and box every request once more for nothing.
pub fn router(state: AppState) -> impl DepotService {
    let ui_routes = ui_routes();
    let store = state.store.clone();
    let catalog = state.catalog.clone();
    let blobs = state.blobs.clone();
    let leptos_options = state.leptos_options.clone();
    let config = state.config.clone();
    let dispatching = state.dispatching.clone();
    let (surfaces, mut operations) = operational_routes()
        .merge(tables::routes())
        .merge(inventory::routes(&state))
        .merge(versioning::routes())
        .merge(artifacts::routes())
        .merge(specs::routes())
        .into_parts();
    let (upload_surfaces, upload_operations) = versioning::upload_routes()
        .merge(artifacts::upload_routes())
        .merge(specs::upload_routes())
        .into_parts();
    operations.extend(upload_operations);
    let api_document = openapi::published(&operations);
    let api_document_for_pages = api_document.clone();

    let limited = surfaces
        .leptos_routes_with_context(
            &state,
            ui_routes,
            move || {
                provide_context(store.clone());
                provide_context(catalog.clone());
                provide_context(blobs.clone());
                provide_context(dispatching.clone());
                provide_context(api_document_for_pages.clone());
            },
            move || shell(leptos_options.clone()),
        )
        // The built files, served whole-request (leptos_axum's fallback passes on only
        // Accept-Encoding, so a conditional request could never be answered 304).
        .route(
            &site_pkg_dir_service_route_path(&state.leptos_options),
            get_service(site_pkg_dir_service(&state.leptos_options))
                .layer(middleware::from_fn(revalidate_before_reuse)),
        )
        .route("/api/{*rest}", any(error::unknown_api_route))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        // One `layer` call per stack: axum boxes a route again for each.
        .layer(
            tower::ServiceBuilder::new()
                .layer(gate::NoteRouteLayer)
                .layer(RequestBodyLimitLayer::new(config.body_limit))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    config.request_timeout,
                ))
                .layer(RunToCompletionLayer),
        );

    let uploads = upload_surfaces.route_layer(
        tower::ServiceBuilder::new()
            .layer(gate::NoteRouteLayer)
            .layer(RequestBodyLimitLayer::new(config.upload_limit))
            .layer(RunToCompletionLayer),
    );

    let routes = limited.merge(uploads).with_state(state.clone());
    // Once around the whole router, not on each route (see `gate`).
    tower::ServiceBuilder::new()
        .layer(gate::GateLayer {
            state: state.clone(),
            step: gate::Measure,
        })
        .layer(compression::WhenAskedLayer)
        .option_layer(cors_layer(&config))
        .layer(Extension(api_document))
        .layer(gate::GateLayer {
            state,
            step: gate::Admit,
        })
        .service(routes)
}

/// Depot's own routes: probes, metrics, this document, sign-in.
fn operational_routes() -> Routes {
    Routes::new("Depot")
        .route(
            "/healthz",
            get(ops::healthz, doc("The process is up").answers_text()),
        )
        .route(
            "/readyz",
            get(
                ops::readyz,
                doc("The store is reachable (503 when not)").answers_text(),
            ),
        )
        .route(
            "/metrics",
            get(
                ops::metrics,
                doc("Prometheus metrics: requests by route and status, latency, store pool")
                    .answers_text(),
            ),
        )
        .route(
            "/openapi.json",
            get(
                openapi::document,
                doc("This document").answers::<serde_json::Value>(),
            ),
        )
        .route(
            "/auth/login",
            post(
                auth::login,
                doc("Sign in (a form or JSON); sets the session cookie, or goes to `next`")
                    .takes::<auth::LoginForm>()
                    .answers::<auth::SignedIn>(),
            ),
        )
        .route(
            "/auth/logout",
            post(
                auth::logout,
                doc("End the session and clear its cookie").answers_nothing(StatusCode::NO_CONTENT),
            ),
        )
}

/// Whether the request says its body is JSON (`Content-Type: application/json`, any case,
/// parameters allowed): the one check every surface uses to choose how to read a body.
pub(crate) fn sends_json(headers: &http::HeaderMap) -> bool {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        })
}

/// The admin UI's built files keep their names from build to build (the split WebAssembly's
/// parts are `chunk_N.wasm`), so a browser must ask before reusing one: a part cached from the
/// previous version beside a new main module would break hydration after an upgrade. An
/// unchanged file costs a 304.
async fn revalidate_before_reuse(
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    let mut response = next.run(request).await;
    response
        .headers_mut()
        .entry(http::header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-cache"));
    response
}

/// Browsers on the configured origins may call Depot with credentials; nobody else may.
/// Without configured origins there is no CORS layer at all, so OPTIONS reaches the surfaces.
fn cors_layer(config: &ServeConfig) -> Option<CorsLayer> {
    if config.cors_origins.is_empty() {
        return None;
    }
    let origins: Vec<HeaderValue> = config
        .cors_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    let layer = CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_credentials(true)
        .allow_methods([
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers([
            http::header::AUTHORIZATION,
            http::header::CONTENT_TYPE,
            http::header::IF_MATCH,
            http::header::IF_NONE_MATCH,
        ])
        .expose_headers([
            http::header::ETAG,
            http::header::LINK,
            http::header::LOCATION,
            http::HeaderName::from_static("x-total-count"),
            http::HeaderName::from_static("x-request-id"),
        ])
        // A UI on another origin preflights its writes; browsers may reuse the answer this long.
        .max_age(std::time::Duration::from_secs(600));
    Some(layer)
}
