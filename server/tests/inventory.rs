//! API.md §2 "Inventory", from clusto-apiserver 0.5.2's own documentation examples, run
//! against the demo inventory those examples assume (`depot inventory seed-demo`).

mod support;

use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{json, Value};
use support::{Backend, TestServer};

async fn seeded(backend: Backend) -> TestServer {
    let server = TestServer::start_with(backend, |c| c.inventory_headers = vec![("Access-Control-Allow-Origin".into(), "*".into())]).await;
    depot_domain::inventory::seed::demo(&server.db.store).await.unwrap();
    server
}

/// `${get} -d …` sends the parameters in the query string; the others send a form body.
fn call(server: &TestServer, method: Method, path: &str, params: &[(&str, &str)]) -> RequestBuilder {
    let url = server.url(&format!("/inventory{path}"));
    let request = if method == Method::GET {
        server.client.get(url).query(params)
    } else {
        server.client.request(method, url).form(params)
    };
    server.as_admin(request)
}

async fn answer(request: RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.unwrap();
    let status = response.status();
    assert_eq!(response.headers()["content-type"], "application/json", "clusto answers JSON");
    (status, response.json().await.unwrap())
}

fn testserver1() -> Value {
    json!({
        "attrs": [{"datatype": "string", "key": "key1", "number": null, "subkey": "subkey1", "value": "value1"}],
        "contents": [], "driver": "basicserver", "ips": [], "name": "testserver1",
        "parents": ["/pool/singlepool", "/pool/multipool"], "type": "server"
    })
}

fn testserver2() -> Value {
    json!({
        "attrs": [{"datatype": "string", "key": "key1", "number": null, "subkey": "subkey2", "value": "value2"}],
        "contents": [], "driver": "basicserver", "ips": [], "name": "testserver2",
        "parents": ["/pool/multipool"], "type": "server"
    })
}

async fn by_attr_examples(backend: Backend) {
    let s = seeded(backend).await;
    assert_eq!(answer(call(&s, Method::GET, "/by-attr", &[])).await, (StatusCode::PRECONDITION_FAILED, json!("Provide a key to use get_by_attr")));
    assert_eq!(answer(call(&s, Method::GET, "/by-attr", &[("key", "nonkey")])).await, (StatusCode::OK, json!([])));
    assert_eq!(
        answer(call(&s, Method::GET, "/by-attr", &[("key", "key1"), ("subkey", "subkey1"), ("value", "value1")])).await,
        (StatusCode::OK, json!(["/basicserver/testserver1"]))
    );
    let expanded = call(&s, Method::GET, "/by-attr", &[("key", "key1")]).header("Clusto-Mode", "expanded");
    assert_eq!(answer(expanded).await, (StatusCode::OK, json!([testserver1(), testserver2()])));
}

async fn by_name_examples(backend: Backend) {
    let s = seeded(backend).await;
    assert_eq!(answer(call(&s, Method::GET, "/by-name/nonserver", &[])).await, (StatusCode::NOT_FOUND, json!("Object \"nonserver\" not found (nonserver does not exist.)")));
    let compact = call(&s, Method::GET, "/by-name/testserver1", &[]).header("Clusto-Mode", "compact");
    assert_eq!(answer(compact).await, (StatusCode::OK, json!("/basicserver/testserver1")));
    assert_eq!(answer(call(&s, Method::GET, "/by-name/testserver1", &[])).await, (StatusCode::OK, testserver1()));
    assert_eq!(answer(call(&s, Method::GET, "/by-name/testserver1", &[("driver", "pool")])).await, (StatusCode::CONFLICT, json!("The driver for object \"testserver1\" is not \"pool\"")));
    assert_eq!(answer(call(&s, Method::GET, "/by-name/testserver1", &[("driver", "nondriver")])).await, (StatusCode::PRECONDITION_FAILED, json!("The driver \"nondriver\" is not a valid driver")));
}

