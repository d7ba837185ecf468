//! The Versioning surface, Dotmesh-compatible (API.md §3): JSON-RPC at `/rpc` ([`rpc`]) and the
//! REST face at `/dots/…` ([`rest`]), both over `depot_domain::versioning`.

mod rest;
mod rpc;

use axum::routing::{get, post, put};
use axum::Router;

use super::AppState;

const DOT: &str = "/dots/{ns}/{dot}";

/// Every route but file uploads, which [`upload_routes`] carries without the body limit.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/rpc", post(rpc::handle))
        .route("/dots/{ns}", get(rest::list_dots).post(rest::create_dot))
        .route(DOT, get(rest::show_dot).delete(rest::delete_dot))
        .route(
            &format!("{DOT}/branches"),
            get(rest::list_branches).post(rest::create_branch),
        )
        .route(
            &format!("{DOT}/branches/{{branch}}"),
            axum::routing::delete(rest::delete_branch),
        )
        .route(
            &format!("{DOT}/branches/{{branch}}/files"),
            get(rest::list_files),
        )
        .route(
            &format!("{DOT}/branches/{{branch}}/files/"),
            get(rest::list_files),
        )
        .route(
            &format!("{DOT}/branches/{{branch}}/commits"),
            get(rest::list_commits).post(rest::commit),
        )
        .route(
            &format!("{DOT}/branches/{{branch}}/rollback"),
            post(rest::rollback),
        )
        .route(&format!("{DOT}/commits"), get(rest::commit_graph))
        .route(
            &format!("{DOT}/commits/{{commit}}/files"),
            get(rest::list_files),
        )
        .route(
            &format!("{DOT}/commits/{{commit}}/files/"),
            get(rest::list_files),
        )
        .route(
            &format!("{DOT}/commits/{{commit}}/files/{{*path}}"),
            get(rest::get_file),
        )
        .route(&format!("{DOT}/diff"), get(rest::diff))
        .route(
            &format!("{DOT}/branches/{{branch}}/uploads"),
            post(rest::begin_upload),
        )
        .route(
            &format!("{DOT}/branches/{{branch}}/uploads/{{upload}}"),
            post(rest::finish_upload),
        )
}

/// File contents in and out of a working tree. Uploads stream to the blob store in bounded
/// memory, so they take neither the request body limit nor the request timeout.
pub fn upload_routes() -> Router<AppState> {
    Router::new().route(
        &format!("{DOT}/branches/{{branch}}/files/{{*path}}"),
        put(rest::put_file)
            .get(rest::get_file)
            .delete(rest::delete_file),
    )
}
