//! sandman2 1.2.3 itself (from PyPI) and Depot answer the same requests on the same Chinook:
//! statuses, bodies and `Link` headers must agree, except where API.md allows Depot to differ —
//! and each such case is listed here with the reason.

mod support;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use support::{Answered, Backend, TestServer};

/// sandman2 and the library versions it last worked with; newer Flask breaks it.
const SANDMAN2: &[&str] = &[
    "sandman2==1.2.3",
    "Flask==2.0.3",
    "Werkzeug==2.0.3",
    "Flask-SQLAlchemy==2.4.0",
    "SQLAlchemy==1.3.3",
    "Flask-Admin==1.5.8",
    "Flask-HTTPAuth==4.4.0",
    "WTForms==2.3.3",
    "Jinja2==3.0.3",
    "itsdangerous==2.0.1",
    "MarkupSafe==2.0.1",
    "click==8.1.7",
];

/// A virtualenv with sandman2, made once per machine under ~/.cache/depot.
fn sandman2ctl() -> PathBuf {
    support::python_venv("sandman2-1.2.3", SANDMAN2).join("bin/sandman2ctl")
}

struct Sandman2 {
    child: Child,
    base: String,
    folder: PathBuf,
}

impl Sandman2 {
    fn start() -> Self {
        let folder = std::env::temp_dir().join(format!("depot_sandman2_{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let file = folder.join("chinook.sqlite");
        std::fs::copy(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../shared/data/chinook.sqlite"),
            &file,
        )
        .unwrap();
        let mut permissions = std::fs::metadata(&file).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        permissions.set_readonly(false);
        std::fs::set_permissions(&file, permissions).unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(sandman2ctl())
            .args([
                "-p",
                &port.to_string(),
                &format!("sqlite+pysqlite:///{}", file.display()),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sandman2ctl starts");
        Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            folder,
        }
    }
}

impl Drop for Sandman2 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

struct Answer {
    status: StatusCode,
    body: Value,
    link: Option<String>,
}

async fn ask(
    client: &reqwest::Client,
    base: &str,
    key: Option<&str>,
    method: &Method,
    path: &str,
    body: &Option<Value>,
) -> Answer {
    let mut request = client.request(method.clone(), format!("{base}{path}"));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.response().await;
    let status = response.status();
    let link = response
        .headers()
        .get("link")
        .map(|l| l.to_str().unwrap().to_string());
    let text = response.text().await.unwrap();
    Answer {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        link,
    }
}

/// What Depot answers differently, and why API.md allows it.
enum Expect {
    Same,
    Deviation(&'static str),
}

/// A case whose request carries the JSON `body`, answered as sandman2 answers it.
fn same_with(
    method: Method,
    path: &'static str,
    body: Value,
) -> (Method, &'static str, Option<Value>, Expect) {
    (method, path, Some(body), Expect::Same)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn depot_answers_like_sandman2_on_chinook() {
    let sandman2 = Sandman2::start();
    let (depot, _chinook) = TestServer::with_chinook(Backend::Sqlite).await;
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if client
            .get(format!("{}/artist/1", sandman2.base))
            .send()
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    use Expect::*;
    let get = Method::GET;
    let cases: Vec<(Method, &str, Option<Value>, Expect)> = vec![
        (get.clone(), "/artist/1", None, Same),
        (get.clone(), "/artist/99999", None, Same),
        (get.clone(), "/artist/meta", None, Same),
        (get.clone(), "/track/meta", None, Same),
        (get.clone(), "/album/?ArtistId=1", None, Same),
        (get.clone(), "/artist/?sort=-Name&limit=3", None, Same),
        (get.clone(), "/artist/?Name=%25%25DC", None, Same),
        (get.clone(), "/track/?page=10", None, Same),
        (get.clone(), "/album/?limit=2", None, Same),
        (get.clone(), "/invoice/1", None, Same),
        (
            get.clone(),
            "/artist/?page=999",
            None,
            Deviation("a page past the end is an empty page (sandman2: HTML 404)"),
        ),
        (
            get.clone(),
            "/artist/?sort=Nope",
            None,
            Deviation("an unknown sort column is 400 Invalid field (sandman2: HTML 500)"),
        ),
        same_with(Method::POST, "/artist/", json!({"Name": "Jeff Knupp"})),
        same_with(Method::POST, "/artist/", json!({"Name": "Jeff Knupp"})),
        same_with(Method::POST, "/artist/", json!({"Name": "x", "Age": 32})),
        same_with(Method::POST, "/artist/", json!({})),
        same_with(Method::POST, "/album/", json!({"Title": "T"})),
        same_with(
            Method::POST,
            "/artist/",
            json!({"ArtistId": 999, "Name": "y"}),
        ),
        same_with(Method::PATCH, "/album/6", json!({"ArtistId": 3})),
        same_with(Method::PATCH, "/album/99999", json!({"ArtistId": 3})),
        same_with(Method::PUT, "/artist/3", json!({"Name": "Aero"})),
        (
            Method::PUT,
            "/artist/6000",
            Some(json!({"Name": "New"})),
            Deviation("PUT creates the row with the key from the URL (sandman2 ignored it)"),
        ),
        (Method::DELETE, "/artist/276", None, Same),
        (Method::DELETE, "/artist/276", None, Same),
    ];
    let mut deviations = 0;
    for (method, path, body, expect) in &cases {
        let theirs = ask(&client, &sandman2.base, None, method, path, body).await;
        let ours = ask(
            &depot.client,
            &depot.url("/db/chinook"),
            Some(&depot.admin_key),
            method,
            path,
            body,
        )
        .await;
        match expect {
            Same => {
                assert_eq!(
                    (ours.status, &ours.body),
                    (theirs.status, &theirs.body),
                    "{method} {path}"
                );
                // Depot's links carry the /db/{db} prefix its surface is mounted at.
                if let Some(link) = &theirs.link {
                    assert_eq!(
                        ours.link.as_deref(),
                        Some(link.replace("</", "</db/chinook/").as_str()),
                        "{method} {path} Link"
                    );
                }
            }
            Deviation(why) => {
                deviations += 1;
                assert!(
                    ours.status.is_success() || ours.status.is_client_error(),
                    "{method} {path}: {why}"
                );
                assert_ne!(
                    (ours.status, &ours.body),
                    (theirs.status, &theirs.body),
                    "{method} {path} no longer deviates: {why}"
                );
            }
        }
    }
    assert_eq!(deviations, 3);
}
