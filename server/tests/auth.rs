//! API.md §0 "Auth": who may read and write, with which credentials.

mod support;

use std::time::Duration;

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE, WWW_AUTHENTICATE};
use reqwest::{RequestBuilder, StatusCode};
use serde_json::{json, Value};
use support::{
    error_of, header_text, json_body, session_cookie, status_and_json, Answered, Backend,
    DepotProcess, TestServer, TestStore,
};

/// A server with the writer `ana`, whose password is `s3cret-pass`.
async fn with_ana(backend: Backend) -> TestServer {
    let server = TestServer::start(backend).await;
    server
        .create_user_with_password("ana", "writer", "s3cret-pass")
        .await;
    server
}

/// The JSON sign-in of `user` with `password`: its status and answer.
async fn login(server: &TestServer, user: &str, password: &str) -> (StatusCode, Value) {
    let credentials = json!({"username": user, "password": password});
    server.post("/auth/login").json(&credentials).answer().await
}

/// `GET /api/session` with HTTP Basic `user` and `secret`.
async fn basic_session(server: &TestServer, user: &str, secret: &str) -> reqwest::Response {
    let request = server.get("/api/session").basic_auth(user, Some(secret));
    request.response().await
}

/// `POST path` with the session `cookie`.
fn post_with_cookie(server: &TestServer, path: &str, cookie: &str) -> RequestBuilder {
    server.post(path).header(COOKIE, cookie)
}

/// `GET /api/session` with the session `cookie`: its status and answer.
async fn cookie_session(server: &TestServer, cookie: &str) -> (StatusCode, Value) {
    server
        .get("/api/session")
        .header(COOKIE, cookie)
        .answer()
        .await
}

async fn anonymous_calls_are_401_without_public_read(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (status, body) = server.get("/api/users").answer().await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body,
        json!({"status": 401, "error": "authentication required"})
    );
    let (status, _) = server.get("/api/audit").answer().await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn public_read_lets_anonymous_read_but_not_write(backend: Backend) {
    let server = TestServer::start_with(backend, |c| c.public_read = true).await;
    let read = server.get("/api/audit").response().await;
    assert_eq!(read.status(), StatusCode::OK);
    let (status, body) = server
        .post("/api/keys")
        .json(&json!({"name": "k", "user": "admin"}))
        .answer()
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "authentication required");
}

async fn bearer_key_acts_as_its_user(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (status, body) = server.as_admin(server.get("/api/session")).answer().await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"name": "admin", "role": "admin", "local": false})
    );
}

async fn basic_auth_takes_a_key_or_a_password(backend: Backend) {
    let server = with_ana(backend).await;
    let with_password = basic_session(&server, "ana", "s3cret-pass").await;
    let (status, body) = status_and_json(with_password).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["name"], "ana");
    let with_key = basic_session(&server, "admin", &server.admin_key).await;
    assert_eq!(status_and_json(with_key).await.1["name"], "admin");
}

