//! API.md §4 "Artifacts": the five stories of CDAP's artifact design document, end to end over
//! HTTP with real jar files, and the rules around them.

mod support;

use reqwest::{RequestBuilder, StatusCode};
use serde_json::{json, Value};
use support::{
    each_text, form_with_file, from_page, header_text, jar, Answered, Stores, TestServer,
};

const NS: &str = "/v3/namespaces/default";

fn myapp_descriptor() -> Value {
    json!({"apps": [{"className": "co.cask.MyApp", "description": "Reads a stream into a table"}]})
}

/// The admin's `GET path`: its status and text.
async fn get(server: &TestServer, path: &str) -> (StatusCode, String) {
    server.as_admin(server.get(path)).answer_text().await
}

/// The admin's `GET path`: its status and JSON.
async fn get_json(server: &TestServer, path: &str) -> (StatusCode, Value) {
    server.as_admin(server.get(path)).answer().await
}

/// The admin's `DELETE path`: its status and text.
async fn delete(server: &TestServer, path: &str) -> (StatusCode, String) {
    server.as_admin(server.delete(path)).answer_text().await
}

/// The admin's `PUT path`, to be given a body.
fn put(server: &TestServer, path: &str) -> RequestBuilder {
    server.as_admin(server.put(path))
}

/// The admin's `POST path`, to be given a body.
fn post(server: &TestServer, path: &str) -> RequestBuilder {
    server.as_admin(server.post(path))
}

/// CDAP's answer: `status` and the text `text`.
fn says(status: StatusCode, text: &str) -> (StatusCode, String) {
    (status, text.to_string())
}

