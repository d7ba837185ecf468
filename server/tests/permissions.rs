//! API.md §0 "Authentication and roles", as a matrix: every write route of every surface (each
//! POST, PUT, PATCH and DELETE `/openapi.json` documents, so a new route cannot be left out),
//! tried by every caller that may not make it — anonymous, a reader, a writer on admin-only
//! routes, a revoked key, an expired session, a cross-site form post with a valid cookie. Each
//! is refused, and nothing changes: no audit record is added, and every object reads as before.

mod support;

use reqwest::header::COOKIE;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{json, Value};
use support::{form_with_file, jar, status_and_json, Answered, Backend, TestServer};

/// The least role a route needs.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Needs {
    Writer,
    Admin,
}

enum Body {
    None,
    Json(Value),
    Form(Vec<(&'static str, &'static str)>),
    Bytes(Vec<u8>, Vec<(&'static str, &'static str)>),
    /// A plain form with a file: its text fields, then the file's field, name and bytes.
    FormWithFile(
        Vec<(&'static str, &'static str)>,
        (&'static str, &'static str, Vec<u8>),
    ),
}

/// One write: the route as documented, the concrete request, and who may make it.
struct Write {
    method: Method,
    documented: &'static str,
    path: String,
    body: Body,
    needs: Needs,
}

fn write(method: Method, documented: &'static str, path: &str, body: Body, needs: Needs) -> Write {
    Write {
        method,
        documented,
        path: path.to_string(),
        body,
        needs,
    }
}

/// A Dotmesh JSON-RPC call that writes.
fn rpc_write(method: &str, params: Value) -> Write {
    let call = json!({"jsonrpc": "2.0", "method": format!("DotmeshRPC.{method}"), "params": params, "id": 1});
    write(
        Method::POST,
        "/rpc",
        "/rpc",
        Body::Json(call),
        Needs::Writer,
    )
}

