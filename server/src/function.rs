//! `depot lambda`: the same router run as an AWS Lambda function behind a function URL, its
//! responses streamed. A function instance lives for minutes and keeps nothing between them, so
//! it needs what outlives it: PostgreSQL and an S3 blob store (SQLite and a folder are one
//! machine's disk, and are refused at start). Deploy-time work stays at deploy time: the schema
//! must already be migrated (`depot migrate`), and the background work runs as a scheduled
//! `depot tick`, not as polling tasks.

use std::time::Duration;

use axum::body::Body;
use depot_domain::blobs::BlobStore;
use depot_domain::tables::Catalog;
use depot_domain::Store;
use tower::ServiceBuilder;

use crate::cli::{ServeArgs, StoreArgs};
use crate::commands::{token_verifier, CommandResult};
use crate::config::ServeConfig;
use crate::http;

/// What Lambda accepts and returns in one invocation (6 MB each way); the local emulator does
/// not enforce it, so Depot does: a bigger body is refused with 413.
pub const PAYLOAD_LIMIT: usize = 6 * 1000 * 1000;

/// Connections per function instance: an instance serves one request at a time, and the
/// database's connection limit is shared by every instance.
const POOL_SIZE: u32 = 2;

pub async fn run(store_args: &StoreArgs, args: &ServeArgs) -> CommandResult {
    let url = store_args.url();
    let blob_store = args.blob_store.clone().unwrap_or_default();
    if !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
        return Err(format!(
            "depot lambda needs PostgreSQL (--database-url or DATABASE_URL postgres://…), not {}: \
             a function instance keeps no disk between requests",
            url.split(':').next().unwrap_or("")
        )
        .into());
    }
    if !blob_store.starts_with("s3://") {
        return Err(
            "depot lambda needs an S3 blob store (--blob-store or DEPOT_BLOB_STORE s3://BUCKET/PREFIX): \
             a function instance keeps no disk between requests"
                .into(),
        );
    }
    let mut config = ServeConfig::from_args(args)?;
    config.body_limit = config.body_limit.min(PAYLOAD_LIMIT);
    config.upload_limit = config.upload_limit.min(PAYLOAD_LIMIT);
    config.token_verifier = token_verifier(args).await?;
    let store = Store::connect_with_pool(&url, POOL_SIZE).await?;
    if let Some(pending) = store.pending_migrations().await? {
        return Err(format!(
            "the store is not migrated ({pending} migrations pending): run `depot migrate` at deploy time"
        )
        .into());
    }
    let catalog = Catalog::open(&url, config.attachments.clone())
        .await?
        .with_exact_count_limit(config.exact_count_limit);
    // Responses of a function are capped: files are fetched from the bucket itself.
    let blobs = BlobStore::open(&blob_store, store.clone())
        .await?
        .redirecting_downloads();
    let app = http::router(http::AppState::new(store, catalog, blobs, config));
    tracing::info!("Depot is serving as a Lambda function");
    let service = ServiceBuilder::new()
        .map_request(into_axum_request)
        .service(app);
    // The runtime API can drop a connection under the runtime (cargo-lambda's emulator has:
    // "client error (SendRequest)"); the runtime then asks for the next invocation again, as a
    // fresh sandbox would, a few times before giving up.
    let mut restarts = 0;
    loop {
        let stopped = match lambda_http::run_with_streaming_response(service.clone()).await {
            Ok(()) => return Ok(()),
            Err(error) => error,
        };
        if restarts == RUNTIME_RESTARTS {
            return Err(format!("the Lambda runtime stopped: {stopped}").into());
        }
        restarts += 1;
        tracing::warn!(error = %stopped, restarts, "the Lambda runtime stopped; starting it again");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// How many times the runtime loop is started again after it stops with an error.
const RUNTIME_RESTARTS: u32 = 5;

/// The function URL's event as the request the router takes.
fn into_axum_request(request: lambda_http::Request) -> axum::extract::Request {
    let (parts, body) = request.into_parts();
    let body = match body {
        lambda_http::Body::Empty => Body::empty(),
        lambda_http::Body::Text(text) => Body::from(text),
        lambda_http::Body::Binary(bytes) => Body::from(bytes),
        _ => Body::empty(),
    };
    axum::extract::Request::from_parts(parts, body)
}

/// How long a `depot tick` may keep sending queued revisions before it stops (the next tick
/// picks up the rest): well inside a scheduled function's time limit.
pub const TICK_BUDGET: Duration = Duration::from_secs(50);
