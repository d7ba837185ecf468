//! API.md §7 "Operations": probes, metrics, the OpenAPI document, and the pages' framing.

mod support;

use reqwest::header::LOCATION;
use reqwest::StatusCode;
use serde_json::{json, Value};
use support::{eventually, header_text, Answered, Backend, DepotProcess, TestServer, TestStore};

async fn health_and_readiness_answer_without_credentials(backend: Backend) {
    let server = TestServer::start(backend).await;
    let health = server.get("/healthz").answer_text().await;
    assert_eq!(health, (StatusCode::OK, "ok".to_string()));
    let ready = server.get("/readyz").answer_text().await;
    assert_eq!(ready, (StatusCode::OK, "ready".to_string()));
}

async fn readiness_fails_when_the_store_is_gone(backend: Backend) {
    let server = TestServer::start(backend).await;
    server.db.store.close().await;
    let ready = server.get("/readyz").response().await;
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        ready.json::<Value>().await.unwrap()["error"],
        "the store is not reachable"
    );
}

async fn metrics_count_requests_by_route_and_status(backend: Backend) {
    let server = TestServer::start(backend).await;
    server.get("/api/users").response().await;
    server.as_admin(server.get("/api/users")).response().await;
    let metrics = server.get("/metrics").response().await;
    assert!(header_text(&metrics, "content-type").starts_with("text/plain"));
    let text = metrics.text().await.unwrap();
    assert!(
        text.contains(
            "depot_http_requests_total{method=\"GET\",route=\"/api/users\",status=\"401\"} 1"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "depot_http_requests_total{method=\"GET\",route=\"/api/users\",status=\"200\"} 1"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "depot_http_request_duration_seconds_count{method=\"GET\",route=\"/api/users\"} 2"
        ),
        "{text}"
    );
    assert!(text.contains("depot_db_pool_connections{state=\"idle\"}"));
}

async fn openapi_documents_every_route_and_each_one_exists(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, document) = server.get("/openapi.json").answer().await;
    assert_eq!(document["openapi"], "3.1.0");
    let (_, for_the_api_page) = server.get("/api/openapi").answer().await;
    assert_eq!(
        for_the_api_page, document,
        "the admin UI's API page shows the document /openapi.json serves"
    );
    let paths = document["paths"].as_object().unwrap();
    for expected in [
        "/api/users",
        "/api/keys",
        "/api/keys/revoke",
        "/api/audit",
        "/api/session",
        "/auth/login",
        "/healthz",
        "/metrics",
    ] {
        assert!(paths.contains_key(expected), "{expected} missing");
    }
    assert!(paths["/api/users"].get("get").is_some() && paths["/api/users"].get("post").is_some());
    for (path, operations) in paths {
        let concrete = path
            .replace("{db}", "main")
            .replace("{table}", "users")
            .replace("{key}", "1");
        // The other direction: a path answers no method it does not document (routes are
        // registered with their documentation, so an undocumented handler cannot hide here).
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            if operations.get(method.to_lowercase()).is_none() {
                let request = server
                    .client
                    .request(method.parse().unwrap(), server.url(&concrete));
                let status = server.as_admin(request).answer_status().await;
                assert_eq!(
                    status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path} is answered but not documented"
                );
            }
        }
        for (method, operation) in operations.as_object().unwrap() {
            assert_ne!(
                operation["summary"], "UNDOCUMENTED",
                "{method} {path} has no summary"
            );
            let request = server.as_admin(server.client.request(
                method.to_uppercase().parse().unwrap(),
                server.url(&concrete),
            ));
            let response = request.response().await;
            let status = response.status();
            // A surface's own 404 (no such row, dot, artifact…) answers in its format; a path
            // no route takes falls through to the UI's HTML "not found" page.
            let is_html = response
                .headers()
                .get("content-type")
                .is_some_and(|v| v.to_str().unwrap().starts_with("text/html"));
            assert!(
                !(status == StatusCode::NOT_FOUND && is_html),
                "{method} {path} is documented but not routed"
            );
            assert_ne!(
                status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} is documented but not routed"
            );
        }
    }
}

async fn signed_out_pages_send_the_browser_to_login(backend: Backend) {
    let server = TestServer::start(backend).await;
    let home = server
        .get("/audit")
        .header("accept", "text/html")
        .response()
        .await;
    assert!(home.status().is_redirection(), "{}", home.status());
    assert_eq!(home.headers()[LOCATION], "/login?next=/audit");
    let login = server.get("/login").response().await;
    assert_eq!(login.status(), StatusCode::OK);
    let html = login.text().await.unwrap();
    assert!(
        html.contains("action=\"/auth/login\"") && html.contains("name=\"password\""),
        "{html}"
    );
}