/// Every write, against the objects `prepare` made.
fn writes(commit: &str) -> Vec<Write> {
    use Body::{Form, Json};
    use Method as M;
    use Needs::{Admin, Writer};
    let version = "/v3/namespaces/default/artifacts/kept/versions/1.0.0";
    let dot = |branch: &str| json!({"Namespace": "admin", "Name": "kept", "Branch": branch});
    let archive = || jar(Some("2.0.0"), None, "v2");
    vec![
        // Tables (sandman2)
        write(
            M::POST,
            "/db/{db}/{table}/",
            "/db/chinook/artist/",
            Json(json!({"Name": "X"})),
            Writer,
        ),
        write(
            M::POST,
            "/db/{db}/{table}",
            "/db/chinook/artist",
            Json(json!({"Name": "X"})),
            Writer,
        ),
        write(
            M::PUT,
            "/db/{db}/{table}/{key}",
            "/db/chinook/artist/1",
            Json(json!({"Name": "X"})),
            Writer,
        ),
        write(
            M::PATCH,
            "/db/{db}/{table}/{key}",
            "/db/chinook/artist/1",
            Json(json!({"Name": "X"})),
            Writer,
        ),
        write(
            M::DELETE,
            "/db/{db}/{table}/{key}",
            "/db/chinook/artist/1",
            Body::None,
            Writer,
        ),
        write(
            M::POST,
            "/api/db/{db}/reload",
            "/api/db/chinook/reload",
            Body::None,
            Admin,
        ),
        write(
            M::POST,
            "/api/tables/save",
            "/api/tables/save",
            Json(
                json!({"db": "chinook", "table": "artist", "key": "1", "values": {"Name": "X"}, "etag": null}),
            ),
            Writer,
        ),
        write(
            M::POST,
            "/api/tables/delete",
            "/api/tables/delete",
            Json(json!({"db": "chinook", "table": "artist", "key": "1", "etag": null})),
            Writer,
        ),
        // Inventory (clusto)
        write(
            M::POST,
            "/inventory/entity/{driver}",
            "/inventory/entity/basicserver",
            Form(vec![("name", "new")]),
            Writer,
        ),
        write(
            M::POST,
            "/inventory/entity/{driver}/{name}",
            "/inventory/entity/pool/emptypool",
            Form(vec![("device", "testserver2"), ("action", "insert")]),
            Writer,
        ),
        write(
            M::DELETE,
            "/inventory/entity/{driver}/{name}",
            "/inventory/entity/basicserver/testserver1",
            Body::None,
            Writer,
        ),
        write(
            M::POST,
            "/inventory/attribute/{name}",
            "/inventory/attribute/testserver1",
            Form(vec![("key", "k"), ("value", "v")]),
            Writer,
        ),
        write(
            M::POST,
            "/inventory/attribute/{name}/{key}",
            "/inventory/attribute/testserver1/k",
            Form(vec![("value", "v")]),
            Writer,
        ),
        write(
            M::POST,
            "/inventory/attribute/{name}/{key}/{subkey}",
            "/inventory/attribute/testserver1/k/s",
            Form(vec![("value", "v")]),
            Writer,
        ),
        write(
            M::PUT,
            "/inventory/attribute/{name}/{key}/{subkey}",
            "/inventory/attribute/testserver1/key1/subkey1",
            Form(vec![("value", "v")]),
            Writer,
        ),
        write(
            M::DELETE,
            "/inventory/attribute/{name}/{key}/{subkey}",
            "/inventory/attribute/testserver1/key1/subkey1",
            Body::None,
            Writer,
        ),
        write(
            M::POST,
            "/inventory/attribute/{name}/{key}/{subkey}/{number}",
            "/inventory/attribute/testserver1/k/s/3",
            Form(vec![("value", "v")]),
            Writer,
        ),
        write(
            M::PUT,
            "/inventory/attribute/{name}/{key}/{subkey}/{number}",
            "/inventory/attribute/testserver1/key1/subkey1/0",
            Form(vec![("value", "v")]),
            Writer,
        ),
        write(
            M::DELETE,
            "/inventory/attribute/{name}/{key}/{subkey}/{number}",
            "/inventory/attribute/testserver1/key1/subkey1/0",
            Body::None,
            Writer,
        ),
        write(
            M::PUT,
            "/inventory/attribute/{name}/{key}",
            "/inventory/attribute/testserver1/key1",
            Form(vec![("value", "v")]),
            Writer,
        ),
        write(
            M::DELETE,
            "/inventory/attribute/{name}/{key}",
            "/inventory/attribute/testserver1/key1",
            Body::None,
            Writer,
        ),
        write(
            M::POST,
            "/inventory/resourcemanager/{driver}",
            "/inventory/resourcemanager/simplenamemanager",
            Form(vec![("name", "newman")]),
            Writer,
        ),
        write(
            M::POST,
            "/inventory/resourcemanager/{driver}/{manager}",
            "/inventory/resourcemanager/simpleentitynamemanager/testnames",
            Form(vec![("driver", "basicserver")]),
            Writer,
        ),
        write(
            M::DELETE,
            "/inventory/resourcemanager/{driver}/{manager}",
            "/inventory/resourcemanager/ipmanager/ipman",
            Form(vec![("object", "testserver2")]),
            Writer,
        ),
        write(
            M::POST,
            "/api/inventory/create",
            "/api/inventory/create",
            Json(json!({"driver": "basicserver", "name": "new"})),
            Writer,
        ),
        write(
            M::POST,
            "/api/inventory/attribute",
            "/api/inventory/attribute",
            Json(
                json!({"name": "testserver1", "key": "k", "subkey": null, "value": "v", "datatype": "string"}),
            ),
            Writer,
        ),
        write(
            M::POST,
            "/api/inventory/membership",
            "/api/inventory/membership",
            Json(json!({"pool": "emptypool", "device": "testserver2", "insert": true})),
            Writer,
        ),
        write(
            M::POST,
            "/api/inventory/allocate-ip",
            "/api/inventory/allocate-ip",
            Json(json!({"manager": "ipman", "object": "testserver1"})),
            Writer,
        ),
        // Versioning (Dotmesh)
        rpc_write("Create", json!({"Namespace": "admin", "Name": "new"})),
        rpc_write(
            "Commit",
            json!({"Namespace": "admin", "Name": "kept", "Branch": "", "Message": "m"}),
        ),
        rpc_write(
            "Branch",
            json!({"Namespace": "admin", "Name": "kept", "SourceBranch": "", "NewBranchName": "b2", "SourceCommitId": commit}),
        ),
        rpc_write(
            "Rollback",
            json!({"Namespace": "admin", "Name": "kept", "Branch": "", "SnapshotId": commit}),
        ),
        rpc_write("DeleteBranch", dot("side")),
        rpc_write("Delete", json!({"Namespace": "admin", "Name": "kept"})),
        write(
            M::POST,
            "/dots/{ns}",
            "/dots/admin",
            Json(json!({"name": "new"})),
            Writer,
        ),
        write(
            M::DELETE,
            "/dots/{ns}/{dot}",
            "/dots/admin/kept",
            Body::None,
            Writer,
        ),
        write(
            M::POST,
            "/dots/{ns}/{dot}/branches",
            "/dots/admin/kept/branches",
            Json(json!({"name": "b2"})),
            Writer,
        ),
        write(
            M::DELETE,
            "/dots/{ns}/{dot}/branches/{branch}",
            "/dots/admin/kept/branches/side",
            Body::None,
            Writer,
        ),
        write(
            M::PUT,
            "/dots/{ns}/{dot}/branches/{branch}/files/{path}",
            "/dots/admin/kept/branches/master/files/new.txt",
            Body::Bytes(b"new".to_vec(), vec![]),
            Writer,
        ),
        write(
            M::DELETE,
            "/dots/{ns}/{dot}/branches/{branch}/files/{path}",
            "/dots/admin/kept/branches/master/files/a.txt",
            Body::None,
            Writer,
        ),
        write(
            M::POST,
            "/dots/{ns}/{dot}/branches/{branch}/uploads",
            "/dots/admin/kept/branches/master/uploads",
            Json(json!({"path": "up.txt"})),
            Writer,
        ),
        write(
            M::POST,
            "/dots/{ns}/{dot}/branches/{branch}/uploads/{upload}",
            "/dots/admin/kept/branches/master/uploads/1",
            Json(json!({"path": "up.txt", "size": 1, "sha256": "00"})),
            Writer,
        ),
        write(
            M::POST,
            "/dots/{ns}/{dot}/branches/{branch}/commits",
            "/dots/admin/kept/branches/master/commits",
            Json(json!({"message": "m"})),
            Writer,
        ),
        write(
            M::POST,
            "/dots/{ns}/{dot}/branches/{branch}/rollback",
            "/dots/admin/kept/branches/master/rollback",
            Json(json!({"commit": commit})),
            Writer,
        ),
        write(
            M::POST,
            "/api/dots/create",
            "/api/dots/create",
            Json(json!({"namespace": "admin", "name": "new"})),
            Writer,
        ),
        write(
            M::POST,
            "/api/dots/commit",
            "/api/dots/commit",
            Json(
                json!({"namespace": "admin", "name": "kept", "branch": "master", "message": "m", "metadata": ""}),
            ),
            Writer,
        ),
        write(
            M::POST,
            "/api/dots/upload",
            "/api/dots/upload",
            Body::FormWithFile(
                vec![
                    ("namespace", "admin"),
                    ("name", "kept"),
                    ("branch", "master"),
                    ("path", ""),
                ],
                ("file", "new.txt", b"new".to_vec()),
            ),
            Writer,
        ),
        write(
            M::POST,
            "/api/dots/branch",
            "/api/dots/branch",
            Json(
                json!({"namespace": "admin", "name": "kept", "from_branch": "master", "commit": commit, "new_branch": "b2"}),
            ),
            Writer,
        ),
        write(
            M::POST,
            "/api/dots/rollback",
            "/api/dots/rollback",
            Json(
                json!({"namespace": "admin", "name": "kept", "branch": "master", "commit": commit}),
            ),
            Writer,
        ),
        // Artifacts (CDAP)
        write(
            M::PUT,
            "/v3/namespaces/{ns}",
            "/v3/namespaces/newns",
            Body::None,
            Admin,
        ),
        write(
            M::POST,
            "/v3/namespaces/system/artifacts",
            "/v3/namespaces/system/artifacts",
            Body::None,
            Admin,
        ),
        write(
            M::POST,
            "/v3/namespaces/{ns}/artifacts/{name}",
            "/v3/namespaces/default/artifacts/kept",
            Body::Bytes(archive(), vec![("Artifact-Version", "2.0.0")]),
            Writer,
        ),
        write(
            M::DELETE,
            "/v3/namespaces/{ns}/artifacts/{name}/versions/{version}",
            version,
            Body::None,
            Writer,
        ),
        write(
            M::PUT,
            "/v3/namespaces/{ns}/artifacts/{name}/versions/{version}/plugins",
            &format!("{version}/plugins"),
            Json(json!([])),
            Writer,
        ),
        write(
            M::PUT,
            "/v3/namespaces/{ns}/artifacts/{name}/versions/{version}/properties",
            &format!("{version}/properties"),
            Json(json!({"a": "b"})),
            Writer,
        ),
        write(
            M::DELETE,
            "/v3/namespaces/{ns}/artifacts/{name}/versions/{version}/properties",
            &format!("{version}/properties"),
            Body::None,
            Writer,
        ),
        write(
            M::PUT,
            "/v3/namespaces/{ns}/artifacts/{name}/versions/{version}/properties/{key}",
            &format!("{version}/properties/k"),
            Body::Bytes(b"changed".to_vec(), vec![]),
            Writer,
        ),
        write(
            M::DELETE,
            "/v3/namespaces/{ns}/artifacts/{name}/versions/{version}/properties/{key}",
            &format!("{version}/properties/k"),
            Body::None,
            Writer,
        ),
        write(
            M::POST,
            "/v3/namespaces/{ns}/artifacts/{name}/uploads",
            "/v3/namespaces/default/artifacts/kept/uploads",
            Body::Bytes(vec![], vec![("Artifact-Version", "2.0.0")]),
            Writer,
        ),
        write(
            M::POST,
            "/v3/namespaces/{ns}/artifacts/{name}/uploads/{upload}",
            "/v3/namespaces/default/artifacts/kept/uploads/1",
            Json(json!({"size": 1, "sha256": "00"})),
            Writer,
        ),
        write(
            M::POST,
            "/v3/namespaces/{ns}/apps",
            "/v3/namespaces/default/apps",
            Body::Bytes(archive(), vec![("X-Archive-Name", "legacy-2.0.0.jar")]),
            Writer,
        ),
        write(
            M::PUT,
            "/v3/namespaces/{ns}/apps/{app}",
            "/v3/namespaces/default/apps/newapp",
            Json(
                json!({"artifact": {"name": "kept", "version": "1.0.0", "scope": "user"}, "config": {}}),
            ),
            Writer,
        ),
        write(
            M::DELETE,
            "/v3/namespaces/{ns}/apps/{app}",
            "/v3/namespaces/default/apps/keptapp",
            Body::None,
            Writer,
        ),
        write(
            M::PUT,
            "/v3/namespaces/{ns}/apps/{app}/properties",
            "/v3/namespaces/default/apps/keptapp/properties",
            Json(
                json!({"artifact": {"name": "kept", "version": "1.0.0"}, "config": {"changed": true}}),
            ),
            Writer,
        ),
        write(
            M::POST,
            "/v3/namespaces/{ns}/apps/{app}/update",
            "/v3/namespaces/default/apps/keptapp/update",
            Json(
                json!({"artifact": {"name": "kept", "version": "1.0.0"}, "config": {"changed": true}}),
            ),
            Writer,
        ),
        write(
            M::POST,
            "/api/artifacts/upload",
            "/api/artifacts/upload",
            Body::FormWithFile(
                vec![
                    ("namespace", "default"),
                    ("name", "kept"),
                    ("version", "2.0.0"),
                ],
                ("archive", "kept.jar", jar(None, None, "upload")),
            ),
            Writer,
        ),
        write(
            M::POST,
            "/api/artifacts/apps/version",
            "/api/artifacts/apps/version",
            Json(
                json!({"namespace": "default", "app": "keptapp", "version": "1.0.0", "config": {"changed": true}}),
            ),
            Writer,
        ),
        // Specs (specstore)
        write(
            M::POST,
            "/source/upload",
            "/source/upload",
            Json(spec("rita")),
            Writer,
        ),
        write(
            M::POST,
            "/source/update",
            "/source/update",
            Json(json!({"pipeline_id": "admin/kept:source", "event": "finish", "success": false})),
            Writer,
        ),
        write(
            M::POST,
            "/api/specs/upload",
            "/api/specs/upload",
            Json(json!({"spec": spec("rita").to_string()})),
            Writer,
        ),
        write(
            M::POST,
            "/api/specs/rerun",
            "/api/specs/rerun",
            Json(json!({"owner": "admin", "dataset": "kept"})),
            Writer,
        ),
        // Accounts
        write(
            M::POST,
            "/api/users",
            "/api/users",
            Json(json!({"name": "mallory", "role": "admin"})),
            Admin,
        ),
        write(
            M::POST,
            "/api/users/password",
            "/api/users/password",
            Json(json!({"name": "admin", "password": "taken-over!"})),
            Admin,
        ),
        write(
            M::POST,
            "/api/users/update",
            "/api/users/update",
            Json(json!({"name": "rita", "role": "admin"})),
            Admin,
        ),
        write(
            M::POST,
            "/api/users/remove",
            "/api/users/remove",
            Json(json!({"name": "rita"})),
            Admin,
        ),
        write(
            M::POST,
            "/api/keys",
            "/api/keys",
            Json(json!({"name": "stolen", "user": "admin"})),
            Admin,
        ),
        write(
            M::POST,
            "/api/keys/revoke",
            "/api/keys/revoke",
            Json(json!({"id": 1})),
            Admin,
        ),
    ]
}

