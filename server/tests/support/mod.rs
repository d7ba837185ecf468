//! A real Depot for tests: the full router on a loopback port, on a store of its own — a fresh
//! SQLite file or a fresh PostgreSQL database, dropped afterwards.

// Each test file uses only some of this.
#![allow(dead_code, unused_imports)]

mod fakes;
mod haproxy;
mod seaweedfs;

use std::net::SocketAddr;

use depot::config::ServeConfig;
use depot::http::{router, AppState};
use depot_domain::auth::users;
use depot_domain::blobs::BlobStore;
use depot_domain::tables::Catalog;
use depot_domain::Store;
use reqwest::{Client, RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub use fakes::{eventually, Fake};
pub use haproxy::HaProxy;
pub use seaweedfs::SeaweedFs;

/// Where a test's blobs live: a folder of its own, or a prefix of its own in the SeaweedFS
/// bucket of the test process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blobs {
    Files,
    S3,
}

/// A test's stores: its SQL backend and its blob store.
#[derive(Clone, Copy, Debug)]
pub struct Stores {
    pub sql: Backend,
    pub blobs: Blobs,
}

impl From<Backend> for Stores {
    fn from(sql: Backend) -> Self {
        Self {
            sql,
            blobs: Blobs::Files,
        }
    }
}

/// `count` loopback ports that were free a moment ago.
pub fn free_ports(count: usize) -> Vec<u16> {
    let listeners: Vec<std::net::TcpListener> = (0..count)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    listeners
        .iter()
        .map(|l| l.local_addr().unwrap().port())
        .collect()
}

/// Starts `command` in the folder `dir` with no input, its output going to the file `log` there.
pub fn spawn_logged(
    mut command: std::process::Command,
    dir: &std::path::Path,
    log: &str,
) -> std::process::Child {
    let log = std::fs::File::create(dir.join(log)).unwrap();
    command
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    command
        .spawn()
        .unwrap_or_else(|e| panic!("{command:?} does not start: {e}"))
}

