//! Probes and metrics for whoever runs Depot.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{header, StatusCode};

use depot_domain::specs::outbox;

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
    let mut body = state.metrics.render(pool.size(), pool.num_idle());
    if state.dispatching.is_on() {
        body.push_str(&dispatch_backlog(&state).await);
    }
    body.push_str(&blob_totals(&state).await);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// The pipeline runner's backlog, read from the store (the same figure on every replica).
async fn dispatch_backlog(state: &AppState) -> String {
    let (waiting, oldest) = match outbox::backlog(&state.store).await {
        Ok(backlog) => backlog,
        Err(error) => {
            tracing::warn!(%error, "could not read the dispatch backlog");
            return String::new();
        }
    };
    let age = oldest
        .and_then(|at| depot_domain::time::instant(&at).ok())
        .map(|at| (chrono::Utc::now() - at).num_milliseconds() as f64 / 1000.0)
        .unwrap_or(0.0)
        .max(0.0);
    format!(
        "# HELP depot_spec_dispatch_waiting Spec revisions not yet accepted by the pipeline runner.\n\
         # TYPE depot_spec_dispatch_waiting gauge\n\
         depot_spec_dispatch_waiting {waiting}\n\
         # HELP depot_spec_dispatch_oldest_waiting_seconds How long the oldest of them has waited.\n\
         # TYPE depot_spec_dispatch_oldest_waiting_seconds gauge\n\
         depot_spec_dispatch_oldest_waiting_seconds {age}\n"
    )
}

/// The blob store's contents as its index counts them (the same figure on every replica).
async fn blob_totals(state: &AppState) -> String {
    match state.blobs.totals().await {
        Ok((count, bytes)) => format!(
            "# HELP depot_blobs Blobs in the blob store.\n\
             # TYPE depot_blobs gauge\n\
             depot_blobs {count}\n\
             # HELP depot_blob_bytes Bytes of those blobs (each stored once).\n\
             # TYPE depot_blob_bytes gauge\n\
             depot_blob_bytes {bytes}\n"
        ),
        Err(error) => {
            tracing::warn!(%error, "could not count the blobs");
            String::new()
        }
    }
}
