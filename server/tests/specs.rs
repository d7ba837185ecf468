//! API.md §5, Specs: specstore's `/source/…` over HTTP — tokens, uploads, revisions, pipeline
//! events, dispatch to the pipeline runner and schedules — on SQLite and PostgreSQL.

mod support;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use depot_domain::specs::service::Dispatching;
use depot_domain::specs::token::TokenVerifier;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use support::{
    each_text, entry_with, eventually, from_page, has_entry, header_text, status_and_json,
    Answered, Backend, DepotProcess, Fake, TestServer, TestStore,
};

const NOT_AUTHORISED: &str = "No token or token not authorised for owner";

/// RSA key pairs made with `openssl` once per test run: the auth server's and a stranger's.
struct Keys {
    folder: PathBuf,
}

impl Keys {
    fn get() -> &'static Keys {
        static KEYS: OnceLock<Keys> = OnceLock::new();
        KEYS.get_or_init(|| {
            let folder =
                std::env::temp_dir().join(format!("depot_spec_keys_{}", std::process::id()));
            std::fs::create_dir_all(&folder).unwrap();
            for name in ["auth", "stranger"] {
                let private = folder.join(format!("{name}.pem"));
                openssl(
                    &[
                        "genpkey",
                        "-algorithm",
                        "RSA",
                        "-pkeyopt",
                        "rsa_keygen_bits:2048",
                        "-out",
                        private.to_str().unwrap(),
                    ],
                    b"",
                );
                openssl(
                    &[
                        "pkey",
                        "-in",
                        private.to_str().unwrap(),
                        "-pubout",
                        "-out",
                        folder.join(format!("{name}.pub.pem")).to_str().unwrap(),
                    ],
                    b"",
                );
            }
            Keys { folder }
        })
    }

    fn public_pem(&self) -> String {
        std::fs::read_to_string(self.public_path()).unwrap()
    }

    fn public_path(&self) -> PathBuf {
        self.folder.join("auth.pub.pem")
    }

    fn verifier(&self) -> TokenVerifier {
        TokenVerifier::from_pem(&self.public_pem()).unwrap()
    }

    /// An RS256 JWT with `claims`, signed by the key `signer` (`auth` or `stranger`).
    fn token_signed_by(&self, signer: &str, claims: Value) -> String {
        let signed = format!(
            "{}.{}",
            part(&json!({"alg": "RS256", "typ": "JWT"})),
            part(&claims)
        );
        let key = self.folder.join(format!("{signer}.pem"));
        let signature = openssl(
            &["dgst", "-sha256", "-sign", key.to_str().unwrap()],
            signed.as_bytes(),
        );
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    fn token(&self, userid: &str, max_datasets: i64) -> String {
        self.token_signed_by("auth", claims(userid, max_datasets))
    }
}

fn claims(userid: &str, max_datasets: i64) -> Value {
    json!({"userid": userid, "permissions": {"max_dataset_num": max_datasets}, "service": "source",
           "exp": chrono::Utc::now().timestamp() + 3600})
}