async fn by_names_examples(backend: Backend) {
    let s = seeded(backend).await;
    assert_eq!(answer(call(&s, Method::GET, "/by-names", &[])).await, (StatusCode::PRECONDITION_FAILED, json!("Provide at least one name to get data from")));
    assert_eq!(answer(call(&s, Method::GET, "/by-names", &[("name", "nonserver")])).await, (StatusCode::NOT_FOUND, json!([null])));
    assert_eq!(answer(call(&s, Method::GET, "/by-names", &[("name", "testserver1"), ("name", "nonserver")])).await, (StatusCode::PARTIAL_CONTENT, json!(["/basicserver/testserver1", null])));
    let expanded = call(&s, Method::GET, "/by-names", &[("name", "testserver1"), ("name", "testserver2")]).header("Clusto-Mode", "expanded");
    assert_eq!(answer(expanded).await, (StatusCode::OK, json!([testserver1(), testserver2()])));
    assert_eq!(answer(call(&s, Method::GET, "/by-names", &[("name", "nonserver1"), ("name", "nonserver2")])).await, (StatusCode::NOT_FOUND, json!([null, null])));
}

async fn from_pools_examples(backend: Backend) {
    let s = seeded(backend).await;
    assert_eq!(answer(call(&s, Method::GET, "/from-pools", &[])).await, (StatusCode::PRECONDITION_FAILED, json!("Provide at least one pool to get data from")));
    assert_eq!(answer(call(&s, Method::GET, "/from-pools", &[("pool", "emptypool")])).await, (StatusCode::OK, json!([])));
    assert_eq!(answer(call(&s, Method::GET, "/from-pools", &[("pool", "singlepool")])).await, (StatusCode::OK, json!(["/basicserver/testserver1"])));
    assert_eq!(
        answer(call(&s, Method::GET, "/from-pools", &[("pool", "multipool")])).await,
        (StatusCode::OK, json!(["/basicserver/testserver1", "/basicserver/testserver2"]))
    );
    assert_eq!(
        answer(call(&s, Method::GET, "/from-pools", &[("pool", "singlepool"), ("pool", "multipool")])).await,
        (StatusCode::OK, json!(["/basicserver/testserver1"]))
    );
    assert_eq!(answer(call(&s, Method::GET, "/from-pools", &[("pool", "nopool")])).await.0, StatusCode::NOT_FOUND);
    let paged = call(&s, Method::GET, "/from-pools", &[("pool", "multipool")]).header("Clusto-Page", "1").header("Clusto-Per-Page", "1");
    let response = paged.send().await.unwrap();
    assert_eq!(response.headers()["clusto-pages"], "2");
    assert_eq!(response.headers()["clusto-page"], "1");
    assert_eq!(response.headers()["clusto-per-page"], "1");
    assert_eq!(response.json::<Value>().await.unwrap(), json!(["/basicserver/testserver1"]));
    let bad_page = call(&s, Method::GET, "/from-pools", &[("pool", "multipool")]).header("Clusto-Page", "x");
    assert_eq!(answer(bad_page).await, (StatusCode::BAD_REQUEST, json!("invalid literal for int() with base 10: 'x'")));
    let bad_mode = call(&s, Method::GET, "/from-pools", &[("pool", "multipool")]).header("Clusto-Mode", "bogus");
    assert_eq!(answer(bad_mode).await, (StatusCode::CONFLICT, json!("'bogus' is not a valid mode. Please choose from: {compact,expanded}.")));
}

