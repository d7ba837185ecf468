//! Managing users over their lifetime (issue 17, point 11): an admin changes a role, disables,
//! enables and removes a user; keys say when they were last used; failed sign-ins are in the
//! audit log, and the form keeps the name that was typed.

mod support;

use reqwest::header::LOCATION;
use reqwest::StatusCode;
use serde_json::{json, Value};
use support::{error_of, from_page, header_text, Answered, Backend, TestServer};

/// The admin's `POST /api/users/update` of `change` for `name`.
async fn update(server: &TestServer, name: &str, change: Value) -> (StatusCode, Value) {
    let mut body = change;
    body["name"] = json!(name);
    server.post_as_admin("/api/users/update", body).await
}

/// The newest audit entry about `object`.
async fn last_audited(server: &TestServer, object: &str) -> Value {
    let path = format!("/api/audit?object={object}&limit=1");
    let (status, entries) = server.as_admin(server.get(&path)).answer().await;
    assert_eq!(status, StatusCode::OK, "{entries}");
    entries[0].clone()
}

/// `GET /api/session` with `key`: its status and answer.
async fn session_with(server: &TestServer, key: &str) -> (StatusCode, Value) {
    server.get("/api/session").bearer_auth(key).answer().await
}

async fn an_admin_changes_a_role_and_the_log_says_from_what_to_what(backend: Backend) {
    let server = TestServer::start(backend).await;
    let key = server.user_with_key("bob", "reader").await;
    let (status, user) = update(&server, "bob", json!({"role": "writer"})).await;
    assert_eq!(status, StatusCode::OK, "{user}");
    assert_eq!(user["role"], "writer");
    // The key acts with the new role at once, though keys are otherwise taken on trust.
    assert_eq!(session_with(&server, &key).await.1["role"], "writer");
    let entry = last_audited(&server, "user/bob").await;
    assert_eq!(entry["action"], "update");
    assert_eq!(
        entry["summary"],
        json!({"role": {"from": "reader", "to": "writer"}})
    );
}

async fn a_disabled_user_cannot_sign_in_until_enabled_again(backend: Backend) {
    let server = TestServer::start(backend).await;
    server
        .create_user_with_password("ana", "writer", "s3cret-pass")
        .await;
    let key = server.user_with_key("bob", "writer").await;
    let cookie = server.sign_in("ana", "s3cret-pass").await;
    for name in ["ana", "bob"] {
        let (status, user) = update(&server, name, json!({"disabled": true})).await;
        assert_eq!(status, StatusCode::OK, "{user}");
        assert!(user["disabled_at"].is_string(), "{user}");
    }
    let (status, body) = session_with(&server, &key).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_of(&body), "user bob is disabled");
    let with_cookie = server.get("/api/session").header("cookie", &cookie);
    assert_eq!(
        with_cookie.answer().await.1,
        Value::Null,
        "the session ended"
    );
    let (status, body) = server
        .post("/auth/login")
        .json(&json!({"username": "ana", "password": "s3cret-pass"}))
        .answer()
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_of(&body), "user ana is disabled.");
    // Only whoever knows the password learns that: a wrong one says nothing more.
    let (_, body) = server
        .post("/auth/login")
        .json(&json!({"username": "ana", "password": "guess"}))
        .answer()
        .await;
    assert_eq!(error_of(&body), "Wrong user name or password.");

    let (status, _) = update(&server, "bob", json!({"disabled": false})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(session_with(&server, &key).await.0, StatusCode::OK);
    let entry = last_audited(&server, "user/bob").await;
    assert_eq!(
        entry["summary"],
        json!({"disabled": {"from": true, "to": false}})
    );
}