fn part(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

fn openssl(args: &[&str], input: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child = std::process::Command::new("openssl")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("openssl is installed");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

fn spec(owner: &str, dataset: &str) -> Value {
    json!({
        "meta": {"ownerid": owner, "owner": owner, "dataset": dataset, "version": 1, "findability": "published"},
        "inputs": [{"kind": "datapackage", "url": "http://example.com/datapackage.json", "parameters": {}}],
        "outputs": [{"kind": "csv"}, {"kind": "json"}, {"kind": "zip"}]
    })
}

async fn start(backend: Backend) -> TestServer {
    TestServer::start_with(backend, |config| {
        config.token_verifier = Some(Keys::get().verifier())
    })
    .await
}

/// How a test upload proves who it is.
enum As<'a> {
    Token(&'a str),
    Key(&'a str),
    Nobody,
}

/// `POST /source/upload` of `spec`: always answered 200, whatever the outcome.
async fn upload(server: &TestServer, who: As<'_>, spec: &Value) -> Value {
    let request = server.post("/source/upload").json(spec);
    let request = match who {
        As::Token(token) => request.header("Auth-Token", token),
        As::Key(key) => request.bearer_auth(key),
        As::Nobody => request,
    };
    let (status, body) = request.answer().await;
    assert_eq!(status, StatusCode::OK, "uploads always answer 200: {body}");
    body
}

async fn upload_with_token(server: &TestServer, token: &str, spec: &Value) -> Value {
    upload(server, As::Token(token), spec).await
}

/// An upload of `body` as it is (not a spec built here), with the token and, when given, a
/// content type: its status and JSON answer.
async fn upload_raw(
    server: &TestServer,
    token: &str,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> (StatusCode, Value) {
    let mut request = server.post("/source/upload").header("Auth-Token", token);
    if let Some(content_type) = content_type {
        request = request.header("Content-Type", content_type);
    }
    request.body(body).answer().await
}

/// An admin's `GET path`: its status and JSON body.
async fn admin_get(server: &TestServer, path: &str) -> (StatusCode, Value) {
    server.as_admin(server.get(path)).answer().await
}

fn refused_with(body: &Value, errors: &[&str]) {
    assert_eq!(body["success"], false, "{body}");
    assert_eq!(body["dataset_id"], Value::Null, "{body}");
    assert_eq!(body["flow_id"], Value::Null, "{body}");
    assert_eq!(body["errors"], json!(errors), "{body}");
}

async fn tokens_from_the_header_or_jwt_parameter_upload_for_their_owner(backend: Backend) {
    let server = start(backend).await;
    let keys = Keys::get();
    let first = upload_with_token(&server, &keys.token("me", 5), &spec("me", "ds")).await;
    assert_eq!(
        first,
        json!({"success": true, "dataset_id": "me/ds", "flow_id": "me/ds/1", "errors": []})
    );
    // Any case of the header name.
    let second = server
        .post("/source/upload")
        .header("auth-token", keys.token("me", 5))
        .json(&spec("me", "ds"))
        .response()
        .await;
    assert_eq!(status_and_json(second).await.1["flow_id"], "me/ds/2");
    let third = server
        .post(&format!("/source/upload?jwt={}", keys.token("me", 5)))
        .json(&spec("me", "ds"))
        .response()
        .await;
    assert_eq!(status_and_json(third).await.1["flow_id"], "me/ds/3");
}

async fn bad_tokens_are_not_authorised_for_the_owner(backend: Backend) {
    let server = start(backend).await;
    let keys = Keys::get();
    let now = chrono::Utc::now().timestamp();
    let expired = json!({"userid": "me", "permissions": {"max_dataset_num": 5}, "service": "source", "exp": now - 60});
    let not_yet = json!({"userid": "me", "permissions": {"max_dataset_num": 5}, "service": "source", "nbf": now + 600});
    let no_service = json!({"userid": "me", "permissions": {"max_dataset_num": 5}});
    let other_service =
        json!({"userid": "me", "permissions": {"max_dataset_num": 5}, "service": "rawstore"});
    let unsigned = format!(
        "{}.{}.",
        part(&json!({"alg": "none", "typ": "JWT"})),
        part(&claims("me", 5))
    );
    // HS256 with the public key as the secret: the classic algorithm-confusion forgery.
    let hs_signed = format!(
        "{}.{}",
        part(&json!({"alg": "HS256", "typ": "JWT"})),
        part(&claims("me", 5))
    );
    let mac = openssl(
        &["dgst", "-sha256", "-hmac", &keys.public_pem(), "-binary"],
        hs_signed.as_bytes(),
    );
    let hs256 = format!("{hs_signed}.{}", URL_SAFE_NO_PAD.encode(mac));
    let mut tampered = keys.token("me", 5);
    tampered.insert(tampered.find('.').unwrap() + 1, 'x');
    for (what, token) in [
        (
            "signed by another key",
            keys.token_signed_by("stranger", claims("me", 5)),
        ),
        ("expired", keys.token_signed_by("auth", expired)),
        ("not valid yet", keys.token_signed_by("auth", not_yet)),
        (
            "for another service",
            keys.token_signed_by("auth", other_service),
        ),
        ("for no service", keys.token_signed_by("auth", no_service)),
        ("alg none", unsigned),
        ("HS256", hs256),
        ("tampered", tampered),
        ("for another user", keys.token("you", 5)),
        ("garbage", "not.a.token".to_string()),
    ] {
        let body = upload_with_token(&server, &token, &spec("me", "ds")).await;
        assert_eq!(
            body["errors"],
            json!([NOT_AUTHORISED]),
            "a token {what}: {body}"
        );
    }
    let anonymous = upload(&server, As::Nobody, &spec("me", "ds")).await;
    refused_with(&anonymous, &[NOT_AUTHORISED]);
    // Wrong Depot credentials get the same answer, still with 200.
    let wrong_key = upload(
        &server,
        As::Key("depot_0000000000000000000000000000000000000000"),
        &spec("me", "ds"),
    )
    .await;
    refused_with(&wrong_key, &[NOT_AUTHORISED]);
    // Nothing was made by any of them.
    assert_eq!(
        admin_get(&server, "/source/me").await.0,
        StatusCode::NOT_FOUND
    );
}

async fn depot_api_keys_of_the_owner_upload_too(backend: Backend) {
    let server = start(backend).await;
    let writer = server.user_with_key("me", "writer").await;
    let by_key = upload(&server, As::Key(&writer), &spec("me", "ds")).await;
    assert_eq!(by_key["flow_id"], "me/ds/1");
    // A writer uploads only for the owner of its own name; an admin for anyone.
    let elsewhere = upload(&server, As::Key(&writer), &spec("you", "ds")).await;
    refused_with(&elsewhere, &[NOT_AUTHORISED]);
    let reader = server.user_with_key("reader", "reader").await;
    let by_reader = upload(&server, As::Key(&reader), &spec("reader", "ds")).await;
    refused_with(&by_reader, &[NOT_AUTHORISED]);
    let by_admin = upload(&server, As::Key(&server.admin_key), &spec("you", "ds")).await;
    assert_eq!(by_admin["flow_id"], "you/ds/1");
    // Re-running follows the same rule.
    let rerun = |key: String, owner: &'static str| {
        server
            .post("/api/specs/rerun")
            .bearer_auth(key)
            .json(&json!({"owner": owner, "dataset": "ds"}))
            .send()
    };
    let (status, flow) = status_and_json(rerun(writer.clone(), "me").await.unwrap()).await;
    assert_eq!((status, flow), (StatusCode::OK, json!("me/ds/2")));
    let (status, refused) = status_and_json(rerun(writer.clone(), "you").await.unwrap()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    // The upload is in the audit log under the uploader.
    let (_, entries) = admin_get(&server, "/api/audit?surface=specs").await;
    assert!(
        has_entry(&entries, &[("object", "me/ds/1"), ("actor", "me")]),
        "{entries}"
    );
}

/// The specs pages without their script (issue 17, point 2): a spec typed into the page's form
/// is uploaded by the form itself, and the browser lands on the new revision; a refused spec
/// comes back to the page in words; Re-run is a form too.
async fn a_page_without_its_script_uploads_and_reruns_with_plain_forms(backend: Backend) {
    let server = start(backend).await;
    let page = server.url("/specs");
    let post_form = |path: &str, fields: Vec<(&'static str, String)>| {
        from_page(server.as_admin(server.post(path)), &page).form(&fields)
    };
    let upload = |spec: String| {
        let fields = vec![("spec", spec), ("plain_form", "true".to_string())];
        post_form("/api/specs/upload", fields).response()
    };
    let uploaded = upload(spec("me", "ds").to_string()).await;
    assert_eq!(uploaded.status(), StatusCode::FOUND);
    assert_eq!(header_text(&uploaded, "location"), "/specs/me/ds/1");

    let refused = upload("{\"meta\": {}}".to_string()).await;
    assert_eq!(refused.status(), StatusCode::FOUND);
    let location = header_text(&refused, "location");
    assert!(location.starts_with(&format!("{page}?")), "{location}");
    assert!(
        location.contains("__path=%2Fapi%2Fspecs%2Fupload"),
        "{location}"
    );
    // What the page reads out of the address: the spec's problems, named.
    let (status, body) = server
        .as_admin(server.post("/api/specs/upload"))
        .form(&[("spec", "{\"meta\": {}}"), ("plain_form", "true")])
        .answer()
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let said = body["error"].as_str().unwrap();
    assert!(said.starts_with("The spec was not accepted: "), "{said}");

    let fields = vec![
        ("owner", "me".to_string()),
        ("dataset", "ds".to_string()),
        ("plain_form", "true".to_string()),
    ];
    let rerun = post_form("/api/specs/rerun", fields).response().await;
    assert_eq!(rerun.status(), StatusCode::FOUND);
    assert_eq!(header_text(&rerun, "location"), "/specs/me/ds/2");
}

async fn the_owner_check_stays_on_under_no_auth(backend: Backend) {
    let server = TestServer::start_with(backend, |config| {
        config.no_auth = true;
        config.token_verifier = Some(Keys::get().verifier());
    })
    .await;
    let anonymous = upload(&server, As::Nobody, &spec("me", "ds")).await;
    refused_with(&anonymous, &[NOT_AUTHORISED]);
    let by_token = upload_with_token(&server, &Keys::get().token("me", 1), &spec("me", "ds")).await;
    assert_eq!(by_token["flow_id"], "me/ds/1");
    let writer = server.user_with_key("me", "writer").await;
    let by_key = upload(&server, As::Key(&writer), &spec("me", "ds")).await;
    assert_eq!(by_key["flow_id"], "me/ds/2");
    // Pipeline events need no credentials under --no-auth.
    let event = server
        .post("/source/update")
        .json(&json!({"pipeline_id": "me/ds:source", "event": "start"}))
        .response()
        .await;
    assert_eq!(status_and_json(event).await.1["success"], true);
}

async fn every_upload_error_has_specstores_text(backend: Backend) {
    let server = start(backend).await;
    let token = Keys::get().token("me", 5);
    let empty = upload_raw(&server, &token, None, "").await;
    refused_with(
        &empty.1,
        &["Received empty contents (make sure your content-type is correct)"],
    );
    let not_json_type = upload_raw(
        &server,
        &token,
        Some("text/plain"),
        spec("me", "ds").to_string(),
    )
    .await;
    refused_with(
        &not_json_type.1,
        &["Received empty contents (make sure your content-type is correct)"],
    );
    let (_, body) = upload_raw(&server, &token, Some("application/json"), "{\"meta\": ").await;
    assert!(
        body["errors"][0]
            .as_str()
            .unwrap()
            .starts_with("The spec is not valid JSON"),
        "{body}"
    );
    let (status, body) = upload_raw(
        &server,
        &token,
        Some("application/json"),
        format!("\"{}\"", "x".repeat(17 << 20)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body["errors"][0]
            .as_str()
            .unwrap()
            .starts_with("The spec could not be read whole: it must be at most 16777216 bytes"),
        "{body}"
    );
    refused_with(
        &upload_with_token(&server, &token, &json!({"meta": {"dataset": "ds"}})).await,
        &["Missing owner in spec"],
    );
    refused_with(
        &upload_with_token(&server, &token, &json!({})).await,
        &["Missing owner in spec"],
    );

    for (schedule, text) in [
        (json!(5), "Schedule should be a string"),
        (json!("daily"), "Schedule should start with 'every'"),
        (
            json!("every 5y"),
            "Bad time unit for schedule, only s/m/h/d/w are allowed",
        ),
        (json!("every xm"), "Failed to parse time number"),
        (
            json!("every 30s"),
            "Can't schedule tasks for less than one minute",
        ),
    ] {
        let mut scheduled = spec("me", "ds");
        scheduled["schedule"] = schedule;
        refused_with(
            &upload_with_token(&server, &token, &scheduled).await,
            &[text],
        );
    }

    // The JSON Schema's errors name the field.
    let mut bad = spec("me", "ds");
    bad["meta"]["dataset"] = json!("no spaces allowed");
    bad["outputs"] = json!([{"kind": "csv"}, {}]);
    bad["inputs"] = json!("http://example.com");
    let body = upload_with_token(&server, &token, &bad).await;
    let errors: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    assert_eq!(body["success"], false);
    for expected in [
        "meta.dataset: ",
        "outputs[1]: \"kind\" is a required property",
        "inputs: ",
    ] {
        assert!(
            errors.iter().any(|e| e.starts_with(expected)),
            "{expected}: {errors:?}"
        );
    }
    // No refused upload left anything behind.
    assert_eq!(
        admin_get(&server, "/source/me").await.0,
        StatusCode::NOT_FOUND
    );

    // The schema the errors come from is published.
    let schema = server.get("/source/schema").answer().await.1;
    assert_eq!(schema["$id"], "/source/schema");
    assert_eq!(
        schema["properties"]["meta"]["required"],
        json!(["ownerid", "dataset"])
    );
}

async fn the_plan_limit_counts_datasets_and_allows_re_uploads_at_the_limit(backend: Backend) {
    let server = start(backend).await;
    let token = Keys::get().token("me", 2);
    assert_eq!(
        upload_with_token(&server, &token, &spec("me", "one")).await["success"],
        true
    );
    assert_eq!(
        upload_with_token(&server, &token, &spec("me", "two")).await["success"],
        true
    );
    refused_with(
        &upload_with_token(&server, &token, &spec("me", "three")).await,
        &["Max datasets for user exceeded plan limit (2)"],
    );
    let again = upload_with_token(&server, &token, &spec("me", "two")).await;
    assert_eq!(again["flow_id"], "me/two/2", "{again}");
    // A token without a plan may make no dataset at all, as in specstore.
    let planless =
        Keys::get().token_signed_by("auth", json!({"userid": "new", "service": "source"}));
    refused_with(
        &upload_with_token(&server, &planless, &spec("new", "ds")).await,
        &["Max datasets for user exceeded plan limit (0)"],
    );
    let owners = admin_get(&server, "/api/specs/owners").await.1;
    assert_eq!(owners, json!([{"owner": "me", "datasets": 2}]));
    // The first revision of `two` is superseded by the second, which is not.
    let server = &server;
    let revision = |n: i64| {
        let path = format!("/api/specs/revision?owner=me&dataset=two&revision={n}");
        async move { admin_get(server, &path).await.1 }
    };
    assert_eq!(revision(1).await["superseded_by"], 2);
    assert_eq!(revision(2).await["superseded_by"], Value::Null);
}

/// The event `event` of the pipeline `id`, nothing more.
fn pipeline_event(id: &str, event: &str) -> Value {
    json!({"pipeline_id": id, "event": event})
}

async fn event(server: &TestServer, body: Value) -> (StatusCode, Value) {
    server
        .as_admin(server.post("/source/update"))
        .json(&body)
        .answer()
        .await
}

async fn revision(server: &TestServer, which: &str) -> Value {
    let (status, body) = admin_get(server, &format!("/source/me/ds/{which}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn statuses(revision: &Value) -> Vec<(String, String)> {
    revision["pipelines"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(id, p)| (id.clone(), p["status"].as_str().unwrap().to_string()))
        .collect()
}

async fn pipelines_are_planned_and_events_drive_their_status_and_the_revision_state(
    backend: Backend,
) {
    let server = start(backend).await;
    upload_with_token(&server, &Keys::get().token("me", 5), &spec("me", "ds")).await;
    let first = revision(&server, "1").await;
    assert_eq!(first["id"], "me/ds/1");
    assert_eq!(first["state"], "QUEUED");
    assert_eq!(first["spec_contents"], spec("me", "ds"));
    assert_eq!(
        first["pipelines"]["me/ds:csv"],
        json!({"title": "Creating CSV", "status": "QUEUED", "stats": {}, "error_log": []})
    );
    let titles: Vec<&str> = first["pipelines"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Copying source data",
            "Creating CSV",
            "Creating JSON",
            "Creating ZIP",
            "Creating Package"
        ]
    );
    // Dependencies, as the admin API shows them.
    let detail = admin_get(
        &server,
        "/api/specs/revision?owner=me&dataset=ds&revision=1",
    )
    .await
    .1;
    let zip = entry_with(&detail["pipelines"], "id", "me/ds:zip");
    assert_eq!(zip["dependencies"], json!(["me/ds:csv", "me/ds:json"]));

    let (status, answer) = event(&server, pipeline_event("me/ds:source", "queue")).await;
    assert_eq!(
        (status, answer),
        (
            StatusCode::OK,
            json!({"success": true, "status": "pending", "id": "me/ds/1", "errors": []})
        )
    );
    let (_, answer) = event(
        &server,
        json!({"pipeline": "me/ds:source", "event": "start", "log": ["fetching"]}),
    )
    .await;
    assert_eq!(answer["status"], "running");
    assert_eq!(revision(&server, "latest").await["state"], "INPROGRESS");
    let (_, answer) = event(&server, json!({"pipeline_id": "me/ds:source", "event": "finish", "success": true, "stats": {"bytes": 10}})).await;
    assert_eq!(
        answer["status"], "running",
        "pending pipelines remain after one finished"
    );
    let now = revision(&server, "1").await;
    assert_eq!(now["state"], "INPROGRESS");
    assert_eq!(now["pipelines"]["me/ds:source"]["status"], "SUCCEEDED");
    assert_eq!(
        now["pipelines"]["me/ds:source"]["stats"],
        json!({"bytes": 10})
    );
    assert_eq!(now["logs"], json!(["fetching"]));
    assert_eq!(now["stats"], json!({"bytes": 10}));
    for id in ["me/ds:csv", "me/ds:json", "me/ds:zip", "me/ds"] {
        event(
            &server,
            json!({"pipeline_id": id, "event": "finish", "success": true}),
        )
        .await;
    }
    let done = revision(&server, "1").await;
    assert_eq!(done["state"], "SUCCEEDED");
    assert!(statuses(&done).iter().all(|(_, s)| s == "SUCCEEDED"));
    assert_eq!(revision(&server, "successful").await["id"], "me/ds/1");
    // Each event is in the audit log, with what it did to the pipeline and the revision.
    let (_, audit) = admin_get(&server, "/api/audit?surface=specs&object=me/ds/1").await;
    let finished = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "finish" && e["summary"]["pipeline"] == "me/ds")
        .unwrap_or_else(|| panic!("{audit}"));
    assert_eq!(finished["summary"]["state"], "SUCCEEDED");
    assert_eq!(finished["actor"], "admin");

    // Revision 2 fails at the CSV: the ZIP and the package that depend on it fail with it.
    upload_with_token(&server, &Keys::get().token("me", 5), &spec("me", "ds")).await;
    assert_eq!(revision(&server, "latest").await["state"], "QUEUED");
    assert_eq!(revision(&server, "successful").await["id"], "me/ds/1");
    event(
        &server,
        json!({"pipeline_id": "me/ds:source", "event": "finish", "success": true}),
    )
    .await;
    event(&server, pipeline_event("me/ds:json", "progress")).await;
    let (_, answer) = event(&server, json!({"pipeline_id": "me/ds:csv", "event": "finish", "success": false, "errors": ["bad row 7"]})).await;
    assert_eq!(
        answer,
        json!({"success": true, "status": "running", "id": "me/ds/2", "errors": ["bad row 7"]})
    );
    let failing = revision(&server, "latest").await;
    assert_eq!(failing["id"], "me/ds/2");
    assert_eq!(
        failing["pipelines"]["me/ds:csv"]["error_log"],
        json!(["bad row 7"])
    );
    assert_eq!(failing["pipelines"]["me/ds:zip"]["status"], "FAILED");
    assert_eq!(
        failing["pipelines"]["me/ds:zip"]["error_log"],
        json!(["Dependency unsuccessful. Cannot run until dependency \"me/ds:csv\" is successfully executed"])
    );
    assert_eq!(failing["pipelines"]["me/ds"]["status"], "FAILED");
    assert_eq!(
        failing["pipelines"]["me/ds:json"]["status"], "INPROGRESS",
        "a running pipeline is not cascaded"
    );
    assert_eq!(failing["state"], "INPROGRESS", "the JSON is still running");
    assert_eq!(failing["error_log"], json!(["bad row 7"]));
    let (_, answer) = event(
        &server,
        json!({"pipeline_id": "me/ds:json", "event": "finish", "success": true}),
    )
    .await;
    assert_eq!(answer["status"], "failed");
    assert_eq!(revision(&server, "2").await["state"], "FAILED");
    assert_eq!(revision(&server, "latest").await["id"], "me/ds/2");
    assert_eq!(revision(&server, "successful").await["id"], "me/ds/1");

    // Revision 3 runs while an event for revision 2 is named by its flow id.
    upload_with_token(&server, &Keys::get().token("me", 5), &spec("me", "ds")).await;
    let (_, answer) = event(
        &server,
        json!({"pipeline_id": "me/ds:source", "flow_id": "me/ds/3", "event": "start"}),
    )
    .await;
    assert_eq!(answer["id"], "me/ds/3");
    let (_, answer) = event(&server, json!({"pipeline_id": "me/ds:csv", "flow_id": "me/ds/2", "event": "finish", "success": true})).await;
    assert_eq!(answer["id"], "me/ds/2");
    // Without a flow id an event goes to the newest unfinished revision: the runner runs the
    // newest spec.
    upload_with_token(&server, &Keys::get().token("me", 5), &spec("me", "ds")).await;
    let (_, answer) = event(&server, pipeline_event("me/ds:json", "start")).await;
    assert_eq!(answer["id"], "me/ds/4");

    // The dataset's own listing and the owner's.
    let dataset = admin_get(&server, "/source/me/ds").await.1;
    let states = each_text(&dataset["revisions"], "state");
    assert_eq!(states, ["INPROGRESS", "INPROGRESS", "FAILED", "SUCCEEDED"]);
    let owner = admin_get(&server, "/source/me").await.1;
    assert_eq!(owner["datasets"][0]["id"], "me/ds");
    assert_eq!(owner["datasets"][0]["latest_state"], "INPROGRESS");
}

async fn bad_events_and_missing_revisions_are_refused_in_the_surfaces_format(backend: Backend) {
    let server = start(backend).await;
    upload_with_token(&server, &Keys::get().token("me", 5), &spec("me", "ds")).await;
    let (status, body) = event(&server, pipeline_event("me/other:csv", "start")).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::OK,
            json!({"success": false, "status": null, "id": null, "errors": ["pipeline not found"]})
        )
    );
    for (bad, text) in [
        (
            json!({"event": "start"}),
            "pipeline_id (or pipeline) is required",
        ),
        (json!({"pipeline_id": "me/ds:csv"}), "event is required"),
        (
            json!({"pipeline_id": "me/ds:csv", "event": "explode"}),
            "event must be one of queue, start, progress, finish",
        ),
        (
            json!({"pipeline_id": "me/ds:csv", "event": "finish"}),
            "a finish event needs \"success\"",
        ),
        (
            json!({"pipeline_id": "me/ds:csv", "event": "finish", "success": "yes"}),
            "success must be true or false",
        ),
        (
            json!({"pipeline_id": "me/ds:csv", "event": "start", "stats": [1]}),
            "stats must be an object",
        ),
        (json!([1, 2]), "the event must be a JSON object"),
    ] {
        let (status, body) = event(&server, bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(body["success"], false);
        assert!(
            body["errors"][0].as_str().unwrap().starts_with(text),
            "{bad}: {body}"
        );
    }
    // Events need a writer.
    let anonymous = server
        .post("/source/update")
        .json(&json!({"pipeline_id": "me/ds:csv", "event": "start"}))
        .response()
        .await;
    let (status, body) = status_and_json(anonymous).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["success"], false);
    let reader = server.user_with_key("watcher", "reader").await;
    let by_reader = server
        .post("/source/update")
        .bearer_auth(&reader)
        .json(&json!({"pipeline_id": "me/ds:csv", "event": "start"}))
        .response()
        .await;
    assert_eq!(by_reader.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        revision(&server, "1").await["state"],
        "QUEUED",
        "no refused event changed anything"
    );

    for (path, status) in [
        ("/source/me/ds/2", StatusCode::NOT_FOUND),
        ("/source/me/nope/1", StatusCode::NOT_FOUND),
        ("/source/me/ds/successful", StatusCode::NOT_FOUND),
        ("/source/me/ds/zero", StatusCode::BAD_REQUEST),
        ("/source/me/ds/0", StatusCode::BAD_REQUEST),
        ("/source/nobody", StatusCode::NOT_FOUND),
    ] {
        let (got, body) = admin_get(&server, path).await;
        assert_eq!(got, status, "{path}: {body}");
        assert_eq!(body["success"], false, "{path}: {body}");
        assert!(body["errors"][0].is_string(), "{path}: {body}");
    }
    let anonymous_read = server.get("/source/me/ds/1").response().await;
    assert_eq!(anonymous_read.status(), StatusCode::UNAUTHORIZED);
    // The owner's token reads the owner's specs, as specstore's clients poll them; another
    // owner's token does not.
    let token = Keys::get().token("me", 5);
    for path in ["/source/me/ds/1", "/source/me/ds", "/source/me"] {
        let by_header = server
            .get(path)
            .header("Auth-Token", &token)
            .response()
            .await;
        assert_eq!(by_header.status(), StatusCode::OK, "{path}");
    }
    let by_parameter = server
        .get(&format!("/source/me/ds/latest?jwt={token}"))
        .response()
        .await;
    assert_eq!(status_and_json(by_parameter).await.1["id"], "me/ds/1");
    let stranger = server
        .get("/source/me/ds/1")
        .header("Auth-Token", Keys::get().token("you", 5))
        .response()
        .await;
    assert_eq!(stranger.status(), StatusCode::UNAUTHORIZED);
}

async fn a_due_schedule_makes_one_revision_however_many_look(backend: Backend) {
    let server = start(backend).await;
    let mut scheduled = spec("me", "ds");
    scheduled["schedule"] = json!("every 1m");
    upload_with_token(&server, &Keys::get().token("me", 5), &scheduled).await;
    let dataset = admin_get(&server, "/source/me/ds").await.1;
    assert_eq!(dataset["summary"]["schedule"], "every 1m");
    let next: chrono::DateTime<chrono::Utc> = dataset["summary"]["next_run"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let wait = next - chrono::Utc::now();
    assert!(
        wait > chrono::Duration::seconds(50) && wait <= chrono::Duration::seconds(60),
        "{wait}"
    );

    // Not due yet: nothing happens. A minute later (an injected clock), four processes see the
    // run due at the same moment, then each tries to take it: one revision between them.
    use depot_domain::specs::schedules::{due, run_due, take};
    assert!(
        run_due(&server.db.store, chrono::Utc::now(), &Dispatching::off())
            .await
            .unwrap()
            .is_empty()
    );
    let later = next + chrono::Duration::seconds(1);
    let mut seen = Vec::new();
    for _ in 0..4 {
        let runs = due(&server.db.store, later).await.unwrap();
        assert_eq!(runs.len(), 1);
        seen.push(runs[0].clone());
    }
    let takers = seen.into_iter().map(|run| {
        let store = server.db.store.clone();
        tokio::spawn(async move {
            take(&store, &run, later, &Dispatching::off())
                .await
                .unwrap()
        })
    });
    let mut made = Vec::new();
    for taker in takers {
        made.extend(taker.await.unwrap());
    }
    assert_eq!(made, ["me/ds/2"]);
    let second = revision(&server, "2").await;
    assert_eq!(second["spec_contents"], scheduled);
    let dataset = admin_get(&server, "/source/me/ds").await.1;
    assert_eq!(dataset["revisions"][0]["cause"], "schedule");
    let next_again: chrono::DateTime<chrono::Utc> = dataset["summary"]["next_run"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(next_again, next + chrono::Duration::seconds(60));
    // Re-uploading without a schedule ends it.
    upload_with_token(&server, &Keys::get().token("me", 5), &spec("me", "ds")).await;
    assert!(run_due(
        &server.db.store,
        later + chrono::Duration::days(1),
        &Dispatching::off()
    )
    .await
    .unwrap()
    .is_empty());
}

async fn the_outbox_hands_each_revision_to_one_sender_at_a_time(backend: Backend) {
    use depot_domain::specs::outbox::{backoff, claim_next, delivered, failed, LEASE};
    // A runner is configured but no sender runs: the test is the sender, at chosen times.
    let server = TestServer::start_with(backend, |config| {
        config.token_verifier = Some(Keys::get().verifier());
        config.dpp_url = Some("http://127.0.0.1:9/flows".into());
    })
    .await;
    upload_with_token(&server, &Keys::get().token("me", 5), &spec("me", "ds")).await;
    let store = &server.db.store;
    let now = chrono::Utc::now();
    let first = claim_next(store, now)
        .await
        .unwrap()
        .expect("the revision is queued");
    assert_eq!((first.flow_id.as_str(), first.attempt), ("me/ds/1", 1));
    let payload: Value = serde_json::from_str(&first.payload).unwrap();
    assert_eq!(payload["spec"], spec("me", "ds"));
    // While one sender holds it, nobody else gets it; when its lease runs out, the next does.
    assert!(claim_next(store, now).await.unwrap().is_none());
    let after_lease = now + LEASE + chrono::Duration::seconds(1);
    let second = claim_next(store, after_lease).await.unwrap().unwrap();
    assert_eq!(second.attempt, 2);
    // A failed attempt waits out its back-off.
    failed(store, &second, "the runner answered 503", after_lease)
        .await
        .unwrap();
    assert!(claim_next(store, after_lease).await.unwrap().is_none());
    let retry_at = after_lease + backoff(2);
    let third = claim_next(store, retry_at).await.unwrap().unwrap();
    assert_eq!(third.attempt, 3);
    let shown = admin_get(
        &server,
        "/api/specs/revision?owner=me&dataset=ds&revision=1",
    )
    .await
    .1;
    assert_eq!(shown["dispatch"]["last_error"], "the runner answered 503");
    let metrics = server.get_text("/metrics").await;
    assert!(
        metrics.contains("\ndepot_spec_dispatch_waiting 1\n"),
        "{metrics}"
    );
    // Once delivered, never again.
    delivered(store, &third.flow_id, retry_at).await.unwrap();
    let metrics = server.get_text("/metrics").await;
    assert!(
        metrics.contains("\ndepot_spec_dispatch_waiting 0\n"),
        "{metrics}"
    );
    let much_later = retry_at + chrono::Duration::days(1);
    assert!(claim_next(store, much_later).await.unwrap().is_none());
}

on_both_backends!(
    a_page_without_its_script_uploads_and_reruns_with_plain_forms,
    the_outbox_hands_each_revision_to_one_sender_at_a_time,
    tokens_from_the_header_or_jwt_parameter_upload_for_their_owner,
    bad_tokens_are_not_authorised_for_the_owner,
    depot_api_keys_of_the_owner_upload_too,
    the_owner_check_stays_on_under_no_auth,
    every_upload_error_has_specstores_text,
    the_plan_limit_counts_datasets_and_allows_re_uploads_at_the_limit,
    pipelines_are_planned_and_events_drive_their_status_and_the_revision_state,
    bad_events_and_missing_revisions_are_refused_in_the_surfaces_format,
    a_due_schedule_makes_one_revision_however_many_look,
    revisions_are_dispatched_exactly_once_across_a_restart,
    two_processes_make_each_scheduled_run_once,
);

async fn detail(client: &Client, process: &DepotProcess, key: &str, path: &str) -> Value {
    client
        .get(process.url(path))
        .bearer_auth(key)
        .answer()
        .await
        .1
}

/// `POST /source/upload` of `spec` to `process` with the API key `key`: the answer.
async fn upload_to(client: &Client, process: &DepotProcess, key: &str, spec: &Value) -> Value {
    let request = client.post(process.url("/source/upload")).bearer_auth(key);
    request.json(spec).answer().await.1
}

async fn revisions_are_dispatched_exactly_once_across_a_restart(backend: Backend) {
    let db = TestStore::new(backend).await;
    let key = db.admin_key().await;
    let client = Client::new();
    let mut runner = Fake::reserve().await; // reserved, not listening: the runner is down
    let dpp_url = format!("http://127.0.0.1:{}/flows", runner.port);
    let first = DepotProcess::start(&db.url, &["--dpp-url", &dpp_url], &[]);
    let uploaded = upload_to(&client, &first, &key, &spec("me", "ds")).await;
    assert_eq!(uploaded["flow_id"], "me/ds/1");
    let path = "/api/specs/revision?owner=me&dataset=ds&revision=1";
    eventually("a failed attempt", async || {
        detail(&client, &first, &key, path).await["dispatch"]["attempts"].as_i64() >= Some(2)
    })
    .await;
    let waiting = detail(&client, &first, &key, path).await["dispatch"].clone();
    assert_eq!(waiting["delivered"], Value::Null);
    assert!(
        waiting["last_error"]
            .as_str()
            .unwrap()
            .contains("could not be reached"),
        "{waiting}"
    );
    first.stop();
    // A stopped process finishes its send in flight and records it: nothing is left claimed.
    let claimed: Option<String> = sqlx::query_scalar("SELECT claimed_until FROM spec_dispatches")
        .fetch_one(db.store.pool())
        .await
        .unwrap();
    assert_eq!(claimed, None);

    // A new process on the same store, then the runner comes up: the revision arrives once.
    let second = DepotProcess::start(
        &db.url,
        &["--dpp-url", &dpp_url],
        &[("DPP_URL", "http://ignored.invalid/")],
    );
    runner.start_runner().await;
    eventually("the delivery", async || !runner.received().is_empty()).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let received = runner.received();
    assert_eq!(received.len(), 1, "{received:?}");
    let (idempotency_key, flow) = &received[0];
    assert_eq!(idempotency_key, "me/ds/1");
    assert_eq!(flow["flow_id"], "me/ds/1");
    assert_eq!(flow["spec"], spec("me", "ds"));
    assert_eq!(flow["pipelines"][0]["id"], "me/ds:source");
    let delivered = detail(&client, &second, &key, path).await["dispatch"].clone();
    assert!(delivered["delivered"].is_string(), "{delivered}");
    // A revision made now goes straight out.
    let again = upload_to(&client, &second, &key, &spec("me", "ds")).await;
    assert_eq!(again["flow_id"], "me/ds/2");
    eventually("the second delivery", async || runner.received().len() == 2).await;
    assert_eq!(runner.received()[1].1["flow_id"], "me/ds/2");
}

async fn two_processes_make_each_scheduled_run_once(backend: Backend) {
    let db = TestStore::new(backend).await;
    let key = db.admin_key().await;
    let client = Client::new();
    let one = DepotProcess::start(&db.url, &[], &[]);
    let two = DepotProcess::start(&db.url, &[], &[]);
    let mut scheduled = spec("me", "ds");
    scheduled["schedule"] = json!("every 1m");
    let uploaded = upload_to(&client, &one, &key, &scheduled).await;
    assert_eq!(uploaded["flow_id"], "me/ds/1");
    // Both processes look for due runs every half second; make the run due by moving its due
    // time to a second ago, three times over. (A second ago, not some old whole minute: the
    // next run lies on the grid of the due time, and a whole-minute grid point may be only a
    // moment away — a run rightly due, which the count below would mistake for a double.)
    for round in 2..=4 {
        db.make_schedules_due().await;
        eventually("the scheduled revision", async || {
            detail(&client, &two, &key, "/source/me/ds").await["summary"]["revisions"]
                == json!(round)
        })
        .await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let dataset = detail(&client, &one, &key, "/source/me/ds").await;
    assert_eq!(dataset["summary"]["revisions"], 4, "{dataset}");
    let causes = each_text(&dataset["revisions"], "cause");
    assert_eq!(causes, ["schedule", "schedule", "schedule", "upload"]);
    let next: chrono::DateTime<chrono::Utc> = dataset["summary"]["next_run"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        next > chrono::Utc::now(),
        "the next run is in the future: {next}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_key_comes_from_a_file_or_the_auth_server() {
    let db = TestStore::new(Backend::Sqlite).await;
    let client = Client::new();
    let keys = Keys::get();
    let path = keys.public_path();
    let from_file =
        DepotProcess::start(&db.url, &["--auth-public-key", path.to_str().unwrap()], &[]);
    let uploaded = client
        .post(from_file.url("/source/upload"))
        .header("Auth-Token", keys.token("me", 1))
        .json(&spec("me", "ds"))
        .response()
        .await;
    assert_eq!(status_and_json(uploaded).await.1["flow_id"], "me/ds/1");
    from_file.stop();

    let mut auth_server = Fake::listening().await;
    let pem = keys.public_pem();
    auth_server
        .serve(axum::Router::new().route(
            "/auth/public-key",
            axum::routing::get(move || async move { pem }),
        ))
        .await;
    let address = format!("127.0.0.1:{}", auth_server.port);
    let fetched = DepotProcess::start(&db.url, &[], &[("AUTH_SERVER", &address)]);
    assert!(
        fetched
            .logs()
            .iter()
            .any(|l| l.contains("auth server tokens are verified")),
        "{:?}",
        fetched.logs()
    );
    let uploaded = client
        .post(fetched.url("/source/upload?jwt=") + &keys.token("me", 1))
        .json(&spec("me", "ds"))
        .response()
        .await;
    assert_eq!(status_and_json(uploaded).await.1["flow_id"], "me/ds/2");
    let forged = client
        .post(fetched.url("/source/upload"))
        .header(
            "Auth-Token",
            keys.token_signed_by("stranger", claims("me", 1)),
        )
        .json(&spec("me", "ds"))
        .response()
        .await;
    assert_eq!(
        status_and_json(forged).await.1["errors"],
        json!([NOT_AUTHORISED])
    );
}

#[test]
fn a_missing_or_unusable_public_key_stops_start_up_with_a_reason() {
    let folder = std::env::temp_dir().join(format!("depot_bad_key_{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let not_a_key = folder.join("not-a-key.pem");
    std::fs::write(&not_a_key, "hello").unwrap();
    for (args, envs, expected) in [
        (
            vec!["--auth-public-key", not_a_key.to_str().unwrap()],
            vec![],
            "unusable",
        ),
        (
            vec!["--auth-public-key", "/nonexistent/key.pem"],
            vec![],
            "cannot read it",
        ),
        (
            vec![],
            vec![("AUTH_SERVER", "127.0.0.1:1")],
            "cannot fetch the auth server's public key",
        ),
    ] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_depot"))
            .arg("--data-dir")
            .arg(&folder)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(&args)
            .envs(envs)
            .env_remove("DATABASE_URL")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?} started");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    std::fs::remove_dir_all(&folder).ok();
}