async fn entity_examples(backend: Backend) {
    let s = seeded(backend).await;
    assert_eq!(answer(call(&s, Method::POST, "/entity/pool", &[("name", "pool1")])).await, (StatusCode::CREATED, json!(["/pool/pool1"])));
    assert_eq!(answer(call(&s, Method::POST, "/entity/basicserver", &[("name", "server1")])).await, (StatusCode::CREATED, json!(["/basicserver/server1"])));
    let pool1 = |contents: Value| json!({"attrs": [], "contents": contents, "driver": "pool", "name": "pool1", "parents": [], "type": "pool"});
    assert_eq!(answer(call(&s, Method::POST, "/entity/pool/pool1", &[("device", "server1"), ("action", "insert")])).await, (StatusCode::OK, pool1(json!(["/basicserver/server1"]))));
    assert_eq!(answer(call(&s, Method::POST, "/entity/pool/pool1", &[("device", "server1"), ("action", "remove")])).await, (StatusCode::OK, pool1(json!([]))));
    assert_eq!(
        answer(call(&s, Method::POST, "/entity/basicserver", &[("name", "server2"), ("name", "server3")])).await,
        (StatusCode::CREATED, json!(["/basicserver/server2", "/basicserver/server3"]))
    );
    let several = call(&s, Method::POST, "/entity/pool/pool1", &[("device", "server2"), ("device", "server3"), ("action", "insert")]);
    assert_eq!(answer(several).await.1["contents"], json!(["/basicserver/server2", "/basicserver/server3"]));
    assert_eq!(answer(call(&s, Method::POST, "/entity/pool/pool1", &[("device", "server2")])).await, (StatusCode::BAD_REQUEST, json!("Parameter 'action' is required.")));
    assert_eq!(answer(call(&s, Method::POST, "/entity/pool/pool1", &[("device", "server2"), ("action", "shake")])).await, (StatusCode::BAD_REQUEST, json!("shake is not a valid action.")));
    assert_eq!(answer(call(&s, Method::POST, "/entity/pool/pool1", &[("device", "ghost"), ("device", "phantom"), ("action", "insert")])).await.0, StatusCode::NOT_FOUND);

    let again = call(&s, Method::POST, "/entity/pool", &[("name", "pool1"), ("name", "createpool2")]).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::ACCEPTED);
    assert_eq!(again.headers()["warnings"], "Entity(s) /pool/pool1 already exist(s)");
    assert_eq!(again.json::<Value>().await.unwrap(), json!(["/pool/pool1", "/pool/createpool2"]));
    assert_eq!(answer(call(&s, Method::POST, "/entity/nondriver", &[("name", "createobject")])).await, (StatusCode::PRECONDITION_FAILED, json!("Requested driver \"nondriver\" does not exist")));

    assert_eq!(answer(call(&s, Method::GET, "/entity/clustometa", &[])).await, (StatusCode::OK, json!(["/clustometa/clustometa"])));
    assert_eq!(answer(call(&s, Method::GET, "/entity/nondriver", &[])).await, (StatusCode::PRECONDITION_FAILED, json!("The requested driver \"nondriver\" does not exist")));
    assert_eq!(answer(call(&s, Method::GET, "/entity/basicserver/pool1", &[])).await, (StatusCode::CONFLICT, json!("The driver for object \"pool1\" is not \"basicserver\"")));

    assert_eq!(answer(call(&s, Method::DELETE, "/entity/nondriver/server1", &[])).await, (StatusCode::PRECONDITION_FAILED, json!("Requested driver \"nondriver\" does not exist")));
    assert_eq!(call(&s, Method::DELETE, "/entity/basicserver/server1", &[]).send().await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(call(&s, Method::DELETE, "/entity/basicserver/server1", &[]).send().await.unwrap().status(), StatusCode::NOT_FOUND);
}

