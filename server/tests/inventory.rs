//! API.md §2 "Inventory", from clusto-apiserver 0.5.2's own documentation examples, run
//! against the demo inventory those examples assume (`depot inventory seed-demo`).

mod support;

use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{json, Value};
use support::{each_text, entry_with, Answered, Backend, TestServer};

async fn seeded(backend: Backend) -> TestServer {
    let server = TestServer::start_with(backend, |c| {
        c.inventory_headers = vec![("Access-Control-Allow-Origin".into(), "*".into())]
    })
    .await;
    depot_domain::inventory::seed::demo(&server.db.store)
        .await
        .unwrap();
    server
}

/// The admin's `method path` with `params` written `key=value&key=value`, as clusto's
/// documentation writes them: `${get} -d …` sends the parameters in the query string; the
/// others send a form body.
fn call(server: &TestServer, method: Method, path: &str, params: &str) -> RequestBuilder {
    let params: Vec<(&str, &str)> = params
        .split('&')
        .filter(|param| !param.is_empty())
        .map(|param| param.split_once('=').expect("key=value"))
        .collect();
    let url = server.url(&format!("/inventory{path}"));
    let request = if method == Method::GET {
        server.client.get(url).query(&params)
    } else {
        server.client.request(method, url).form(&params)
    };
    server.as_admin(request)
}

async fn answer(request: RequestBuilder) -> (StatusCode, Value) {
    let response = request.response().await;
    let status = response.status();
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "clusto answers JSON"
    );
    (status, response.json().await.unwrap())
}

async fn get(server: &TestServer, path: &str, params: &str) -> (StatusCode, Value) {
    answer(call(server, Method::GET, path, params)).await
}

async fn post(server: &TestServer, path: &str, params: &str) -> (StatusCode, Value) {
    answer(call(server, Method::POST, path, params)).await
}

async fn put(server: &TestServer, path: &str, params: &str) -> (StatusCode, Value) {
    answer(call(server, Method::PUT, path, params)).await
}

async fn delete(server: &TestServer, path: &str, params: &str) -> (StatusCode, Value) {
    answer(call(server, Method::DELETE, path, params)).await
}

/// `name=…&name=…`, one for each of `names`.
fn named(names: &[String]) -> String {
    let params: Vec<String> = names.iter().map(|name| format!("name={name}")).collect();
    params.join("&")
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
    assert_eq!(
        get(&s, "/by-attr", "").await,
        (
            StatusCode::PRECONDITION_FAILED,
            json!("Provide a key to use get_by_attr")
        )
    );
    assert_eq!(
        get(&s, "/by-attr", "key=nonkey").await,
        (StatusCode::OK, json!([]))
    );
    assert_eq!(
        get(&s, "/by-attr", "key=key1&subkey=subkey1&value=value1").await,
        (StatusCode::OK, json!(["/basicserver/testserver1"]))
    );
    let expanded = call(&s, Method::GET, "/by-attr", "key=key1").header("Clusto-Mode", "expanded");
    assert_eq!(
        answer(expanded).await,
        (StatusCode::OK, json!([testserver1(), testserver2()]))
    );
}

async fn by_name_examples(backend: Backend) {
    let s = seeded(backend).await;
    assert_eq!(
        get(&s, "/by-name/nonserver", "").await,
        (
            StatusCode::NOT_FOUND,
            json!("Object \"nonserver\" not found (nonserver does not exist.)")
        )
    );
    let compact =
        call(&s, Method::GET, "/by-name/testserver1", "").header("Clusto-Mode", "compact");
    assert_eq!(
        answer(compact).await,
        (StatusCode::OK, json!("/basicserver/testserver1"))
    );
    assert_eq!(
        get(&s, "/by-name/testserver1", "").await,
        (StatusCode::OK, testserver1())
    );
    assert_eq!(
        get(&s, "/by-name/testserver1", "driver=pool").await,
        (
            StatusCode::CONFLICT,
            json!("The driver for object \"testserver1\" is not \"pool\"")
        )
    );
    assert_eq!(
        get(&s, "/by-name/testserver1", "driver=nondriver").await,
        (
            StatusCode::PRECONDITION_FAILED,
            json!("The driver \"nondriver\" is not a valid driver")
        )
    );
}

