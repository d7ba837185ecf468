//! Work a Depot process does besides answering requests: handing spec revisions to the
//! pipeline runner, making scheduled revisions and, when asked to, collecting garbage blobs.
//! All keep their state in the store, so any number of processes can run them side by side and
//! a restart loses nothing.

use std::time::Duration;

use chrono::Utc;
use depot_domain::blobs::gc::{self, GcOptions};
use depot_domain::blobs::BlobStore;
use depot_domain::specs::outbox::{self, Claimed};
use depot_domain::specs::schedules;
use depot_domain::specs::service::Dispatching;
use depot_domain::Store;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How often each process looks for due work.
const POLL: Duration = Duration::from_millis(500);
/// How long the runner has to accept a revision.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// At most this many revisions are sent to the runner at once by one process.
const SENDS_AT_ONCE: usize = 8;

/// The running workers of this process.
pub struct Workers {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Workers {
    /// Asks every worker to stop and waits until each has: a send in flight finishes and its
    /// outcome is recorded, so a stopped process leaves no revision claimed for a lease.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            if tokio::time::timeout(SEND_TIMEOUT * 2, task).await.is_err() {
                tracing::warn!("a background worker did not stop in time");
            }
        }
    }
}

/// What a process runs in the background besides the scheduler.
pub struct BackgroundWork {
    /// Follows reloads of attached databases asked of other replicas.
    pub catalog: depot_domain::tables::Catalog,
    /// The pipeline runner, when one is configured and dispatching is on.
    pub dpp_url: Option<String>,
    pub dispatching: Dispatching,
    /// Collect garbage blobs this often (`--gc-every`).
    pub gc_every: Option<Duration>,
    pub blobs: BlobStore,
}

/// Starts the scheduler, the dispatcher when a runner is configured, and the garbage collector
/// when `--gc-every` asks for it.
pub fn spawn(store: Store, work: BackgroundWork) -> Workers {
    let (stop, stopping) = watch::channel(false);
    let mut tasks = vec![
        tokio::spawn(run_schedules(
            store.clone(),
            work.dispatching.clone(),
            stopping.clone(),
        )),
        tokio::spawn(follow_reloads(
            store.clone(),
            work.catalog,
            stopping.clone(),
        )),
    ];
    if let Some(every) = work.gc_every {
        tasks.push(tokio::spawn(collect_garbage(
            store.clone(),
            work.blobs,
            every,
            stopping.clone(),
        )));
    }
    if let Some(url) = work.dpp_url.filter(|_| work.dispatching.is_on()) {
        tasks.push(tokio::spawn(dispatch(
            store,
            url,
            work.dispatching,
            stopping,
        )));
    }
    Workers { stop, tasks }
}

async fn follow_reloads(
    store: Store,
    catalog: depot_domain::tables::Catalog,
    mut stopping: watch::Receiver<bool>,
) {
    loop {
        match depot_domain::tables::reloads::follow(&store, &catalog).await {
            Ok(reloaded) => {
                for database in reloaded {
                    tracing::info!(%database, "reloaded as another replica was asked to");
                }
            }
            Err(error) => tracing::warn!(%error, "could not look for reloads"),
        }
        if pause_unless_stopping(tokio::time::sleep(POLL * 2), &mut stopping).await {
            return;
        }
    }
}

/// A collection every `every`, with `depot gc`'s default grace. Several processes may collect
/// at once: each removal is a conditional `DELETE`, and a second removal of an object is a no-op.
async fn collect_garbage(
    store: Store,
    blobs: BlobStore,
    every: Duration,
    mut stopping: watch::Receiver<bool>,
) {
    let options = GcOptions {
        grace: gc::DEFAULT_GRACE,
        dry_run: false,
    };
    while !pause_unless_stopping(tokio::time::sleep(every), &mut stopping).await {
        match gc::collect(&store, &blobs, &options).await {
            Ok(report) => tracing::info!(
                blobs_removed = report.blobs_removed.count,
                bytes_removed = report.blobs_removed.bytes,
                tree_nodes_removed = report.tree_nodes_removed,
                orphans_removed = report.orphans_removed.count,
                "garbage collected"
            ),
            Err(error) => tracing::warn!(%error, "garbage collection failed"),
        }
    }
}

/// Waits for `pause`, or less when the process is stopping; says whether it is.
async fn pause_unless_stopping(
    pause: impl std::future::Future<Output = ()>,
    stopping: &mut watch::Receiver<bool>,
) -> bool {
    if *stopping.borrow() {
        return true;
    }
    tokio::select! {
        _ = pause => {}
        _ = stopping.changed() => {}
    }
    *stopping.borrow()
}

async fn run_schedules(
    store: Store,
    dispatching: Dispatching,
    mut stopping: watch::Receiver<bool>,
) {
    loop {
        match schedules::run_due(&store, Utc::now(), &dispatching).await {
            Ok(made) => {
                for flow_id in made {
                    tracing::info!(%flow_id, "scheduled revision made");
                }
            }
            Err(error) => tracing::warn!(%error, "could not run due schedules"),
        }
        if pause_unless_stopping(tokio::time::sleep(POLL), &mut stopping).await {
            return;
        }
    }
}

