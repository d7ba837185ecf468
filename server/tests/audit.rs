//! API.md §0 "Audit": every write leaves a record, readable and filterable at GET /api/audit.

mod support;

use reqwest::StatusCode;
use serde_json::{json, Value};
use support::{error_of, Answered, Backend, TestServer};

async fn audit(server: &TestServer, query: &str) -> (StatusCode, Value) {
    server
        .as_admin(server.get(&format!("/api/audit{query}")))
        .answer()
        .await
}

async fn user_and_key_changes_are_recorded_newest_first(backend: Backend) {
    let server = TestServer::start(backend).await;
    server.user_with_key("bob", "writer").await;
    let (status, entries) = audit(&server, "").await;
    assert_eq!(status, StatusCode::OK);
    let actions: Vec<(&str, &str, &str)> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap(),
                e["object"].as_str().unwrap(),
                e["action"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(actions[0].0, "admin");
    assert_eq!(actions[0].2, "create");
    assert!(actions[0].1.starts_with("key/"));
    assert_eq!(actions[1], ("admin", "user/bob", "create"));
    assert_eq!(
        actions.last().unwrap(),
        &("local", "user/admin", "bootstrap")
    );
    assert_eq!(
        entries[1]["summary"],
        json!({"role": "writer", "password": false})
    );
    assert_eq!(entries[0]["surface"], "auth");
}

async fn the_record_never_holds_a_secret(backend: Backend) {
    let server = TestServer::start(backend).await;
    server
        .create_user_with_password("ana", "writer", "s3cret-pass")
        .await;
    let key = server.user_with_key("bob", "writer").await;
    let text = server.get_text_as_admin("/api/audit").await;
    assert!(!text.contains("s3cret-pass"));
    assert!(!text.contains(&key));
}

async fn filters_narrow_by_user_surface_object_and_time(backend: Backend) {
    let server = TestServer::start(backend).await;
    let bob = server.user_with_key("bob", "writer").await;
    server
        .post("/api/keys")
        .bearer_auth(&bob)
        .json(&json!({"name": "bobs own"}))
        .response()
        .await;

    let (_, by_bob) = audit(&server, "?user=bob").await;
    assert_eq!(by_bob.as_array().unwrap().len(), 1);
    assert_eq!(by_bob[0]["actor"], "bob");

    let (_, about_bob) = audit(&server, "?object=user/bob").await;
    assert_eq!(about_bob.as_array().unwrap().len(), 1);

    let (_, other_surface) = audit(&server, "?surface=tables").await;
    assert_eq!(other_surface, json!([]));

    let (_, future) = audit(&server, "?since=2999-01-01").await;
    assert_eq!(future, json!([]));
    let (_, past) = audit(&server, "?until=2000-01-01T00:00:00Z").await;
    assert_eq!(past, json!([]));
    let (_, all_time) = audit(&server, "?since=2000-01-01&until=2999-01-01").await;
    assert_eq!(all_time.as_array().unwrap().len(), 4);
}

async fn paging_with_before_and_limit(backend: Backend) {
    let server = TestServer::start(backend).await;
    server.user_with_key("bob", "writer").await;
    let (_, first) = audit(&server, "?limit=2").await;
    assert_eq!(first.as_array().unwrap().len(), 2);
    let last_id = first[1]["id"].as_i64().unwrap();
    let (_, rest) = audit(&server, &format!("?before={last_id}")).await;
    assert!(rest
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["id"].as_i64().unwrap() < last_id));
    assert_eq!(rest.as_array().unwrap().len(), 1);
}

async fn bad_filters_are_400_naming_the_parameter(backend: Backend) {
    let server = TestServer::start(backend).await;
    for (query, expected) in [
        ("?since=yesterday", "since must be an RFC 3339 time"),
        ("?until=13/13/13", "until must be an RFC 3339 time"),
        ("?limit=0", "limit must be between 1 and 1000"),
        ("?limit=5000", "limit must be between 1 and 1000"),
        ("?before=abc", "before must be a whole number, not \"abc\""),
    ] {
        let (status, body) = audit(&server, query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert!(error_of(&body).contains(expected), "{query}: {body}");
    }
}

async fn a_failed_write_leaves_no_record(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, before) = audit(&server, "").await;
    let duplicate = server
        .as_admin(server.post("/api/users"))
        .json(&json!({"name": "admin", "role": "reader"}))
        .response()
        .await;
    assert_eq!(duplicate.status(), StatusCode::CONFLICT);
    let (_, after) = audit(&server, "").await;
    assert_eq!(before, after);
}

on_both_backends!(
    user_and_key_changes_are_recorded_newest_first,
    the_record_never_holds_a_secret,
    filters_narrow_by_user_surface_object_and_time,
    paging_with_before_and_limit,
    bad_filters_are_400_naming_the_parameter,
    a_failed_write_leaves_no_record,
);
