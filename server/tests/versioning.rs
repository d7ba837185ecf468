//! API.md §3 "Versioning": Dotmesh's JSON-RPC at `/rpc` (driven by the real `datadots-api`
//! client too) and the REST face at `/dots/…` with real file trees.

mod support;

use reqwest::StatusCode;
use serde_json::{json, Value};
use support::{
    each_text, error_of, form_with_file, from_page, header_text, json_body, status_and_json,
    Answered, Blobs, Stores, TestServer,
};

/// A JSON-RPC call as the admin (HTTP Basic admin:key, as Dotmesh clients send it).
async fn rpc(server: &TestServer, method: &str, params: Value) -> Value {
    rpc_as(server, "admin", &server.admin_key.clone(), method, params).await
}

async fn rpc_as(
    server: &TestServer,
    user: &str,
    secret: &str,
    method: &str,
    params: Value,
) -> Value {
    let response = server
        .post("/rpc")
        .basic_auth(user, Some(secret))
        .json(&json!({"jsonrpc": "2.0", "method": format!("DotmeshRPC.{method}"), "params": params, "id": 7}))
        .response()
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "JSON-RPC answers 200, errors too"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["jsonrpc"], "2.0");
    assert_eq!(body["id"], 7);
    body
}

fn error_text(body: &Value) -> &str {
    assert_eq!(body["error"]["code"], -32000, "{body}");
    assert!(body["error"]["data"].is_null());
    body["error"]["message"].as_str().unwrap()
}

fn dot(name: &str) -> Value {
    json!({"Namespace": "admin", "Name": name})
}

/// A branch of the admin's dot `name` (`""` is master).
fn branch(name: &str, which: &str) -> Value {
    json!({"Namespace": "admin", "Name": name, "Branch": which})
}

async fn datadots_client_works_unchanged(stores: Stores) {
    let server = TestServer::start(stores).await;
    let script = r#"
import json, sys
from dotmesh.client import DotmeshClient
url, user, key = sys.argv[1:4]
client = DotmeshClient(cluster_url=url, username=user, api_key=key)
out = {"ping": client.ping()}
dot = client.createDot("test")
out["dot_id"] = dot.id
out["same_dot"] = client.getDot("test").id
master = dot.getBranch("master")
out["first"] = master.commit("just a test commit")
master.commit("a commit with some extra metadata", {"fruit": "apples", "color": "red"})
out["master_log"] = master.log()
mine = master.createBranch("mybranch", "master")
mine.commit("the first commit in my branch")
out["branch_log"] = mine.log()
out["master_log_after"] = master.log()
out["deleted"] = client.deleteDot("test")
print(json.dumps(out))
"#;
    let args = vec![server.url("/rpc"), "admin".into(), server.admin_key.clone()];
    let out = support::run_datadots_script(script, args).await;
    assert_eq!(out["ping"], true);
    assert_eq!(out["dot_id"], out["same_dot"]);
    let master_log = out["master_log"].as_array().unwrap();
    assert_eq!(master_log.len(), 2);
    assert_eq!(
        master_log[0]["Id"], out["first"],
        "Commit answers the new commit's id"
    );
    assert_eq!(master_log[0]["Metadata"]["message"], "just a test commit");
    assert_eq!(master_log[0]["Metadata"]["author"], "admin");
    assert!(
        master_log[0]["Metadata"]["timestamp"]
            .as_str()
            .unwrap()
            .len()
            >= 19,
        "nanoseconds"
    );
    assert_eq!(master_log[1]["Metadata"]["fruit"], "apples");
    assert_eq!(master_log[1]["Metadata"]["color"], "red");
    let branch_log = out["branch_log"].as_array().unwrap();
    assert_eq!(
        branch_log.len(),
        1,
        "a new branch lists only its own commits"
    );
    assert_eq!(
        branch_log[0]["Metadata"]["message"],
        "the first commit in my branch"
    );
    assert_eq!(out["master_log_after"].as_array().unwrap().len(), 2);
    assert_eq!(out["deleted"], true);
    let gone = rpc(&server, "Lookup", branch("test", "")).await;
    assert_eq!(error_text(&gone), "No such filesystem named 'admin/test'");
}

