//! The accept loop. axum's `serve` does the same but lets nothing be configured; Depot needs
//! two settings on every connection:
//!
//! - header names written in their usual case (`Access-Control-Allow-Origin`, `Clusto-Minify`):
//!   HTTP/1.1 names are case-insensitive, but clusto's own documentation greps
//!   `^Access-Control-Allow-Origin:` and scripts copied it;
//! - TCP_NODELAY: without it an answer written in two parts waits for the client's delayed ACK
//!   (~40 ms), which is every request when clients do not keep connections alive;
//! - a deadline for a request's headers (`--header-timeout`): hyper has none without a timer, so
//!   a client that sends a byte now and then, or connects and says nothing, would hold its
//!   connection for ever.
//!
//! On `shutdown` it stops accepting and waits for the connections it has to finish their
//! requests.

use std::future::Future;
use std::time::Duration;

use axum::body::Body;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::ServiceExt;

pub async fn serve(
    listener: TcpListener,
    app: impl super::DepotService,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .title_case_headers(true)
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let connections = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(error) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(%error, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "could not set TCP_NODELAY");
        }
        let service =
            TowerToHyperService::new(app.clone().map_request(
                |request: http::Request<hyper::body::Incoming>| request.map(Body::new),
            ));
        let connection = builder
            .serve_connection(TokioIo::new(stream), service)
            .into_owned();
        let connection = connections.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    connections.shutdown().await;
}