async fn wrong_password_is_401_and_names_no_detail(backend: Backend) {
    let server = with_ana(backend).await;
    for (user, secret) in [
        ("ana", "wrong-pass"),
        ("nobody", "s3cret-pass"),
        ("ana", "depot_0000"),
    ] {
        let response = basic_session(&server, user, secret).await;
        assert!(response.headers().contains_key(WWW_AUTHENTICATE));
        let (status, body) = status_and_json(response).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{user}:{secret}");
        assert_eq!(body["error"], "invalid credentials");
    }
    // Someone else's key under your own name is no better.
    let someone_elses = basic_session(&server, "ana", &server.admin_key).await;
    let (status, _) = status_and_json(someone_elses).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn malformed_authorization_headers_are_401_with_the_reason(backend: Backend) {
    let server = TestServer::start(backend).await;
    let session = |authorization: &str| {
        server
            .get("/api/session")
            .header("authorization", authorization)
    };
    for (header, expected) in [
        ("Basic !!!", "not valid base64"),
        ("Basic YWRtaW4=", "user:secret"),
        ("Digest abc", "Authorization: Bearer"),
    ] {
        let (status, body) = session(header).answer().await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{header}");
        assert!(error_of(&body).contains(expected), "{header}: {body}");
    }
}

async fn revoked_key_is_refused_at_once(backend: Backend) {
    let server = TestServer::start(backend).await;
    let key = server.user_with_key("bob", "writer").await;
    let session = || server.get("/api/session").bearer_auth(&key);
    assert_eq!(session().answer_status().await, StatusCode::OK);
    let keys = server
        .as_admin(server.get("/api/keys?user=bob"))
        .answer()
        .await
        .1;
    let id = keys[0]["id"].as_i64().unwrap();
    let (status, revoked) = server
        .post_as_admin("/api/keys/revoke", json!({"id": id}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(revoked["revoked_at"].is_string());
    let (status, body) = session().answer().await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "this API key has been revoked");
}

async fn a_reader_trying_to_write_is_403(backend: Backend) {
    let server = TestServer::start(backend).await;
    let reader = server.user_with_key("rita", "reader").await;
    let attempts = [
        ("/api/users", json!({"name": "mallory", "role": "admin"})),
        ("/api/keys", json!({"name": "x", "user": "admin"})),
        (
            "/api/users/password",
            json!({"name": "admin", "password": "taken-over!"}),
        ),
    ];
    for (path, body) in attempts {
        let (status, answer) = server
            .post(path)
            .bearer_auth(&reader)
            .json(&body)
            .answer()
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {answer}");
        assert!(error_of(&answer).contains("role reader"), "{answer}");
    }
    // Reading is fine, and so is managing your own keys.
    assert_eq!(
        server
            .get("/api/audit")
            .bearer_auth(&reader)
            .answer_status()
            .await,
        StatusCode::OK
    );
    assert_eq!(
        server
            .post("/api/keys")
            .bearer_auth(&reader)
            .json(&json!({"name": "mine"}))
            .answer_status()
            .await,
        StatusCode::OK
    );
}

async fn non_admins_see_only_themselves_and_their_keys(backend: Backend) {
    let server = TestServer::start(backend).await;
    let writer = server.user_with_key("wes", "writer").await;
    let as_writer = |path| server.get(path).bearer_auth(&writer);
    let (_, users) = as_writer("/api/users").answer().await;
    assert_eq!(users.as_array().unwrap().len(), 1);
    assert_eq!(users[0]["name"], "wes");
    let (_, keys) = as_writer("/api/keys").answer().await;
    assert!(keys.as_array().unwrap().iter().all(|k| k["user"] == "wes"));
    let all = server.as_admin(server.get("/api/users")).answer().await.1;
    assert_eq!(all.as_array().unwrap().len(), 2);
}

async fn login_form_sets_a_strict_httponly_cookie_and_returns_to_next(backend: Backend) {
    let server = with_ana(backend).await;
    let response = server
        .post("/auth/login")
        .form(&[
            ("username", "ana"),
            ("password", "s3cret-pass"),
            ("next", "/audit?user=ana"),
        ])
        .response()
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/audit?user=ana");
    let set_cookie = response.headers()[SET_COOKIE].to_str().unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    let cookie = session_cookie(&response);
    let (status, body) = cookie_session(&server, &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["name"], "ana");
}

async fn login_accepts_an_api_key_as_password(backend: Backend) {
    let server = TestServer::start(backend).await;
    let response = server
        .post("/auth/login")
        .json(&json!({"username": "admin", "password": server.admin_key}))
        .response()
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().contains_key(SET_COOKIE));
}

/// A UI on another site gets no cookie from the browser: sign-in hands it the session token,
/// which works as `Bearer` until sign-out ends it.
async fn a_session_token_works_as_bearer_until_sign_out(backend: Backend) {
    let server = with_ana(backend).await;
    let (status, signed_in) = login(&server, "ana", "s3cret-pass").await;
    assert_eq!(status, StatusCode::OK);
    let token = signed_in["token"].as_str().unwrap().to_string();
    let session = |token: String| {
        let request = server.get("/api/session").bearer_auth(token);
        async move { request.answer().await }
    };
    let (status, who) = session(token.clone()).await;
    assert_eq!(
        (status, who["name"].as_str()),
        (StatusCode::OK, Some("ana")),
        "{who}"
    );
    let wrote = server
        .post("/dots/ana")
        .bearer_auth(&token)
        .json(&json!({"name": "mine"}))
        .response()
        .await;
    assert_eq!(
        wrote.status(),
        StatusCode::CREATED,
        "the token writes as its user"
    );
    let out = server
        .post("/auth/logout")
        .bearer_auth(&token)
        .response()
        .await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let (status, body) = session(token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "signed out: {body}");
    assert!(error_of(&body).contains("sign in again"), "{body}");
    let (status, _) = session("not-a-session".into()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn failed_login_goes_back_to_the_form_with_the_reason(backend: Backend) {
    let server = TestServer::start(backend).await;
    let form = server
        .post("/auth/login")
        .form(&[("username", "admin"), ("password", "nope-nope")])
        .response()
        .await;
    assert_eq!(form.status(), StatusCode::SEE_OTHER);
    let location = form.headers()[LOCATION].to_str().unwrap();
    assert!(
        location.starts_with("/login?error=Wrong%20user%20name%20or%20password."),
        "{location}"
    );
    assert!(!form.headers().contains_key(SET_COOKIE));
    let (status, body) = login(&server, "admin", "nope-nope").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "Wrong user name or password.");
    let (status, body) = json_body(server.post("/auth/login"), "{").answer().await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_of(&body).contains("JSON"), "{body}");
}

async fn login_never_redirects_off_site(backend: Backend) {
    let server = TestServer::start(backend).await;
    let response = server
        .post("/auth/login")
        .form(&[
            ("username", "admin"),
            ("password", server.admin_key.as_str()),
            ("next", "//evil.example/"),
        ])
        .response()
        .await;
    assert_eq!(response.headers()[LOCATION], "/");
}

async fn an_expired_session_counts_as_signed_out(backend: Backend) {
    let server = TestServer::start_with(backend, |c| c.session_ttl = Duration::from_secs(1)).await;
    let cookie = server.sign_in("admin", &server.admin_key).await;
    assert_eq!(cookie_session(&server, &cookie).await.1["name"], "admin");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (status, body) = cookie_session(&server, &cookie).await;
    assert_eq!((status, body), (StatusCode::OK, Value::Null));
    assert_eq!(
        server
            .get("/api/users")
            .header(COOKIE, &cookie)
            .answer_status()
            .await,
        StatusCode::UNAUTHORIZED
    );
}

async fn logout_ends_the_session_everywhere(backend: Backend) {
    let server = TestServer::start(backend).await;
    let cookie = server.sign_in("admin", &server.admin_key).await;
    let logout = post_with_cookie(&server, "/auth/logout", &cookie)
        .header("accept", "text/html")
        .response()
        .await;
    assert_eq!(logout.status(), StatusCode::SEE_OTHER);
    assert!(header_text(&logout, "set-cookie").contains("Max-Age=0"));
    // The old cookie, replayed, opens nothing: the session is gone from the store.
    assert_eq!(cookie_session(&server, &cookie).await.1, Value::Null);
}

async fn a_new_password_ends_old_sessions(backend: Backend) {
    let server = with_ana(backend).await;
    let cookie = server.sign_in("ana", "s3cret-pass").await;
    let changed = post_with_cookie(&server, "/api/users/password", &cookie)
        .json(&json!({"name": "ana", "password": "n3w-secret"}))
        .response()
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(cookie_session(&server, &cookie).await.1, Value::Null);
    let new_password = basic_session(&server, "ana", "n3w-secret").await;
    assert_eq!(new_password.status(), StatusCode::OK);
    let old_password = basic_session(&server, "ana", "s3cret-pass").await;
    assert_eq!(old_password.status(), StatusCode::UNAUTHORIZED);
}

async fn cross_site_writes_with_a_cookie_are_refused(backend: Backend) {
    let server = TestServer::start(backend).await;
    let cookie = server.sign_in("admin", &server.admin_key).await;
    let forged = post_with_cookie(&server, "/api/keys", &cookie)
        .header("origin", "http://evil.example")
        .header("sec-fetch-site", "cross-site")
        .json(&json!({"name": "stolen"}))
        .response()
        .await;
    let (status, body) = status_and_json(forged).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(error_of(&body).starts_with("cross-site request refused"));
    let same_site = post_with_cookie(&server, "/api/keys", &cookie)
        .header("sec-fetch-site", "same-origin")
        .json(&json!({"name": "mine"}))
        .response()
        .await;
    assert_eq!(same_site.status(), StatusCode::OK);
}

async fn configured_cors_origins_may_call_with_credentials(backend: Backend) {
    let server = TestServer::start_with(backend, |c| {
        c.cors_origins = vec!["https://ui.example".into()]
    })
    .await;
    let preflight = server
        .client
        .request(reqwest::Method::OPTIONS, server.url("/api/keys"))
        .header("origin", "https://ui.example")
        .header("access-control-request-method", "POST")
        .response()
        .await;
    assert!(preflight.status().is_success());
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://ui.example"
    );
    assert_eq!(
        preflight.headers()["access-control-allow-credentials"],
        "true"
    );
    assert_eq!(
        preflight.headers()["access-control-max-age"],
        "600",
        "browsers may reuse the preflight"
    );
    let other = server
        .get("/healthz")
        .header("origin", "https://other.example")
        .response()
        .await;
    assert!(!other.headers().contains_key("access-control-allow-origin"));
}

