//! API.md §0 "nothing half-written is ever visible", tried the hard way: `depot serve` killed
//! with SIGKILL at a random moment while four clients write at once — a Tables row, a dot file
//! and its commit, an artifact archive, a spec — then started again on the same store and blob
//! folder. After every restart each write that was acknowledged is there and intact (its
//! content hash matches), and everything that is visible is whole.
//!
//! `DEPOT_CRASH_TRIALS` sets the trials per backend (default 15; the README's figures come
//! from a longer run).

mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;
use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use support::{jar, Answered, Backend, DepotProcess, TestStore};

/// What the server acknowledged, by surface: name → SHA-256 of what was sent.
#[derive(Clone, Default)]
struct Acknowledged {
    rows: BTreeMap<i64, String>,
    files: BTreeMap<String, String>,
    commits: BTreeMap<String, (String, String)>,
    archives: BTreeMap<String, String>,
    specs: BTreeMap<String, String>,
}

type Shared = Arc<Mutex<Acknowledged>>;

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Contents are a function of their name, so whatever is visible can be checked whole.
fn row_body(id: i64) -> String {
    sha(format!("row {id}").as_bytes())
}

fn file_content(name: &str) -> Vec<u8> {
    sha(name.as_bytes()).into_bytes().repeat(2048)
}

fn archive(version: &str) -> Vec<u8> {
    jar(Some(version), None, &version.repeat(500))
}

fn spec_url(dataset: &str) -> String {
    format!(
        "http://example.com/{}/datapackage.json",
        sha(dataset.as_bytes())
    )
}

struct Target {
    base: String,
    key: String,
    client: Client,
}

impl Target {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A write to `path` with the key, to be given a body.
    fn post(&self, path: &str) -> RequestBuilder {
        self.client.post(self.url(path)).bearer_auth(&self.key)
    }

    fn put(&self, path: &str) -> RequestBuilder {
        self.client.put(self.url(path)).bearer_auth(&self.key)
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(&self.key)
            .response()
            .await
    }

    async fn json(&self, path: &str) -> Value {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.json().await.unwrap()
    }

    async fn bytes(&self, path: &str) -> Vec<u8> {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.bytes().await.unwrap().to_vec()
    }
}

/// The answer to `write` if it was acknowledged with `status`; none if it was not, or if the
/// server went away.
async fn acknowledged_with(write: RequestBuilder, status: StatusCode) -> Option<reqwest::Response> {
    match write.send().await {
        Ok(answer) if answer.status() == status => Some(answer),
        _ => None,
    }
}

/// One client per surface, writing new things until the server goes away; `round` keeps
/// names unique across trials.
async fn write_until_killed(target: Arc<Target>, acknowledged: Shared, round: usize) {
    let writers = [
        tokio::spawn(write_rows(target.clone(), acknowledged.clone(), round)),
        tokio::spawn(write_files(target.clone(), acknowledged.clone(), round)),
        tokio::spawn(write_archives(target.clone(), acknowledged.clone(), round)),
        tokio::spawn(write_specs(target, acknowledged, round)),
    ];
    for writer in writers {
        writer.await.unwrap();
    }
}

async fn write_rows(t: Arc<Target>, acked: Shared, round: usize) {
    for n in 0.. {
        let id = (round * 10_000 + n) as i64;
        let body = json!({"id": id, "body": row_body(id)});
        let sent = t.post("/db/crash/notes/").json(&body);
        if acknowledged_with(sent, StatusCode::CREATED).await.is_none() {
            return;
        }
        acked.lock().unwrap().rows.insert(id, row_body(id));
    }
}