async fn signed_in_pages_render_on_the_server(backend: Backend) {
    let server = TestServer::start(backend).await;
    let page = server.as_admin(server.get("/users")).response().await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    for expected in [
        "Users &amp; keys",
        "first key",
        "Tables",
        "Inventory",
        "Versioning",
        "Artifacts",
        "Specs",
        "Audit",
    ] {
        assert!(
            html.contains(expected),
            "{expected} missing from the users page"
        );
    }
    let audit = server.get_text_as_admin("/audit?user=local").await;
    assert!(
        audit.contains("user/admin") && audit.contains("bootstrap"),
        "the audit page lists entries"
    );
    let specs = server.get_text_as_admin("/specs").await;
    assert!(specs.contains("No specs yet") && specs.contains("Upload a spec"));
    let (status, _) = server
        .post_as_admin("/dots/admin", json!({"name": "rendered"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let dots = server.get_text_as_admin("/versioning").await;
    assert!(
        dots.contains("/versioning/admin/rendered") && dots.contains("clean"),
        "the versioning page lists dots without JavaScript"
    );
}

async fn unknown_pages_are_404_with_a_page(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (status, page) = server
        .as_admin(server.get("/no/such/page"))
        .answer_text()
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("There is no page at this address"));
    // Inside the layout: the sections stay, with a heading and a way back.
    assert!(page.contains("aria-label=\"Sections\""), "{page}");
    // So is a page about something that does not exist: a 404 naming it, not a red box.
    let (status, page) = server
        .as_admin(server.get("/tables/main/no_such_table"))
        .answer_text()
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("<h1>Not found</h1>"), "{page}");
    assert!(page.contains("no_such_table"), "{page}");
    assert!(
        page.contains("href=\"/tables\""),
        "a way back to the section: {page}"
    );
}

/// Every answer names its request; an id a load balancer sent along is kept.
async fn every_answer_names_its_request(backend: Backend) {
    let server = TestServer::start(backend).await;
    let id_of = |response: &reqwest::Response| response.headers()["x-request-id"].clone();
    let first = server.get("/healthz").send().await.unwrap();
    let second = server.get("/healthz").send().await.unwrap();
    assert_ne!(id_of(&first), id_of(&second));
    let passed_on = server
        .get("/healthz")
        .header("x-request-id", "lb-7f3a.2")
        .send()
        .await
        .unwrap();
    assert_eq!(id_of(&passed_on), "lb-7f3a.2");
    let odd = server
        .get("/healthz")
        .header("x-request-id", "not an id; at all")
        .send()
        .await
        .unwrap();
    assert_ne!(id_of(&odd), "not an id; at all");
}

/// A fault says nothing of itself but the request's id, which its log line carries too.
#[tokio::test]
async fn a_fault_is_answered_with_its_request_id() {
    use depot_app::api::{request_id, ApiError};
    let fault = depot_domain::DomainError::Internal("the disk caught fire".into());
    let answered = request_id::scope("r-42".into(), async { ApiError::refusing(&fault) }).await;
    assert_eq!(answered.status, 500);
    assert_eq!(answered.error, "internal server error (request r-42)");
}

/// Each log line names the request it was written for, as a field of its own (the text form is
/// tested in `logging.rs`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_lines_of_a_request_carry_its_id() {
    let store = TestStore::new(Backend::Postgres).await;
    let depot = DepotProcess::start(&store.url, &["--no-auth"], &[]);
    let database = store.url.rsplit('/').next().unwrap().to_string();
    let admin =
        depot_domain::Store::connect(&format!("{}/postgres", support::postgres_admin_url()))
            .await
            .unwrap();
    sqlx::query(&format!("DROP DATABASE \"{database}\" WITH (FORCE)"))
        .execute(admin.pool())
        .await
        .unwrap();
    let ready = reqwest::get(depot.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let id = ready.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    // The log arrives through a pipe: it may follow the answer by a moment.
    let logged = || {
        depot
            .logs()
            .into_iter()
            .find(|line| line.contains(&id) && line.contains("readiness check failed"))
    };
    eventually("the failed request's log line with its id", async || {
        logged().is_some()
    })
    .await;
    let line = logged().unwrap();
    depot.stop();
    let fields: serde_json::Value = serde_json::from_str(&line).expect("a JSON log line");
    assert_eq!(fields["request_id"], id.as_str(), "{line}");
    assert_eq!(fields["fields"]["message"], "readiness check failed");
}

/// The admin UI's built files keep their names across versions (the split WebAssembly's parts
/// are `chunk_N.wasm`), so browsers are told to revalidate them; an unchanged one is a 304.
#[tokio::test]
async fn the_admin_ui_files_are_revalidated_before_reuse() {
    let site = std::env::temp_dir().join(format!("depot_site_{}", std::process::id()));
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(site.join("pkg/chunk_7.wasm"), b"\0asm part").unwrap();
    let db = TestStore::new(Backend::Sqlite).await;
    let depot = DepotProcess::start(
        &db.url,
        &["--no-auth"],
        &[("LEPTOS_SITE_ROOT", site.to_str().unwrap())],
    );
    let client = reqwest::Client::new();

    let first = client.get(depot.url("/pkg/chunk_7.wasm")).response().await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.headers()["cache-control"], "no-cache");
    let modified = first.headers()["last-modified"].clone();
    assert_eq!(&first.bytes().await.unwrap()[..], b"\0asm part");

    let again = client
        .get(depot.url("/pkg/chunk_7.wasm"))
        .header("if-modified-since", modified)
        .response()
        .await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()["cache-control"], "no-cache");

    // Pages and the API set their own caching; only the built files are marked.
    let health = client.get(depot.url("/healthz")).response().await;
    assert!(health.headers().get("cache-control").is_none());
    depot.stop();
    std::fs::remove_dir_all(site).unwrap();
}

on_both_backends!(
    health_and_readiness_answer_without_credentials,
    readiness_fails_when_the_store_is_gone,
    metrics_count_requests_by_route_and_status,
    openapi_documents_every_route_and_each_one_exists,
    signed_out_pages_send_the_browser_to_login,
    signed_in_pages_render_on_the_server,
    unknown_pages_are_404_with_a_page,
    every_answer_names_its_request,
);