async fn attribute_examples(backend: Backend) {
    let s = seeded(backend).await;
    call(&s, Method::POST, "/entity/basicserver", &[("name", "addattrserver")]).send().await.unwrap();
    let web = json!({"datatype": "string", "key": "group", "number": null, "subkey": null, "value": "web"});
    assert_eq!(answer(call(&s, Method::POST, "/attribute/addattrserver", &[("key", "group"), ("value", "web")])).await, (StatusCode::CREATED, json!([web])));
    let (_, all) = answer(call(&s, Method::POST, "/attribute/addattrserver", &[("key", "group"), ("subkey", "id"), ("value", "6"), ("datatype", "int")])).await;
    assert_eq!(all[1], json!({"datatype": "int", "key": "group", "number": null, "subkey": "id", "value": 6}));
    let (_, all) = answer(call(&s, Method::POST, "/attribute/addattrserver", &[("key", "inception"), ("value", "/basicserver/addattrserver"), ("datatype", "relation")])).await;
    assert_eq!(all[2]["value"], "/basicserver/addattrserver");
    let (_, all) = answer(call(&s, Method::POST, "/attribute/addattrserver", &[("key", "birthday"), ("subkey", "jtcunning"), ("value", "1991-07-09T14:46:51.321435"), ("datatype", "datetime")])).await;
    assert_eq!(all[3]["value"], "1991-07-09T14:46:51.321435");
    let bulk = s
        .as_admin(s.client.post(s.url("/inventory/attribute/addattrserver")))
        .json(&json!([{"key": "group", "subkey": "admin", "value": "apache"}, {"key": "group", "subkey": "member", "value": "webapp"}, {"key": "conf", "value": {"a": 1}, "datatype": "json"}]));
    let (status, all) = answer(bulk).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(all[4]["value"], "apache");
    assert_eq!(all[6]["value"], json!({"a": 1}));

    let bad = [
        (vec![("key", "k"), ("value", "v"), ("datatype", "float")], StatusCode::BAD_REQUEST, "float is not a valid datatype. datatypes include: ('int', 'string', 'datetime', 'relation', 'json')"),
        (vec![("key", "k"), ("value", "v"), ("datatype", "int")], StatusCode::BAD_REQUEST, "Error casting v into a(n) int: invalid literal for int() with base 10: 'v'"),
        (vec![("key", "k")], StatusCode::PRECONDITION_FAILED, "Provide at least \"key\" and \"value\""),
    ];
    for (params, status, message) in bad {
        assert_eq!(answer(call(&s, Method::POST, "/attribute/addattrserver", &params)).await, (status, json!(message)));
    }
    let mixed = s
        .as_admin(s.client.post(s.url("/inventory/attribute/addattrserver?key=x")))
        .json(&json!({"key": "k", "value": "v"}));
    assert_eq!(answer(mixed).await, (StatusCode::BAD_REQUEST, json!("Error: json and query params may not be passed in the same request.")));

    call(&s, Method::POST, "/entity/basicserver", &[("name", "deleteserver2")]).send().await.unwrap();
    let engineering = json!({"datatype": "string", "key": "group", "number": null, "subkey": null, "value": "engineering"});
    let joe = json!({"datatype": "string", "key": "group", "number": null, "subkey": "owner", "value": "joe"});
    assert_eq!(answer(call(&s, Method::PUT, "/attribute/deleteserver2/group", &[("value", "engineering")])).await, (StatusCode::OK, json!([engineering])));
    assert_eq!(answer(call(&s, Method::PUT, "/attribute/deleteserver2/group/owner", &[("value", "joe")])).await, (StatusCode::OK, json!([engineering, joe])));
    let bob = json!({"datatype": "string", "key": "group", "number": null, "subkey": "owner", "value": "bob"});
    assert_eq!(answer(call(&s, Method::PUT, "/attribute/deleteserver2/group/owner", &[("value", "bob")])).await, (StatusCode::OK, json!([engineering, bob])));
    assert_eq!(answer(call(&s, Method::DELETE, "/attribute/deleteserver2/group/owner", &[])).await, (StatusCode::OK, json!([engineering])));
    assert_eq!(answer(call(&s, Method::GET, "/attribute/deleteserver2/group", &[])).await, (StatusCode::OK, json!([engineering])));
    assert_eq!(answer(call(&s, Method::GET, "/attribute/multipool", &[("driver", "basicserver")])).await.0, StatusCode::CONFLICT);
}