fn spec(owner: &str) -> Value {
    json!({
        "meta": {"ownerid": owner, "owner": owner, "dataset": "kept", "version": 1, "findability": "published"},
        "inputs": [{"kind": "datapackage", "url": "http://example.com/datapackage.json", "parameters": {}}],
        "outputs": [{"kind": "csv"}]
    })
}

/// Routes that change nothing however they are called (signing in and out).
const NOT_WRITES: [&str; 2] = ["POST /auth/login", "POST /auth/logout"];

/// Who tries.
#[derive(Clone, Copy, Debug)]
enum Caller {
    Anonymous,
    Reader,
    /// Only on admin-only routes.
    Writer,
    RevokedKey,
    ExpiredSession,
    CrossSiteForm,
}

struct Credentials {
    reader: String,
    writer: String,
    revoked: String,
    expired_cookie: String,
    live_cookie: String,
}

/// The objects the writes aim at, made by the admin; a revoked key and an expired session.
async fn prepare(server: &TestServer) -> (Credentials, String) {
    depot_domain::inventory::seed::demo(&server.db.store)
        .await
        .unwrap();
    let admin = |method: Method, path: &str| {
        server.as_admin(server.client.request(method, server.url(path)))
    };
    let ok = |response: reqwest::Response| {
        assert!(
            response.status().is_success(),
            "{} {}",
            response.url(),
            response.status()
        );
        response
    };
    let ipman = [
        ("name", "ipman"),
        ("baseip", "10.0.0.0"),
        ("netmask", "255.255.255.0"),
    ];
    ok(admin(Method::POST, "/inventory/resourcemanager/ipmanager")
        .form(&ipman)
        .response()
        .await);
    let allocation = admin(Method::POST, "/inventory/resourcemanager/ipmanager/ipman");
    ok(allocation
        .form(&[("object", "testserver2")])
        .response()
        .await);
    ok(admin(Method::POST, "/dots/admin")
        .json(&json!({"name": "kept"}))
        .response()
        .await);
    let file = admin(Method::PUT, "/dots/admin/kept/branches/master/files/a.txt");
    ok(file.body("kept").response().await);
    let committed = admin(Method::POST, "/dots/admin/kept/branches/master/commits");
    let (_, commit) = status_and_json(ok(committed
        .json(&json!({"message": "first"}))
        .response()
        .await))
    .await;
    let commit = commit["id"].as_str().unwrap().to_string();
    let side = admin(Method::POST, "/dots/admin/kept/branches").json(&json!({"name": "side"}));
    ok(side.response().await);
    let descriptor = json!({"apps": [{"className": "co.cask.Kept", "description": "kept"}]});
    let artifact = admin(Method::POST, "/v3/namespaces/default/artifacts/kept")
        .header("Artifact-Version", "1.0.0")
        .body(jar(Some("1.0.0"), Some(descriptor), "v1"));
    ok(artifact.response().await);
    let property = admin(
        Method::PUT,
        "/v3/namespaces/default/artifacts/kept/versions/1.0.0/properties/k",
    );
    ok(property.body("kept").response().await);
    let app =
        json!({"artifact": {"name": "kept", "version": "1.0.0", "scope": "user"}, "config": {}});
    ok(admin(Method::PUT, "/v3/namespaces/default/apps/keptapp")
        .json(&app)
        .response()
        .await);
    let (_, uploaded) = admin(Method::POST, "/source/upload")
        .json(&spec("admin"))
        .answer()
        .await;
    assert_eq!(uploaded["success"], true, "{uploaded}");

    let reader = server.user_with_key("rita", "reader").await;
    let writer = server.user_with_key("wes", "writer").await;
    let revoked = server.user_with_key("rob", "admin").await;
    let (_, keys) = admin(Method::GET, "/api/keys?user=rob").answer().await;
    let revoke = admin(Method::POST, "/api/keys/revoke").json(&json!({"id": keys[0]["id"]}));
    ok(revoke.response().await);
    let expired_cookie = server.sign_in("admin", &server.admin_key).await;
    sqlx::query("UPDATE sessions SET expires_at = '2000-01-01T00:00:00.000Z'")
        .execute(server.db.store.pool())
        .await
        .unwrap();
    let live_cookie = server.sign_in("admin", &server.admin_key).await;
    let credentials = Credentials {
        reader,
        writer,
        revoked,
        expired_cookie,
        live_cookie,
    };
    (credentials, commit)
}