async fn a_removed_user_is_gone_with_their_keys(backend: Backend) {
    let server = TestServer::start(backend).await;
    let key = server.user_with_key("bob", "writer").await;
    let (status, _) = server
        .post_as_admin("/api/users/remove", json!({"name": "bob"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        session_with(&server, &key).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (_, users) = server.as_admin(server.get("/api/users")).answer().await;
    assert!(users.as_array().unwrap().iter().all(|u| u["name"] != "bob"));
    let (_, keys) = server.as_admin(server.get("/api/keys")).answer().await;
    assert!(keys.as_array().unwrap().iter().all(|k| k["user"] != "bob"));
    let entry = last_audited(&server, "user/bob").await;
    assert_eq!(
        (&entry["action"], &entry["summary"]),
        (&json!("remove"), &json!({"role": "writer"}))
    );
    let (status, body) = server
        .post_as_admin("/api/users/remove", json!({"name": "bob"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_of(&body), "no user named \"bob\"");
}

async fn the_last_active_admin_stays_an_admin(backend: Backend) {
    let server = TestServer::start(backend).await;
    let refusals = [
        (
            "/api/users/update",
            json!({"name": "admin", "role": "writer"}),
        ),
        (
            "/api/users/update",
            json!({"name": "admin", "disabled": true}),
        ),
        ("/api/users/remove", json!({"name": "admin"})),
    ];
    // The admin acting on themselves: disabling and removing yourself are refused outright.
    let expected = [
        "admin is the last active admin; make another user an admin first",
        "you cannot disable yourself; another admin can",
        "you cannot remove yourself; another admin can",
    ];
    for ((path, body), expected) in refusals.iter().zip(expected) {
        let (status, answer) = server.post_as_admin(path, body.clone()).await;
        assert_eq!(status, StatusCode::CONFLICT, "{path} {body}");
        assert_eq!(error_of(&answer), expected);
    }
    // With a second admin, the first may step down.
    server.user_with_key("root2", "admin").await;
    let (status, user) = update(&server, "admin", json!({"role": "reader"})).await;
    assert_eq!((status, &user["role"]), (StatusCode::OK, &json!("reader")));
}

async fn only_admins_manage_users(backend: Backend) {
    let server = TestServer::start(backend).await;
    let writer = server.user_with_key("wes", "writer").await;
    server.user_with_key("bob", "reader").await;
    let attempts = [
        ("/api/users/update", json!({"name": "bob", "role": "admin"})),
        ("/api/users/update", json!({"name": "wes", "role": "admin"})),
        ("/api/users/remove", json!({"name": "bob"})),
    ];
    for (path, body) in attempts {
        let request = server.post(path).bearer_auth(&writer).json(&body);
        let (status, answer) = request.answer().await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {answer}");
    }
    let (status, answer) = update(&server, "nobody", json!({"role": "reader"})).await;
    assert_eq!(
        (status, error_of(&answer)),
        (StatusCode::NOT_FOUND, "no user named \"nobody\"")
    );
    let (status, answer) = update(&server, "bob", json!({"role": "owner"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
}

async fn a_key_says_when_it_was_last_used(backend: Backend) {
    let server = TestServer::start(backend).await;
    let key = server.user_with_key("bob", "writer").await;
    let keys = || async {
        let (_, keys) = server
            .as_admin(server.get("/api/keys?user=bob"))
            .answer()
            .await;
        keys[0].clone()
    };
    assert_eq!(keys().await["last_used_at"], Value::Null);
    assert_eq!(session_with(&server, &key).await.0, StatusCode::OK);
    let used = keys().await;
    let at = used["last_used_at"].as_str().expect("a time of last use");
    assert!(at >= used["created_at"].as_str().unwrap(), "{used}");
}

async fn a_failed_sign_in_is_audited_without_the_password(backend: Backend) {
    let server = TestServer::start(backend).await;
    let form = server
        .post("/auth/login")
        .form(&[
            ("username", "admin"),
            ("password", "hunter2-guess"),
            ("next", "/tables"),
        ])
        .response()
        .await;
    let location = form.headers()[LOCATION].to_str().unwrap();
    assert!(
        location.ends_with("&next=/tables&username=admin"),
        "{location}"
    );
    let entry = last_audited(&server, "user/admin").await;
    assert_eq!(entry["action"], "login-failed");
    assert_eq!(entry["actor"], "anonymous");
    assert_eq!(entry["summary"], json!({"reason": "invalid credentials"}));
    let log = server.get_text_as_admin("/api/audit").await;
    assert!(!log.contains("hunter2"), "{log}");
}

/// A page that is not hydrated posts its forms as forms (issue 17, point 2): the function takes
/// the fields and sends the browser back where it came from, a refusal in the address.
async fn a_plain_form_creates_a_user_and_comes_back_with_a_refusal(backend: Backend) {
    let server = TestServer::start(backend).await;
    let page = server.url("/users");
    let post_form = |fields: &'static [(&'static str, &'static str)]| {
        from_page(server.as_admin(server.post("/api/users")), &page)
            .form(fields)
            .response()
    };
    let fields = &[("name", "ana"), ("role", "writer"), ("password", "")];
    let created = post_form(fields).await;
    assert_eq!(created.status(), StatusCode::FOUND);
    // Back to the page (Leptos leaves a `?` where it took a past refusal out).
    let back = created.headers()[LOCATION].to_str().unwrap();
    assert_eq!(back.trim_end_matches('?'), page, "{back}");
    let (status, users) = server.as_admin(server.get("/api/users")).answer().await;
    assert_eq!(status, StatusCode::OK);
    let ana = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "ana");
    assert_eq!(ana.unwrap()["role"], "writer", "{users}");
    // An empty password field means no password, as leaving it out does.
    assert_eq!(ana.unwrap()["has_password"], false, "{users}");

    let again = post_form(fields).await;
    assert_eq!(again.status(), StatusCode::FOUND);
    let location = again.headers()[LOCATION].to_str().unwrap();
    assert!(location.starts_with(&format!("{page}?")), "{location}");
    assert!(location.contains("__path=%2Fapi%2Fusers"), "{location}");
    assert!(location.contains("__err="), "{location}");

    // A script still sends JSON to the same route, and a form missing a field is refused by name.
    let (status, _) = server
        .post_as_admin("/api/users", json!({"name": "bob", "role": "reader"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let missing = server
        .as_admin(server.post("/api/users"))
        .form(&[("name", "carl")])
        .response()
        .await;
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    assert!(missing.text().await.unwrap().contains("role"));
}

/// A key made by the users page's plain form (issue 17, point 2): the secret, stored nowhere but
/// as a hash, is handed to the page the browser comes back to in a cookie only that page is
/// sent, shown there once, and the cookie cleared.
async fn a_plain_form_makes_a_key_whose_secret_the_page_shows_once(backend: Backend) {
    let server = TestServer::start(backend).await;
    let page = server.url("/users");
    let made = from_page(server.as_admin(server.post("/api/keys")), &page)
        .form(&[("name", "deploy"), ("user", ""), ("plain_form", "true")])
        .response()
        .await;
    assert_eq!(made.status(), StatusCode::FOUND);
    let handed = header_text(&made, "set-cookie").to_string();
    assert!(handed.starts_with("depot_new_key="), "{handed}");
    for attribute in ["Path=/users", "HttpOnly", "SameSite=Strict", "Max-Age=300"] {
        assert!(handed.contains(attribute), "{attribute} in {handed}");
    }
    let cookie = handed.split(';').next().unwrap().to_string();

    let shown = server
        .as_admin(server.get("/users"))
        .header("Cookie", &cookie)
        .response()
        .await;
    assert_eq!(shown.status(), StatusCode::OK);
    let cleared = header_text(&shown, "set-cookie").to_string();
    assert!(
        cleared.starts_with("depot_new_key=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    let html = shown.text().await.unwrap();
    let (_, shown_secret) = html
        .split_once("data-testid=\"new-key-secret\">")
        .expect("the secret on the page");
    let secret = shown_secret[..46].to_string();
    assert!(secret.starts_with("depot_"), "{secret}");
    assert!(html.contains("New key “deploy” for admin."), "{html}");
    // The secret works: it is the new key's.
    let (status, session) = server
        .get("/api/session")
        .bearer_auth(&secret)
        .answer()
        .await;
    assert_eq!(
        (status, session["name"].as_str()),
        (StatusCode::OK, Some("admin"))
    );

    let again = server.get_text_as_admin("/users").await;
    assert!(!again.contains(&secret), "shown once");
}

on_both_backends!(
    a_plain_form_makes_a_key_whose_secret_the_page_shows_once,
    a_plain_form_creates_a_user_and_comes_back_with_a_refusal,
    an_admin_changes_a_role_and_the_log_says_from_what_to_what,
    a_disabled_user_cannot_sign_in_until_enabled_again,
    a_removed_user_is_gone_with_their_keys,
    the_last_active_admin_stays_an_admin,
    only_admins_manage_users,
    a_key_says_when_it_was_last_used,
    a_failed_sign_in_is_audited_without_the_password,
);