/// Waits up to ten seconds until something accepts connections on the loopback `port`.
pub fn wait_for_port(port: u16) {
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Where the tests find PostgreSQL: the machine's server, trust auth.
pub fn postgres_admin_url() -> String {
    std::env::var("DEPOT_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// A store that exists only for one test.
pub struct TestStore {
    pub store: Store,
    pub url: String,
    /// The blob store's folder, removed with the store.
    pub blob_dir: std::path::PathBuf,
    /// The test's own prefix in the SeaweedFS bucket, when its blobs are there.
    pub blob_prefix: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Folder(std::path::PathBuf),
    Database(String),
}

impl TestStore {
    pub async fn new(backend: Backend) -> Self {
        let unique = format!("depot_test_{}_{}", std::process::id(), rand_suffix());
        let blob_dir = std::env::temp_dir().join(format!("{unique}_blobs"));
        let (url, cleanup) = match backend {
            Backend::Sqlite => {
                let folder = std::env::temp_dir().join(&unique);
                (
                    format!("sqlite://{}/depot.db", folder.display()),
                    Cleanup::Folder(folder),
                )
            }
            Backend::Postgres => {
                let admin = Store::connect(&format!("{}/postgres", postgres_admin_url()))
                    .await
                    .expect("PostgreSQL on 127.0.0.1:5432");
                sqlx::query(&format!("CREATE DATABASE \"{unique}\""))
                    .execute(admin.pool())
                    .await
                    .unwrap();
                admin.close().await;
                (
                    format!("{}/{unique}", postgres_admin_url()),
                    Cleanup::Database(unique.clone()),
                )
            }
        };
        let store = Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        Self {
            store,
            url,
            blob_dir,
            blob_prefix: unique,
            cleanup,
        }
    }

    /// The API key of the `admin` user, made in this (fresh) store.
    pub async fn admin_key(&self) -> String {
        users::bootstrap_admin(&self.store)
            .await
            .unwrap()
            .expect("a fresh store has no users")
    }

    /// Makes every scheduled dataset due: its next run a second ago. (A second ago, not some
    /// old whole minute: the next run lies on the grid of the due time, and a whole-minute grid
    /// point may be only a moment away.)
    pub async fn make_schedules_due(&self) {
        let just_due =
            depot_domain::time::format(chrono::Utc::now() - chrono::Duration::seconds(1));
        sqlx::query("UPDATE spec_datasets SET next_run_at = $1")
            .bind(just_due)
            .execute(self.store.pool())
            .await
            .unwrap();
    }

    /// `--blob-store` for this test's blobs, and the variables a Depot needs to reach them.
    pub fn blob_store(&self, blobs: Blobs) -> (String, Vec<(String, String)>) {
        match blobs {
            Blobs::Files => (format!("file:{}", self.blob_dir.display()), Vec::new()),
            Blobs::S3 => (
                format!("s3://{}/{}", seaweedfs::BUCKET, self.blob_prefix),
                SeaweedFs::shared().variables(),
            ),
        }
    }

    /// This test's blob store, indexed in its store.
    pub async fn open_blobs(&self, blobs: Blobs) -> BlobStore {
        let (spec, variables) = self.blob_store(blobs);
        BlobStore::open_with(&spec, self.store.clone(), &variables)
            .await
            .unwrap_or_else(|e| panic!("the blob store {spec}: {e}"))
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        if let Cleanup::Database(_) = &self.cleanup {
            let store = self.store.clone();
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(store.close());
            })
            .join()
            .ok();
        }
        drop_cleanup(&self.cleanup);
        let _ = std::fs::remove_dir_all(&self.blob_dir);
    }
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{nanos:x}{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A running server plus the first admin key it printed.
pub struct TestServer {
    pub base: String,
    pub admin_key: String,
    pub client: Client,
    pub db: TestStore,
    pub blobs: BlobStore,
    server: tokio::task::JoinHandle<()>,
}

impl TestServer {
    pub async fn start(stores: impl Into<Stores>) -> Self {
        Self::start_with(stores, |_| {}).await
    }

    pub async fn start_with(
        stores: impl Into<Stores>,
        configure: impl FnOnce(&mut ServeConfig),
    ) -> Self {
        let stores = stores.into();
        let db = TestStore::new(stores.sql).await;
        let admin_key = users::bootstrap_admin(&db.store)
            .await
            .unwrap()
            .expect("a fresh store has no users");
        let mut config = ServeConfig::local_defaults();
        configure(&mut config);
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let catalog = Catalog::open(&db.url, config.attachments.clone())
            .await
            .unwrap()
            .with_exact_count_limit(config.exact_count_limit);
        let blobs = db.open_blobs(stores.blobs).await;
        let header_timeout = config.header_timeout;
        let app = router(AppState::new(
            db.store.clone(),
            catalog,
            blobs.clone(),
            config,
        ));
        let server = tokio::spawn(async move {
            depot::http::serve(listener, app, header_timeout, std::future::pending()).await;
        });
        let client = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            base,
            admin_key,
            client,
            db,
            blobs,
            server,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.client.get(self.url(path))
    }

    /// The body of an anonymous `GET path`, whatever its status.
    pub async fn get_text(&self, path: &str) -> String {
        self.get(path).answer_text().await.1
    }

    pub fn post(&self, path: &str) -> RequestBuilder {
        self.client.post(self.url(path))
    }

    pub fn put(&self, path: &str) -> RequestBuilder {
        self.client.put(self.url(path))
    }

    pub fn patch(&self, path: &str) -> RequestBuilder {
        self.client.patch(self.url(path))
    }

    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.client.delete(self.url(path))
    }

    pub fn as_admin(&self, request: RequestBuilder) -> RequestBuilder {
        request.bearer_auth(&self.admin_key)
    }

    /// The body of the admin's `GET path`, whatever its status.
    pub async fn get_text_as_admin(&self, path: &str) -> String {
        self.as_admin(self.get(path)).answer_text().await.1
    }

    /// The admin's `POST path` of the JSON `body`: its status and JSON answer.
    pub async fn post_as_admin(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.as_admin(self.post(path)).json(&body).answer().await
    }

    /// Creates a user with `role` and returns an API key of theirs.
    pub async fn user_with_key(&self, name: &str, role: &str) -> String {
        self.create_user(json!({"name": name, "role": role})).await;
        let key = json!({"name": "test", "user": name});
        let (status, key) = self.post_as_admin("/api/keys", key).await;
        assert_eq!(status, StatusCode::OK);
        key["secret"].as_str().unwrap().to_string()
    }

    pub async fn create_user_with_password(&self, name: &str, role: &str, password: &str) {
        self.create_user(json!({"name": name, "role": role, "password": password}))
            .await;
    }

    async fn create_user(&self, user: Value) {
        let (status, text) = self
            .as_admin(self.post("/api/users"))
            .json(&user)
            .answer_text()
            .await;
        assert_eq!(status, StatusCode::OK, "{text}");
    }

    /// Signs in through the JSON login with `user` and `password` (or an API key of theirs):
    /// the session cookie it sets, as `name=value`.
    pub async fn sign_in(&self, user: &str, password: &str) -> String {
        let response = self
            .post("/auth/login")
            .json(&json!({"username": user, "password": password}))
            .response()
            .await;
        session_cookie(&response)
    }

    /// A client that goes away half-way: the admin's `request` (a method and a path) with
    /// `headers`, promising a body of `promised` bytes and sending only `sent`, then hanging
    /// up. Returns once the server has had a moment to notice.
    pub async fn hang_up_half_way(
        &self,
        request: &str,
        headers: &[(&str, &str)],
        promised: usize,
        sent: &[u8],
    ) {
        use std::io::Write;
        let address = self.base.trim_start_matches("http://").to_string();
        let mut head = format!(
            "{request} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n",
            self.admin_key
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!("Content-Length: {promised}\r\n\r\n"));
        let sent = sent.to_vec();
        tokio::task::spawn_blocking(move || {
            let mut stream = std::net::TcpStream::connect(address).unwrap();
            stream.write_all(head.as_bytes()).unwrap();
            stream.write_all(&sent).unwrap();
            stream.flush().unwrap();
            std::thread::sleep(std::time::Duration::from_millis(200));
            drop(stream);
        })
        .await
        .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The status and the JSON body of a response.
pub async fn status_and_json(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.unwrap();
    let body =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    (status, body)
}

/// `request` with `body` sent byte for byte, declared JSON whether it is JSON or not.
pub fn json_body(request: RequestBuilder, body: impl Into<reqwest::Body>) -> RequestBuilder {
    request
        .header("content-type", "application/json")
        .body(body)
}

/// `request` with the body a browser's plain form sends with a file (`multipart/form-data`):
/// the text `fields` in order, then the file as `file_field`, named `file_name` (empty, as a
/// browser sends a file input left empty).
pub fn form_with_file(
    request: RequestBuilder,
    fields: &[(&str, &str)],
    (file_field, file_name, content): (&str, &str, &[u8]),
) -> RequestBuilder {
    const BOUNDARY: &str = "----DepotTestFormBoundary7MA4YWxk";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{file_field}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    request
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
}

/// `request` as a browser's plain form post from the page `page`: it takes HTML and says where
/// it came from, so Leptos sends it back there.
pub fn from_page(request: RequestBuilder, page: &str) -> RequestBuilder {
    request
        .header("Accept", "text/html,application/xhtml+xml")
        .header("Referer", page)
}

/// The session cookie a sign-in `response` sets, as `name=value`.
pub fn session_cookie(response: &Response) -> String {
    let set_cookie = response
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .expect("a session cookie")
        .to_str()
        .unwrap();
    set_cookie.split(';').next().unwrap().to_string()
}

/// The header `name` of `response`, as text.
pub fn header_text<'a>(response: &'a Response, name: &str) -> &'a str {
    response.headers()[name].to_str().unwrap()
}

/// The text at `key` of each entry of the JSON array `list`.
pub fn each_text<'a>(list: &'a Value, key: &str) -> Vec<&'a str> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|entry| {
            entry[key]
                .as_str()
                .unwrap_or_else(|| panic!("no text at {key} in {entry}"))
        })
        .collect()
}

