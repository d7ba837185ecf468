//! API.md §0 "Bad input": every malformed /api request is a 4xx naming the problem, as
//! `{"status", "error"}` JSON, and nothing is half-written.

mod support;

use reqwest::StatusCode;
use serde_json::json;
use support::{status_and_json, Answered, Backend, TestServer};

async fn malformed_json_is_400(backend: Backend) {
    let server = TestServer::start(backend).await;
    let response = server
        .as_admin(server.post("/api/users"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "application/json");
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("the body is not the JSON this call takes"),
        "{body}"
    );
}

async fn an_unknown_role_is_400_naming_the_roles(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (status, body) = server
        .as_admin(server.post("/api/users"))
        .json(&json!({"name": "x", "role": "root"}))
        .answer()
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error = body["error"].as_str().unwrap();
    assert!(error.contains("root") && error.contains("admin"), "{error}");
}

async fn a_missing_field_is_400_naming_it(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (status, body) = server
        .as_admin(server.post("/api/users"))
        .json(&json!({"role": "reader"}))
        .answer()
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].as_str().unwrap().contains("name"), "{body}");
}

async fn bad_user_names_and_short_passwords_are_400(backend: Backend) {
    let server = TestServer::start(backend).await;
    let cases = [
        (
            json!({"name": "a b", "role": "reader"}),
            "user name must be",
        ),
        (
            json!({"name": "ok", "role": "reader", "password": "short"}),
            "at least 8 characters",
        ),
    ];
    for (body, expected) in cases {
        let (status, answer) = server
            .as_admin(server.post("/api/users"))
            .json(&body)
            .answer()
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            answer["error"].as_str().unwrap().contains(expected),
            "{answer}"
        );
    }
    let users = server.as_admin(server.get("/api/users")).answer().await.1;
    assert_eq!(users.as_array().unwrap().len(), 1, "nothing was created");
}

async fn a_duplicate_user_is_409(backend: Backend) {
    let server = TestServer::start(backend).await;
    server
        .create_user_with_password("ana", "reader", "s3cret-pass")
        .await;
    let (status, body) = server
        .as_admin(server.post("/api/users"))
        .json(&json!({"name": "ana", "role": "admin"}))
        .answer()
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"], "a user named \"ana\" already exists");
}

async fn unknown_things_are_404(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (status, body) = server
        .as_admin(server.post("/api/keys/revoke"))
        .json(&json!({"id": 999}))
        .answer()
        .await;
    assert_eq!(
        (status, body["error"].as_str().unwrap()),
        (StatusCode::NOT_FOUND, "no API key with id 999")
    );
    let (status, body) = server
        .as_admin(server.post("/api/keys"))
        .json(&json!({"name": "k", "user": "ghost"}))
        .answer()
        .await;
    assert_eq!(
        (status, body["error"].as_str().unwrap()),
        (StatusCode::NOT_FOUND, "no user named \"ghost\"")
    );
    let (status, body) = server
        .as_admin(server.get("/api/nothing/here"))
        .answer()
        .await;
    assert_eq!(
        (status, body["error"].as_str().unwrap()),
        (StatusCode::NOT_FOUND, "no API route at /api/nothing/here")
    );
}

async fn a_wrong_method_is_405(backend: Backend) {
    let server = TestServer::start(backend).await;
    let response = server
        .as_admin(server.client.delete(server.url("/api/users")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
}

async fn an_oversized_body_is_413(backend: Backend) {
    let server = TestServer::start_with(backend, |c| c.body_limit = 1024).await;
    let name = "x".repeat(4096);
    let response = server
        .as_admin(server.post("/api/keys"))
        .json(&json!({"name": name}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

async fn key_names_are_checked(backend: Backend) {
    let server = TestServer::start(backend).await;
    for name in ["", "   ", &"k".repeat(101)] {
        let (status, body) = server
            .as_admin(server.post("/api/keys"))
            .json(&json!({"name": name}))
            .answer()
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"], "key name must have 1 to 100 characters");
    }
}

on_both_backends!(
    malformed_json_is_400,
    an_unknown_role_is_400_naming_the_roles,
    a_missing_field_is_400_naming_it,
    bad_user_names_and_short_passwords_are_400,
    a_duplicate_user_is_409,
    unknown_things_are_404,
    a_wrong_method_is_405,
    an_oversized_body_is_413,
    key_names_are_checked,
);