/// A dot file, then a commit of it.
async fn write_files(t: Arc<Target>, acked: Shared, round: usize) {
    for n in 0.. {
        let name = format!("r{round}-{n}.bin");
        let content = file_content(&name);
        let path = format!("/dots/admin/crash/branches/master/files/{name}");
        let put = t.put(&path).body(content.clone());
        if acknowledged_with(put, StatusCode::CREATED).await.is_none() {
            return;
        }
        let hash = sha(&content);
        acked.lock().unwrap().files.insert(name.clone(), hash);
        let commit = t
            .post("/dots/admin/crash/branches/master/commits")
            .json(&json!({"message": name}));
        let Some(r) = acknowledged_with(commit, StatusCode::CREATED).await else {
            return;
        };
        let id = r
            .json::<Value>()
            .await
            .map(|v| v["id"].as_str().unwrap_or_default().to_string());
        if let Ok(id) = id {
            let file = (name, sha(&content));
            acked.lock().unwrap().commits.insert(id, file);
        }
    }
}

async fn write_archives(t: Arc<Target>, acked: Shared, round: usize) {
    for n in 0.. {
        let version = format!("{round}.{n}.0");
        let bytes = archive(&version);
        let sent = t
            .post("/v3/namespaces/default/artifacts/crash")
            .header("Artifact-Version", &version)
            .body(bytes.clone());
        if acknowledged_with(sent, StatusCode::OK).await.is_none() {
            return;
        }
        let hash = sha(&bytes);
        acked.lock().unwrap().archives.insert(version, hash);
    }
}

async fn write_specs(t: Arc<Target>, acked: Shared, round: usize) {
    for n in 0.. {
        let dataset = format!("ds-{round}-{n}");
        let spec = json!({
            "meta": {"ownerid": "admin", "owner": "admin", "dataset": dataset, "version": 1, "findability": "published"},
            "inputs": [{"kind": "datapackage", "url": spec_url(&dataset), "parameters": {}}],
            "outputs": [{"kind": "csv"}]
        });
        let sent = t.post("/source/upload").json(&spec).send().await;
        let answer = match sent {
            Ok(r) => r.json::<Value>().await.unwrap_or(Value::Null),
            Err(_) => return,
        };
        if answer["success"] != true {
            return;
        }
        let url = spec_url(&dataset);
        acked.lock().unwrap().specs.insert(dataset, url);
    }
}

/// Every acknowledged write is there and intact; everything visible is whole.
async fn check(target: &Target, acknowledged: &Acknowledged) -> usize {
    let mut rows = BTreeMap::new();
    for page in 1.. {
        let listed = target
            .json(&format!("/db/crash/notes/?limit=1000&page={page}"))
            .await;
        let listed = listed["resources"].as_array().unwrap().clone();
        for row in &listed {
            let body = row["body"].as_str().unwrap().to_string();
            rows.insert(row["id"].as_i64().unwrap(), body);
        }
        if listed.len() < 1000 {
            break;
        }
    }
    for (id, body) in &rows {
        assert_eq!(body, &row_body(*id), "row {id} is not whole");
    }
    for id in acknowledged.rows.keys() {
        assert!(rows.contains_key(id), "acknowledged row {id} is missing");
    }

    let files = target
        .json("/dots/admin/crash/branches/master/files/")
        .await;
    let files: BTreeMap<String, String> = files
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["sha256"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (name, listed) in &files {
        let content = target
            .bytes(&format!("/dots/admin/crash/branches/master/files/{name}"))
            .await;
        assert_eq!(
            (&sha(&content), listed),
            (&sha(&file_content(name)), listed),
            "file {name} is not whole"
        );
    }
    for (name, hash) in &acknowledged.files {
        assert_eq!(files.get(name), Some(hash), "acknowledged file {name}");
    }
    let commits = target
        .json("/dots/admin/crash/branches/master/commits")
        .await;
    let listed: Vec<String> = commits
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["Id"].as_str().unwrap().to_string())
        .collect();
    for (id, (name, hash)) in &acknowledged.commits {
        assert!(listed.contains(id), "acknowledged commit {id} is missing");
        let content = target
            .bytes(&format!("/dots/admin/crash/commits/{id}/files/{name}"))
            .await;
        assert_eq!(&sha(&content), hash, "{name} as committed in {id}");
    }

    // CDAP answers 404 for an artifact with no version yet: killed before the first archive.
    let listed = target.get("/v3/namespaces/default/artifacts/crash").await;
    let versions: Vec<String> = match listed.status() {
        StatusCode::NOT_FOUND => vec![],
        _ => target
            .json("/v3/namespaces/default/artifacts/crash")
            .await
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["version"].as_str().unwrap().to_string())
            .collect(),
    };
    for version in &versions {
        let path = format!("/v3/namespaces/default/artifacts/crash/versions/{version}");
        let detail = target.json(&path).await;
        let bytes = target.bytes(&format!("{path}/download")).await;
        assert_eq!(
            sha(&bytes),
            sha(&archive(version)),
            "archive {version} is not whole"
        );
        assert_eq!(
            detail["sha256"],
            sha(&bytes),
            "archive {version}'s listed SHA-256"
        );
    }
    for (version, hash) in &acknowledged.archives {
        assert!(
            versions.contains(version),
            "acknowledged archive {version} is missing"
        );
        assert_eq!(hash, &sha(&archive(version)));
    }

    for (dataset, url) in &acknowledged.specs {
        let found = target.json(&format!("/source/admin/{dataset}")).await;
        assert_eq!(
            &found["spec"]["inputs"][0]["url"], url,
            "acknowledged spec {dataset}"
        );
    }
    acknowledged.rows.len()
        + acknowledged.files.len()
        + acknowledged.commits.len()
        + acknowledged.archives.len()
        + acknowledged.specs.len()
}