/// Sends queued revisions to `POST {url}` until the runner answers 2xx, several at a time. The
/// runner gets the flow id as `Idempotency-Key` too, so a send repeated after a crash between
/// its acceptance and our record of it can be recognised. Between looks it waits for this
/// process's bell (a revision committed here) or the poll interval (one committed elsewhere,
/// or a retry coming due).
async fn dispatch(
    store: Store,
    url: String,
    dispatching: Dispatching,
    mut stopping: watch::Receiver<bool>,
) {
    let client = match runner_client() {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(%error, "cannot make an HTTP client; revisions will not be dispatched");
            return;
        }
    };
    while !*stopping.borrow() {
        if send_due(&store, &client, &url).await == 0
            && pause_unless_stopping(dispatching.wait(POLL), &mut stopping).await
        {
            return;
        }
    }
}

fn runner_client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder().timeout(SEND_TIMEOUT).build()
}

/// Claims up to [`SENDS_AT_ONCE`] due revisions and sends them at once; how many it claimed.
async fn send_due(store: &Store, client: &reqwest::Client, url: &str) -> usize {
    let mut claimed = Vec::new();
    while claimed.len() < SENDS_AT_ONCE {
        match outbox::claim_next(store, Utc::now()).await {
            Ok(Some(entry)) => claimed.push(entry),
            Ok(None) => break,
            Err(error) => {
                tracing::warn!(%error, "could not read the dispatch outbox");
                break;
            }
        }
    }
    futures_util::future::join_all(claimed.iter().map(|entry| send(store, client, url, entry)))
        .await;
    claimed.len()
}

/// What one `depot tick` did.
pub struct Ticked {
    /// The revisions the due schedules made.
    pub scheduled: Vec<String>,
    /// Sends to the runner attempted (each delivered, or failed and due again after its
    /// back-off).
    pub sends: usize,
}

/// The background work of one moment, for a scheduled invocation where no process polls (the
/// serverless shape): the schedules due now become revisions, and queued revisions go to the
/// runner until none is due or `budget` is spent. Safe when several run at once, for the same
/// reasons the polling tasks are.
pub async fn tick(
    store: &Store,
    dpp_url: Option<&str>,
    budget: Duration,
) -> Result<Ticked, Box<dyn std::error::Error>> {
    let dispatching = match dpp_url {
        Some(_) => Dispatching::to_runner(),
        None => Dispatching::off(),
    };
    let scheduled = schedules::run_due(store, Utc::now(), &dispatching).await?;
    let mut sends = 0;
    if let Some(url) = dpp_url {
        let client = runner_client()?;
        let deadline = tokio::time::Instant::now() + budget;
        while tokio::time::Instant::now() < deadline {
            let claimed = send_due(store, &client, url).await;
            if claimed == 0 {
                break;
            }
            sends += claimed;
        }
    }
    Ok(Ticked { scheduled, sends })
}

async fn send(store: &Store, client: &reqwest::Client, url: &str, claimed: &Claimed) {
    let result = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("Idempotency-Key", &claimed.flow_id)
        .body(claimed.payload.clone())
        .send()
        .await;
    let failure = match result {
        Ok(response) if response.status().is_success() => None,
        Ok(response) => Some(format!("the runner answered {}", response.status())),
        Err(error) => Some(format!("the runner could not be reached: {error}")),
    };
    let recorded = match &failure {
        None => {
            tracing::info!(flow_id = %claimed.flow_id, attempt = claimed.attempt, "revision dispatched");
            outbox::delivered(store, &claimed.flow_id, Utc::now()).await
        }
        Some(error) => {
            tracing::warn!(flow_id = %claimed.flow_id, attempt = claimed.attempt, %error, "dispatch failed; will retry");
            outbox::failed(store, claimed, error, Utc::now()).await
        }
    };
    if let Err(error) = recorded {
        tracing::warn!(%error, flow_id = %claimed.flow_id, "could not record a dispatch attempt");
    }
}

/// The auth server's public key, from `http://{server}/auth/public-key`.
pub async fn fetch_public_key(server: &str) -> Result<String, String> {
    let url = if server.starts_with("http://") || server.starts_with("https://") {
        format!("{}/auth/public-key", server.trim_end_matches('/'))
    } else {
        format!("http://{}/auth/public-key", server.trim_end_matches('/'))
    };
    let response = reqwest::Client::builder()
        .timeout(SEND_TIMEOUT)
        .build()
        .map_err(|e| e.to_string())?
        .get(&url)
        .send()
        .await
        .map_err(|e| format!("cannot fetch the auth server's public key from {url}: {e}"))?;
    if !response.status().is_success() {
        return Err(format!(
            "the auth server answered {} for its public key at {url}",
            response.status()
        ));
    }
    let text = response
        .text()
        .await
        .map_err(|e| format!("cannot read the auth server's public key from {url}: {e}"))?;
    // Some auth servers wrap the PEM in JSON: `"…"` or `{"public_key": "…"}`.
    Ok(match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(serde_json::Value::String(pem)) => pem,
        Ok(value) => value
            .get("public_key")
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .unwrap_or(text),
        Err(_) => text,
    })
}