/// The header that gives an added artifact its version.
fn versioned(version: &str) -> [(&'static str, &str); 1] {
    [("Artifact-Version", version)]
}

async fn add(
    server: &TestServer,
    name: &str,
    body: Vec<u8>,
    headers: &[(&str, &str)],
) -> (StatusCode, String) {
    let mut request = post(server, &format!("{NS}/artifacts/{name}")).body(body);
    for (header, value) in headers {
        request = request.header(*header, *value);
    }
    request.answer_text().await
}

async fn deploy_json(server: &TestServer, app: &str, body: Value) -> (StatusCode, String) {
    put(server, &format!("{NS}/apps/{app}"))
        .json(&body)
        .answer_text()
        .await
}

/// Story 1: an archive deployed in one call becomes artifact myapp 1.0.0 and the app.
async fn deploy_purchase_dump(server: &TestServer) {
    let answer = put(server, &format!("{NS}/apps/purchaseDump"))
        .header("content-type", "application/octet-stream")
        .header("X-Archive-Name", "myapp-1.0.0.jar")
        .header(
            "Application-Config",
            r#"{"stream": "purchases", "table": "events"}"#,
        )
        .body(jar(None, Some(myapp_descriptor()), "v1.0.0"))
        .answer_text()
        .await;
    assert_eq!(answer, says(StatusCode::OK, "Deploy Complete"));
}

async fn an_app_is_deployed_in_one_call(stores: Stores) {
    let server = TestServer::start(stores).await;
    deploy_purchase_dump(&server).await;
    let (_, versions) = get_json(&server, &format!("{NS}/artifacts/myapp")).await;
    assert_eq!(
        versions,
        json!([{"name": "myapp", "version": "1.0.0", "scope": "USER", "isSystem": false}])
    );
    let (_, app) = get_json(&server, &format!("{NS}/apps/purchaseDump")).await;
    assert_eq!(
        app["artifact"],
        json!({"name": "myapp", "version": "1.0.0", "scope": "USER"})
    );
    assert_eq!(app["config"]["stream"], "purchases");
    assert_eq!(app["description"], "Reads a stream into a table");

    let answer = post(&server, &format!("{NS}/apps"))
        .header("content-type", "application/octet-stream")
        .body(jar(None, None, "x"))
        .answer_text()
        .await;
    assert_eq!(
        answer,
        says(StatusCode::BAD_REQUEST, "X-Archive-Name header not present")
    );
    // Deploying the same archive again is fine (same content).
    deploy_purchase_dump(&server).await;
}

/// Story 2 and 3: a second app from config alone; a new version; who still runs 1.0.0; upgrade
/// and roll back, with the history kept.
async fn apps_are_created_from_config_upgraded_and_rolled_back(stores: Stores) {
    let server = TestServer::start(stores).await;
    deploy_purchase_dump(&server).await;
    let answer = deploy_json(
        &server,
        "myapp2",
        json!({"artifact": {"name": "myapp", "version": "1.0.0"}, "config": {"stream": "B", "table": "X"}}),
    )
    .await;
    assert_eq!(answer, says(StatusCode::OK, "Deploy Complete"));
    let answer = deploy_json(
        &server,
        "ghost",
        json!({"artifact": {"name": "myapp", "version": "9.9.9"}}),
    )
    .await;
    assert_eq!(
        answer,
        says(StatusCode::NOT_FOUND, "Artifact myapp:9.9.9 not found.")
    );

    // 1.0.1, its version from the manifest.
    let manifested = jar(Some("1.0.1"), Some(myapp_descriptor()), "v1.0.1");
    let answer = add(&server, "myapp", manifested, &[]).await;
    assert_eq!(answer, says(StatusCode::OK, "Artifact added successfully"));
    let on_old = format!("{NS}/apps?artifactName=myapp&artifactVersion=1.0.0");
    let (_, apps) = get_json(&server, &on_old).await;
    assert_eq!(each_text(&apps, "name"), ["myapp2", "purchaseDump"]);
    assert_eq!(apps[0]["type"], "App");
    assert_eq!(apps[0]["artifact"]["version"], "1.0.0");

    let upgrade = json!({"artifact": {"name": "myapp", "version": "1.0.1"}});
    let answer = put(&server, &format!("{NS}/apps/purchaseDump/properties"))
        .json(&upgrade)
        .answer_text()
        .await;
    assert_eq!(answer, says(StatusCode::OK, "Update complete."));
    let (_, apps) = get_json(&server, &on_old).await;
    assert_eq!(
        apps.as_array().unwrap().len(),
        1,
        "only myapp2 is still on 1.0.0"
    );

    let rollback = json!({"artifact": {"name": "myapp", "version": "1.0.0"}, "config": {"stream": "purchases", "table": "events2"}});
    let (status, _) = post(&server, &format!("{NS}/apps/purchaseDump/update"))
        .json(&rollback)
        .answer_text()
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, detail) = get_json(&server, &format!("{NS}/apps/purchaseDump")).await;
    let steps: Vec<(String, String)> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["action"].as_str().unwrap().into(),
                h["artifact"]["version"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("deploy".into(), "1.0.0".into()),
            ("upgrade".into(), "1.0.1".into()),
            ("rollback".into(), "1.0.0".into())
        ]
    );
    assert_eq!(detail["config"]["table"], "events2");

    let other = json!({"artifact": {"name": "otherapp", "version": "1.0.0"}});
    let (status, text) = put(&server, &format!("{NS}/apps/purchaseDump/properties"))
        .json(&other)
        .answer_text()
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        text.contains("Only the artifact version of an app may change"),
        "{text}"
    );

    // An artifact an app runs cannot be deleted; one no app runs can.
    let (status, text) = delete(&server, &format!("{NS}/artifacts/myapp/versions/1.0.0")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        text.contains("default/myapp2") && text.contains("default/purchaseDump"),
        "{text}"
    );
    let (status, _) = delete(&server, &format!("{NS}/artifacts/myapp/versions/1.0.1")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = delete(&server, &format!("{NS}/artifacts/myapp/versions/1.0.1")).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "deleting a missing version is a no-op"
    );
    let (status, _) = delete(&server, &format!("{NS}/apps/myapp2")).await;
    assert_eq!(status, StatusCode::OK);
    let answer = get(&server, &format!("{NS}/apps/myapp2")).await;
    assert_eq!(
        answer,
        says(StatusCode::NOT_FOUND, "Application 'myapp2' was not found.")
    );
}