async fn output_is_sorted_pretty_json_unless_minified(backend: Backend) {
    let s = seeded(backend).await;
    let pretty = call(&s, Method::GET, "/entity/pool/emptypool", &[]).send().await.unwrap();
    assert_eq!(pretty.headers()["clusto-minify"], "False");
    assert_eq!(pretty.headers()["access-control-allow-origin"], "*", "configured headers are on every response");
    assert_eq!(
        pretty.text().await.unwrap(),
        "{\n    \"attrs\": [],\n    \"contents\": [],\n    \"driver\": \"pool\",\n    \"name\": \"emptypool\",\n    \"parents\": [],\n    \"type\": \"pool\"\n}"
    );
    let minified = call(&s, Method::GET, "/entity/pool/emptypool", &[]).header("Clusto-Minify", "TRUE").send().await.unwrap();
    assert_eq!(minified.headers()["clusto-minify"], "TRUE");
    assert_eq!(minified.text().await.unwrap(), r#"{"attrs":[],"contents":[],"driver":"pool","name":"emptypool","parents":[],"type":"pool"}"#);
    let options = s.client.request(Method::OPTIONS, s.url("/inventory/anything/at/all")).send().await.unwrap();
    assert_eq!(options.status(), StatusCode::NO_CONTENT);
    assert_eq!(s.client.get(s.url("/inventory/favicon.ico")).send().await.unwrap().status(), StatusCode::GONE);
    assert_eq!(answer(call(&s, Method::GET, "/__version__", &[])).await, (StatusCode::OK, json!("0.5.2")));
    let anonymous = s.client.get(s.url("/inventory/entity/")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.json::<Value>().await.unwrap(), json!("authentication required"));
}

async fn reads_can_look_back_in_time(backend: Backend) {
    let s = seeded(backend).await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let before = depot_domain::time::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    call(&s, Method::PUT, "/attribute/testserver1/key1/subkey1", &[("value", "changed")]).send().await.unwrap();
    call(&s, Method::POST, "/entity/pool/singlepool", &[("device", "testserver1"), ("action", "remove")]).send().await.unwrap();
    let (_, now) = answer(call(&s, Method::GET, "/by-name/testserver1", &[])).await;
    assert_eq!(now["attrs"][0]["value"], "changed");
    assert_eq!(now["parents"], json!(["/pool/multipool"]));
    let (_, then) = answer(call(&s, Method::GET, "/by-name/testserver1", &[("as_of", &before)])).await;
    assert_eq!(then, testserver1());
    let (_, entries) = status_and_json_audit(&s).await;
    assert!(entries.as_array().unwrap().iter().any(|e| e["object"] == "/basicserver/testserver1" && e["action"] == "set-attribute"));
}

async fn status_and_json_audit(s: &TestServer) -> (StatusCode, Value) {
    support::status_and_json(s.as_admin(s.get("/api/audit?surface=inventory")).send().await.unwrap()).await
}

async fn pool_rules_are_enforced(backend: Backend) {
    let s = seeded(backend).await;
    call(&s, Method::POST, "/entity/exclusive_pool", &[("name", "solo")]).send().await.unwrap();
    call(&s, Method::POST, "/entity/unique_pool", &[("name", "u1"), ("name", "u2")]).send().await.unwrap();
    let (status, _) = answer(call(&s, Method::POST, "/entity/exclusive_pool/solo", &[("device", "testserver1"), ("action", "insert")])).await;
    assert_eq!(status, StatusCode::CONFLICT, "testserver1 is in other pools already");
    call(&s, Method::POST, "/entity/basicserver", &[("name", "lonely")]).send().await.unwrap();
    assert_eq!(answer(call(&s, Method::POST, "/entity/exclusive_pool/solo", &[("device", "lonely"), ("action", "insert")])).await.0, StatusCode::OK);
    assert_eq!(answer(call(&s, Method::POST, "/entity/pool/emptypool", &[("device", "lonely"), ("action", "insert")])).await.0, StatusCode::CONFLICT);
    assert_eq!(answer(call(&s, Method::POST, "/entity/unique_pool/u1", &[("device", "testserver2"), ("action", "insert")])).await.0, StatusCode::OK);
    assert_eq!(answer(call(&s, Method::POST, "/entity/unique_pool/u2", &[("device", "testserver2"), ("action", "insert")])).await.0, StatusCode::CONFLICT);
}

on_both_backends!(
    by_attr_examples,
    by_name_examples,
    by_names_examples,
    from_pools_examples,
    entity_examples,
    attribute_examples,
    output_is_sorted_pretty_json_unless_minified,
    reads_can_look_back_in_time,
    pool_rules_are_enforced,
);