async fn acknowledged_writes_survive_being_killed(backend: Backend) {
    let trials: usize = std::env::var("DEPOT_CRASH_TRIALS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(15);
    let store = TestStore::new(backend).await;
    let key = store.admin_key().await;
    let attached = TestStore::new(backend).await;
    let key_type = match backend {
        Backend::Sqlite => "INTEGER",
        Backend::Postgres => "BIGINT",
    };
    sqlx::query(&format!(
        "CREATE TABLE notes (id {key_type} PRIMARY KEY, body TEXT NOT NULL)"
    ))
    .execute(attached.store.pool())
    .await
    .unwrap();
    let blobs = std::env::temp_dir().join(format!(
        "depot_crash_{}_{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    let attach = format!("crash={}", attached.url);
    let blob_store = format!("file:{}", blobs.display());
    let args = [
        "--attach",
        attach.as_str(),
        "--blob-store",
        blob_store.as_str(),
    ];
    let start = || DepotProcess::start(&store.url, &args, &[]);
    let client = Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let mut depot = start();
    let target = |depot: &DepotProcess| {
        Arc::new(Target {
            base: depot.base.clone(),
            key: key.clone(),
            client: client.clone(),
        })
    };
    let created = target(&depot)
        .client
        .post(depot.url("/dots/admin"))
        .bearer_auth(&key)
        .json(&json!({"name": "crash"}))
        .response()
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);

    let acknowledged: Shared = Arc::default();
    for round in 0..trials {
        let writers = tokio::spawn(write_until_killed(
            target(&depot),
            acknowledged.clone(),
            round,
        ));
        let moment = rand::thread_rng().gen_range(30..400);
        tokio::time::sleep(Duration::from_millis(moment)).await;
        depot.kill();
        writers.await.unwrap();
        depot = start();
        let ready = client.get(depot.url("/readyz")).response().await;
        assert_eq!(
            ready.status(),
            StatusCode::OK,
            "restarted cleanly after trial {round}"
        );
        let seen = acknowledged.lock().unwrap().clone();
        let writes = check(&target(&depot), &seen).await;
        eprintln!("{backend:?} trial {round}: killed after {moment} ms; {writes} acknowledged writes so far, all intact");
    }
    depot.stop();
    let _ = std::fs::remove_dir_all(&blobs);
}

on_both_backends!(acknowledged_writes_survive_being_killed);