async fn rpc_protocol_rules(stores: Stores) {
    let server = TestServer::start(stores).await;
    let ping = json!({"jsonrpc": "2.0", "method": "DotmeshRPC.Ping", "id": "a"});

    let anonymous = server.post("/rpc").json(&ping).response().await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert!(header_text(&anonymous, "content-type").starts_with("text/plain"));
    assert_eq!(anonymous.text().await.unwrap(), "Unauthorized.");
    let wrong = server
        .post("/rpc")
        .basic_auth("admin", Some("not-it"))
        .json(&ping)
        .response()
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.text().await.unwrap(), "Unauthorized.");

    let authed = |request: reqwest::RequestBuilder| {
        request.basic_auth("admin", Some(server.admin_key.clone()))
    };
    let get = authed(server.get("/rpc")).response().await;
    assert_eq!(get.status(), StatusCode::METHOD_NOT_ALLOWED);
    let text = authed(server.post("/rpc"))
        .header("content-type", "text/plain")
        .body(ping.to_string())
        .response()
        .await;
    assert_eq!(text.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let (status, pong) = authed(server.post("/rpc")).json(&ping).answer().await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        pong,
        json!({"jsonrpc": "2.0", "result": true, "id": "a"}),
        "params may be absent; id is echoed"
    );

    let (_, parse) = json_body(authed(server.post("/rpc")), "{not json")
        .answer()
        .await;
    assert_eq!(parse["error"]["code"], -32700);
    assert!(parse["id"].is_null());
    let (_, version) = authed(server.post("/rpc"))
        .json(&json!({"jsonrpc": "1.0", "method": "DotmeshRPC.Ping", "id": 3}))
        .answer()
        .await;
    assert_eq!(version["error"]["code"], -32600);
    assert_eq!(version["id"], 3);

    let unknown = rpc(&server, "Frobnicate", json!({})).await;
    assert_eq!(
        error_text(&unknown),
        "rpc: can't find method \"DotmeshRPC.Frobnicate\""
    );

    // params as a one-element array, as Go's JSON-RPC codec sends them.
    let (_, created) = authed(server.post("/rpc"))
            .json(&json!({"jsonrpc": "2.0", "method": "DotmeshRPC.Create", "params": [dot("arr")], "id": 1}))
.answer()
.await;
    assert_eq!(created["result"], true, "{created}");
}

async fn rpc_methods_answer_like_dotmesh(stores: Stores) {
    let server = TestServer::start(stores).await;
    assert_eq!(rpc(&server, "Create", dot("d")).await["result"], true);
    let id = rpc(&server, "Lookup", branch("d", "")).await["result"].clone();
    let again = rpc(&server, "Create", dot("d")).await;
    assert_eq!(
        error_text(&again),
        format!(
            "A volume called admin/d already exists with id {}",
            id.as_str().unwrap()
        )
    );
    let by_master = rpc(&server, "Lookup", branch("d", "master")).await;
    assert_eq!(by_master["result"], id, "\"master\" is accepted for \"\"");
    let missing = rpc(&server, "Lookup", branch("nope", "")).await;
    assert_eq!(
        error_text(&missing),
        "No such filesystem named 'admin/nope'"
    );
    assert_eq!(
        rpc(&server, "Exists", branch("nope", "")).await["result"],
        ""
    );
    assert_eq!(rpc(&server, "Exists", branch("d", "")).await["result"], id);

    let bad_name = rpc(&server, "Create", dot("no spaces")).await;
    assert!(
        error_text(&bad_name).contains("use 1 to 64 letters, digits, - and _"),
        "{bad_name}"
    );
    let bad_metadata = rpc(
        &server,
        "Commit",
        json!({"Namespace": "admin", "Name": "d", "Branch": "", "Message": "m", "Metadata": {"Color": "red"}}),
    )
    .await;
    assert_eq!(
        error_text(&bad_metadata),
        "Metadata field names must start with lowercase characters: Color"
    );

    let first = rpc(
        &server,
        "Commit",
        json!({"Namespace": "admin", "Name": "d", "Branch": "", "Message": "one"}),
    )
    .await["result"]
        .clone();
    assert!(first.is_string());
    assert_eq!(
        rpc(&server, "Branch", json!({"Namespace": "admin", "Name": "d", "SourceBranch": "master", "NewBranchName": "zeta", "SourceCommitId": first})).await["result"],
        true
    );
    rpc(&server, "Branch", json!({"Namespace": "admin", "Name": "d", "SourceBranch": "master", "NewBranchName": "alpha", "SourceCommitId": first})).await;
    let twice = rpc(&server, "Branch", json!({"Namespace": "admin", "Name": "d", "SourceBranch": "master", "NewBranchName": "alpha", "SourceCommitId": first})).await;
    assert_eq!(
        error_text(&twice),
        "A branch called alpha already exists on admin/d"
    );
    let unknown_commit = rpc(&server, "Branch", json!({"Namespace": "admin", "Name": "d", "SourceBranch": "master", "NewBranchName": "b", "SourceCommitId": "nope"})).await;
    assert_eq!(
        error_text(&unknown_commit),
        "No such commit 'nope' on branch 'master' of admin/d"
    );
    assert_eq!(
        rpc(&server, "Branches", dot("d")).await["result"],
        json!(["alpha", "zeta"])
    );

    let volume = rpc(&server, "Get", json!(id)).await["result"].clone();
    assert_eq!(volume["Id"], id);
    assert_eq!(volume["Master"], id);
    assert_eq!(volume["Name"], json!({"Namespace": "admin", "Name": "d"}));
    assert_eq!(volume["Branch"], "master");
    assert_eq!(volume["CommitCount"], 1);
    assert_eq!(volume["SizeBytes"], 0);
    assert_eq!(volume["DirtyBytes"], 0);
    assert_eq!(volume["ServerStates"], json!({}));
    let listed = rpc(&server, "List", json!({})).await["result"].clone();
    assert_eq!(listed["admin"]["d"]["Id"], id);

    assert_eq!(
        rpc(&server, "DeleteBranch", branch("d", "zeta")).await["result"],
        true
    );
    assert_eq!(
        rpc(&server, "Branches", dot("d")).await["result"],
        json!(["alpha"])
    );
    let master = rpc(&server, "DeleteBranch", branch("d", "")).await;
    assert_eq!(error_text(&master), "The master branch cannot be deleted");

    let version = rpc(&server, "Version", json!({})).await["result"].clone();
    assert_eq!(version["Name"], "Depot");
    let me = rpc(&server, "CurrentUser", json!({})).await["result"].clone();
    assert_eq!(me["Name"], "admin");

    // Only the owner (or an admin) deletes; readers cannot write at all.
    let writer = server.user_with_key("wanda", "writer").await;
    let reader = server.user_with_key("rita", "reader").await;
    let not_owner = rpc_as(&server, "wanda", &writer, "Delete", dot("d")).await;
    assert_eq!(
        error_text(&not_owner),
        "You are not the owner of volume admin/d. Only the owner can delete it."
    );
    assert_eq!(
        rpc_as(&server, "wanda", &writer, "Create", dot("wandas")).await["result"],
        true
    );
    let read_only = rpc_as(&server, "rita", &reader, "Create", dot("ritas")).await;
    assert!(
        error_text(&read_only).contains("role reader"),
        "{read_only}"
    );
    assert_eq!(
        rpc_as(&server, "rita", &reader, "Branches", dot("d")).await["result"],
        json!(["alpha"])
    );
    assert_eq!(
        rpc_as(&server, "wanda", &writer, "Delete", dot("wandas")).await["result"],
        true
    );
    assert_eq!(rpc(&server, "Delete", dot("d")).await["result"], true);
}