/// The entry of the JSON array `list` whose `key` is `value`.
pub fn entry_with<'a>(list: &'a Value, key: &str, value: &str) -> &'a Value {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .find(|entry| entry[key] == value)
        .unwrap_or_else(|| panic!("no entry with {key} {value} in {list}"))
}

/// Whether the JSON array `list` has an entry with all of these `fields`.
pub fn has_entry(list: &Value, fields: &[(&str, &str)]) -> bool {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .any(|entry| fields.iter().all(|(key, value)| entry[*key] == *value))
}

/// The `error` text of an `{"status", "error"}` answer.
pub fn error_of(body: &Value) -> &str {
    body["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error text in {body}"))
}

/// A request sent and its answer read, in one step: what most tests do with a request.
#[allow(async_fn_in_trait)]
pub trait Answered {
    /// The status and the body as JSON (a body that is not JSON fails the test, naming both).
    async fn answer(self) -> (StatusCode, Value);

    /// The status and the body as text.
    async fn answer_text(self) -> (StatusCode, String);

    /// The status alone.
    async fn answer_status(self) -> StatusCode;

    /// The response, whatever its status, for its headers or bytes.
    async fn response(self) -> Response;
}

impl Answered for RequestBuilder {
    async fn answer(self) -> (StatusCode, Value) {
        status_and_json(self.response().await).await
    }

