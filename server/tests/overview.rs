//! The home page's overview (issue 17, point 13): what each surface holds, the newest audit
//! entries, and whether the store, the blob store and the pipeline dispatch answer.

mod support;

use reqwest::StatusCode;
use serde_json::{json, Value};
use support::{Answered, Backend, TestServer};

/// The holding of `surface` in the overview: its count and words.
fn holding<'a>(overview: &'a Value, surface: &str) -> (&'a Value, &'a Value) {
    let found = overview["holdings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["surface"] == surface)
        .unwrap_or_else(|| panic!("no holding for {surface}: {overview}"));
    (&found["count"], &found["what"])
}

async fn the_overview_counts_each_surface_and_shows_the_newest_writes(backend: Backend) {
    let (server, _chinook) = TestServer::with_chinook(backend).await;
    let entity = json!({"driver": "basicserver", "name": "web1"});
    let (status, _) = server.post_as_admin("/api/inventory/create", entity).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = server
        .post_as_admin("/dots/admin", json!({"name": "readings"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);

    let (status, overview) = server.as_admin(server.get("/api/overview")).answer().await;
    assert_eq!(status, StatusCode::OK, "{overview}");
    // The tables are those the Tables section lists.
    let (_, databases) = server.as_admin(server.get("/api/tables")).answer().await;
    let databases = databases.as_array().unwrap();
    let tables: usize = databases
        .iter()
        .map(|db| db["tables"].as_array().unwrap().len())
        .sum();
    assert!(databases.iter().any(|db| db["name"] == "chinook"));
    let what = format!("tables in {} databases", databases.len());
    assert_eq!(holding(&overview, "tables"), (&json!(tables), &json!(what)));
    assert_eq!(
        holding(&overview, "inventory"),
        (&json!(1), &json!("entity"))
    );
    assert_eq!(holding(&overview, "versioning"), (&json!(1), &json!("dot")));
    assert_eq!(
        holding(&overview, "artifacts"),
        (&json!(0), &json!("artifact versions, 0 apps"))
    );
    assert_eq!(holding(&overview, "specs"), (&json!(0), &json!("datasets")));

    let newest = &overview["recent"][0];
    assert_eq!(
        (&newest["surface"], &newest["action"]),
        (&json!("versioning"), &json!("create"))
    );
    assert_eq!(overview["recent"][1]["surface"], "inventory");

    let health: Vec<(&str, bool, &str)> = overview["health"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["part"].as_str().unwrap(),
                h["healthy"].as_bool().unwrap(),
                h["detail"].as_str().unwrap(),
            )
        })
        .collect();
    let store = match backend {
        Backend::Sqlite => "SQLite answers",
        Backend::Postgres => "PostgreSQL answers",
    };
    assert_eq!(health[0], ("Store", true, store));
    assert_eq!(health[1].0, "Blob store");
    assert!(
        health[1].1 && health[1].2.starts_with("folder answers; "),
        "{health:?}"
    );
    assert_eq!(
        health[2],
        (
            "Pipeline dispatch",
            true,
            "nothing waiting for the pipeline runner"
        )
    );
}

async fn the_overview_is_for_signed_in_readers(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (status, _) = server.get("/api/overview").answer().await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let reader = server.user_with_key("rita", "reader").await;
    let (status, overview) = server
        .get("/api/overview")
        .bearer_auth(&reader)
        .answer()
        .await;
    assert_eq!(status, StatusCode::OK, "{overview}");
    assert_eq!(overview["recent"][0]["action"], "create");
}

on_both_backends!(
    the_overview_counts_each_surface_and_shows_the_newest_writes,
    the_overview_is_for_signed_in_readers,
);
