//! API.md §7: `depot import inventory FILE` — entities, attributes, pools and managers from JSON
//! or CSV, in one transaction, run as an operator would and read back through clusto's API.

mod support;

use reqwest::StatusCode;
use serde_json::{json, Value};
use support::{Answered, Backend, TestServer};

/// Runs `depot import inventory` on the server's store with `file` written as `name`.
fn import(server: &TestServer, name: &str, file: &str) -> (bool, String, String) {
    let folder = server.db.blob_dir.with_extension("import");
    std::fs::create_dir_all(&folder).unwrap();
    let path = folder.join(name);
    std::fs::write(&path, file).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_depot"))
        .args(["--database-url", &server.db.url, "--data-dir"])
        .arg(folder.join("data"))
        .args(["import", "inventory"])
        .arg(&path)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into(),
        String::from_utf8_lossy(&output.stderr).into(),
    )
}

async fn clusto(server: &TestServer, path: &str) -> (StatusCode, Value) {
    let response = server
        .as_admin(server.get(&format!("/inventory{path}")))
        .response()
        .await;
    (response.status(), response.json().await.unwrap())
}

/// The Inventory surface's audit entries, newest first.
async fn inventory_audit(server: &TestServer) -> Value {
    let path = "/api/audit?surface=inventory&limit=1000";
    let response = server.as_admin(server.get(path)).response().await;
    response.json().await.unwrap()
}

/// `POST /inventory{path}` with a form, as the admin.
async fn post_form(server: &TestServer, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    let url = format!("/inventory{path}");
    let request = server.as_admin(server.post(&url)).form(form);
    request.response().await
}

async fn names(server: &TestServer, driver: &str) -> Value {
    clusto(server, &format!("/entity/{driver}")).await.1
}

/// An export in clusto's expanded form, loaded back: pools by path or name, relations to
/// entities later in the file, a manager's properties replacing its defaults.
async fn a_json_inventory_is_imported_whole(backend: Backend) {
    let server = TestServer::start(backend).await;
    let file = json!([
        {"name": "web", "driver": "pool", "type": "pool", "attrs": [], "contents": [], "parents": []},
        {"name": "web1", "driver": "basicserver", "type": "server", "ips": [], "contents": [],
         "attrs": [
             {"key": "group", "subkey": null, "number": null, "value": "db", "datatype": "string"},
             {"key": "cores", "subkey": "cpu", "number": 0, "value": 16, "datatype": "int"},
             {"key": "rack", "value": "/basicserver/rack1", "datatype": "relation"}
         ],
         "parents": ["/pool/web"]},
        {"name": "rack1", "driver": "basicserver", "parents": ["web"]},
        {"name": "net1", "driver": "ipmanager", "attrs": [
            {"key": "baseip", "subkey": "property", "value": "10.0.0.0"},
            {"key": "netmask", "subkey": "property", "value": "255.255.255.0"},
            {"key": "gateway", "subkey": "property", "value": "10.0.0.1"}
        ]},
        {"name": "names", "driver": "simplenamemanager", "attrs": [
            {"key": "basename", "subkey": "property", "value": "srv"},
            {"key": "digits", "subkey": "property", "value": "3"}
        ]}
    ]);
    // Servers named as the name manager would name them, more of them than it retries.
    let by_hand = (1..=70).map(|n| json!({"name": format!("srv{n:03}"), "driver": "basicserver"}));
    let file = Value::Array(
        file.as_array()
            .unwrap()
            .iter()
            .cloned()
            .chain(by_hand)
            .collect(),
    );
    let (ok, stdout, stderr) = import(
        &server,
        "inventory.json",
        &serde_json::to_string_pretty(&file).unwrap(),
    );
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("imported 75 entities")
            && stdout.contains("75 created, 0 there already; 3 attributes, 2 memberships"),
        "{stdout}"
    );
    assert!(
        stderr.contains("imported 75/75 entities"),
        "the progress is shown: {stderr}"
    );

    let (status, web1) = clusto(&server, "/by-name/web1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(web1["parents"], json!(["/pool/web"]));
    assert_eq!(
        web1["attrs"],
        json!([
            {"datatype": "int", "key": "cores", "number": 0, "subkey": "cpu", "value": 16},
            {"datatype": "string", "key": "group", "number": null, "subkey": null, "value": "db"},
            {"datatype": "relation", "key": "rack", "number": null, "subkey": null, "value": "/basicserver/rack1"}
        ])
    );
    assert_eq!(names(&server, "pool").await, json!(["/pool/web"]));
    let (_, web) = clusto(&server, "/by-name/web").await;
    assert_eq!(
        web["contents"],
        json!(["/basicserver/web1", "/basicserver/rack1"])
    );

    // The managers work as managers: an address from net1, a name from `names` (3 digits,
    // stepping over srv001 to srv070, which the file made by hand).
    let net1 = "/resourcemanager/ipmanager/net1";
    let allocated = post_form(&server, net1, &[("object", "web1")]).await;
    assert_eq!(allocated.status(), StatusCode::CREATED);
    let names_manager = "/resourcemanager/simplenamemanager/names";
    let named = post_form(&server, names_manager, &[("driver", "basicserver")]).await;
    assert_eq!(named.status(), StatusCode::CREATED);
    assert_eq!(
        named.json::<Value>().await.unwrap(),
        json!("/basicserver/srv071")
    );

    // Every entity's import is in the audit log, as the admin who ran it.
    let audit = inventory_audit(&server).await;
    let imported: Vec<&str> = audit
        .as_array()
        .unwrap_or_else(|| panic!("{audit}"))
        .iter()
        .filter(|e| e["action"] == "import")
        .map(|e| e["object"].as_str().unwrap())
        .collect();
    assert_eq!(imported.len(), 75, "{audit}");
    assert!(imported.contains(&"/basicserver/web1"), "{imported:?}");
}