    async fn answer_text(self) -> (StatusCode, String) {
        let response = self.response().await;
        (response.status(), response.text().await.unwrap())
    }

    async fn answer_status(self) -> StatusCode {
        self.response().await.status()
    }

    async fn response(self) -> Response {
        self.send().await.unwrap()
    }
}

/// Runs each named `async fn(Backend)` once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() { super::$test($crate::support::Backend::Sqlite).await })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() { super::$test($crate::support::Backend::Postgres).await })*
        }
    };
}

/// Runs each named `async fn(Stores)` on SQLite, on PostgreSQL, and on PostgreSQL with its blobs
/// in S3 (SeaweedFS) — the shape of several replicas.
#[macro_export]
macro_rules! on_every_store {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() { super::$test($crate::support::Backend::Sqlite.into()).await })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() { super::$test($crate::support::Backend::Postgres.into()).await })*
        }
        mod postgres_s3 {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                super::$test($crate::support::Stores {
                    sql: $crate::support::Backend::Postgres,
                    blobs: $crate::support::Blobs::S3,
                })
                .await
            })*
        }
    };
}

/// The Chinook sample database attached as `chinook`: a private copy of the SQLite file, or a
/// fresh PostgreSQL database cloned from a template loaded once from `chinook_pg.sql`.
pub struct Chinook {
    pub attachment: depot_domain::tables::catalog::Attachment,
    _cleanup: Cleanup,
}

fn shared_data(file: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data")
        .join(file)
}

impl Chinook {
    pub async fn attach(backend: Backend) -> Self {
        let name = format!("depot_chinook_{}_{}", std::process::id(), rand_suffix());
        let (url, cleanup) = match backend {
            Backend::Sqlite => {
                let folder = std::env::temp_dir().join(&name);
                std::fs::create_dir_all(&folder).unwrap();
                let file = folder.join("chinook.sqlite");
                std::fs::copy(shared_data("chinook.sqlite"), &file).unwrap();
                // The shared copy is read-only; the private one must be writable.
                let mut permissions = std::fs::metadata(&file).unwrap().permissions();
                #[allow(clippy::permissions_set_readonly_false)]
                permissions.set_readonly(false);
                std::fs::set_permissions(&file, permissions).unwrap();
                (
                    format!("sqlite://{}", file.display()),
                    Cleanup::Folder(folder),
                )
            }
            Backend::Postgres => {
                let template = chinook_template().await;
                let admin = Store::connect(&format!("{}/postgres", postgres_admin_url()))
                    .await
                    .unwrap();
                sqlx::query(&format!(
                    "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""
                ))
                .execute(admin.pool())
                .await
                .unwrap();
                admin.close().await;
                (
                    format!("{}/{name}", postgres_admin_url()),
                    Cleanup::Database(name),
                )
            }
        };
        let attachment =
            depot_domain::tables::catalog::Attachment::parse(&format!("chinook={url}")).unwrap();
        Self {
            attachment,
            _cleanup: cleanup,
        }
    }
}

impl Drop for Chinook {
    fn drop(&mut self) {
        drop_cleanup(&self._cleanup);
    }
}

fn drop_cleanup(cleanup: &Cleanup) {
    match cleanup {
        Cleanup::Folder(folder) => {
            let _ = std::fs::remove_dir_all(folder);
        }
        Cleanup::Database(name) => {
            let name = name.clone();
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async move {
                    if let Ok(admin) =
                        Store::connect(&format!("{}/postgres", postgres_admin_url())).await
                    {
                        let _ = sqlx::query(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .execute(admin.pool())
                        .await;
                        admin.close().await;
                    }
                });
            })
            .join()
            .ok();
        }
    }
}