async fn api_keys_for_dotmesh_clients(stores: Stores) {
    let server = TestServer::start(stores).await;
    server
        .create_user_with_password("dora", "writer", "correct horse battery")
        .await;
    let by_password = rpc_as(
        &server,
        "dora",
        "correct horse battery",
        "GetApiKey",
        json!({}),
    )
    .await;
    let issued = by_password["result"]["ApiKey"]
        .as_str()
        .unwrap()
        .to_string();
    let by_key = rpc_as(&server, "dora", &issued, "GetApiKey", json!({})).await;
    assert_eq!(
        by_key["result"]["ApiKey"], issued,
        "a key is handed back to whoever presented it"
    );
    let refused = rpc_as(&server, "dora", &issued, "ResetApiKey", json!({})).await;
    assert_eq!(
        error_text(&refused),
        "Password authentication is required for this method."
    );
    let reset = rpc_as(
        &server,
        "dora",
        "correct horse battery",
        "ResetApiKey",
        json!({}),
    )
    .await;
    let fresh = reset["result"]["ApiKey"].as_str().unwrap().to_string();
    assert_ne!(fresh, issued);
    assert_eq!(
        rpc_as(&server, "dora", &fresh, "Ping", json!(null)).await["result"],
        true
    );
    let old = server
        .post("/rpc")
        .basic_auth("dora", Some(&issued))
        .json(&json!({"jsonrpc": "2.0", "method": "DotmeshRPC.Ping", "id": 1}))
        .response()
        .await;
    assert_eq!(
        old.status(),
        StatusCode::UNAUTHORIZED,
        "the reset revokes the old key"
    );
}

fn files_url(branch: &str, path: &str) -> String {
    format!("/dots/admin/data/branches/{branch}/files/{path}")
}

