//! API.md §4 "Artifacts": the five stories of CDAP's artifact design document, end to end over
//! HTTP with real jar files, and the rules around them.

mod support;

use std::io::Write;

use reqwest::{RequestBuilder, StatusCode};
use serde_json::{json, Value};
use support::{jar, Stores, TestServer};

const NS: &str = "/v3/namespaces/default";

fn myapp_descriptor() -> Value {
    json!({"apps": [{"className": "co.cask.MyApp", "description": "Reads a stream into a table"}]})
}

async fn answer(request: RequestBuilder) -> (StatusCode, String) {
    let response = request.send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn answer_json(request: RequestBuilder) -> (StatusCode, Value) {
    let (status, text) = answer(request).await;
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}")),
    )
}

fn call(server: &TestServer, method: reqwest::Method, path: &str) -> RequestBuilder {
    server.as_admin(server.client.request(method, server.url(path)))
}

async fn add(
    server: &TestServer,
    name: &str,
    body: Vec<u8>,
    headers: &[(&str, &str)],
) -> (StatusCode, String) {
    let mut request = call(
        server,
        reqwest::Method::POST,
        &format!("{NS}/artifacts/{name}"),
    )
    .body(body);
    for (header, value) in headers {
        request = request.header(*header, *value);
    }
    answer(request).await
}

async fn deploy_json(server: &TestServer, app: &str, body: Value) -> (StatusCode, String) {
    answer(call(server, reqwest::Method::PUT, &format!("{NS}/apps/{app}")).json(&body)).await
}

/// Story 1: an archive deployed in one call becomes artifact myapp 1.0.0 and the app.
async fn deploy_purchase_dump(server: &TestServer) {
    let (status, text) = answer(
        call(
            server,
            reqwest::Method::PUT,
            &format!("{NS}/apps/purchaseDump"),
        )
        .header("content-type", "application/octet-stream")
        .header("X-Archive-Name", "myapp-1.0.0.jar")
        .header(
            "Application-Config",
            r#"{"stream": "purchases", "table": "events"}"#,
        )
        .body(jar(None, Some(myapp_descriptor()), "v1.0.0")),
    )
    .await;
    assert_eq!((status, text.as_str()), (StatusCode::OK, "Deploy Complete"));
}

async fn an_app_is_deployed_in_one_call(stores: Stores) {
    let server = TestServer::start(stores).await;
    deploy_purchase_dump(&server).await;
    let (_, versions) = answer_json(call(
        &server,
        reqwest::Method::GET,
        &format!("{NS}/artifacts/myapp"),
    ))
    .await;
    assert_eq!(
        versions,
        json!([{"name": "myapp", "version": "1.0.0", "scope": "USER", "isSystem": false}])
    );
    let (_, app) = answer_json(call(
        &server,
        reqwest::Method::GET,
        &format!("{NS}/apps/purchaseDump"),
    ))
    .await;
    assert_eq!(
        app["artifact"],
        json!({"name": "myapp", "version": "1.0.0", "scope": "USER"})
    );
    assert_eq!(app["config"]["stream"], "purchases");
    assert_eq!(app["description"], "Reads a stream into a table");

    let (status, text) = answer(
        call(&server, reqwest::Method::POST, &format!("{NS}/apps"))
            .header("content-type", "application/octet-stream")
            .body(jar(None, None, "x")),
    )
    .await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::BAD_REQUEST, "X-Archive-Name header not present")
    );
    // Deploying the same archive again is fine (same content).
    deploy_purchase_dump(&server).await;
}