/// Loads `chinook_pg.sql` into a template database once per machine (named by the file's
/// size, so a changed file gets a new template); later tests clone it in milliseconds.
async fn chinook_template() -> String {
    static LOADED: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    LOADED
        .get_or_init(|| async {
            let script = std::fs::read_to_string(shared_data("chinook_pg.sql")).unwrap();
            let template = format!("depot_chinook_template_{}", script.len());
            let admin = Store::connect(&format!("{}/postgres", postgres_admin_url()))
                .await
                .unwrap();
            let exists: Option<i32> =
                sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
                    .bind(&template)
                    .fetch_optional(admin.pool())
                    .await
                    .unwrap();
            if exists.is_none() {
                let loading = format!("{template}_loading_{}", std::process::id());
                sqlx::query(&format!("CREATE DATABASE \"{loading}\""))
                    .execute(admin.pool())
                    .await
                    .unwrap();
                // The script is psql's: it creates and enters its own database, which we skip.
                let body: String = script
                    .lines()
                    .filter(|l| !l.starts_with("CREATE DATABASE") && !l.starts_with("\\c"))
                    .collect::<Vec<_>>()
                    .join("\n");
                let url = format!("{}/{loading}", postgres_admin_url());
                let mut psql = std::process::Command::new("psql")
                    .args(["-q", "-v", "ON_ERROR_STOP=1", &url])
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::null())
                    .spawn()
                    .expect("psql (PostgreSQL's client) is installed");
                std::io::Write::write_all(psql.stdin.as_mut().unwrap(), body.as_bytes()).unwrap();
                drop(psql.stdin.take());
                assert!(
                    psql.wait().unwrap().success(),
                    "loading chinook_pg.sql failed"
                );
                // Another test process may have finished first; then ours is not needed.
                if sqlx::query(&format!(
                    "ALTER DATABASE \"{loading}\" RENAME TO \"{template}\""
                ))
                .execute(admin.pool())
                .await
                .is_err()
                {
                    let _ = sqlx::query(&format!("DROP DATABASE \"{loading}\""))
                        .execute(admin.pool())
                        .await;
                }
            }
            admin.close().await;
            template
        })
        .await
        .clone()
}

impl TestServer {
    /// A server with Chinook attached as `chinook`.
    pub async fn with_chinook(backend: Backend) -> (Self, Chinook) {
        Self::with_chinook_and(backend, |_| {}).await
    }

    pub async fn with_chinook_and(
        backend: Backend,
        configure: impl FnOnce(&mut ServeConfig),
    ) -> (Self, Chinook) {
        let chinook = Chinook::attach(backend).await;
        let attachment = chinook.attachment.clone();
        let server = Self::start_with(backend, move |c| {
            c.attachments = vec![attachment];
            configure(c);
        })
        .await;
        (server, chinook)
    }
}

/// A Python virtual environment with `packages` from PyPI, made once per machine under
/// ~/.cache/depot/NAME (a marker file says the install finished, so a broken one is redone).
pub fn python_venv(name: &str, packages: &[&str]) -> std::path::PathBuf {
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    let venv = std::path::PathBuf::from(home)
        .join(".cache/depot")
        .join(name);
    python_venv_at(&venv, "python3", packages)
}

/// [`python_venv`] at `venv`, made by the interpreter `python` — for tools that run as another
/// user (Patroni runs as `postgres`, which can read neither /root nor its pyenv Python).
pub fn python_venv_at(
    venv: &std::path::Path,
    python: &str,
    packages: &[&str],
) -> std::path::PathBuf {
    use std::process::Command;
    // Tests of one binary run in parallel; only one of them makes the environment.
    static MAKING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = MAKING.lock().unwrap_or_else(|e| e.into_inner());
    let installed_marker = venv.join(".depot-installed");
    if !installed_marker.exists() {
        let made = Command::new(python)
            .args(["-m", "venv", "--clear"])
            .arg(venv)
            .status()
            .expect("python3");
        assert!(made.success(), "python3 -m venv failed");
        let installed = Command::new(venv.join("bin/pip"))
            .args(["install", "-q", "--disable-pip-version-check"])
            .args(packages)
            .status()
            .expect("pip");
        assert!(
            installed.success(),
            "installing {packages:?} from PyPI failed"
        );
        std::fs::write(&installed_marker, packages.join("\n")).unwrap();
    }
    venv.to_path_buf()
}

