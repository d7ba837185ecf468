//! Small servers a test plays the other side with: the pipeline runner, the auth server.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

/// A tiny HTTP server on a fixed port that can be started and stopped: the pipeline runner
/// (recording what it is sent) or the auth server (serving its public key).
pub struct Fake {
    pub port: u16,
    received: Arc<Mutex<Vec<(String, Value)>>>,
    running: Option<tokio::task::JoinHandle<()>>,
    /// The port's listener, kept from [`Fake::listening`] until it serves.
    bound: Option<tokio::net::TcpListener>,
}

impl Fake {
    /// A port for a server that is down until it starts: connections to it are refused.
    pub async fn reserve() -> Self {
        Self::on_a_free_port(false).await
    }

    /// A port held from now on, so nothing else started meanwhile can take it.
    pub async fn listening() -> Self {
        Self::on_a_free_port(true).await
    }

    /// A free port, its listener kept (`hold`) or let go.
    async fn on_a_free_port(hold: bool) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self {
            port: listener.local_addr().unwrap().port(),
            received: Default::default(),
            running: None,
            bound: hold.then_some(listener),
        }
    }

    pub async fn serve(&mut self, router: axum::Router) {
        let listener = match self.bound.take() {
            Some(listener) => listener,
            None => tokio::net::TcpListener::bind(("127.0.0.1", self.port))
                .await
                .unwrap(),
        };
        self.running = Some(tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap()
        }));
    }

    pub async fn start_runner(&mut self) {
        let received = self.received.clone();
        let router = axum::Router::new().route(
            "/flows",
            axum::routing::post(move |headers: http::HeaderMap, body: axum::Json<Value>| {
                let received = received.clone();
                async move {
                    let key = headers
                        .get("idempotency-key")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    received.lock().unwrap().push((key, body.0));
                    "accepted"
                }
            }),
        );
        self.serve(router).await;
    }

    pub fn received(&self) -> Vec<(String, Value)> {
        self.received.lock().unwrap().clone()
    }
}

/// Waits up to 30 s for `check` to hold.
pub async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..120 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("{what} did not happen within 30 s");
}