/// Story 4: system artifacts from a folder, visible from every namespace, read-only via the API.
async fn system_artifacts_come_from_a_folder(stores: Stores) {
    let folder = std::env::temp_dir().join(format!(
        "depot-system-artifacts-{}-{:?}",
        std::process::id(),
        stores
    ));
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("etl-3.1.0.jar"),
        jar(
            None,
            Some(json!({"apps": [{"className": "co.cask.ETL"}]})),
            "etl",
        ),
    )
    .unwrap();
    std::fs::write(
        folder.join("etl-3.1.0.json"),
        json!({"properties": {"team": "data"}, "plugins": [{"type": "sink", "name": "table", "className": "co.cask.TableSink"}]}).to_string(),
    )
    .unwrap();
    let server =
        TestServer::start_with(stores, |c| c.system_artifacts = Some(folder.clone())).await;
    let (status, text) = post(&server, "/v3/namespaces/system/artifacts")
        .answer_text()
        .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    add(&server, "myapp", jar(Some("1.0.0"), None, "a"), &[]).await;

    let list = |query: &'static str| server.as_admin(server.get(&format!("{NS}/artifacts{query}")));
    let (_, all) = list("").answer().await;
    assert_eq!(
        all,
        json!([
            {"name": "etl", "version": "3.1.0", "scope": "SYSTEM", "isSystem": true},
            {"name": "myapp", "version": "1.0.0", "scope": "USER", "isSystem": false},
        ])
    );
    assert_eq!(
        list("?includeSystem=false")
            .answer()
            .await
            .1
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(list("?scope=user").answer().await.1[0]["name"], "myapp");
    assert_eq!(list("?scope=system").answer().await.1[0]["name"], "etl");
    let (_, detail) = get_json(&server, &format!("{NS}/artifacts/etl/versions/3.1.0")).await;
    assert_eq!(detail["properties"]["team"], "data");

    // Usable from any namespace.
    let (status, _) = put(&server, "/v3/namespaces/team2").answer_text().await;
    assert_eq!(status, StatusCode::OK);
    let answer = put(&server, "/v3/namespaces/team2/apps/pipeline")
        .json(&json!({"artifact": {"name": "etl", "version": "3.1.0", "scope": "SYSTEM"}, "config": {}}))
        .answer_text()
        .await;
    assert_eq!(answer, says(StatusCode::OK, "Deploy Complete"));
    let (_, apps) = get_json(&server, "/v3/namespaces/team2/apps?artifactName=etl").await;
    assert_eq!(
        apps[0]["artifact"],
        json!({"name": "etl", "version": "3.1.0", "scope": "SYSTEM"})
    );

    // Not through the namespace API.
    let (status, _) = post(&server, "/v3/namespaces/system/artifacts/etl")
        .body(jar(Some("3.2.0"), None, "x"))
        .answer_text()
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = delete(
        &server,
        "/v3/namespaces/system/artifacts/etl/versions/3.1.0",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let answer = get(&server, "/v3/namespaces/nowhere/artifacts").await;
    assert_eq!(
        answer,
        says(StatusCode::NOT_FOUND, "Namespace 'nowhere' was not found.")
    );
    std::fs::remove_dir_all(&folder).ok();
}

/// Story 5: a plugin artifact extends myapp[1.0.0,2.0.0).
async fn plugins_extend_a_range_of_versions(stores: Stores) {
    let server = TestServer::start(stores).await;
    for version in ["1.0.0", "1.0.1", "2.0.0"] {
        add(&server, "myapp", jar(Some(version), None, version), &[]).await;
    }
    let plugins = json!([{
        "type": "reader", "name": "default", "description": "Reads rows", "className": "co.cask.DefaultReader",
        "properties": {"rowkey": {"name": "rowkey", "description": "The row key header", "type": "string", "required": true}}
    }]);
    let plugins_text = plugins.to_string();
    let extends = [
        ("Artifact-Version", "1.0.0"),
        ("Artifact-Extends", "myapp[1.0.0,2.0.0)"),
        ("Artifact-Plugins", plugins_text.as_str()),
    ];
    let answer = add(&server, "readers", jar(None, None, "r"), &extends).await;
    assert_eq!(answer, says(StatusCode::OK, "Artifact added successfully"));

    let version = |v: &str, rest: &str| format!("{NS}/artifacts/myapp/versions/{v}{rest}");
    for (v, expected) in [
        ("1.0.0", json!(["reader"])),
        ("1.0.1", json!(["reader"])),
        ("2.0.0", json!([])),
    ] {
        let (_, types) = get_json(&server, &version(v, "/extensions")).await;
        assert_eq!(types, expected, "plugin types seen from myapp {v}");
    }
    let (_, alias) = get_json(&server, &version("1.0.1", "/plugintypes")).await;
    assert_eq!(alias, json!(["reader"]));
    let (_, readers) = get_json(&server, &version("1.0.0", "/extensions/reader")).await;
    assert_eq!(
        readers,
        json!([{"name": "default", "type": "reader", "description": "Reads rows", "className": "co.cask.DefaultReader",
                "artifact": {"name": "readers", "version": "1.0.0", "scope": "USER"}}])
    );
    let (_, one) = get_json(
        &server,
        &version("1.0.1", "/plugintypes/reader/plugins/default"),
    )
    .await;
    assert_eq!(one[0]["properties"]["rowkey"]["required"], true);
    let (status, _) = get(
        &server,
        &version("2.0.0", "/extensions/reader/plugins/default"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, wide) = get_json(&server, &format!("{NS}/plugintypes/reader/plugins/default")).await;
    assert_eq!(wide.as_array().unwrap().len(), 1);

    // A third-party archive described afterwards: its own plugins are visible from it.
    let described =
        json!([{"type": "writer", "name": "table", "className": "co.cask.TableWriter"}]);
    let answer = put(&server, &version("2.0.0", "/plugins"))
        .json(&described)
        .answer_text()
        .await;
    assert_eq!(answer, says(StatusCode::OK, "Plugins updated successfully"));
    let (_, types) = get_json(&server, &version("2.0.0", "/extensions")).await;
    assert_eq!(types, json!(["writer"]));
    let (status, _) = put(&server, &version("2.0.0", "/plugins"))
        .body("not json")
        .answer_text()
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The rules of Artifact-Extends and Artifact-Plugins, with CDAP's texts.
    let duplicate =
        json!([{"type": "reader", "name": "default"}, {"type": "reader", "name": "default"}])
            .to_string();
    for (headers, expected_status, expected) in [
        (vec![("Artifact-Version", "1.0.0"), ("Artifact-Plugins", duplicate.as_str())], StatusCode::BAD_REQUEST,
         "Invalid plugins field. Only one plugin with type 'reader' and name 'default' can be present."),
        (vec![("Artifact-Version", "1.0.0"), ("Artifact-Extends", "myapp1.0.0,2.0.0)")], StatusCode::BAD_REQUEST,
         "Could not find '[' or '(' indicating start of artifact lower version."),
        (vec![("Artifact-Version", "1.0.0"), ("Artifact-Extends", "myapp[2.0.0,1.0.0]")], StatusCode::BAD_REQUEST,
         "Lower version 2.0.0 is greater than upper version 1.0.0."),
        (vec![("Artifact-Version", "1.0.0"), ("Artifact-Extends", "nothere[1.0.0,2.0.0)")], StatusCode::NOT_FOUND,
         "Parent artifact nothere[1.0.0,2.0.0) not found."),
        (vec![("Artifact-Version", "1.0.0"), ("Artifact-Plugins", "not json")], StatusCode::BAD_REQUEST, "Invalid plugins field"),
        (vec![("Artifact-Version", "1.0.0"), ("Artifact-Extends", "readers[1.0.0,2.0.0)")], StatusCode::BAD_REQUEST,
         "it has parents of its own"),
        (vec![("Artifact-Version", "1.0.0"), ("Artifact-Extends", "other:myapp[1.0.0,2.0.0)")], StatusCode::BAD_REQUEST,
         "a parent must be in namespace 'default' or 'system'"),
        (vec![("Artifact-Version", "1.0.0"), ("Artifact-Extends", "more[1.0.0,2.0.0)")], StatusCode::BAD_REQUEST,
         "an artifact cannot extend itself"),
    ] {
        let (status, text) = add(&server, "more", jar(None, None, "m"), &headers).await;
        assert_eq!(status, expected_status, "{headers:?}: {text}");
        assert!(text.contains(expected), "{headers:?}: {text}");
    }
}

async fn versions_uploads_downloads_and_properties(stores: Stores) {
    let server = TestServer::start(stores).await;
    let snapshot = versioned("1.1.0-SNAPSHOT");
    let (status, _) = add(&server, "lib", jar(None, None, "first"), &snapshot).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = add(&server, "lib", jar(None, None, "second"), &snapshot).await;
    assert_eq!(status, StatusCode::OK, "snapshots are replaced");
    let release = versioned("1.0.0");
    let (status, _) = add(&server, "lib", jar(None, None, "one"), &release).await;
    assert_eq!(status, StatusCode::OK);
    let answer = add(&server, "lib", jar(None, None, "changed"), &release).await;
    assert_eq!(
        answer,
        says(StatusCode::CONFLICT, "Artifact lib:1.0.0 already exists.")
    );
    let answer = add(&server, "lib", b"not a jar".to_vec(), &versioned("2.0.0")).await;
    assert_eq!(
        answer,
        says(
            StatusCode::BAD_REQUEST,
            "Artifact is not in zip format. Please make sure it is a jar file."
        )
    );
    let (status, text) = add(&server, "lib", jar(None, None, "nov"), &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.starts_with("Unable to derive version"), "{text}");
    let same = jar(None, None, "identical");
    add(&server, "lib", same.clone(), &versioned("1.0.0-SNAPSHOT")).await;
    let blobs_before = count_files(&server.db.blob_dir.join("sha256"));
    add(&server, "lib", same.clone(), &versioned("1.0.1")).await;
    assert_eq!(
        count_files(&server.db.blob_dir.join("sha256")),
        blobs_before,
        "identical content is stored once"
    );

    let (_, versions) = get_json(&server, &format!("{NS}/artifacts/lib")).await;
    assert_eq!(
        each_text(&versions, "version"),
        ["1.0.0-SNAPSHOT", "1.0.0", "1.0.1", "1.1.0-SNAPSHOT"],
        "CDAP's version order"
    );
    let (_, a) = get_json(
        &server,
        &format!("{NS}/artifacts/lib/versions/1.0.0-SNAPSHOT"),
    )
    .await;
    let (_, b) = get_json(&server, &format!("{NS}/artifacts/lib/versions/1.0.1")).await;
    assert_eq!(a["sha256"], b["sha256"]);
    assert_eq!(b["size"], same.len());

    let download = format!("{NS}/artifacts/lib/versions/1.0.1/download");
    let response = server.as_admin(server.get(&download)).response().await;
    assert_eq!(
        response.headers()["etag"],
        format!("\"{}\"", b["sha256"].as_str().unwrap()).as_str()
    );
    assert_eq!(response.bytes().await.unwrap().as_ref(), same.as_slice());
    let part = server
        .as_admin(server.get(&download))
        .header("range", "bytes=0-3")
        .response()
        .await;
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.bytes().await.unwrap().as_ref(), &same[..4]);

    let properties = format!("{NS}/artifacts/lib/versions/1.0.1/properties");
    let (status, _) = put(&server, &properties)
        .json(&json!({"owner": "ana", "tier": "gold"}))
        .answer_text()
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = put(&server, &format!("{properties}/tier"))
        .body("silver")
        .answer_text()
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        get(&server, &format!("{properties}/tier")).await.1,
        "silver"
    );
    delete(&server, &format!("{properties}/owner")).await;
    assert_eq!(
        get_json(&server, &properties).await.1,
        json!({"tier": "silver"})
    );
    let (status, _) = put(&server, &properties)
        .json(&json!({"n": 1}))
        .answer_text()
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "properties map strings to strings"
    );

    let answer = get(&server, &format!("{NS}/artifacts/lib/versions/9.9.9")).await;
    assert_eq!(
        answer,
        says(StatusCode::NOT_FOUND, "Artifact lib:9.9.9 not found.")
    );
    let answer = get(&server, &format!("{NS}/artifacts/nope")).await;
    assert_eq!(
        answer,
        says(StatusCode::NOT_FOUND, "Artifacts named nope not found.")
    );
    let (status, _) = post(&server, &format!("{NS}/artifacts/bad%20name"))
        .body(jar(Some("1.0.0"), None, "b"))
        .answer_text()
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let reader = server.user_with_key("rita", "reader").await;
    let refused = server
        .post(&format!("{NS}/artifacts/lib"))
        .bearer_auth(&reader)
        .body(jar(Some("3.0.0"), None, "r"));
    assert_eq!(refused.answer_status().await, StatusCode::FORBIDDEN);
    let anonymous = server.get(&format!("{NS}/artifacts")).response().await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert!(header_text(&anonymous, "content-type").starts_with("text/plain"));
}