async fn by_names_examples(backend: Backend) {
    let s = seeded(backend).await;
    assert_eq!(
        get(&s, "/by-names", "").await,
        (
            StatusCode::PRECONDITION_FAILED,
            json!("Provide at least one name to get data from")
        )
    );
    assert_eq!(
        get(&s, "/by-names", "name=nonserver").await,
        (StatusCode::NOT_FOUND, json!([null]))
    );
    assert_eq!(
        get(&s, "/by-names", "name=testserver1&name=nonserver").await,
        (
            StatusCode::PARTIAL_CONTENT,
            json!(["/basicserver/testserver1", null])
        )
    );
    let expanded = call(
        &s,
        Method::GET,
        "/by-names",
        "name=testserver1&name=testserver2",
    )
    .header("Clusto-Mode", "expanded");
    assert_eq!(
        answer(expanded).await,
        (StatusCode::OK, json!([testserver1(), testserver2()]))
    );
    assert_eq!(
        get(&s, "/by-names", "name=nonserver1&name=nonserver2").await,
        (StatusCode::NOT_FOUND, json!([null, null]))
    );
}

async fn from_pools_examples(backend: Backend) {
    let s = seeded(backend).await;
    assert_eq!(
        get(&s, "/from-pools", "").await,
        (
            StatusCode::PRECONDITION_FAILED,
            json!("Provide at least one pool to get data from")
        )
    );
    assert_eq!(
        get(&s, "/from-pools", "pool=emptypool").await,
        (StatusCode::OK, json!([]))
    );
    assert_eq!(
        get(&s, "/from-pools", "pool=singlepool").await,
        (StatusCode::OK, json!(["/basicserver/testserver1"]))
    );
    assert_eq!(
        get(&s, "/from-pools", "pool=multipool").await,
        (
            StatusCode::OK,
            json!(["/basicserver/testserver1", "/basicserver/testserver2"])
        )
    );
    assert_eq!(
        get(&s, "/from-pools", "pool=singlepool&pool=multipool").await,
        (StatusCode::OK, json!(["/basicserver/testserver1"]))
    );
    assert_eq!(
        get(&s, "/from-pools", "pool=nopool").await.0,
        StatusCode::NOT_FOUND
    );
    let paged = call(&s, Method::GET, "/from-pools", "pool=multipool")
        .header("Clusto-Page", "1")
        .header("Clusto-Per-Page", "1");
    let response = paged.response().await;
    assert_eq!(response.headers()["clusto-pages"], "2");
    assert_eq!(response.headers()["clusto-page"], "1");
    assert_eq!(response.headers()["clusto-per-page"], "1");
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!(["/basicserver/testserver1"])
    );
    let bad_page =
        call(&s, Method::GET, "/from-pools", "pool=multipool").header("Clusto-Page", "x");
    assert_eq!(
        answer(bad_page).await,
        (
            StatusCode::BAD_REQUEST,
            json!("invalid literal for int() with base 10: 'x'")
        )
    );
    let bad_mode =
        call(&s, Method::GET, "/from-pools", "pool=multipool").header("Clusto-Mode", "bogus");
    assert_eq!(
        answer(bad_mode).await,
        (
            StatusCode::CONFLICT,
            json!("'bogus' is not a valid mode. Please choose from: {compact,expanded}.")
        )
    );
}