async fn no_auth_makes_every_caller_the_local_admin(backend: Backend) {
    let server = TestServer::start_with(backend, |c| c.no_auth = true).await;
    let (status, body) = server.get("/api/session").answer().await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"name": "local", "role": "admin", "local": true})
    );
    assert_eq!(
        server
            .post("/api/users")
            .json(&json!({"name": "x", "role": "reader"}))
            .answer_status()
            .await,
        StatusCode::OK
    );
}

/// A key checked once is trusted for `KEY_TRUST` (a script calling in a loop costs one store
/// query per that, not per request); revoked by another process — another replica, or
/// `depot key revoke` — it stops working within that time.
async fn a_key_revoked_elsewhere_stops_working_within_the_trust_time(backend: Backend) {
    use depot_domain::auth::{api_keys, credentials::KEY_TRUST};
    let store = TestStore::new(backend).await;
    let key = store.admin_key().await;
    let depot = DepotProcess::start(&store.url, &[], &[]);
    let client = reqwest::Client::new();
    let session = || {
        client
            .get(depot.url("/api/session"))
            .bearer_auth(&key)
            .send()
    };
    assert_eq!(session().await.unwrap().status(), StatusCode::OK);
    let revoked = api_keys::revoke(&store.store, &depot_domain::Actor::Local, 1)
        .await
        .unwrap();
    assert!(revoked.revoked_at.is_some());
    let deadline = std::time::Instant::now() + KEY_TRUST + Duration::from_secs(3);
    loop {
        let status = session().await.unwrap().status();
        if status == StatusCode::UNAUTHORIZED {
            break;
        }
        assert_eq!(status, StatusCode::OK);
        assert!(
            std::time::Instant::now() < deadline,
            "the revoked key still works after {KEY_TRUST:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    depot.stop();
}

on_both_backends!(
    a_key_revoked_elsewhere_stops_working_within_the_trust_time,
    a_session_token_works_as_bearer_until_sign_out,
    anonymous_calls_are_401_without_public_read,
    public_read_lets_anonymous_read_but_not_write,
    bearer_key_acts_as_its_user,
    basic_auth_takes_a_key_or_a_password,
    wrong_password_is_401_and_names_no_detail,
    malformed_authorization_headers_are_401_with_the_reason,
    revoked_key_is_refused_at_once,
    a_reader_trying_to_write_is_403,
    non_admins_see_only_themselves_and_their_keys,
    login_form_sets_a_strict_httponly_cookie_and_returns_to_next,
    login_accepts_an_api_key_as_password,
    failed_login_goes_back_to_the_form_with_the_reason,
    login_never_redirects_off_site,
    an_expired_session_counts_as_signed_out,
    logout_ends_the_session_everywhere,
    a_new_password_ends_old_sessions,
    cross_site_writes_with_a_cookie_are_refused,
    configured_cors_origins_may_call_with_credentials,
    no_auth_makes_every_caller_the_local_admin,
);