/// CSV: an entity over several lines (pools and attributes), quoted fields, and entities that
/// exist already are added to rather than made again.
async fn a_csv_inventory_adds_to_what_exists(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (ok, _, stderr) = import(
        &server,
        "first.csv",
        "name,driver\nweb,pool\nweb1,basicserver\n",
    );
    assert!(ok, "{stderr}");
    let csv = "name,driver,pool,key,subkey,number,value,datatype\n\
               web1,basicserver,web,,,,,\n\
               web1,basicserver,,note,,,\"racked, cabled\",\n\
               db1,basicserver,web,memory,,0,64,int\n\
               db1,basicserver,,ip,ipstring,,10.9.9.9,\n";
    let (ok, stdout, stderr) = import(&server, "second.csv", csv);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("1 created, 1 there already; 3 attributes, 2 memberships"),
        "{stdout}"
    );
    let (_, web) = clusto(&server, "/by-name/web").await;
    assert_eq!(
        web["contents"],
        json!(["/basicserver/web1", "/basicserver/db1"])
    );
    let (_, web1) = clusto(&server, "/by-name/web1").await;
    assert_eq!(web1["attrs"][0]["value"], "racked, cabled");
    let (_, db1) = clusto(&server, "/by-name/db1").await;
    assert_eq!(db1["attrs"][1]["value"], 64);
    // An address set by hand, not handed out by a manager, is an ordinary attribute.
    assert_eq!(db1["attrs"][0]["value"], "10.9.9.9");
    assert_eq!(db1["ips"], json!(["10.9.9.9"]));
}