async fn entity_examples(backend: Backend) {
    let s = seeded(backend).await;
    assert_eq!(
        post(&s, "/entity/pool", "name=pool1").await,
        (StatusCode::CREATED, json!(["/pool/pool1"]))
    );
    assert_eq!(
        post(&s, "/entity/basicserver", "name=server1").await,
        (StatusCode::CREATED, json!(["/basicserver/server1"]))
    );
    let pool1 = |contents: Value| json!({"attrs": [], "contents": contents, "driver": "pool", "name": "pool1", "parents": [], "type": "pool"});
    assert_eq!(
        post(&s, "/entity/pool/pool1", "device=server1&action=insert").await,
        (StatusCode::OK, pool1(json!(["/basicserver/server1"])))
    );
    assert_eq!(
        post(&s, "/entity/pool/pool1", "device=server1&action=remove").await,
        (StatusCode::OK, pool1(json!([])))
    );
    assert_eq!(
        post(&s, "/entity/basicserver", "name=server2&name=server3").await,
        (
            StatusCode::CREATED,
            json!(["/basicserver/server2", "/basicserver/server3"])
        )
    );
    let several = call(
        &s,
        Method::POST,
        "/entity/pool/pool1",
        "device=server2&device=server3&action=insert",
    );
    assert_eq!(
        answer(several).await.1["contents"],
        json!(["/basicserver/server2", "/basicserver/server3"])
    );
    assert_eq!(
        post(&s, "/entity/pool/pool1", "device=server2").await,
        (
            StatusCode::BAD_REQUEST,
            json!("Parameter 'action' is required.")
        )
    );
    assert_eq!(
        post(&s, "/entity/pool/pool1", "device=server2&action=shake").await,
        (
            StatusCode::BAD_REQUEST,
            json!("shake is not a valid action.")
        )
    );
    assert_eq!(
        post(
            &s,
            "/entity/pool/pool1",
            "device=ghost&device=phantom&action=insert"
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );

    let again = call(
        &s,
        Method::POST,
        "/entity/pool",
        "name=pool1&name=createpool2",
    )
    .response()
    .await;
    assert_eq!(again.status(), StatusCode::ACCEPTED);
    assert_eq!(
        again.headers()["warnings"],
        "Entity(s) /pool/pool1 already exist(s)"
    );
    assert_eq!(
        again.json::<Value>().await.unwrap(),
        json!(["/pool/pool1", "/pool/createpool2"])
    );
    assert_eq!(
        post(&s, "/entity/nondriver", "name=createobject").await,
        (
            StatusCode::PRECONDITION_FAILED,
            json!("Requested driver \"nondriver\" does not exist")
        )
    );

    assert_eq!(
        get(&s, "/entity/clustometa", "").await,
        (StatusCode::OK, json!(["/clustometa/clustometa"]))
    );
    let (status, everything) = get(&s, "/entity/", "").await;
    assert_eq!(status, StatusCode::OK);
    for expected in [
        "/clustometa/clustometa",
        "/pool/emptypool",
        "/basicserver/testserver1",
        "/simpleentitynamemanager/testnames",
        "/pool/pool1",
    ] {
        assert!(
            everything.as_array().unwrap().contains(&json!(expected)),
            "{expected} in {everything}"
        );
    }
    assert_eq!(
        get(&s, "/entity/nondriver", "").await,
        (
            StatusCode::PRECONDITION_FAILED,
            json!("The requested driver \"nondriver\" does not exist")
        )
    );
    assert_eq!(
        get(&s, "/entity/basicserver/pool1", "").await,
        (
            StatusCode::CONFLICT,
            json!("The driver for object \"pool1\" is not \"basicserver\"")
        )
    );

    assert_eq!(
        delete(&s, "/entity/nondriver/server1", "").await,
        (
            StatusCode::PRECONDITION_FAILED,
            json!("Requested driver \"nondriver\" does not exist")
        )
    );
    assert_eq!(
        call(&s, Method::DELETE, "/entity/basicserver/server1", "")
            .answer_status()
            .await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(&s, Method::DELETE, "/entity/basicserver/server1", "")
            .answer_status()
            .await,
        StatusCode::NOT_FOUND
    );
}

/// The attribute of `all` with this key and subkey.
fn attr(all: &Value, key: &str, subkey: Option<&str>) -> Value {
    all.as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"] == key && a["subkey"].as_str() == subkey)
        .unwrap_or_else(|| panic!("no attribute {key}/{subkey:?} in {all}"))
        .clone()
}

async fn attribute_examples(backend: Backend) {
    let s = seeded(backend).await;
    post(&s, "/entity/basicserver", "name=addattrserver").await;
    let web = json!({"datatype": "string", "key": "group", "number": null, "subkey": null, "value": "web"});
    assert_eq!(
        post(&s, "/attribute/addattrserver", "key=group&value=web").await,
        (StatusCode::CREATED, json!([web]))
    );
    let (_, all) = post(
        &s,
        "/attribute/addattrserver",
        "key=group&subkey=id&value=6&datatype=int",
    )
    .await;
    assert_eq!(
        attr(&all, "group", Some("id")),
        json!({"datatype": "int", "key": "group", "number": null, "subkey": "id", "value": 6})
    );
    let (_, all) = post(
        &s,
        "/attribute/addattrserver",
        "key=inception&value=/basicserver/addattrserver&datatype=relation",
    )
    .await;
    assert_eq!(
        attr(&all, "inception", None)["value"],
        "/basicserver/addattrserver"
    );
    let (_, all) = post(
        &s,
        "/attribute/addattrserver",
        "key=birthday&subkey=jtcunning&value=1991-07-09T14:46:51.321435&datatype=datetime",
    )
    .await;
    assert_eq!(
        all[0],
        json!({"datatype": "datetime", "key": "birthday", "number": null, "subkey": "jtcunning", "value": "1991-07-09T14:46:51.321435"}),
        "listed first, by key, as the documentation's example shows"
    );
    let (status, all) = post(
        &s,
        "/attribute/addattrserver",
        "key=bought&value=09/07/1991 14:46&datatype=datetime&mask=%d/%m/%Y %H:%M",
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        attr(&all, "bought", None)["value"],
        "1991-07-09T14:46:00",
        "a datetime read with its mask"
    );
    assert_eq!(
        post(
            &s,
            "/attribute/addattrserver",
            "key=bought&value=09/07/1991&datatype=datetime"
        )
        .await
        .0,
        StatusCode::BAD_REQUEST
    );
    delete(&s, "/attribute/addattrserver/bought", "").await;
    let bulk = s
        .as_admin(s.client.post(s.url("/inventory/attribute/addattrserver")))
        .json(&json!([{"key": "group", "subkey": "admin", "value": "apache"}, {"key": "group", "subkey": "member", "value": "webapp"}, {"key": "conf", "value": {"a": 1}, "datatype": "json"}]));
    let (status, all) = answer(bulk).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(attr(&all, "group", Some("admin"))["value"], "apache");
    assert_eq!(attr(&all, "conf", None)["value"], json!({"a": 1}));
    assert_eq!(
        each_text(&all, "key"),
        [
            "birthday",
            "conf",
            "group",
            "group",
            "group",
            "group",
            "inception"
        ]
    );

    let bad = [
        ("key=k&value=v&datatype=float", StatusCode::BAD_REQUEST, "float is not a valid datatype. datatypes include: ('int', 'string', 'datetime', 'relation', 'json')"),
        ("key=k&value=v&datatype=int", StatusCode::BAD_REQUEST, "Error casting v into a(n) int: invalid literal for int() with base 10: 'v'"),
        ("key=k", StatusCode::PRECONDITION_FAILED, "Provide at least \"key\" and \"value\""),
    ];
    for (params, status, message) in bad {
        assert_eq!(
            post(&s, "/attribute/addattrserver", params).await,
            (status, json!(message))
        );
    }
    let mixed = s
        .as_admin(
            s.client
                .post(s.url("/inventory/attribute/addattrserver?key=x")),
        )
        .json(&json!({"key": "k", "value": "v"}));
    assert_eq!(
        answer(mixed).await,
        (
            StatusCode::BAD_REQUEST,
            json!("Error: json and query params may not be passed in the same request.")
        )
    );

    post(&s, "/entity/basicserver", "name=deleteserver2").await;
    let engineering = json!({"datatype": "string", "key": "group", "number": null, "subkey": null, "value": "engineering"});
    let joe = json!({"datatype": "string", "key": "group", "number": null, "subkey": "owner", "value": "joe"});
    assert_eq!(
        put(&s, "/attribute/deleteserver2/group", "value=engineering").await,
        (StatusCode::OK, json!([engineering]))
    );
    assert_eq!(
        put(&s, "/attribute/deleteserver2/group/owner", "value=joe").await,
        (StatusCode::OK, json!([engineering, joe]))
    );
    let bob = json!({"datatype": "string", "key": "group", "number": null, "subkey": "owner", "value": "bob"});
    assert_eq!(
        put(&s, "/attribute/deleteserver2/group/owner", "value=bob").await,
        (StatusCode::OK, json!([engineering, bob]))
    );
    assert_eq!(
        delete(&s, "/attribute/deleteserver2/group/owner", "").await,
        (StatusCode::OK, json!([engineering]))
    );
    assert_eq!(
        get(&s, "/attribute/deleteserver2/group", "").await,
        (StatusCode::OK, json!([engineering]))
    );
    assert_eq!(
        get(&s, "/attribute/multipool", "driver=basicserver")
            .await
            .0,
        StatusCode::CONFLICT
    );
}

async fn output_is_sorted_pretty_json_unless_minified(backend: Backend) {
    let s = seeded(backend).await;
    let pretty = call(&s, Method::GET, "/entity/pool/emptypool", "")
        .response()
        .await;
    assert_eq!(pretty.headers()["clusto-minify"], "False");
    assert_eq!(
        pretty.headers()["access-control-allow-origin"],
        "*",
        "configured headers are on every response"
    );
    assert_eq!(
        pretty.text().await.unwrap(),
        "{\n    \"attrs\": [],\n    \"contents\": [],\n    \"driver\": \"pool\",\n    \"name\": \"emptypool\",\n    \"parents\": [],\n    \"type\": \"pool\"\n}"
    );
    let minified = call(&s, Method::GET, "/entity/pool/emptypool", "")
        .header("Clusto-Minify", "TRUE")
        .response()
        .await;
    assert_eq!(minified.headers()["clusto-minify"], "TRUE");
    assert_eq!(
        minified.text().await.unwrap(),
        r#"{"attrs":[],"contents":[],"driver":"pool","name":"emptypool","parents":[],"type":"pool"}"#
    );
    let options = s
        .client
        .request(Method::OPTIONS, s.url("/inventory/anything/at/all"))
        .response()
        .await;
    assert_eq!(options.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        s.client
            .get(s.url("/inventory/favicon.ico"))
            .answer_status()
            .await,
        StatusCode::GONE
    );
    assert_eq!(
        get(&s, "/__version__", "").await,
        (StatusCode::OK, json!("0.5.2"))
    );
    let anonymous = s.client.get(s.url("/inventory/entity/")).response().await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        anonymous.json::<Value>().await.unwrap(),
        json!("authentication required")
    );
}

