//! Depot as a serverless function: `depot lambda` polling a real Lambda emulator (cargo-lambda
//! 1.9.2 from PyPI, `cargo lambda watch --only-lambda-apis`), on PostgreSQL and S3, called
//! through the emulator's function URL — every surface, a legacy client, the payload limit —
//! and `depot tick` doing the background work a function has no process for.

mod support;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::json;
use support::{eventually, plain_jar, status_and_json, Answered, Blobs, Chinook, Fake, TestStore};

/// The local Lambda emulator: the Runtime API a function polls, and function URLs.
struct Emulator {
    port: u16,
    child: Child,
    dir: PathBuf,
}

impl Emulator {
    fn start() -> Self {
        let venv = support::python_venv("cargo-lambda-1.9.2", &["cargo-lambda==1.9.2"]);
        let port = support::free_ports(1)[0];
        // `cargo lambda watch` wants a Cargo project to sit in; with --only-lambda-apis it
        // builds nothing.
        let dir = std::env::temp_dir().join(format!("depot_lambda_{}_{port}", std::process::id()));
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(
            dir.join("Cargo.toml"),
            "[package]\nname = \"depot\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        )
        .unwrap();
        std::fs::write(dir.join("src/main.rs"), "fn main() {}\n").unwrap();
        let mut watch = Command::new(venv.join("bin/cargo-lambda"));
        watch
            .args([
                "lambda",
                "watch",
                "--only-lambda-apis",
                "-A",
                "127.0.0.1",
                "-P",
            ])
            .arg(port.to_string());
        let child = support::spawn_logged(watch, &dir, "emulator.log");
        support::wait_for_port(port);
        Self { port, child, dir }
    }

    /// The function URL of `path`. With `--only-lambda-apis` the emulator serves one function,
    /// named `_`, whatever the function calls itself.
    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/lambda-url/_{path}", self.port)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("emulator.log")).unwrap_or_default()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `depot lambda` with `args` and `envs`, as the Lambda service starts a function instance.
fn function(emulator: Option<&Emulator>, args: &[&str], envs: &[(String, String)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_depot"));
    command
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("DPP_URL")
        .envs(envs.iter().map(|(k, v)| (k, v)))
        .env("AWS_LAMBDA_FUNCTION_NAME", "depot")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")
        .env("RUST_LOG", "info");
    if let Some(emulator) = emulator {
        command.env(
            "AWS_LAMBDA_RUNTIME_API",
            format!("http://127.0.0.1:{}/.rt", emulator.port),
        );
    }
    command
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn refusal_of(args: &[&str], envs: &[(String, String)]) -> String {
    let output = function(None, args, envs).output().unwrap();
    assert!(!output.status.success(), "{args:?} must be refused");
    String::from_utf8_lossy(&output.stderr).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_needs_postgresql_s3_and_a_migrated_schema() {
    let db = TestStore::new(support::Backend::Postgres).await;
    let (s3, variables) = db.blob_store(Blobs::S3);
    let sqlite = format!("sqlite://{}/depot.db", db.blob_dir.display());
    let (files, _) = db.blob_store(Blobs::Files);
    let said = refusal_of(
        &["--database-url", &sqlite, "lambda", "--blob-store", &s3],
        &variables,
    );
    assert!(said.contains("depot lambda needs PostgreSQL"), "{said}");
    let said = refusal_of(
        &["--database-url", &db.url, "lambda", "--blob-store", &files],
        &variables,
    );
    assert!(
        said.contains("depot lambda needs an S3 blob store"),
        "{said}"
    );
    // A database nobody migrated: the function does not migrate it at its cold start.
    let admin =
        depot_domain::Store::connect(&format!("{}/postgres", support::postgres_admin_url()))
            .await
            .unwrap();
    let bare = format!("{}_bare", db.blob_prefix);
    sqlx::query(&format!("CREATE DATABASE \"{bare}\""))
        .execute(admin.pool())
        .await
        .unwrap();
    let bare_url = format!("{}/{bare}", support::postgres_admin_url());
    let said = refusal_of(
        &["--database-url", &bare_url, "lambda", "--blob-store", &s3],
        &variables,
    );
    assert!(
        said.contains("run `depot migrate` at deploy time"),
        "{said}"
    );
    sqlx::query(&format!("DROP DATABASE \"{bare}\" WITH (FORCE)"))
        .execute(admin.pool())
        .await
        .unwrap();
    admin.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_surface_answers_through_the_function_url() {
    let db = TestStore::new(support::Backend::Postgres).await;
    let key = db.admin_key().await;
    let chinook = Chinook::attach(support::Backend::Postgres).await;
    let attach = format!("chinook={}", chinook.attachment.url);
    let (blob_store, variables) = db.blob_store(Blobs::S3);
    let mut runner = Fake::listening().await;
    runner.start_runner().await;
    let dpp_url = format!("http://127.0.0.1:{}/flows", runner.port);
    let emulator = Emulator::start();
    let log = std::fs::File::create(db.blob_dir.with_extension("function.log")).unwrap();
    let _function = Running(
        function(
            Some(&emulator),
            &[
                "--database-url",
                &db.url,
                "lambda",
                "--blob-store",
                &blob_store,
                "--attach",
                &attach,
                "--dpp-url",
                &dpp_url,
            ],
            &variables,
        )
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap(),
    );
    // A function that died must fail the test, not leave it waiting.
    let client = Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let get = |path: &str| client.get(emulator.url(path)).bearer_auth(&key);
    let first = tokio::time::timeout(Duration::from_secs(30), get("/healthz").send())
        .await
        .unwrap_or_else(|_| panic!("no first answer: {}", emulator.log()))
        .unwrap();
    assert_eq!(first.text().await.unwrap(), "ok");

    // Credentials are checked as on `depot serve`.
    let anonymous = client.get(emulator.url("/api/audit")).response().await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let (status, session) = get("/api/session").answer().await;
    assert_eq!(
        (status, session["name"].as_str()),
        (StatusCode::OK, Some("admin")),
        "{session}"
    );

    // Tables: sandman2's answers, with its headers.
    let artists = get("/db/chinook/artist/?page=2").response().await;
    assert_eq!(artists.status(), StatusCode::OK);
    assert_eq!(artists.headers()["x-total-count"], "275");
    let (_, page) = status_and_json(artists).await;
    assert_eq!(page["resources"].as_array().unwrap().len(), 20);
    let (status, body) = get("/db/chinook/artist/?Nope=1").answer().await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"message": "Invalid field [Nope]"})
        )
    );

    // Inventory: clusto's.
    let made = client
        .post(emulator.url("/inventory/entity/basicserver"))
        .bearer_auth(&key)
        .form(&[("name", "web1")])
        .response()
        .await;
    assert_eq!(made.status(), StatusCode::CREATED);
    let (_, servers) = get("/inventory/entity/basicserver").answer().await;
    assert_eq!(servers, json!(["/basicserver/web1"]));

    // Versioning: the datadots-api client, unchanged, against the function URL.
    let script = r#"
import json, sys
from dotmesh.client import DotmeshClient
client = DotmeshClient(cluster_url=sys.argv[1], username="admin", api_key=sys.argv[2])
master = client.createDot("fn").getBranch("master")
master.commit("through the function", {"where": "lambda"})
print(json.dumps({"ping": client.ping(), "log": [c["Metadata"]["message"] for c in master.log()]}))
"#;
    let out = support::run_datadots_script(script, vec![emulator.url("/rpc"), key.clone()]).await;
    assert_eq!(out["ping"], true);
    assert!(
        out["log"].to_string().contains("through the function"),
        "{out}"
    );

    // A dot file: up to the payload limit through the function, stored in S3, streamed back.
    let file = emulator.url("/dots/admin/fn/branches/master/files/data.bin");
    // Binary, so the function URL hands it over base64-encoded, as Lambda does.
    let content: Vec<u8> = (0..4_000_000u32).map(|i| (i % 253) as u8).collect();
    let (status, text) = client
        .put(&file)
        .bearer_auth(&key)
        .header("content-type", "application/octet-stream")
        .body(content.clone())
        .answer_text()
        .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    // A function's answers are capped: downloads are redirected to a signed GET of the object.
    let not_following = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let redirect = not_following.get(&file).bearer_auth(&key).response().await;
    assert_eq!(redirect.status(), StatusCode::TEMPORARY_REDIRECT);
    let location = redirect.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with(&variables[0].1) && location.contains("X-Amz-Signature"),
        "{location}"
    );
    let back = client.get(&file).bearer_auth(&key).response().await;
    assert_eq!(back.status(), StatusCode::OK);
    assert!(
        back.bytes().await.unwrap() == content,
        "the download is the upload"
    );
    // Past Lambda's 6 MB the function refuses the body itself (the emulator passes it on).
    let too_big = client
        .put(&file)
        .bearer_auth(&key)
        .header("content-type", "text/plain")
        .body("a".repeat(7_000_000))
        .response()
        .await;
    assert_eq!(too_big.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // Bigger than the function takes: the bytes go straight to the bucket through a signed
    // URL, and the function only checks and records them.
    let (status, upload) = client
        .post(emulator.url("/dots/admin/fn/branches/master/uploads"))
        .bearer_auth(&key)
        .json(&json!({"path": "big.bin"}))
        .answer()
        .await;
    assert_eq!(status, StatusCode::CREATED, "{upload}");
    let big: Vec<u8> = (0..9_000_000u32).map(|i| (i % 239) as u8).collect();
    let stored = client
        .put(upload["url"].as_str().unwrap())
        .body(big.clone())
        .response()
        .await;
    assert!(stored.status().is_success(), "the bucket took the PUT");
    let sha256 = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&big))
    };
    let (status, file) = client
        .post(emulator.url(&format!(
            "/dots/admin/fn/branches/master/uploads/{}",
            upload["upload"].as_str().unwrap()
        )))
        .bearer_auth(&key)
        .json(&json!({"path": "big.bin", "size": big.len(), "sha256": sha256}))
        .answer()
        .await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    assert_eq!(file["size_bytes"], 9_000_000);

    // Artifacts: CDAP's, the archive in S3.
    let (status, text) = client
        .post(emulator.url("/v3/namespaces/default/artifacts/app"))
        .bearer_auth(&key)
        .header("content-type", "application/java-archive")
        .body(plain_jar())
        .answer_text()
        .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let download = get("/v3/namespaces/default/artifacts/app/versions/1.0.0/download");
    assert_eq!(
        download.response().await.bytes().await.unwrap(),
        plain_jar()
    );

    // An archive in two steps, as the admin UI sends it where the store is S3: the bytes go
    // to a signed URL; a confirmation naming other bytes is refused and the object removed.
    let begin_archive = || {
        client
            .post(emulator.url("/v3/namespaces/default/artifacts/app/uploads"))
            .bearer_auth(&key)
            .header("artifact-version", "2.0.0")
    };
    let confirm_archive = |upload: &str, sha256: &str| {
        client
            .post(emulator.url(&format!(
                "/v3/namespaces/default/artifacts/app/uploads/{upload}"
            )))
            .bearer_auth(&key)
            .header("artifact-version", "2.0.0")
            .json(&json!({"size": plain_jar().len(), "sha256": sha256}))
    };
    let put_archive = |url: &str| client.put(url).body(plain_jar());
    let (status, grant) = begin_archive().answer().await;
    assert_eq!(status, StatusCode::CREATED, "{grant}");
    let upload = grant["upload"].as_str().unwrap().to_string();
    let put = put_archive(grant["url"].as_str().unwrap());
    assert!(put.answer_status().await.is_success());
    let (status, wrong) = confirm_archive(&upload, &"0".repeat(64))
        .answer_text()
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(wrong.contains("SHA-256 is"));
    let again = confirm_archive(&upload, &"0".repeat(64))
        .answer_status()
        .await;
    assert_eq!(again, StatusCode::NOT_FOUND);
    let (_, grant) = begin_archive().answer().await;
    put_archive(grant["url"].as_str().unwrap()).response().await;
    let sha256 = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(plain_jar()))
    };
    let added = confirm_archive(grant["upload"].as_str().unwrap(), &sha256);
    assert_eq!(
        added.answer_text().await,
        (StatusCode::OK, "Artifact added successfully".to_string())
    );
    let (_, versions) = get("/v3/namespaces/default/artifacts/app").answer().await;
    assert_eq!(versions.as_array().map(Vec::len), Some(2), "{versions}");

    // Specs: an upload is queued for the runner; nothing in the function polls, `depot tick`
    // (a scheduled invocation) sends it.
    let spec = json!({
        "meta": {"ownerid": "admin", "owner": "admin", "dataset": "ds", "version": 1},
        "inputs": [{"kind": "datapackage", "url": "http://example.com/datapackage.json", "parameters": {}}],
        "outputs": [{"kind": "csv"}]
    });
    let (_, answer) = client
        .post(emulator.url("/source/upload"))
        .bearer_auth(&key)
        .json(&spec)
        .answer()
        .await;
    assert_eq!(answer["flow_id"], "admin/ds/1", "{answer}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        runner.received().is_empty(),
        "the function itself sends nothing"
    );
    let tick = Command::new(env!("CARGO_BIN_EXE_depot"))
        .args(["--database-url", &db.url, "tick", "--dpp-url", &dpp_url])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        tick.status.success(),
        "{}",
        String::from_utf8_lossy(&tick.stderr)
    );
    assert!(
        String::from_utf8_lossy(&tick.stdout).contains("1 sends to the pipeline runner"),
        "{}",
        String::from_utf8_lossy(&tick.stdout)
    );
    eventually("the delivery", async || runner.received().len() == 1).await;

    // Every write above is in the audit log.
    let (_, audit) = get("/api/audit").answer().await;
    let surfaces: std::collections::BTreeSet<&str> = audit["entries"]
        .as_array()
        .or(audit.as_array())
        .unwrap()
        .iter()
        .filter_map(|e| e["surface"].as_str())
        .collect();
    for surface in ["inventory", "versioning", "artifacts", "specs"] {
        assert!(surfaces.contains(surface), "{surface}: {audit}");
    }
    drop(chinook);
}

/// The static admin calls the function from another origin: a server function sent by
/// server_fn's default client would go without the cookie and the tab's token, and that page
/// would find itself signed out. Every one is sent by `depot_app::api::Fetch`.
#[test]
fn every_server_function_of_the_admin_is_sent_with_credentials() {
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/../app/src/api");
    let mut functions = 0;
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        let source = std::fs::read_to_string(&path).unwrap();
        // A function's attribute, not an argument's (`#[server(default)] plain_form: bool`).
        let is_function_attribute = |line: &str| {
            let line = line.trim_start();
            line.starts_with("#[server")
                && !line.starts_with("#[server(default)]")
                && !line.starts_with("#[server(rename")
        };
        for attribute in source.lines().filter(|line| is_function_attribute(line)) {
            functions += 1;
            assert!(
                attribute.contains("client = Fetch"),
                "{}: {attribute}",
                path.display()
            );
        }
    }
    assert_eq!(functions, depot_app::api::server_function_docs().len());
}