fn request(server: &TestServer, write: &Write) -> RequestBuilder {
    let request = server
        .client
        .request(write.method.clone(), server.url(&write.path));
    match &write.body {
        Body::None => request,
        Body::Json(body) => request.json(body),
        Body::Form(fields) => request.form(fields),
        Body::Bytes(bytes, headers) => headers
            .iter()
            .fold(request.body(bytes.clone()), |r, (name, value)| {
                r.header(*name, *value)
            }),
        Body::FormWithFile(fields, (field, name, content)) => {
            form_with_file(request, fields, (*field, *name, content.as_slice()))
        }
    }
}

fn as_caller(request: RequestBuilder, caller: Caller, credentials: &Credentials) -> RequestBuilder {
    match caller {
        Caller::Anonymous => request,
        Caller::Reader => request.bearer_auth(&credentials.reader),
        Caller::Writer => request.bearer_auth(&credentials.writer),
        Caller::RevokedKey => request.bearer_auth(&credentials.revoked),
        Caller::ExpiredSession => request.header(COOKIE, &credentials.expired_cookie),
        Caller::CrossSiteForm => request
            .header(COOKIE, &credentials.live_cookie)
            .header("origin", "http://evil.example")
            .header("sec-fetch-site", "cross-site"),
    }
}

/// Whether the answer is a refusal of `caller`, in the surface's own format: 401 for who is
/// not known, 403 for who may not; JSON-RPC and specstore answer 200 with the error inside.
fn refused(caller: Caller, status: StatusCode, body: &str) -> bool {
    let expected = match caller {
        Caller::Anonymous | Caller::RevokedKey | Caller::ExpiredSession => StatusCode::UNAUTHORIZED,
        Caller::Reader | Caller::Writer | Caller::CrossSiteForm => StatusCode::FORBIDDEN,
    };
    if matches!(caller, Caller::CrossSiteForm) {
        return status == expected && body.contains("cross-site request refused");
    }
    if status == expected {
        return true;
    }
    let answer: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    status == StatusCode::OK
        && (answer.get("error").is_some_and(|e| !e.is_null()) || answer["success"] == false)
}

