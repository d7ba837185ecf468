//! API.md §0 "Bad input": every malformed /api request is a 4xx naming the problem, as
//! `{"status", "error"}` JSON, and nothing is half-written.

mod support;

use reqwest::StatusCode;
use serde_json::json;
use support::{error_of, json_body, status_and_json, Answered, Backend, TestServer};

async fn malformed_json_is_400(backend: Backend) {
    let server = TestServer::start(backend).await;
    let not_json = json_body(server.as_admin(server.post("/api/users")), "{not json");
    let response = not_json.response().await;
    assert_eq!(response.headers()["content-type"], "application/json");
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error_of(&body).starts_with("the arguments are not what this call takes: JSON:"),
        "{body}"
    );
}

async fn an_unknown_role_is_400_naming_the_roles(backend: Backend) {
    let server = TestServer::start(backend).await;
    let user = json!({"name": "x", "role": "root"});
    let (status, body) = server.post_as_admin("/api/users", user).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error = error_of(&body);
    assert!(error.contains("root") && error.contains("admin"), "{error}");
}

async fn a_missing_field_is_400_naming_it(backend: Backend) {
    let server = TestServer::start(backend).await;
    let user = json!({"role": "reader"});
    let (status, body) = server.post_as_admin("/api/users", user).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_of(&body).contains("name"), "{body}");
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
    for (user, expected) in cases {
        let (status, answer) = server.post_as_admin("/api/users", user).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(error_of(&answer).contains(expected), "{answer}");
    }
    let users = server.as_admin(server.get("/api/users")).answer().await.1;
    assert_eq!(users.as_array().unwrap().len(), 1, "nothing was created");
}

async fn a_duplicate_user_is_409(backend: Backend) {
    let server = TestServer::start(backend).await;
    server
        .create_user_with_password("ana", "reader", "s3cret-pass")
        .await;
    let again = json!({"name": "ana", "role": "admin"});
    let (status, body) = server.post_as_admin("/api/users", again).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"], "a user named \"ana\" already exists");
}

async fn unknown_things_are_404(backend: Backend) {
    let server = TestServer::start(backend).await;
    for (request, expected) in [
        (
            server
                .as_admin(server.post("/api/keys/revoke"))
                .json(&json!({"id": 999})),
            "no API key with id 999",
        ),
        (
            server
                .as_admin(server.post("/api/keys"))
                .json(&json!({"name": "k", "user": "ghost"})),
            "no user named \"ghost\"",
        ),
        (
            server.as_admin(server.get("/api/nothing/here")),
            "no API route at /api/nothing/here",
        ),
    ] {
        let (status, body) = request.answer().await;
        assert_eq!((status, error_of(&body)), (StatusCode::NOT_FOUND, expected));
    }
}

async fn a_wrong_method_is_405(backend: Backend) {
    let server = TestServer::start(backend).await;
    let delete = server.as_admin(server.delete("/api/users"));
    assert_eq!(delete.answer_status().await, StatusCode::METHOD_NOT_ALLOWED);
}

async fn an_oversized_body_is_413(backend: Backend) {
    let server = TestServer::start_with(backend, |c| c.body_limit = 1024).await;
    let name = "x".repeat(4096);
    let status = server
        .as_admin(server.post("/api/keys"))
        .json(&json!({"name": name}))
        .answer_status()
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

async fn key_names_are_checked(backend: Backend) {
    let server = TestServer::start(backend).await;
    for name in ["", "   ", &"k".repeat(101)] {
        let (status, body) = server
            .post_as_admin("/api/keys", json!({"name": name}))
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