/// What the Python `script` prints as JSON, run with `args` by the environment that has the
/// real `datadots-api` 0.2.4 client (Dotmesh's); a script that fails fails the test.
pub async fn run_datadots_script(script: &'static str, args: Vec<String>) -> Value {
    let venv = python_venv("datadots-api-0.2.4", &["datadots-api==0.2.4"]);
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(venv.join("bin/python"))
            .arg("-c")
            .arg(script)
            .args(args)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "the datadots-api client failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// A `depot serve` process of the real binary on a test store — for what only whole processes
/// show: start-up flags, restarts, several replicas on one store. It logs JSON so the test can
/// read the address it bound.
pub struct DepotProcess {
    pub base: String,
    child: std::process::Child,
    logs: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    data_dir: std::path::PathBuf,
}

impl DepotProcess {
    /// Starts `depot serve` on `store_url` with `args` and `envs`, and waits until it serves.
    pub fn start(store_url: &str, args: &[&str], envs: &[(&str, &str)]) -> Self {
        use std::io::BufRead;
        let data_dir = std::env::temp_dir().join(format!(
            "depot_process_{}_{}",
            std::process::id(),
            rand_suffix()
        ));
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_depot"))
            .arg("--data-dir")
            .arg(&data_dir)
            .args([
                "--database-url",
                store_url,
                "serve",
                "--bind",
                "127.0.0.1:0",
            ])
            .args(["--log-format", "json"])
            .args(args)
            .env_remove("DATABASE_URL")
            .env_remove("DPP_URL")
            .env_remove("AUTH_SERVER")
            .env("RUST_LOG", "info")
            .envs(envs.iter().copied())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the depot binary runs");
        let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let logs = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let kept = logs.clone();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                if let Ok(entry) = serde_json::from_str::<Value>(&line) {
                    if entry["fields"]["message"] == "Depot is serving" {
                        let _ = ready_tx.send(
                            entry["fields"]["address"]
                                .as_str()
                                .unwrap_or("")
                                .to_string(),
                        );
                    }
                }
                kept.lock().unwrap().push(line);
            }
        });
        let address = match ready_rx.recv_timeout(std::time::Duration::from_secs(30)) {
            Ok(address) => address,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("depot did not start: {:?}", logs.lock().unwrap());
            }
        };
        Self {
            base: format!("http://{address}"),
            child,
            logs,
            data_dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn logs(&self) -> Vec<String> {
        self.logs.lock().unwrap().clone()
    }

    /// Stops it as an operator would (SIGTERM) and waits until it has exited.
    pub fn stop(mut self) {
        self.terminate();
    }

    /// Kills it without warning (SIGKILL), as a crash or the OOM killer would, and waits.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    fn terminate(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for DepotProcess {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.terminate();
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// The plainest real jar: version 1.0.0 in its manifest, and nothing more.
pub fn plain_jar() -> Vec<u8> {
    jar(Some("1.0.0"), None, "")
}

/// A real jar: a manifest (with `Bundle-Version` when given), Depot's descriptor when given, and
/// a class file's worth of filler so different versions differ.
pub fn jar(
    bundle_version: Option<&str>,
    descriptor: Option<serde_json::Value>,
    filler: &str,
) -> Vec<u8> {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    writer.start_file("META-INF/MANIFEST.MF", options).unwrap();
    let mut manifest = String::from("Manifest-Version: 1.0\r\n");
    if let Some(version) = bundle_version {
        manifest.push_str(&format!("Bundle-Version: {version}\r\n"));
    }
    writer.write_all(manifest.as_bytes()).unwrap();
    if let Some(descriptor) = descriptor {
        writer
            .start_file("META-INF/depot/artifact.json", options)
            .unwrap();
        writer.write_all(descriptor.to_string().as_bytes()).unwrap();
    }
    writer.start_file("co/cask/MyApp.class", options).unwrap();
    writer.write_all(filler.as_bytes()).unwrap();
    writer.finish().unwrap().into_inner()
}
