//! API.md §0 "Bad input": what a careless or hostile client sends to every surface — invalid
//! JSON and UTF-8, JSON nested a hundred thousand deep, megabyte names, NUL bytes, `../` in dot
//! file paths, numbers that overflow, wrong content types, slow and idle connections. Each is
//! refused with a 4xx naming the problem, in the surface's own format; nothing panics, nothing
//! is written outside the data directory, and the server keeps answering.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{json, Value};
use support::{jar, json_body, Answered, Backend, TestServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

static PANICS: AtomicUsize = AtomicUsize::new(0);

/// The surfaces, each with its own refusal format (API.md §1–§6).
#[derive(Clone, Copy, Debug)]
enum Surface {
    /// sandman2: `{"message": "…"}`.
    Tables,
    /// clusto: a JSON string.
    Inventory,
    /// Dotmesh JSON-RPC: HTTP 200 with `{"error": {"code", "message"}}`.
    Rpc,
    /// Depot's own (dots REST, /api): `{"status", "error"}`.
    Depot,
    /// CDAP: plain text.
    Artifacts,
    /// specstore: HTTP 200 with `{"success": false, "errors": […]}`.
    Specs,
}

/// The message of a refusal in `surface`'s format, or why the answer is not one.
fn refusal_message(surface: Surface, status: StatusCode, body: &str) -> Result<String, String> {
    let json: Option<Value> = serde_json::from_str(body).ok();
    let client_error = status.is_client_error();
    let message = match (surface, &json) {
        (Surface::Tables, Some(v)) if client_error => v["message"].as_str().map(str::to_string),
        (Surface::Inventory, Some(Value::String(m))) if client_error => Some(m.clone()),
        (Surface::Rpc, Some(v)) if status == StatusCode::OK || client_error => {
            v["error"]["message"].as_str().map(str::to_string)
        }
        (Surface::Rpc, None) if client_error => Some(body.to_string()),
        (Surface::Depot, Some(v)) if client_error && v["status"] == status.as_u16() => {
            v["error"].as_str().map(str::to_string)
        }
        (Surface::Artifacts, None) if client_error => Some(body.to_string()),
        // Uploads answer their refusals with 200; every other specstore refusal is a 4xx.
        (Surface::Specs, Some(v))
            if (status == StatusCode::OK || client_error) && v["success"] == false =>
        {
            v["errors"][0].as_str().map(str::to_string)
        }
        _ => None,
    };
    match message {
        Some(m) if !m.trim().is_empty() && !m.contains("internal server error") => Ok(m),
        _ => Err(format!("not a {surface:?} refusal: {status} {body:.300}")),
    }
}

struct Probe<'a> {
    server: &'a TestServer,
    refused: usize,
}

impl Probe<'_> {
    fn call(&self, method: Method, path: &str) -> RequestBuilder {
        let server = self.server;
        server.as_admin(server.client.request(method, server.url(path)))
    }

    /// Sends `request`, which must be refused in `surface`'s format with a message containing
    /// `names` (case-insensitive; alternatives separated by `|`), the part that says what was
    /// wrong.
    async fn refused(
        &mut self,
        what: &str,
        surface: Surface,
        request: RequestBuilder,
        names: &str,
    ) {
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let status = response.status();
        let body = response.text().await.unwrap();
        let message =
            refusal_message(surface, status, &body).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(
            names
                .split('|')
                .any(|name| message.to_lowercase().contains(&name.to_lowercase())),
            "{what}: the refusal {message:?} does not name {names:?}"
        );
        self.refused += 1;
    }
}

impl Probe<'_> {
    /// `method path` with `body`, sent byte for byte as written, as the admin.
    async fn raw(&self, method: &str, path: &str, body: &str) -> (StatusCode, String) {
        let address = self.server.base.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nhost: {address}\r\nauthorization: Bearer {}\r\n\
             content-length: {}\r\nconnection: close\r\n\r\n{body}",
            self.server.admin_key,
            body.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        let status = answer
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        let chunked = head.to_lowercase().contains("transfer-encoding: chunked");
        let body = match chunked {
            // One chunk: its size line, the data, the terminating chunk.
            true => body.lines().nth(1).unwrap_or_default().to_string(),
            false => body.to_string(),
        };
        (StatusCode::from_u16(status).unwrap(), body)
    }
}

fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

/// Bytes that are not UTF-8, in a key: every parser reads keys (values it ignores it may skip).
const INVALID_UTF8: &[u8] = b"{\"\xff\xfe\": 1}";

async fn every_surface_refuses_bad_input_by_name_and_keeps_answering(backend: Backend) {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        default_hook(info);
    }));
    let (server, _chinook) = TestServer::with_chinook(backend).await;
    let mut p = Probe {
        server: &server,
        refused: 0,
    };
    p.call(Method::POST, "/dots/admin")
        .json(&json!({"name": "kept"}))
        .response()
        .await;
    let added = p
        .call(Method::POST, "/v3/namespaces/default/artifacts/kept")
        .header("Artifact-Version", "1.0.0")
        .body(jar(Some("1.0.0"), None, "v1"))
        .response()
        .await;
    assert_eq!(added.status(), StatusCode::OK);
    let properties = "/v3/namespaces/default/artifacts/kept/versions/1.0.0/properties";
    let entity = p.call(Method::POST, "/inventory/entity/basicserver");
    let entity = entity.form(&[("name", "target")]).response().await;
    assert_eq!(entity.status(), StatusCode::CREATED);

    // Invalid JSON, invalid UTF-8, and JSON nested deeper than any parser should follow.
    for (label, body) in [
        ("truncated JSON", b"{\"name\": ".to_vec()),
        ("invalid UTF-8", INVALID_UTF8.to_vec()),
        ("nesting 100000 deep", nested(100_000).into_bytes()),
    ] {
        let names = match label {
            "invalid UTF-8" => "unicode|utf-8",
            "nesting 100000 deep" => "recursion|invalid type",
            _ => "eof",
        };
        let what = |target: &str| format!("{label} to {target}");
        // sandman2's exact texts (API.md §1): the body is "no data" to it, whatever is wrong.
        let tables_names = "data received";
        p.refused(
            &what("a table"),
            Surface::Tables,
            json_body(p.call(Method::POST, "/db/chinook/artist/"), body.clone()),
            tables_names,
        )
        .await;
        p.refused(
            &what("a row"),
            Surface::Tables,
            json_body(p.call(Method::PATCH, "/db/chinook/artist/1"), body.clone()),
            tables_names,
        )
        .await;
        p.refused(
            &what("clusto attributes"),
            Surface::Inventory,
            json_body(
                p.call(Method::POST, "/inventory/attribute/target"),
                body.clone(),
            ),
            names,
        )
        .await;
        p.refused(
            &what("/rpc"),
            Surface::Rpc,
            json_body(p.call(Method::POST, "/rpc"), body.clone()),
            "parse",
        )
        .await;
        p.refused(
            &what("/dots"),
            Surface::Depot,
            json_body(p.call(Method::POST, "/dots/admin"), body.clone()),
            names,
        )
        .await;
        p.refused(
            &what("a commit"),
            Surface::Depot,
            json_body(
                p.call(Method::POST, "/dots/admin/kept/branches/master/commits"),
                body.clone(),
            ),
            names,
        )
        .await;
        p.refused(
            &what("/api/users"),
            Surface::Depot,
            json_body(p.call(Method::POST, "/api/users"), body.clone()),
            names,
        )
        .await;
        p.refused(
            &what("CDAP properties"),
            Surface::Artifacts,
            json_body(p.call(Method::PUT, properties), body.clone()),
            names,
        )
        .await;
        p.refused(
            &what("a spec upload"),
            Surface::Specs,
            json_body(p.call(Method::POST, "/source/upload"), body.clone()),
            names,
        )
        .await;
    }

    // Names a megabyte long.
    let huge = "n".repeat(1 << 20);
    p.refused(
        "a megabyte dot name",
        Surface::Depot,
        p.call(Method::POST, "/dots/admin")
            .json(&json!({"name": huge})),
        "name",
    )
    .await;
    p.refused(
        "a megabyte entity name",
        Surface::Inventory,
        p.call(Method::POST, "/inventory/entity/basicserver")
            .form(&[("name", huge.as_str())]),
        "name",
    )
    .await;
    p.refused(
        "a megabyte user name",
        Surface::Depot,
        p.call(Method::POST, "/api/users")
            .json(&json!({"name": huge, "role": "reader"})),
        "name",
    )
    .await;
    p.refused(
        "a megabyte column",
        Surface::Tables,
        p.call(
            Method::GET,
            &format!("/db/chinook/artist/?sort={}", &huge[..60_000]),
        ),
        "invalid field",
    )
    .await;
    let rpc_create = json!({"jsonrpc": "2.0", "method": "DotmeshRPC.Create", "params": {"Namespace": "admin", "Name": huge}, "id": 1});
    p.refused(
        "a megabyte dot name over RPC",
        Surface::Rpc,
        p.call(Method::POST, "/rpc").json(&rpc_create),
        "name",
    )
    .await;

    // NUL bytes.
    p.refused(
        "a NUL in an entity name",
        Surface::Inventory,
        p.call(Method::POST, "/inventory/entity/basicserver")
            .form(&[("name", "a\0b")]),
        "name",
    )
    .await;
    p.refused(
        "a NUL in an attribute key",
        Surface::Inventory,
        p.call(Method::POST, "/inventory/attribute/target")
            .form(&[("key", "a\0b"), ("value", "v")]),
        "",
    )
    .await;
    p.refused(
        "a NUL in a dot file path",
        Surface::Depot,
        p.call(Method::PUT, "/dots/admin/kept/branches/master/files/a%00b")
            .body("x"),
        "path",
    )
    .await;
    p.refused(
        "a NUL in a commit message",
        Surface::Depot,
        p.call(Method::POST, "/dots/admin/kept/branches/master/commits")
            .json(&json!({"message": "a\0b"})),
        "NUL",
    )
    .await;
    p.refused(
        "a NUL in a property",
        Surface::Artifacts,
        p.call(Method::PUT, &format!("{properties}/k")).body("a\0b"),
        "NUL",
    )
    .await;

    // Path segments that are not UTF-8 once decoded: refused by each surface's extractor in
    // its own format, before anything is looked up under a name it could not read.
    for (surface, path) in [
        (Surface::Depot, "/dots/admin/%FF"),
        (
            Surface::Artifacts,
            "/v3/namespaces/default/artifacts/%FF/versions/1.0.0",
        ),
        (Surface::Tables, "/db/%FF/track/"),
        (Surface::Specs, "/source/%FF"),
    ] {
        p.refused(
            &format!("a path of {path}"),
            surface,
            p.call(Method::GET, path),
            "utf-8|utf8",
        )
        .await;
    }

    // Paths that climb out of the tree, plainly and encoded — sent as written (an HTTP client
    // would resolve the dots before sending).
    for path in [
        "..%2F..%2Fescaped",
        "%2e%2e/%2e%2e/escaped",
        "../../escaped",
        "a/../../escaped",
        "%2Fabsolute",
        "a//b",
        "a/./b",
    ] {
        let url = format!("/dots/admin/kept/branches/master/files/{path}");
        let (status, body) = p.raw("PUT", &url, "x").await;
        let message = refusal_message(Surface::Depot, status, &body)
            .unwrap_or_else(|e| panic!("the dot file path {path}: {e}"));
        assert!(message.contains("path"), "{path}: {message}");
        p.refused += 1;
    }
    let files = p
        .call(Method::GET, "/dots/admin/kept/branches/master/files/")
        .response()
        .await;
    assert_eq!(
        files.json::<Value>().await.unwrap(),
        json!([]),
        "no file was written"
    );

    // Numbers that overflow.
    p.refused(
        "an overflowing limit",
        Surface::Tables,
        p.call(
            Method::GET,
            "/db/chinook/artist/?limit=99999999999999999999",
        ),
        "limit",
    )
    .await;
    p.refused(
        "an overflowing page",
        Surface::Tables,
        p.call(Method::GET, "/db/chinook/artist/?page=99999999999999999999"),
        "page",
    )
    .await;
    p.refused(
        "a number out of range",
        Surface::Tables,
        json_body(
            p.call(Method::PATCH, "/db/chinook/artist/1"),
            "{\"Name\": 1e400}",
        ),
        "data received",
    )
    .await;
    p.refused(
        "an overflowing attribute number",
        Surface::Inventory,
        p.call(Method::POST, "/inventory/attribute/target").form(&[
            ("key", "k"),
            ("value", "v"),
            ("number", "99999999999999999999"),
        ]),
        "number",
    )
    .await;
    let paged = p
        .call(Method::GET, "/inventory/entity/")
        .header("Clusto-Page", "99999999999999999999");
    p.refused(
        "an overflowing Clusto-Page",
        Surface::Inventory,
        paged,
        "invalid literal",
    )
    .await;
    let overflowing = p
        .call(Method::POST, "/v3/namespaces/default/artifacts/kept")
        .header("Artifact-Version", "1.99999999999999999999999.0")
        .body(jar(Some("1.0.1"), None, "v2"));
    p.refused(
        "an overflowing artifact version",
        Surface::Artifacts,
        overflowing,
        "version",
    )
    .await;
    let rpc_commits = json!({"jsonrpc": "2.0", "method": "DotmeshRPC.Commits", "params": {"Namespace": "admin", "Name": "kept", "Branch": ""}, "id": 99999999999999999999u128 as f64});
    let echoed = p
        .call(Method::POST, "/rpc")
        .json(&rpc_commits)
        .response()
        .await;
    assert_eq!(
        echoed.status(),
        StatusCode::OK,
        "a huge id is echoed, not a crash"
    );

    // Wrong content types.
    p.refused(
        "text to /rpc",
        Surface::Rpc,
        p.call(Method::POST, "/rpc")
            .header("content-type", "text/plain")
            .body("{}"),
        "content",
    )
    .await;
    p.refused(
        "a form to a table",
        Surface::Tables,
        p.call(Method::POST, "/db/chinook/artist/")
            .form(&[("Name", "x")]),
        "data received",
    )
    .await;
    p.refused(
        "a form to /api/users",
        Surface::Depot,
        p.call(Method::POST, "/api/users").form(&[("name", "x")]),
        "missing field `role`",
    )
    .await;
    p.refused(
        "text to a spec upload",
        Surface::Specs,
        p.call(Method::POST, "/source/upload")
            .header("content-type", "text/plain")
            .body("x"),
        "content",
    )
    .await;

    // A client that sends its request a byte at a time, and hundreds that connect and idle:
    // others are still answered meanwhile.
    let address = server.base.trim_start_matches("http://").to_string();
    let mut slow = tokio::net::TcpStream::connect(&address).await.unwrap();
    let mut idle = Vec::new();
    for _ in 0..400 {
        idle.push(tokio::net::TcpStream::connect(&address).await.unwrap());
    }
    for byte in b"GET /healthz HTTP/1.1\r\nhost: x\r\n".iter() {
        slow.write_all(&[*byte]).await.unwrap();
        let meanwhile = server.get("/healthz").response().await;
        assert_eq!(meanwhile.status(), StatusCode::OK);
    }
    slow.write_all(b"connection: close\r\n\r\n").await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(10), slow.read_to_string(&mut answer))
        .await
        .unwrap()
        .unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "the slow client is answered too: {answer:.80}"
    );
    drop(idle);

    assert!(p.refused >= 50, "{} refusals checked", p.refused);
    eprintln!(
        "{backend:?}: {} malformed requests refused by name",
        p.refused
    );
    let health = server.get("/healthz").response().await;
    assert_eq!(health.status(), StatusCode::OK, "the server still answers");
    let escaped = server.db.blob_dir.parent().unwrap().join("escaped");
    assert!(
        !escaped.exists(),
        "nothing was written outside the data directory"
    );
    assert_eq!(
        PANICS.load(Ordering::SeqCst),
        0,
        "a request made the server panic"
    );
}

/// `--header-timeout`: a connection that starts a request and never finishes its headers is
/// closed once the deadline passes, so such clients cannot hold connections for ever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let server = TestServer::start_with(Backend::Sqlite, |c| {
        c.header_timeout = Duration::from_secs(1)
    })
    .await;
    let address = server.base.trim_start_matches("http://").to_string();
    let mut stalled = tokio::net::TcpStream::connect(&address).await.unwrap();
    stalled
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let closed =
        tokio::time::timeout(Duration::from_secs(20), stalled.read_to_end(&mut answer)).await;
    assert!(closed.is_ok(), "the stalled connection is still open");
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
    let health = server.get("/healthz").response().await;
    assert_eq!(health.status(), StatusCode::OK);
}

on_both_backends!(every_surface_refuses_bad_input_by_name_and_keeps_answering);