/// A refused line is named — while reading the file, or while loading it — and nothing of the
/// file is written, not even the lines before it.
async fn a_refused_line_is_named_and_nothing_is_written(backend: Backend) {
    let server = TestServer::start(backend).await;
    let refusals = [
        (
            "bad-value.csv",
            "name,driver,key,value,datatype\nweb1,basicserver,,,\nweb2,basicserver,cores,many,int\n",
            "line 3: ",
        ),
        (
            "unknown-driver.csv",
            "name,driver\nweb1,basicserver\nweb2,toaster\n",
            "line 3: unknown driver \"toaster\"",
        ),
        (
            "missing-pool.csv",
            "name,driver,pool\nweb1,basicserver,\nweb2,basicserver,nowhere\n",
            "line 3: nowhere is neither in the file nor in the inventory",
        ),
        (
            "bad.json",
            "[\n  {\"name\": \"web1\", \"driver\": \"basicserver\"},\n  {\"name\": \"web2\"}\n]",
            "line 3: not a list of entities: missing field `driver`",
        ),
        (
            "bad-relation.json",
            "[\n  {\"name\": \"web1\", \"driver\": \"basicserver\"},\n  {\"name\": \"web2\", \"driver\": \"basicserver\",\n   \"attrs\": [{\"key\": \"rack\", \"value\": \"rack9\", \"datatype\": \"relation\"}]}\n]",
            "line 3: ",
        ),
    ];
    for (name, file, said) in refusals {
        let (ok, stdout, stderr) = import(&server, name, file);
        assert!(!ok, "{name} was refused: {stdout}");
        assert!(
            stderr.contains(said) && stderr.contains("nothing was imported"),
            "{name}: {stderr}"
        );
        assert_eq!(
            names(&server, "basicserver").await,
            json!([]),
            "{name} wrote nothing"
        );
    }
    let audit = inventory_audit(&server).await;
    assert_eq!(audit, json!([]), "no audit record either");
}

/// An inventory exported in clusto's expanded mode, loaded into another Depot: the addresses
/// its IP manager handed out are handed out again there, so none can be given twice.
async fn an_export_loads_back_with_its_addresses(backend: Backend) {
    let source = TestServer::start(backend).await;
    assert_eq!(
        post_form(
            &source,
            "/entity/basicserver",
            &[("name", "web1"), ("name", "web2")]
        )
        .await
        .status(),
        StatusCode::CREATED
    );
    let network = [
        ("name", "net1"),
        ("baseip", "10.0.0.0"),
        ("netmask", "255.255.255.0"),
    ];
    assert_eq!(
        post_form(&source, "/resourcemanager/ipmanager", &network)
            .await
            .status(),
        StatusCode::CREATED
    );
    let net1 = "/resourcemanager/ipmanager/net1";
    assert_eq!(
        post_form(&source, net1, &[("object", "web1")])
            .await
            .status(),
        StatusCode::CREATED
    );
    let export = source
        .as_admin(source.get("/inventory/entity"))
        .header("Clusto-Mode", "expanded")
        .answer_text()
        .await
        .1;

    let target = TestServer::start(backend).await;
    let (ok, stdout, stderr) = import(&target, "export.json", &export);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("3 created, 1 there already"), "{stdout}");
    let (_, web1) = clusto(&target, "/by-name/web1").await;
    assert_eq!(web1["ips"], json!(["10.0.0.1"]), "{web1}");
    let (_, manager) = clusto(&target, "/resourcemanager/ipmanager/net1").await;
    assert_eq!(
        manager["count"], 1,
        "the address is net1's allocation: {manager}"
    );
    let taken = post_form(
        &target,
        net1,
        &[("object", "web2"), ("resource", "10.0.0.1")],
    )
    .await;
    assert_eq!(
        taken.status(),
        StatusCode::CONFLICT,
        "10.0.0.1 is not given twice"
    );
    let next = post_form(&target, net1, &[("object", "web2")]).await;
    assert_eq!(next.status(), StatusCode::CREATED);
    let (_, web2) = clusto(&target, "/by-name/web2").await;
    assert_eq!(web2["ips"], json!(["10.0.0.2"]));

    // Loaded again where it is already: the entities are kept, their addresses stay theirs.
    let (ok, stdout, stderr) = import(&target, "export-again.json", &export);
    assert!(ok, "{stderr}");
    // Every store has clusto's `clustometa` entity, so the export holds four.
    assert!(stdout.contains("0 created, 4 there already"), "{stdout}");
    let (_, manager) = clusto(&target, "/resourcemanager/ipmanager/net1").await;
    assert_eq!(
        manager["count"], 2,
        "still web1's and web2's addresses: {manager}"
    );
}

on_both_backends!(
    an_export_loads_back_with_its_addresses,
    a_json_inventory_is_imported_whole,
    a_csv_inventory_adds_to_what_exists,
    a_refused_line_is_named_and_nothing_is_written
);
