//! Probes and metrics for whoever runs Depot.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{header, StatusCode};

use super::{error_response, AppState};

/// The process is up.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The process can reach its store, so it can serve.
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => "ready".into_response(),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            error_response(
                StatusCode::SERVICE_UNAVAILABLE,
                "the store is not reachable",
            )
        }
    }
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    let pool = state.store.pool();
    let body = state.metrics.render(pool.size(), pool.num_idle());
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}