/// Makes the admin's dot `name`.
async fn make_dot(server: &TestServer, name: &str) {
    let (status, created) = server
        .post_as_admin("/dots/admin", json!({"name": name}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
}

async fn put(
    server: &TestServer,
    branch: &str,
    path: &str,
    content: impl Into<reqwest::Body>,
) -> (StatusCode, Value) {
    server
        .as_admin(server.put(&files_url(branch, path)))
        .body(content)
        .answer()
        .await
}

async fn read(server: &TestServer, url: &str) -> (StatusCode, String) {
    let response = server.as_admin(server.get(url)).response().await;
    (response.status(), response.text().await.unwrap())
}

async fn commit(server: &TestServer, branch: &str, message: &str) -> String {
    let (status, body) = server
        .post_as_admin(
            &format!("/dots/admin/data/branches/{branch}/commits"),
            json!({"message": message, "metadata": {"ticket": "T-1"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_string()
}

async fn show(server: &TestServer) -> Value {
    server
        .as_admin(server.get("/dots/admin/data"))
        .answer()
        .await
        .1
}

/// The dot's SizeBytes, DirtyBytes and CommitCount.
async fn sizes(server: &TestServer) -> Value {
    let volume = show(server).await;
    json!([
        volume["SizeBytes"],
        volume["DirtyBytes"],
        volume["CommitCount"]
    ])
}

async fn diff(server: &TestServer, query: &str) -> Value {
    let (status, body) = server
        .as_admin(server.get(&format!("/dots/admin/data/diff?{query}")))
        .answer()
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["Files"].clone()
}

async fn files_commits_diffs_and_rollback(stores: Stores) {
    let server = TestServer::start(stores).await;
    make_dot(&server, "data").await;

    assert_eq!(
        put(&server, "master", "a.txt", "hello").await.0,
        StatusCode::CREATED
    );
    let (_, nested) = put(&server, "master", "dir/b.txt", "bee").await;
    assert_eq!(nested["dirty"], true);
    assert_eq!(sizes(&server).await, json!([8, 8, 0]));
    let (_, listing) = server
        .as_admin(server.get("/dots/admin/data/branches/master/files/"))
        .answer()
        .await;
    assert_eq!(each_text(&listing, "path"), ["a.txt", "dir/b.txt"]);
    assert!(listing
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["dirty"] == true));

    let first = commit(&server, "master", "first").await;
    assert_eq!(sizes(&server).await, json!([8, 0, 1]));

    put(&server, "master", "a.txt", "hello, world").await;
    let deleted = server.as_admin(server.delete(&files_url("master", "dir/b.txt")));
    assert_eq!(deleted.answer_status().await, StatusCode::NO_CONTENT);
    put(&server, "master", "c.txt", "sea").await;
    assert_eq!(show(&server).await["SizeBytes"], 15);
    let expected = json!([
        {"Path": "a.txt", "Change": "modified", "SizeBytes": 12},
        {"Path": "c.txt", "Change": "added", "SizeBytes": 3},
        {"Path": "dir/b.txt", "Change": "deleted", "SizeBytes": 3},
    ]);
    assert_eq!(
        diff(&server, &format!("from={first}&branch=master")).await,
        expected,
        "commit → working tree"
    );
    let second = commit(&server, "master", "second").await;
    assert_eq!(
        diff(&server, &format!("from={first}&to={second}")).await,
        expected,
        "commit → commit"
    );
    assert_eq!(
        diff(&server, "branch=master").await,
        json!([]),
        "clean after the commit"
    );
    let rpc_diff = rpc(
        &server,
        "Diff",
        json!({"Namespace": "admin", "Name": "data", "Branch": "", "From": first, "To": second}),
    )
    .await;
    assert_eq!(rpc_diff["result"]["Files"], expected);

    // One file's changed lines between the two commits.
    let (status, lines) = server
            .as_admin(server.get(&format!(
                "/api/dots/file-diff?namespace=admin&name=data&branch=master&from={first}&to={second}&path=a.txt"
            )))
.answer()
.await;
    assert_eq!(status, StatusCode::OK, "{lines}");
    assert_eq!(
        lines["lines"],
        json!([{"change": "removed", "text": "hello"}, {"change": "added", "text": "hello, world"}])
    );

    // A file as of any commit, and the working tree's.
    assert_eq!(
        read(
            &server,
            &format!("/dots/admin/data/commits/{first}/files/a.txt")
        )
        .await,
        (StatusCode::OK, "hello".into())
    );
    assert_eq!(
        read(&server, &files_url("master", "a.txt")).await,
        (StatusCode::OK, "hello, world".into())
    );
    let (status, gone) = read(
        &server,
        &format!("/dots/admin/data/commits/{second}/files/dir/b.txt"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(gone.contains("No file 'dir/b.txt'"), "{gone}");
    let download = || server.as_admin(server.get(&files_url("master", "a.txt")));
    let etag = header_text(&download().response().await, "etag").to_string();
    let cached = download().header("if-none-match", &etag).response().await;
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);
    let part = download().header("range", "bytes=7-").response().await;
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.headers()["content-range"], "bytes 7-11/12");
    assert_eq!(part.text().await.unwrap(), "world");
    let beyond = download().header("range", "bytes=50-").response().await;
    assert_eq!(beyond.status(), StatusCode::RANGE_NOT_SATISFIABLE);

    // Branch from the first commit, change a file there; master does not see it.
    let (status, _) = server
        .post_as_admin(
            "/dots/admin/data/branches",
            json!({"name": "fix", "commit": first}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(read(&server, &files_url("fix", "a.txt")).await.1, "hello");
    put(&server, "fix", "a.txt", "fixed").await;
    let on_fix = commit(&server, "fix", "fix a").await;
    assert_eq!(
        read(&server, &files_url("master", "a.txt")).await.1,
        "hello, world"
    );
    assert_eq!(
        diff(&server, &format!("from={second}&to={on_fix}")).await[0],
        json!({"Path": "a.txt", "Change": "modified", "SizeBytes": 5})
    );
    let (_, fix_log) = server
        .as_admin(server.get("/dots/admin/data/branches/fix/commits"))
        .answer()
        .await;
    assert_eq!(fix_log.as_array().unwrap().len(), 1);
    assert_eq!(fix_log[0]["Metadata"]["ticket"], "T-1");

    // Roll master back to the first commit: the later commit leaves the branch, files return.
    put(&server, "master", "scratch.txt", "uncommitted").await;
    let (status, _) = server
        .post_as_admin(
            "/dots/admin/data/branches/master/rollback",
            json!({"commit": first}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        read(&server, &files_url("master", "a.txt")).await.1,
        "hello"
    );
    assert_eq!(
        read(&server, &files_url("master", "dir/b.txt")).await.1,
        "bee"
    );
    assert_eq!(
        read(&server, &files_url("master", "scratch.txt")).await.0,
        StatusCode::NOT_FOUND
    );
    let volume = show(&server).await;
    assert_eq!(
        (volume["CommitCount"].clone(), volume["DirtyBytes"].clone()),
        (json!(1), json!(0))
    );
    let (_, graph) = server
        .as_admin(server.get("/dots/admin/data/commits"))
        .answer()
        .await;
    let dropped: Vec<&Value> = graph
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["dropped"] == true)
        .collect();
    assert_eq!(dropped.len(), 1);
    assert_eq!(dropped[0]["id"], second.as_str());
    let (_, after) = server
        .post_as_admin(
            "/dots/admin/data/branches/master/rollback",
            json!({"commit": second}),
        )
        .await;
    assert_eq!(
        after["status"], 404,
        "a dropped commit is no longer in the branch's history"
    );
}

async fn bad_requests_are_refused_with_reasons(stores: Stores) {
    let server = TestServer::start(stores).await;
    make_dot(&server, "data").await;
    // (An encoded `..` never arrives: URL parsers resolve it before sending.)
    for (bad, shown) in [("a//b", "a//b"), ("a%00b", "a\\0b")] {
        let (status, body) = put(&server, "master", bad, "x").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let expected = format!("File path \"{shown}\" is invalid");
        assert!(error_of(&body).contains(&expected), "{body}");
    }
    let (status, body) = server
        .as_admin(server.put("/dots/admin/nope/branches/master/files/x"))
        .body("x")
        .answer()
        .await;
    assert_eq!(
        (status, error_of(&body)),
        (
            StatusCode::NOT_FOUND,
            "No such filesystem named 'admin/nope'"
        )
    );
    let (status, body) = put(&server, "nobranch", "x", "x").await;
    assert_eq!(
        (status, error_of(&body)),
        (
            StatusCode::NOT_FOUND,
            "No such branch named 'nobranch' on admin/data"
        )
    );
    let no_name = json_body(server.as_admin(server.post("/dots/admin")), "{\"nom\": 1}");
    let (status, body) = no_name.answer().await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_of(&body).contains("missing field `name`"), "{body}");
    let (status, _) = server
        .post_as_admin(
            "/dots/admin/data/branches/master/commits",
            json!({"message": "  "}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let reader = server.user_with_key("rita", "reader").await;
    let write_x = || server.put(&files_url("master", "x")).body("x");
    let refused = write_x().bearer_auth(&reader).answer_status().await;
    assert_eq!(refused, StatusCode::FORBIDDEN);
    assert_eq!(write_x().answer_status().await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        read(&server, &files_url("master", "x")).await.0,
        StatusCode::NOT_FOUND,
        "nothing was written"
    );
}

/// Files bigger than the request body limit stream through; identical content is stored once;
/// a client that goes away half-way leaves nothing behind.
async fn uploads_stream_and_leave_nothing_half_written(stores: Stores) {
    let server = TestServer::start_with(stores, |c| c.body_limit = 1024 * 1024).await;
    make_dot(&server, "data").await;
    let big: Vec<u8> = (0..6 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    for name in ["big.bin", "copy.bin"] {
        let (status, stored) = put(&server, "master", name, big.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{stored}");
    }
    let back = server
        .as_admin(server.get(&files_url("master", "big.bin")))
        .response()
        .await;
    assert_eq!(
        back.headers()["content-length"],
        big.len().to_string().as_str()
    );
    assert!(
        back.bytes().await.unwrap() == big,
        "the download is the upload"
    );
    assert_eq!(
        server.blobs.objects().await.unwrap().len(),
        1,
        "identical content is stored once"
    );
    assert_eq!(server.blobs.totals().await.unwrap(), (1, big.len() as i64));

    // Promise 1,000 bytes, send 10, hang up.
    let partial = "PUT /dots/admin/data/branches/master/files/partial.bin";
    server
        .hang_up_half_way(partial, &[], 1000, b"0123456789")
        .await;
    assert_eq!(
        read(&server, &files_url("master", "partial.bin")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        server.blobs.objects().await.unwrap().len(),
        1,
        "no object (and no temporary file) is left by the broken upload"
    );
    assert_eq!(server.blobs.totals().await.unwrap().0, 1);
}

/// `depot import dot` run as an operator would, then the files read back over HTTP.
async fn a_folder_is_imported_into_a_dot_as_one_commit(stores: Stores) {
    let db = support::TestStore::new(stores.sql).await;
    let key = db.admin_key().await;
    let folder = db.blob_dir.with_extension("import");
    std::fs::create_dir_all(folder.join("2026/11")).unwrap();
    std::fs::write(folder.join("README.md"), "readings\n").unwrap();
    std::fs::write(folder.join("2026/11/27.csv"), "t,v\n1,2\n").unwrap();
    let (blob_store, blob_variables) = db.blob_store(stores.blobs);
    let import = |dot: &str, extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_depot"))
            .envs(blob_variables.iter().map(|(k, v)| (k, v)))
            .args(["--database-url", &db.url, "--data-dir"])
            .arg(folder.with_extension("data"))
            .args(["import", "dot", dot])
            .arg(&folder)
            .args(["--blob-store", &blob_store])
            .args(extra)
            .env_remove("DATABASE_URL")
            .output()
            .unwrap()
    };
    let first = import("admin/readings", &[]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&first.stdout),
        String::from_utf8_lossy(&first.stderr),
    );
    assert!(first.status.success(), "{stderr}");
    assert!(
        stdout.contains("to admin/readings@master: 2 files, 17 bytes"),
        "{stdout}"
    );
    assert!(
        stderr.contains("imported 2/2 files"),
        "the progress is shown: {stderr}"
    );

    // One more file and one changed: the second import is a second commit.
    std::fs::write(folder.join("2026/11/28.csv"), "t,v\n3,4\n").unwrap();
    std::fs::write(folder.join("README.md"), "readings, daily\n").unwrap();
    let second = import("admin/readings", &["--message", "November"]);
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );

    let variables: Vec<(&str, &str)> = blob_variables
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let server = support::DepotProcess::start(&db.url, &["--blob-store", &blob_store], &variables);
    let client = reqwest::Client::new();
    let get = |path: &str| client.get(server.url(path)).bearer_auth(&key).send();
    let (status, listing) = status_and_json(
        get("/dots/admin/readings/branches/master/files/")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{listing}");
    let paths: Vec<&str> = listing
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["2026/11/27.csv", "2026/11/28.csv", "README.md"]);
    assert!(
        listing
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["dirty"] == false),
        "{listing}"
    );
    let readme = get("/dots/admin/readings/branches/master/files/README.md")
        .await
        .unwrap();
    assert_eq!(readme.text().await.unwrap(), "readings, daily\n");
    let (_, commits) = status_and_json(
        get("/dots/admin/readings/branches/master/commits")
            .await
            .unwrap(),
    )
    .await;
    let messages: Vec<&str> = commits
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["Metadata"]["message"].as_str())
        .collect();
    assert!(messages.ends_with(&["November"]), "{commits}");

    // Bad input is refused with a reason, and nothing is made.
    let bad_name = import("admin/not a name", &[]);
    assert!(!bad_name.status.success());
    assert!(String::from_utf8_lossy(&bad_name.stderr).contains("is invalid"));
    let nobody = import("ghost/readings", &[]);
    assert!(!nobody.status.success());
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("--as USER"));
    std::fs::remove_dir_all(&folder).ok();
    std::fs::remove_dir_all(folder.with_extension("data")).ok();
}

/// The two-step upload: ask for a signed URL, PUT the bytes straight to the bucket, confirm with
/// their size and SHA-256. Nothing is named before the check; a wrong confirmation removes the
/// bytes. A folder blob store has no URLs to hand out and says so.
async fn a_file_goes_straight_to_the_bucket_through_a_signed_url(stores: Stores) {
    use sha2::Digest;
    let server = TestServer::start(stores).await;
    make_dot(&server, "direct").await;
    let ask = || async {
        server
            .post_as_admin(
                "/dots/admin/direct/branches/master/uploads",
                json!({"path": "big/data.bin"}),
            )
            .await
    };
    let (status, upload) = ask().await;
    if stores.blobs == Blobs::Files {
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            error_of(&upload).contains("need an S3 blob store"),
            "{upload}"
        );
        return;
    }
    assert_eq!(status, StatusCode::CREATED, "{upload}");
    assert_eq!(upload["method"], "PUT");
    let content: Vec<u8> = (0..3_000_000u32).map(|i| (i % 241) as u8).collect();
    let sha256 = hex::encode(sha2::Sha256::digest(&content));
    let confirm = |id: String, size: usize, sha: String| {
        let request = server
            .as_admin(server.post(&format!("/dots/admin/direct/branches/master/uploads/{id}")))
            .json(&json!({"path": "big/data.bin", "size": size, "sha256": sha}));
        async move { request.answer().await }
    };
    let put_bytes = |url: String, body: Vec<u8>| async move {
        // No Depot credentials: the signature is the permission.
        reqwest::Client::new()
            .put(url)
            .body(body)
            .answer_status()
            .await
    };

    // A confirmation whose SHA-256 is not the bytes' removes them.
    let id = upload["upload"].as_str().unwrap().to_string();
    assert!(
        put_bytes(upload["url"].as_str().unwrap().into(), content.clone())
            .await
            .is_success()
    );
    let (status, refused) = confirm(id.clone(), content.len(), "0".repeat(64)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error_of(&refused).contains(&format!("SHA-256 is {sha256}")),
        "{refused}"
    );
    let (status, _) = confirm(id, content.len(), sha256.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the refused upload is gone");
    assert_eq!(
        read(
            &server,
            "/dots/admin/direct/branches/master/files/big/data.bin"
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );

    // Confirmed before the bytes arrive; then the real thing.
    let (_, upload) = ask().await;
    let id = upload["upload"].as_str().unwrap().to_string();
    let (status, early) = confirm(id.clone(), content.len(), sha256.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_of(&early).contains("nothing was uploaded"), "{early}");
    assert!(
        put_bytes(upload["url"].as_str().unwrap().into(), content.clone())
            .await
            .is_success()
    );
    let (status, wrong_size) = confirm(id.clone(), 5, sha256.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error_of(&wrong_size).contains("holds 3000000 bytes, not the 5"),
        "{wrong_size}"
    );
    let (_, upload) = ask().await;
    let id = upload["upload"].as_str().unwrap().to_string();
    assert!(
        put_bytes(upload["url"].as_str().unwrap().into(), content.clone())
            .await
            .is_success()
    );
    let (status, file) = confirm(id.clone(), content.len(), sha256.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    assert_eq!(
        (file["sha256"].as_str(), file["size_bytes"].as_i64()),
        (Some(sha256.as_str()), Some(3_000_000))
    );
    let back = server
        .as_admin(server.get("/dots/admin/direct/branches/master/files/big/data.bin"))
        .response()
        .await;
    assert!(
        back.bytes().await.unwrap() == content,
        "the file is the bytes PUT to the URL"
    );
    let (status, _) = confirm(id, content.len(), sha256).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "an upload is confirmed once");

    // Readers get no URL.
    let reader = server.user_with_key("rita", "reader").await;
    let refused = server
        .post("/dots/admin/direct/branches/master/uploads")
        .bearer_auth(reader)
        .json(&json!({"path": "x"}))
        .response()
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

/// What one commit changed, as the page shows a selected commit: against its parent, and every
/// file added for the first; the graph says when each was made.
async fn a_commit_shows_its_own_changes(stores: Stores) {
    let server = TestServer::start(stores).await;
    make_dot(&server, "data").await;
    put(&server, "master", "a.txt", "one").await;
    let first = commit(&server, "master", "first").await;
    put(&server, "master", "a.txt", "two").await;
    put(&server, "master", "b.txt", "new").await;
    let second = commit(&server, "master", "second").await;

    let changes = |commit: &str| {
        let path = format!("/api/dots/changes?namespace=admin&name=data&commit={commit}");
        server.as_admin(server.get(&path)).answer()
    };
    let listed = |files: &Value| -> Vec<(String, String)> {
        files
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["Path"].as_str().unwrap().into(),
                    f["Change"].as_str().unwrap().into(),
                )
            })
            .collect()
    };
    let (status, files) = changes(&first).await;
    assert_eq!(status, StatusCode::OK, "{files}");
    assert_eq!(listed(&files), [("a.txt".into(), "added".into())]);
    let (_, files) = changes(&second).await;
    assert_eq!(
        listed(&files),
        [
            ("a.txt".to_string(), "modified".to_string()),
            ("b.txt".to_string(), "added".to_string())
        ]
    );
    let (status, body) = changes("no-such-commit").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    let (_, graph) = server
        .as_admin(server.get("/api/dots/overview?namespace=admin&name=data"))
        .answer()
        .await;
    let made = graph["commits"][0]["at"]
        .as_str()
        .expect("when the commit was made");
    assert!(made.ends_with('Z') && made.starts_with("20"), "{made}");
}

/// A dot's page loads all it shows in one answer (`/api/dots/page`): the overview, the files
/// of the version shown, the diff, the selected commit's changes and the selected file's lines;
/// a part that cannot be had fails on its own, a dot that does not exist fails the whole.
async fn a_dot_page_loads_in_one_answer(stores: Stores) {
    let server = TestServer::start(stores).await;
    make_dot(&server, "data").await;
    put(&server, "master", "a.txt", "one").await;
    let first = commit(&server, "master", "first").await;
    put(&server, "master", "a.txt", "two").await;
    let page = |query: String| {
        let path = format!("/api/dots/page?namespace=admin&name=data&branch=master&{query}");
        server.as_admin(server.get(&path)).answer()
    };

    // The working tree, compared with the head: no commit or file selected.
    let (status, shown) = page("at=&from=&to=&file=".into()).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert_eq!(shown["overview"]["commits"][0]["id"], first.as_str());
    assert_eq!(shown["files"]["Ok"][0]["path"], "a.txt", "{shown}");
    assert_eq!(shown["diff"]["Ok"][0]["Change"], "modified", "{shown}");
    assert!(
        shown["commit_changes"].is_null() && shown["file_diff"].is_null(),
        "{shown}"
    );

    // A commit and a file selected: their parts come too.
    let (_, shown) = page(format!("at={first}&from={first}&to=&file=a.txt")).await;
    assert_eq!(
        shown["commit_changes"]["Ok"][0]["Change"], "added",
        "{shown}"
    );
    let lines = &shown["file_diff"]["Ok"]["lines"];
    assert!(lines.as_array().is_some_and(|l| !l.is_empty()), "{shown}");

    // A commit that does not exist: its parts fail, named, and the rest is there.
    let (status, shown) = page("at=no-such-commit&from=&to=&file=".into()).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert_eq!(shown["commit_changes"]["Err"]["status"], 404, "{shown}");
    assert_eq!(shown["overview"]["commits"][0]["id"], first.as_str());

    // A dot that does not exist: 404 for the whole page.
    let (status, body) =
        server
            .as_admin(server.get(
                "/api/dots/page?namespace=admin&name=nothing&branch=master&at=&from=&to=&file=",
            ))
            .answer()
            .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

/// A dot page without its script uploads with a plain form (issue 17, point 2): the file goes
/// in the form's body to `/api/dots/upload`, and the browser is sent back to the page.
async fn a_page_without_its_script_uploads_a_file_with_a_plain_form(stores: Stores) {
    let server = TestServer::start(stores).await;
    make_dot(&server, "data").await;
    let page = server.url("/versioning/admin/data");
    let dot = [
        ("namespace", "admin"),
        ("name", "data"),
        ("branch", "master"),
    ];
    let upload = |path: &'static str, file: (&'static str, &'static [u8])| {
        let fields: Vec<(&str, &str)> = dot.iter().copied().chain([("path", path)]).collect();
        let request = server.as_admin(server.post("/api/dots/upload"));
        form_with_file(request, &fields, ("file", file.0, file.1))
    };

    let sent = from_page(
        upload("data/readings.csv", ("local.csv", b"t,v\n1,2\n")),
        &page,
    )
    .response()
    .await;
    assert_eq!(sent.status(), StatusCode::FOUND);
    let back = header_text(&sent, "location");
    assert_eq!(back.trim_end_matches('?'), page, "back to the page");
    let (status, content) = read(&server, &files_url("master", "data/readings.csv")).await;
    assert_eq!((status, content.as_str()), (StatusCode::OK, "t,v\n1,2\n"));

    // A blank path is the file's own name; a script gets the file's record as JSON.
    let (status, file) = upload("", ("notes.txt", b"hello")).answer().await;
    assert_eq!(status, StatusCode::OK, "{file}");
    assert_eq!(
        (file["path"].as_str(), file["size_bytes"].as_i64()),
        (Some("notes.txt"), Some(5))
    );

    // Refusals: no file chosen, a bad path, a reader — in words; nothing written.
    let (status, body) = upload("empty.txt", ("", b"")).answer().await;
    assert_eq!(
        (status, error_of(&body)),
        (StatusCode::BAD_REQUEST, "choose a file to upload")
    );
    assert_eq!(body["fields"], json!(["file"]));
    let (status, body) = upload("a//b", ("x.txt", b"x")).answer().await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error_of(&body).contains("File path \"a//b\" is invalid"),
        "{body}"
    );
    let reader = server.user_with_key("rita", "reader").await;
    let fields: Vec<(&str, &str)> = dot.iter().copied().chain([("path", "r.txt")]).collect();
    let as_reader = server.post("/api/dots/upload").bearer_auth(&reader);
    let (status, _) = form_with_file(as_reader, &fields, ("file", "r.txt", b"r"))
        .answer()
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        read(&server, &files_url("master", "r.txt")).await.0,
        StatusCode::NOT_FOUND
    );
    // A refused page's post goes back to the page with the refusal in the address.
    let refused = from_page(upload("empty.txt", ("", b"")), &page)
        .response()
        .await;
    assert_eq!(refused.status(), StatusCode::FOUND);
    let location = header_text(&refused, "location");
    assert!(
        location.contains("__path=%2Fapi%2Fdots%2Fupload") && location.contains("__err="),
        "{location}"
    );

    // A body that is not a form with a file is refused in words, and the server carries on.
    let not_a_form = json_body(
        server.as_admin(server.post("/api/dots/upload")),
        "{\"path\": \"x\"}",
    );
    let (status, body) = not_a_form.answer().await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_of(&body).contains("multipart/form-data"), "{body}");
    assert_eq!(server.get("/healthz").answer_status().await, StatusCode::OK);
}

on_every_store!(
    a_page_without_its_script_uploads_a_file_with_a_plain_form,
    a_commit_shows_its_own_changes,
    a_dot_page_loads_in_one_answer,
    a_file_goes_straight_to_the_bucket_through_a_signed_url,
    a_folder_is_imported_into_a_dot_as_one_commit,
    datadots_client_works_unchanged,
    rpc_protocol_rules,
    rpc_methods_answer_like_dotmesh,
    api_keys_for_dotmesh_clients,
    files_commits_diffs_and_rollback,
    bad_requests_are_refused_with_reasons,
    uploads_stream_and_leave_nothing_half_written,
);