/// Story 2 and 3: a second app from config alone; a new version; who still runs 1.0.0; upgrade
/// and roll back, with the history kept.
async fn apps_are_created_from_config_upgraded_and_rolled_back(stores: Stores) {
    let server = TestServer::start(stores).await;
    deploy_purchase_dump(&server).await;
    let (status, text) = deploy_json(
        &server,
        "myapp2",
        json!({"artifact": {"name": "myapp", "version": "1.0.0"}, "config": {"stream": "B", "table": "X"}}),
    )
    .await;
    assert_eq!((status, text.as_str()), (StatusCode::OK, "Deploy Complete"));
    let (status, text) = deploy_json(
        &server,
        "ghost",
        json!({"artifact": {"name": "myapp", "version": "9.9.9"}}),
    )
    .await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::NOT_FOUND, "Artifact myapp:9.9.9 not found.")
    );

    // 1.0.1, its version from the manifest.
    let (status, text) = add(
        &server,
        "myapp",
        jar(Some("1.0.1"), Some(myapp_descriptor()), "v1.0.1"),
        &[],
    )
    .await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::OK, "Artifact added successfully")
    );
    let on_old = format!("{NS}/apps?artifactName=myapp&artifactVersion=1.0.0");
    let (_, apps) = answer_json(call(&server, reqwest::Method::GET, &on_old)).await;
    let names: Vec<&str> = apps
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["myapp2", "purchaseDump"]);
    assert_eq!(apps[0]["type"], "App");
    assert_eq!(apps[0]["artifact"]["version"], "1.0.0");

    let upgrade = json!({"artifact": {"name": "myapp", "version": "1.0.1"}});
    let (status, text) = answer(
        call(
            &server,
            reqwest::Method::PUT,
            &format!("{NS}/apps/purchaseDump/properties"),
        )
        .json(&upgrade),
    )
    .await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::OK, "Update complete.")
    );
    let (_, apps) = answer_json(call(&server, reqwest::Method::GET, &on_old)).await;
    assert_eq!(
        apps.as_array().unwrap().len(),
        1,
        "only myapp2 is still on 1.0.0"
    );

    let rollback = json!({"artifact": {"name": "myapp", "version": "1.0.0"}, "config": {"stream": "purchases", "table": "events2"}});
    let (status, _) = answer(
        call(
            &server,
            reqwest::Method::POST,
            &format!("{NS}/apps/purchaseDump/update"),
        )
        .json(&rollback),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, detail) = answer_json(call(
        &server,
        reqwest::Method::GET,
        &format!("{NS}/apps/purchaseDump"),
    ))
    .await;
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
    let (status, text) = answer(
        call(
            &server,
            reqwest::Method::PUT,
            &format!("{NS}/apps/purchaseDump/properties"),
        )
        .json(&other),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        text.contains("Only the artifact version of an app may change"),
        "{text}"
    );

    // An artifact an app runs cannot be deleted; one no app runs can.
    let (status, text) = answer(call(
        &server,
        reqwest::Method::DELETE,
        &format!("{NS}/artifacts/myapp/versions/1.0.0"),
    ))
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        text.contains("default/myapp2") && text.contains("default/purchaseDump"),
        "{text}"
    );
    let (status, _) = answer(call(
        &server,
        reqwest::Method::DELETE,
        &format!("{NS}/artifacts/myapp/versions/1.0.1"),
    ))
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = answer(call(
        &server,
        reqwest::Method::DELETE,
        &format!("{NS}/artifacts/myapp/versions/1.0.1"),
    ))
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "deleting a missing version is a no-op"
    );
    let (status, _) = answer(call(
        &server,
        reqwest::Method::DELETE,
        &format!("{NS}/apps/myapp2"),
    ))
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, text) = answer(call(
        &server,
        reqwest::Method::GET,
        &format!("{NS}/apps/myapp2"),
    ))
    .await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::NOT_FOUND, "Application 'myapp2' was not found.")
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
    let (status, text) = answer(call(
        &server,
        reqwest::Method::POST,
        "/v3/namespaces/system/artifacts",
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    add(&server, "myapp", jar(Some("1.0.0"), None, "a"), &[]).await;

    let list = |query: &'static str| {
        call(
            &server,
            reqwest::Method::GET,
            &format!("{NS}/artifacts{query}"),
        )
    };
    let (_, all) = answer_json(list("")).await;
    assert_eq!(
        all,
        json!([
            {"name": "etl", "version": "3.1.0", "scope": "SYSTEM", "isSystem": true},
            {"name": "myapp", "version": "1.0.0", "scope": "USER", "isSystem": false},
        ])
    );
    assert_eq!(
        answer_json(list("?includeSystem=false"))
            .await
            .1
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(answer_json(list("?scope=user")).await.1[0]["name"], "myapp");
    assert_eq!(answer_json(list("?scope=system")).await.1[0]["name"], "etl");
    let (_, detail) = answer_json(call(
        &server,
        reqwest::Method::GET,
        &format!("{NS}/artifacts/etl/versions/3.1.0"),
    ))
    .await;
    assert_eq!(detail["properties"]["team"], "data");

    // Usable from any namespace.
    let (status, _) = answer(call(&server, reqwest::Method::PUT, "/v3/namespaces/team2")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, text) = answer(
        call(&server, reqwest::Method::PUT, "/v3/namespaces/team2/apps/pipeline")
            .json(&json!({"artifact": {"name": "etl", "version": "3.1.0", "scope": "SYSTEM"}, "config": {}})),
    )
    .await;
    assert_eq!((status, text.as_str()), (StatusCode::OK, "Deploy Complete"));
    let (_, apps) = answer_json(call(
        &server,
        reqwest::Method::GET,
        "/v3/namespaces/team2/apps?artifactName=etl",
    ))
    .await;
    assert_eq!(
        apps[0]["artifact"],
        json!({"name": "etl", "version": "3.1.0", "scope": "SYSTEM"})
    );

    // Not through the namespace API.
    let (status, _) = answer(
        call(
            &server,
            reqwest::Method::POST,
            "/v3/namespaces/system/artifacts/etl",
        )
        .body(jar(Some("3.2.0"), None, "x")),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = answer(call(
        &server,
        reqwest::Method::DELETE,
        "/v3/namespaces/system/artifacts/etl/versions/3.1.0",
    ))
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, text) = answer(call(
        &server,
        reqwest::Method::GET,
        "/v3/namespaces/nowhere/artifacts",
    ))
    .await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::NOT_FOUND, "Namespace 'nowhere' was not found.")
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
    let (status, text) = add(&server, "readers", jar(None, None, "r"), &extends).await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::OK, "Artifact added successfully")
    );

    let version = |v: &str, rest: &str| format!("{NS}/artifacts/myapp/versions/{v}{rest}");
    for (v, expected) in [
        ("1.0.0", json!(["reader"])),
        ("1.0.1", json!(["reader"])),
        ("2.0.0", json!([])),
    ] {
        let (_, types) = answer_json(call(
            &server,
            reqwest::Method::GET,
            &version(v, "/extensions"),
        ))
        .await;
        assert_eq!(types, expected, "plugin types seen from myapp {v}");
    }
    let (_, alias) = answer_json(call(
        &server,
        reqwest::Method::GET,
        &version("1.0.1", "/plugintypes"),
    ))
    .await;
    assert_eq!(alias, json!(["reader"]));
    let (_, readers) = answer_json(call(
        &server,
        reqwest::Method::GET,
        &version("1.0.0", "/extensions/reader"),
    ))
    .await;
    assert_eq!(
        readers,
        json!([{"name": "default", "type": "reader", "description": "Reads rows", "className": "co.cask.DefaultReader",
                "artifact": {"name": "readers", "version": "1.0.0", "scope": "USER"}}])
    );
    let (_, one) = answer_json(call(
        &server,
        reqwest::Method::GET,
        &version("1.0.1", "/plugintypes/reader/plugins/default"),
    ))
    .await;
    assert_eq!(one[0]["properties"]["rowkey"]["required"], true);
    let (status, _) = answer(call(
        &server,
        reqwest::Method::GET,
        &version("2.0.0", "/extensions/reader/plugins/default"),
    ))
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, wide) = answer_json(call(
        &server,
        reqwest::Method::GET,
        &format!("{NS}/plugintypes/reader/plugins/default"),
    ))
    .await;
    assert_eq!(wide.as_array().unwrap().len(), 1);

    // A third-party archive described afterwards: its own plugins are visible from it.
    let described =
        json!([{"type": "writer", "name": "table", "className": "co.cask.TableWriter"}]);
    let (status, text) =
        answer(call(&server, reqwest::Method::PUT, &version("2.0.0", "/plugins")).json(&described))
            .await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::OK, "Plugins updated successfully")
    );
    let (_, types) = answer_json(call(
        &server,
        reqwest::Method::GET,
        &version("2.0.0", "/extensions"),
    ))
    .await;
    assert_eq!(types, json!(["writer"]));
    let (status, _) =
        answer(call(&server, reqwest::Method::PUT, &version("2.0.0", "/plugins")).body("not json"))
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
    let snapshot = [("Artifact-Version", "1.1.0-SNAPSHOT")];
    assert_eq!(
        add(&server, "lib", jar(None, None, "first"), &snapshot)
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        add(&server, "lib", jar(None, None, "second"), &snapshot)
            .await
            .0,
        StatusCode::OK,
        "snapshots are replaced"
    );
    let release = [("Artifact-Version", "1.0.0")];
    assert_eq!(
        add(&server, "lib", jar(None, None, "one"), &release)
            .await
            .0,
        StatusCode::OK
    );
    let (status, text) = add(&server, "lib", jar(None, None, "changed"), &release).await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::CONFLICT, "Artifact lib:1.0.0 already exists.")
    );
    let (status, text) = add(
        &server,
        "lib",
        b"not a jar".to_vec(),
        &[("Artifact-Version", "2.0.0")],
    )
    .await;
    assert_eq!(
        (status, text.as_str()),
        (
            StatusCode::BAD_REQUEST,
            "Artifact is not in zip format. Please make sure it is a jar file."
        )
    );
    let (status, text) = add(&server, "lib", jar(None, None, "nov"), &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.starts_with("Unable to derive version"), "{text}");
    let same = jar(None, None, "identical");
    add(
        &server,
        "lib",
        same.clone(),
        &[("Artifact-Version", "1.0.0-SNAPSHOT")],
    )
    .await;
    let blobs_before = count_files(&server.db.blob_dir.join("sha256"));
    add(
        &server,
        "lib",
        same.clone(),
        &[("Artifact-Version", "1.0.1")],
    )
    .await;
    assert_eq!(
        count_files(&server.db.blob_dir.join("sha256")),
        blobs_before,
        "identical content is stored once"
    );

    let (_, versions) = answer_json(call(
        &server,
        reqwest::Method::GET,
        &format!("{NS}/artifacts/lib"),
    ))
    .await;
    let order: Vec<&str> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        ["1.0.0-SNAPSHOT", "1.0.0", "1.0.1", "1.1.0-SNAPSHOT"],
        "CDAP's version order"
    );
    let (_, a) = answer_json(call(
        &server,
        reqwest::Method::GET,
        &format!("{NS}/artifacts/lib/versions/1.0.0-SNAPSHOT"),
    ))
    .await;
    let (_, b) = answer_json(call(
        &server,
        reqwest::Method::GET,
        &format!("{NS}/artifacts/lib/versions/1.0.1"),
    ))
    .await;
    assert_eq!(a["sha256"], b["sha256"]);
    assert_eq!(b["size"], same.len());

    let download = format!("{NS}/artifacts/lib/versions/1.0.1/download");
    let response = call(&server, reqwest::Method::GET, &download)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["etag"],
        format!("\"{}\"", b["sha256"].as_str().unwrap()).as_str()
    );
    assert_eq!(response.bytes().await.unwrap().as_ref(), same.as_slice());
    let part = call(&server, reqwest::Method::GET, &download)
        .header("range", "bytes=0-3")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.bytes().await.unwrap().as_ref(), &same[..4]);

    let properties = format!("{NS}/artifacts/lib/versions/1.0.1/properties");
    let (status, _) = answer(
        call(&server, reqwest::Method::PUT, &properties)
            .json(&json!({"owner": "ana", "tier": "gold"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) =
        answer(call(&server, reqwest::Method::PUT, &format!("{properties}/tier")).body("silver"))
            .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        answer(call(
            &server,
            reqwest::Method::GET,
            &format!("{properties}/tier")
        ))
        .await
        .1,
        "silver"
    );
    answer(call(
        &server,
        reqwest::Method::DELETE,
        &format!("{properties}/owner"),
    ))
    .await;
    assert_eq!(
        answer_json(call(&server, reqwest::Method::GET, &properties))
            .await
            .1,
        json!({"tier": "silver"})
    );
    let (status, _) =
        answer(call(&server, reqwest::Method::PUT, &properties).json(&json!({"n": 1}))).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "properties map strings to strings"
    );

    let (status, text) = answer(call(
        &server,
        reqwest::Method::GET,
        &format!("{NS}/artifacts/lib/versions/9.9.9"),
    ))
    .await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::NOT_FOUND, "Artifact lib:9.9.9 not found.")
    );
    let (status, text) = answer(call(
        &server,
        reqwest::Method::GET,
        &format!("{NS}/artifacts/nope"),
    ))
    .await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::NOT_FOUND, "Artifacts named nope not found.")
    );
    let (status, _) = answer(
        call(
            &server,
            reqwest::Method::POST,
            &format!("{NS}/artifacts/bad%20name"),
        )
        .body(jar(Some("1.0.0"), None, "b")),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let reader = server.user_with_key("rita", "reader").await;
    let refused = server
        .client
        .post(server.url(&format!("{NS}/artifacts/lib")))
        .bearer_auth(&reader)
        .body(jar(Some("3.0.0"), None, "r"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let anonymous = server
        .client
        .get(server.url(&format!("{NS}/artifacts")))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert!(anonymous.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
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
    let address = server.base.trim_start_matches("http://").to_string();
    let key = server.admin_key.clone();
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        write!(
            stream,
            "POST /v3/namespaces/default/artifacts/half HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nArtifact-Version: 1.0.0\r\nContent-Length: 100000\r\n\r\nPK\x03\x04partial"
        )
        .unwrap();
        stream.flush().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(200));
    })
    .await
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (status, _) = answer(call(
        &server,
        reqwest::Method::GET,
        &format!("{NS}/artifacts/half"),
    ))
    .await;
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

on_every_store!(
    an_app_is_deployed_in_one_call,
    apps_are_created_from_config_upgraded_and_rolled_back,
    system_artifacts_come_from_a_folder,
    plugins_extend_a_range_of_versions,
    versions_uploads_downloads_and_properties,
    app_configs_are_checked_against_the_artifacts_schema,
    a_broken_upload_leaves_nothing,
);