async fn audit_records(server: &TestServer) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(server.db.store.pool())
        .await
        .unwrap()
}

/// What every write could change, read by the admin.
async fn everything(server: &TestServer) -> Vec<String> {
    let mut seen = Vec::new();
    for path in [
        "/db/chinook/artist/1",
        "/db/chinook/artist/?limit=1&sort=-ArtistId",
        "/inventory/entity/",
        "/inventory/by-name/testserver1",
        "/inventory/by-name/emptypool",
        "/inventory/resourcemanager/simpleentitynamemanager/testnames",
        "/inventory/resourcemanager/ipmanager/ipman",
        "/dots/admin",
        "/dots/admin/kept/branches",
        "/dots/admin/kept/branches/master/files/",
        "/dots/admin/kept/commits",
        "/v3/namespaces",
        "/v3/namespaces/default/artifacts",
        "/v3/namespaces/default/artifacts/kept/versions/1.0.0",
        "/v3/namespaces/default/apps",
        "/v3/namespaces/default/apps/keptapp",
        "/source/admin/kept",
        "/source/rita",
        "/api/users",
        "/api/keys?user=admin",
    ] {
        let response = server.as_admin(server.get(path)).response().await;
        let status = response.status();
        let mut text = response.text().await.unwrap();
        // Using a key is not a write: the time of its last use may move while reading.
        if path.starts_with("/api/keys") {
            let mut keys: Value = serde_json::from_str(&text).unwrap();
            for key in keys.as_array_mut().unwrap() {
                key["last_used_at"] = Value::Null;
            }
            text = keys.to_string();
        }
        seen.push(format!("{path} {status} {text}"));
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_caller_may_make_a_write_its_role_does_not_allow() {
    let (server, _chinook) = TestServer::with_chinook(Backend::Sqlite).await;
    let (credentials, commit) = prepare(&server).await;
    let writes = writes(&commit);

    let (_, document) = server.get("/openapi.json").answer().await;
    for (path, operations) in document["paths"].as_object().unwrap() {
        for method in operations.as_object().unwrap().keys() {
            let route = format!("{} {path}", method.to_uppercase());
            let is_write = matches!(method.as_str(), "post" | "put" | "patch" | "delete");
            if is_write && !NOT_WRITES.contains(&route.as_str()) {
                assert!(
                    writes
                        .iter()
                        .any(|w| format!("{} {}", w.method, w.documented) == route),
                    "{route} is a write route the matrix does not try"
                );
            }
        }
    }

    let before = everything(&server).await;
    let mut tried = 0;
    for write in &writes {
        let mut callers = vec![
            Caller::Anonymous,
            Caller::Reader,
            Caller::RevokedKey,
            Caller::ExpiredSession,
            Caller::CrossSiteForm,
        ];
        if write.needs == Needs::Admin {
            callers.push(Caller::Writer);
        }
        for caller in callers {
            let records = audit_records(&server).await;
            let response = as_caller(request(&server, write), caller, &credentials)
                .response()
                .await;
            let status = response.status();
            let body = response.text().await.unwrap();
            assert!(
                refused(caller, status, &body),
                "{caller:?} {} {} was not refused: {status} {body}",
                write.method,
                write.path
            );
            assert_eq!(
                audit_records(&server).await,
                records,
                "{caller:?} {} {} left an audit record",
                write.method,
                write.path
            );
            tried += 1;
        }
        assert_eq!(
            everything(&server).await,
            before,
            "{} {} changed something",
            write.method,
            write.path
        );
    }
    assert!(tried > 300, "{tried} attempts");

    // The matrix can fail: the admin's own requests do change things.
    let allowed = server
        .as_admin(request(&server, &writes[2]))
        .response()
        .await;
    assert_eq!(allowed.status(), StatusCode::OK);
    assert_ne!(everything(&server).await, before);
}