async fn app_configs_are_checked_against_the_artifacts_schema(stores: Stores) {
    let server = TestServer::start(stores).await;
    let descriptor = json!({"apps": [{"className": "co.cask.Pipeline", "description": "d", "configSchema": {
        "type": "object", "required": ["stream"],
        "properties": {"stream": {"type": "string"}, "instances": {"type": "integer", "minimum": 1}}
    }}]});
    assert_eq!(
        add(
            &server,
            "pipeline",
            jar(Some("1.0.0"), Some(descriptor), "p"),
            &[]
        )
        .await
        .0,
        StatusCode::OK
    );
    let artifact = json!({"name": "pipeline", "version": "1.0.0"});
    let (status, text) = deploy_json(
        &server,
        "p1",
        json!({"artifact": artifact, "config": {"instances": 0}}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("\"stream\" is a required property"), "{text}");
    assert!(
        text.contains("/instances"),
        "the violations name their place: {text}"
    );
    let (status, _) = deploy_json(
        &server,
        "p1",
        json!({"artifact": artifact, "config": {"stream": "s", "instances": 2}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let bad_schema =
        json!({"apps": [{"className": "X", "configSchema": {"type": "no-such-type"}}]});
    let (status, text) = add(
        &server,
        "broken",
        jar(Some("1.0.0"), Some(bad_schema), "b"),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        text.contains("Invalid configSchema of app class X"),
        "{text}"
    );
}

/// A client that goes away half-way leaves nothing behind: no row, no visible blob.
async fn a_broken_upload_leaves_nothing(stores: Stores) {
    let server = TestServer::start(stores).await;
    let half = "POST /v3/namespaces/default/artifacts/half";
    let version = [("Artifact-Version", "1.0.0")];
    server
        .hang_up_half_way(half, &version, 100_000, b"PK\x03\x04partial")
        .await;
    let (status, _) = get(&server, &format!("{NS}/artifacts/half")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(count_files(&server.db.blob_dir.join("sha256")), 0);
    assert_eq!(count_files(&server.db.blob_dir.join("tmp")), 0);
}

fn count_files(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            if e.path().is_dir() {
                count_files(&e.path())
            } else {
                1
            }
        })
        .sum()
}

/// The artifacts pages without their script (issue 17, point 2): an archive is uploaded with a
/// plain form, and an app is moved to another version by its confirmation's plain form.
async fn a_page_without_its_script_uploads_and_changes_versions_with_plain_forms(stores: Stores) {
    let server = TestServer::start(stores).await;
    let page = server.url("/artifacts?ns=default");
    let upload = |name: &'static str, version: &'static str, archive: Vec<u8>| {
        let fields = [
            ("namespace", "default"),
            ("name", name),
            ("version", version),
        ];
        let request = server.as_admin(server.post("/api/artifacts/upload"));
        form_with_file(request, &fields, ("archive", "myapp.jar", &archive))
    };
    let descriptor = Some(myapp_descriptor());
    let sent = from_page(
        upload("myapp", "1.0.0", jar(None, descriptor.clone(), "a")),
        &page,
    )
    .response()
    .await;
    assert_eq!(sent.status(), StatusCode::FOUND);
    assert_eq!(header_text(&sent, "location").trim_end_matches('?'), page);
    // A blank version is the manifest's Bundle-Version; a script gets the version as JSON.
    let (status, added) = upload("myapp", "", jar(Some("2.0.0"), descriptor, "b"))
        .answer()
        .await;
    assert_eq!(
        (status, added["version"].as_str()),
        (StatusCode::OK, Some("2.0.0")),
        "{added}"
    );
    let (_, versions) = get_json(&server, &format!("{NS}/artifacts/myapp")).await;
    assert_eq!(each_text(&versions, "version"), ["1.0.0", "2.0.0"]);
    let (status, refused) = upload("my app", "1.0.0", jar(None, None, "c"))
        .answer()
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert!(
        refused["error"].as_str().unwrap().contains("my app"),
        "{refused}"
    );

    let answer = deploy_json(
        &server,
        "reader",
        json!({"artifact": {"name": "myapp", "version": "1.0.0"}, "config": {"stream": "A"}}),
    )
    .await;
    assert_eq!(answer.0, StatusCode::OK, "{answer:?}");
    let asked = server.url("/artifacts/default/myapp?change=reader&to=2.0.0");
    let change = |config: &'static str| {
        let fields = [
            ("namespace", "default"),
            ("app", "reader"),
            ("version", "2.0.0"),
            ("config", config),
            ("plain_form", "true"),
        ];
        from_page(
            server.as_admin(server.post("/api/artifacts/apps/version")),
            &asked,
        )
        .form(&fields)
    };
    let refused = change("{not json").response().await;
    assert_eq!(refused.status(), StatusCode::FOUND);
    assert!(header_text(&refused, "location").contains("__err="));
    let moved = change(r#"{"stream": "B"}"#).response().await;
    assert_eq!(moved.status(), StatusCode::FOUND);
    // Back to the page without the question its address asked.
    assert_eq!(header_text(&moved, "location"), "/artifacts/default/myapp");
    let (_, app) = get_json(&server, &format!("{NS}/apps/reader")).await;
    assert_eq!(app["artifact"]["version"], "2.0.0", "{app}");
    assert_eq!(
        app["config"],
        json!({"stream": "B"}),
        "the config the question showed"
    );
}

on_every_store!(
    a_page_without_its_script_uploads_and_changes_versions_with_plain_forms,
    an_app_is_deployed_in_one_call,
    apps_are_created_from_config_upgraded_and_rolled_back,
    system_artifacts_come_from_a_folder,
    plugins_extend_a_range_of_versions,
    versions_uploads_downloads_and_properties,
    app_configs_are_checked_against_the_artifacts_schema,
    a_broken_upload_leaves_nothing,
);