async fn reads_can_look_back_in_time(backend: Backend) {
    let s = seeded(backend).await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let before = depot_domain::time::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    put(&s, "/attribute/testserver1/key1/subkey1", "value=changed").await;
    post(
        &s,
        "/entity/pool/singlepool",
        "device=testserver1&action=remove",
    )
    .await;
    let (_, now) = get(&s, "/by-name/testserver1", "").await;
    assert_eq!(now["attrs"][0]["value"], "changed");
    assert_eq!(now["parents"], json!(["/pool/multipool"]));
    let (_, then) = get(&s, "/by-name/testserver1", &format!("as_of={before}")).await;
    assert_eq!(then, testserver1());
    let (_, entries) = status_and_json_audit(&s).await;
    assert!(entries
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["object"] == "/basicserver/testserver1" && e["action"] == "set-attribute"));
}

async fn status_and_json_audit(s: &TestServer) -> (StatusCode, Value) {
    s.as_admin(s.get("/api/audit?surface=inventory"))
        .answer()
        .await
}

async fn pool_rules_are_enforced(backend: Backend) {
    let s = seeded(backend).await;
    post(&s, "/entity/exclusive_pool", "name=solo").await;
    post(&s, "/entity/unique_pool", "name=u1&name=u2").await;
    let (status, _) = post(
        &s,
        "/entity/exclusive_pool/solo",
        "device=testserver1&action=insert",
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "testserver1 is in other pools already"
    );
    post(&s, "/entity/basicserver", "name=lonely").await;
    assert_eq!(
        post(
            &s,
            "/entity/exclusive_pool/solo",
            "device=lonely&action=insert"
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(
        post(&s, "/entity/pool/emptypool", "device=lonely&action=insert")
            .await
            .0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        post(
            &s,
            "/entity/unique_pool/u1",
            "device=testserver2&action=insert"
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(
        post(
            &s,
            "/entity/unique_pool/u2",
            "device=testserver2&action=insert"
        )
        .await
        .0,
        StatusCode::CONFLICT
    );
}

async fn resource_manager_examples(backend: Backend) {
    let s = seeded(backend).await;
    let (status, allocator) = post(
        &s,
        "/resourcemanager/simpleentitynamemanager",
        "name=allocator",
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        (allocator["count"].clone(), allocator["type"].clone()),
        (json!(0), json!("resourcemanager"))
    );
    assert_eq!(
        post(
            &s,
            "/resourcemanager/simpleentitynamemanager/allocator",
            "driver=basicserver"
        )
        .await,
        (StatusCode::CREATED, json!("/basicserver/01"))
    );
    assert_eq!(
        post(
            &s,
            "/resourcemanager/simpleentitynamemanager/allocator",
            "driver=basicserver&resource=99"
        )
        .await,
        (StatusCode::CREATED, json!("/basicserver/99"))
    );
    assert_eq!(
        post(
            &s,
            "/resourcemanager/simpleentitynamemanager/allocator",
            "driver=basicserver"
        )
        .await,
        (StatusCode::CREATED, json!("/basicserver/02"))
    );
    assert_eq!(
        get(&s, "/resourcemanager/simpleentitynamemanager/allocator", "")
            .await
            .1["count"],
        3
    );

    let ipman = post(
        &s,
        "/resourcemanager/ipmanager",
        "name=ipman2&gateway=192.168.1.1&netmask=255.255.255.0&baseip=192.168.1.10",
    )
    .await;
    assert_eq!(ipman.0, StatusCode::CREATED);
    assert_eq!(
        ipman.1["attrs"],
        json!([
            {"datatype": "string", "key": "baseip", "number": null, "subkey": "property", "value": "192.168.1.10"},
            {"datatype": "string", "key": "gateway", "number": null, "subkey": "property", "value": "192.168.1.1"},
            {"datatype": "string", "key": "netmask", "number": null, "subkey": "property", "value": "255.255.255.0"}
        ])
    );
    make_names2(&s).await;
    assert_eq!(
        post(
            &s,
            "/resourcemanager/simpleentitynamemanager/names2",
            "driver=basicserver"
        )
        .await,
        (StatusCode::CREATED, json!("/basicserver/a01"))
    );
    assert_eq!(
        post(&s, "/resourcemanager/ipmanager/ipman2", "object=a01").await,
        (
            StatusCode::CREATED,
            json!({"datatype": "int", "key": "ip", "number": 0, "subkey": null, "value": 1084752130})
        )
    );
    let (_, a01) = get(&s, "/by-name/a01", "").await;
    assert_eq!(a01["ips"], json!(["192.168.1.2"]));
    let cidr = entry_with(&a01["attrs"], "subkey", "cidr");
    assert_eq!(cidr["value"], "192.168.1.2/24");
    let manager = entry_with(&a01["attrs"], "subkey", "manager");
    assert_eq!(manager["value"], "/ipmanager/ipman2");
    assert_eq!(
        call(
            &s,
            Method::DELETE,
            "/resourcemanager/ipmanager/ipman2",
            "object=a01"
        )
        .answer_status()
        .await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(get(&s, "/by-name/a01", "").await.1["ips"], json!([]));

    assert_eq!(
        get(&s, "/resourcemanager/", "").await,
        (
            StatusCode::OK,
            json!([
                "/ipmanager/ipman2",
                "/simpleentitynamemanager/allocator",
                "/simpleentitynamemanager/names2",
                "/simpleentitynamemanager/testnames"
            ])
        )
    );
    assert_eq!(
        get(&s, "/resourcemanager/notadriver", "").await,
        (
            StatusCode::NOT_FOUND,
            json!("Not a valid driver \"notadriver\" (driver name notadriver doesn't exist.)")
        )
    );
    assert_eq!(
        get(&s, "/resourcemanager/simpleentitynamemanager/nonames", "").await,
        (
            StatusCode::NOT_FOUND,
            json!("Object \"nonames\" not found (nonames does not exist.)")
        )
    );
    assert_eq!(
        get(&s, "/resourcemanager/nomanager/testnames", "").await,
        (
            StatusCode::PRECONDITION_FAILED,
            json!("The driver \"nomanager\" is not a valid driver")
        )
    );
    assert_eq!(
        get(&s, "/resourcemanager/basicserver/testserver1", "").await,
        (
            StatusCode::CONFLICT,
            json!("The object \"testserver1\" is not a resource manager")
        )
    );
    assert_eq!(
        post(
            &s,
            "/resourcemanager/simpleentitynamemanager/testnames",
            "driver=basicserver"
        )
        .await,
        (StatusCode::CREATED, json!("/basicserver/s01"))
    );
}

async fn ip_allocation_skips_gateway_and_broadcast_and_ends_cleanly(backend: Backend) {
    let s = seeded(backend).await;
    post(
        &s,
        "/resourcemanager/ipmanager",
        "name=tiny&baseip=10.0.0.0&netmask=255.255.255.248&gateway=10.0.0.1",
    )
    .await;
    let names: Vec<String> = (0..6).map(|i| format!("host{i}")).collect();
    post(&s, "/entity/basicserver", &named(&names)).await;
    let mut given = Vec::new();
    for name in &names[..5] {
        let (status, ip) = post(
            &s,
            "/resourcemanager/ipmanager/tiny",
            &format!("object={name}"),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{name}");
        given.push(ip["value"].as_i64().unwrap() + (1i64 << 31));
    }
    let dotted: Vec<String> = given
        .iter()
        .map(|n| std::net::Ipv4Addr::from(*n as u32).to_string())
        .collect();
    assert_eq!(
        dotted,
        ["10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"]
    );
    let (status, message) = post(&s, "/resourcemanager/ipmanager/tiny", "object=host5").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(message.as_str().unwrap().contains("full"), "{message}");
    let (status, _) = post(
        &s,
        "/resourcemanager/ipmanager/tiny",
        "object=host5&resource=10.0.0.3",
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "a taken address");

    post(
        &s,
        "/resourcemanager/ipmanager",
        "name=v6&baseip=2001:db8::&prefix=64",
    )
    .await;
    let (status, ip) = post(&s, "/resourcemanager/ipmanager/v6", "object=host5").await;
    assert_eq!(
        (status, ip["value"].clone()),
        (StatusCode::CREATED, json!("2001:db8::1"))
    );
}

/// A second `depot` process on the same store, stopped when dropped.
struct SecondProcess(std::process::Child);

impl Drop for SecondProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Two Depot processes on one store allocate 200 addresses at once: all distinct.
async fn concurrent_allocations_never_collide(backend: Backend) {
    let first = seeded(backend).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let data = std::env::temp_dir().join(format!("depot_second_{}_{port}", std::process::id()));
    let _second_process = SecondProcess(
        std::process::Command::new(env!("CARGO_BIN_EXE_depot"))
            .args([
                "--data-dir",
                data.to_str().unwrap(),
                "--database-url",
                &first.db.url,
                "serve",
                "--bind",
                &format!("127.0.0.1:{port}"),
            ])
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("a second depot process starts"),
    );
    let second = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if first
            .client
            .get(format!("{second}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    post(
        &first,
        "/resourcemanager/ipmanager",
        "name=busy&baseip=10.1.0.0&netmask=255.255.255.0",
    )
    .await;
    let names: Vec<String> = (0..200).map(|i| format!("node{i:03}")).collect();
    for chunk in names.chunks(50) {
        post(&first, "/entity/basicserver", &named(chunk)).await;
    }
    let mut tasks = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let base = if i % 2 == 0 {
            first.base.clone()
        } else {
            second.clone()
        };
        let (client, key, name) = (first.client.clone(), first.admin_key.clone(), name.clone());
        tasks.push(tokio::spawn(async move {
            let response = client
                .post(format!("{base}/inventory/resourcemanager/ipmanager/busy"))
                .bearer_auth(key)
                .form(&[("object", name.as_str())])
                .send()
                .await
                .unwrap();
            let status = response.status();
            (status, response.json::<Value>().await.unwrap())
        }));
    }
    let mut addresses = std::collections::HashSet::new();
    for task in tasks {
        let (status, ip) = task.await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{ip}");
        assert!(
            addresses.insert(ip["value"].as_i64().unwrap()),
            "an address was given twice"
        );
    }
    assert_eq!(addresses.len(), 200);
}

/// The attributes of `name` as (key, value) pairs, in the order they are listed.
async fn listed_attributes(s: &TestServer, name: &str) -> Vec<(String, Value)> {
    let (_, entity) = get(s, &format!("/by-name/{name}"), "").await;
    entity["attrs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["key"].as_str().unwrap().to_string(), a["value"].clone()))
        .collect()
}

async fn attributes_are_listed_by_key(backend: Backend) {
    let s = seeded(backend).await;
    for (key, value) in [("zeta", "1"), ("alpha", "2"), ("zeta", "3"), ("Beta", "4")] {
        let params = format!("key={key}&value={value}");
        let (status, _) = post(&s, "/attribute/testserver2", &params).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    assert_eq!(
        listed_attributes(&s, "testserver2").await,
        [
            ("Beta", "4"),
            ("alpha", "2"),
            ("key1", "value2"),
            ("zeta", "1"),
            ("zeta", "3")
        ]
        .map(|(k, v)| (k.to_string(), json!(v)))
    );
}

async fn entities_are_listed_by_name(backend: Backend) {
    let s = seeded(backend).await;
    assert_eq!(
        get(&s, "/entity/pool", "").await,
        (
            StatusCode::OK,
            json!(["/pool/emptypool", "/pool/multipool", "/pool/singlepool"])
        )
    );
    assert_eq!(
        post(&s, "/entity/basicserver", "name=zz&name=aa").await.0,
        StatusCode::CREATED
    );
    assert_eq!(
        get(&s, "/entity/basicserver", "").await.1,
        json!([
            "/basicserver/aa",
            "/basicserver/testserver1",
            "/basicserver/testserver2",
            "/basicserver/zz"
        ])
    );
}

async fn name_managers_keep_clustos_default_properties(backend: Backend) {
    let s = seeded(backend).await;
    let property = |key: &str, datatype: &str, value: Value| json!({"datatype": datatype, "key": key, "number": null, "subkey": "property", "value": value});
    let (status, created) = post(&s, "/resourcemanager/simplenamemanager", "name=bare").await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        created["attrs"],
        json!([
            property("basename", "string", json!("")),
            property("digits", "int", json!(2)),
            property("leadingZeros", "int", json!(1)),
            property("next", "int", json!(1)),
        ])
    );
    let given = "name=wide&basename=w&digits=4&leadingZeros=0";
    let (_, wide) = post(&s, "/resourcemanager/simpleentitynamemanager", given).await;
    assert_eq!(
        wide["attrs"],
        json!([
            property("basename", "string", json!("w")),
            property("digits", "int", json!(4)),
            property("leadingZeros", "int", json!(0)),
            property("next", "int", json!(1)),
        ])
    );
    let allocate = |manager: &str, params: &str| {
        let path = format!("/resourcemanager/simpleentitynamemanager/{manager}");
        call(&s, Method::POST, &path, params)
    };
    assert_eq!(
        answer(allocate("wide", "driver=basicserver")).await,
        (StatusCode::CREATED, json!("/basicserver/w1")),
        "leadingZeros 0 does not pad"
    );
    let (status, message) = post(
        &s,
        "/resourcemanager/simplenamemanager",
        "name=odd&digits=many",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        message
            .as_str()
            .unwrap()
            .starts_with("Error casting many into a(n) int"),
        "{message}"
    );
    assert_eq!(
        get(&s, "/by-name/odd", "").await.0,
        StatusCode::NOT_FOUND,
        "a refused manager is not half-created"
    );
    assert_eq!(
        post(&s, "/entity/simplenamemanager", "name=plain").await.0,
        StatusCode::CREATED
    );
    assert_eq!(
        listed_attributes(&s, "plain").await.len(),
        4,
        "defaults whatever the route"
    );
}

/// A name manager `names2` handing out `a01`, `a02`…
async fn make_names2(s: &TestServer) {
    let path = "/resourcemanager/simpleentitynamemanager";
    let made = post(s, path, "name=names2&basename=a").await;
    assert_eq!(made.0, StatusCode::CREATED);
}

async fn a_given_resource_is_the_whole_name(backend: Backend) {
    let s = seeded(backend).await;
    make_names2(&s).await;
    let allocate = |params: &str| {
        call(
            &s,
            Method::POST,
            "/resourcemanager/simpleentitynamemanager/names2",
            params,
        )
    };
    assert_eq!(
        answer(allocate("driver=basicserver&resource=99")).await,
        (StatusCode::CREATED, json!("/basicserver/99"))
    );
    assert_eq!(
        answer(allocate("driver=basicserver")).await,
        (StatusCode::CREATED, json!("/basicserver/a01"))
    );
    assert_eq!(
        answer(allocate("driver=basicserver&resource=99")).await,
        (StatusCode::CONFLICT, json!("99 is already allocated"))
    );
}

async fn documentation_is_html_unless_plain_text_is_asked_for(backend: Backend) {
    let s = seeded(backend).await;
    for path in ["/inventory/", "/inventory/__doc__"] {
        for (accept, expected) in [
            (None, "text/html; charset=UTF-8"),
            (Some("*/*"), "text/html; charset=UTF-8"),
            (Some("text/html"), "text/html; charset=UTF-8"),
            (Some("text/plain, text/html"), "text/html; charset=UTF-8"),
            (Some("text/plain"), "text/plain"),
        ] {
            let mut request = s.as_admin(s.client.get(s.url(path)));
            if let Some(accept) = accept {
                request = request.header("accept", accept);
            }
            let response = request.response().await;
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(
                response.headers()["content-type"],
                expected,
                "{path} with Accept {accept:?}"
            );
        }
    }
}

async fn head_of_the_root_answers_like_the_version(backend: Backend) {
    let s = seeded(backend).await;
    let head = s
        .as_admin(s.client.head(s.url("/inventory/")))
        .response()
        .await;
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.headers()["content-type"], "application/json");
    assert_eq!(head.headers()["clusto-minify"], "False");
    let version = call(&s, Method::GET, "/__version__", "").response().await;
    assert_eq!(
        head.headers()["content-length"],
        version.headers()["content-length"]
    );
    assert_eq!(version.json::<Value>().await.unwrap(), json!("0.5.2"));
}

async fn the_base_driver_entity_is_of_type_generic(backend: Backend) {
    let s = seeded(backend).await;
    let (_, types) = get(&s, "/typelist", "").await;
    assert!(types.get("entity").is_none(), "{types}");
    assert!(types.get("generic").is_some(), "{types}");
    assert_eq!(
        post(&s, "/entity/entity", "name=thing").await.0,
        StatusCode::CREATED
    );
    assert_eq!(get(&s, "/by-name/thing", "").await.1["type"], "generic");
}

/// The header lines of a raw HTTP/1.1 exchange: reqwest would show every name in lower case.
async fn raw_header_lines(s: &TestServer, path: &str) -> Vec<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = s.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!(
        "GET {path} HTTP/1.1\r\nhost: {address}\r\nauthorization: Bearer {}\r\nconnection: close\r\n\r\n",
        s.admin_key
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let head = answer.split("\r\n\r\n").next().unwrap();
    head.lines().skip(1).map(str::to_string).collect()
}

async fn header_names_go_out_in_their_usual_case(backend: Backend) {
    let s = seeded(backend).await;
    let lines = raw_header_lines(&s, "/inventory/__version__").await;
    for name in [
        "Access-Control-Allow-Origin: *",
        "Clusto-Minify: False",
        "Content-Type: application/json",
    ] {
        assert!(
            lines.iter().any(|l| l == name),
            "no line {name:?} in {lines:?}"
        );
    }
    let lines = raw_header_lines(&s, "/healthz").await;
    assert!(
        lines.iter().any(|l| l.starts_with("Content-Type: ")),
        "every surface: {lines:?}"
    );
}

on_both_backends!(
    resource_manager_examples,
    ip_allocation_skips_gateway_and_broadcast_and_ends_cleanly,
    concurrent_allocations_never_collide,
    by_attr_examples,
    by_name_examples,
    by_names_examples,
    from_pools_examples,
    entity_examples,
    attribute_examples,
    output_is_sorted_pretty_json_unless_minified,
    reads_can_look_back_in_time,
    pool_rules_are_enforced,
    attributes_are_listed_by_key,
    entities_are_listed_by_name,
    name_managers_keep_clustos_default_properties,
    a_given_resource_is_the_whole_name,
    documentation_is_html_unless_plain_text_is_asked_for,
    head_of_the_root_answers_like_the_version,
    the_base_driver_entity_is_of_type_generic,
    header_names_go_out_in_their_usual_case,
);
