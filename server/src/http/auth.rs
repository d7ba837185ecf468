//! Who is calling: credentials in, an [`Actor`] attached to the request out. Also sign-in,
//! sign-out, and the check that keeps other sites from writing with a user's cookie.
//!
//! Accepted credentials: `Authorization: Bearer <key>`, HTTP Basic `user:<key or password>`,
//! and the `depot_session` cookie set by the login form. Credentials that are present but
//! wrong are refused with 401 at once; an expired session cookie counts as no credentials, so
//! the browser is sent to the login page instead of an error.

use axum::extract::{FromRequest, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use base64::Engine;
use chrono::Duration;
use depot_app::api::cookies::{cookie, over_https};
use depot_app::api::ApiError;
use depot_app::urlencode;
use depot_domain::auth::secrets::API_KEY_PREFIX;
use depot_domain::auth::{credentials, sessions};
use depot_domain::{Actor, DomainError};
use http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode};
use serde::{Deserialize, Serialize};

use super::error::{refusal_for, DepotError};
use super::AppState;

pub const SESSION_COOKIE: &str = "depot_session";
const SPEC_UPLOAD: &str = "/source/upload";

/// Who the request comes from, attached to it as its [`Actor`]; or the refusal of credentials
/// that are present but wrong (401), or of a store that cannot be asked (503).
pub async fn admit<B>(state: &AppState, mut request: Request<B>) -> Result<Request<B>, Response> {
    let actor = match identify(state, request.headers()).await {
        Ok(actor) => actor,
        // specstore's upload answers every refusal with 200 and its own text; it looks at the
        // credentials itself.
        Err(DomainError::Unauthenticated(_)) if request.uri().path() == SPEC_UPLOAD => {
            Actor::Anonymous {
                may_read: state.config.public_read,
            }
        }
        Err(DomainError::Unauthenticated(message)) => {
            let mut response = refusal_for(request.uri().path(), StatusCode::UNAUTHORIZED, message);
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"depot\""),
            );
            return Err(response);
        }
        Err(unavailable @ DomainError::Unavailable(_)) => {
            return Err(refusal_for(
                request.uri().path(),
                StatusCode::SERVICE_UNAVAILABLE,
                unavailable.to_string(),
            ));
        }
        Err(other) => {
            let refused = ApiError::refusing(&other);
            let path = request.uri().path();
            return Err(refusal_for(path, refused.status_code(), refused.error));
        }
    };
    request.extensions_mut().insert(actor);
    Ok(request)
}

async fn identify(state: &AppState, headers: &HeaderMap) -> Result<Actor, DomainError> {
    if state.config.no_auth {
        return Ok(Actor::Local);
    }
    Ok(user_of(state, headers).await?.unwrap_or(Actor::Anonymous {
        may_read: state.config.public_read,
    }))
}

/// The user whose credentials the request carries, whatever `--no-auth` says: `None` without
/// credentials, an error for wrong ones. Specs' uploads use it directly, because their owner
/// check stays on under `--no-auth`.
pub async fn user_of(state: &AppState, headers: &HeaderMap) -> Result<Option<Actor>, DomainError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let value = value
            .to_str()
            .map_err(|_| unauthenticated("the Authorization header is not readable text"))?;
        let (scheme, credentials) = value.split_once(' ').unwrap_or((value, ""));
        return match scheme.to_ascii_lowercase().as_str() {
            // A session token as Bearer: the sign-in of a UI on another site, where the
            // browser does not send Depot's cookie.
            "bearer" if !credentials.trim().starts_with(API_KEY_PREFIX) => {
                sessions::resolve(&state.store, credentials.trim())
                    .await?
                    .map(Some)
                    .ok_or_else(|| {
                        unauthenticated(
                            "the session has ended or the token is not valid; sign in again",
                        )
                    })
            }
            "bearer" => credentials::by_api_key(&state.store, credentials.trim())
                .await
                .map(Some),
            "basic" => {
                let (user, secret) = decode_basic(credentials.trim())?;
                credentials::by_name_and_secret(&state.store, &user, &secret)
                    .await
                    .map(|(actor, _)| Some(actor))
            }
            _ => Err(unauthenticated(
                "use Authorization: Bearer <API key> or Basic <user:key or password>",
            )),
        };
    }
    match session_token(headers) {
        Some(token) => sessions::resolve(&state.store, &token).await,
        None => Ok(None),
    }
}

fn unauthenticated(message: &str) -> DomainError {
    DomainError::Unauthenticated(message.into())
}

fn decode_basic(encoded: &str) -> Result<(String, String), DomainError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|_| unauthenticated("the Basic credentials are not valid base64"))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| unauthenticated("the Basic credentials are not UTF-8"))?;
    let (user, secret) = text
        .split_once(':')
        .ok_or_else(|| unauthenticated("the Basic credentials need the form user:secret"))?;
    Ok((user.to_string(), secret.to_string()))
}

/// How the caller proved who it is, for the few methods that care which secret it used
/// (Dotmesh's `GetApiKey` and `ResetApiKey`).
pub enum Presented {
    ApiKey(String),
    Password,
    Other,
}

pub fn presented(headers: &HeaderMap) -> Presented {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Presented::Other;
    };
    let (scheme, credentials) = value.split_once(' ').unwrap_or((value, ""));
    match scheme.to_ascii_lowercase().as_str() {
        "bearer" => Presented::ApiKey(credentials.trim().to_string()),
        "basic" => match decode_basic(credentials.trim()) {
            Ok((_, secret)) if secret.starts_with(API_KEY_PREFIX) => Presented::ApiKey(secret),
            Ok(_) => Presented::Password,
            Err(_) => Presented::Other,
        },
        _ => Presented::Other,
    }
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    cookie(headers, SESSION_COOKIE).map(str::to_string)
}

/// A session token (not an API key) in `Authorization: Bearer`.
fn bearer_session_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.starts_with(API_KEY_PREFIX))
        .then(|| token.to_string())
}

/// The refusal of a state-changing request that a browser sends on behalf of another site, so
/// a session cookie cannot be used by a forged form or script (CSRF). Browsers say where a
/// request comes from (`Sec-Fetch-Site`, `Origin`); scripts send neither and pass.
pub fn cross_site_refusal<B>(state: &AppState, request: &Request<B>) -> Option<Response> {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    (!safe && is_cross_site(request.headers(), &state.config.cors_origins)).then(|| {
        refusal_for(
            request.uri().path(),
            StatusCode::FORBIDDEN,
            "cross-site request refused: this origin may not change data here",
        )
    })
}

fn is_cross_site(headers: &HeaderMap, allowed_origins: &[String]) -> bool {
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    if origin.is_some_and(|origin| allowed_origins.iter().any(|allowed| allowed == origin)) {
        return false;
    }
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    match (
        origin,
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        (Some("null"), _) => true,
        (Some(origin), Some(host)) => {
            origin.split_once("://").map(|(_, authority)| authority) != Some(host)
        }
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// A sign-in: a form from the login page, or JSON.
#[derive(Deserialize, schemars::JsonSchema)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: Option<String>,
}

/// `POST /auth/login`: a form (from the login page) or JSON `{"username", "password"}`. The
/// password field takes a password or an API key. Success sets the session cookie; a form is
/// then redirected to `next`, JSON gets the user.
pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: axum::extract::Request,
) -> Result<Response, DepotError> {
    let is_json = super::sends_json(&headers);
    let form: LoginForm = if is_json {
        let Json(form) = Json::<LoginForm>::from_request(request, &state)
            .await
            .map_err(|rejection| DepotError::invalid(rejection.body_text()))?;
        form
    } else {
        let Form(form) = Form::<LoginForm>::from_request(request, &state)
            .await
            .map_err(|rejection| DepotError::invalid(rejection.body_text()))?;
        form
    };
    let next = safe_next(form.next.as_deref());
    let ttl = state.config.session_ttl;
    let lifetime = Duration::from_std(ttl).unwrap_or(Duration::hours(12));
    let signed_in = sessions::sign_in(&state.store, &form.username, &form.password, lifetime).await;
    let (user, token) = match signed_in {
        Ok(signed_in) => signed_in,
        // Back to the form, which keeps the name typed (never the password).
        Err(DomainError::Unauthenticated(message)) if !is_json => {
            let target = format!(
                "/login?error={}&next={}&username={}",
                urlencode(&sign_in_failure(&message)),
                urlencode(&next),
                urlencode(&form.username)
            );
            return Ok(Redirect::to(&target).into_response());
        }
        Err(DomainError::Unauthenticated(message)) => {
            let failure = sign_in_failure(&message);
            return Err(DepotError::new(StatusCode::UNAUTHORIZED, failure));
        }
        Err(error) => return Err(error.into()),
    };
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        ttl.as_secs(),
        if over_https(&headers) { "; Secure" } else { "" }
    );
    let mut response = if is_json {
        // A page on another site cannot use the cookie (third-party cookies are blocked): it
        // keeps the token for its tab and sends it as `Authorization: Bearer`.
        Json(SignedIn {
            name: user.name,
            role: user.role,
            token,
        })
        .into_response()
    } else {
        Redirect::to(&next).into_response()
    };
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).expect("cookie is ASCII"),
    );
    Ok(response)
}

/// A JSON sign-in's answer: who signed in, and the session's token.
#[derive(Serialize, schemars::JsonSchema)]
pub struct SignedIn {
    name: String,
    role: depot_domain::Role,
    token: String,
}

fn sign_in_failure(message: &str) -> String {
    if message == "invalid credentials" {
        "Wrong user name or password.".to_string()
    } else {
        format!("{message}.")
    }
}

/// `POST /auth/logout`: ends the session — the cookie's, or a session token sent as Bearer —
/// and clears the cookie.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = session_token(&headers).or_else(|| bearer_session_token(&headers)) {
        if let Err(fault) = sessions::close(&state.store, &token).await {
            tracing::error!(error = %fault, "closing a session failed");
        }
    }
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let mut response = if wants_html {
        Redirect::to("/login").into_response()
    } else {
        StatusCode::NO_CONTENT.into_response()
    };
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("depot_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    response
}

/// Only a path on this site may follow sign-in, never another site (`//evil`, `https://…`).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.starts_with("/login") =>
        {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn browsers_on_other_sites_are_cross_site_and_scripts_are_not() {
        assert!(is_cross_site(
            &headers(&[("sec-fetch-site", "cross-site")]),
            &[]
        ));
        assert!(!is_cross_site(
            &headers(&[("sec-fetch-site", "same-origin")]),
            &[]
        ));
        assert!(is_cross_site(
            &headers(&[
                ("origin", "http://evil.example"),
                ("host", "127.0.0.1:3000")
            ]),
            &[]
        ));
        assert!(!is_cross_site(
            &headers(&[
                ("origin", "http://127.0.0.1:3000"),
                ("host", "127.0.0.1:3000")
            ]),
            &[]
        ));
        assert!(!is_cross_site(&headers(&[]), &[]));
        let allowed = ["https://ui.example".to_string()];
        assert!(!is_cross_site(
            &headers(&[
                ("origin", "https://ui.example"),
                ("sec-fetch-site", "cross-site")
            ]),
            &allowed
        ));
    }

    #[test]
    fn sign_in_only_redirects_within_the_site() {
        assert_eq!(safe_next(Some("/audit?user=a")), "/audit?user=a");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "/login?next=/x",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let map = headers(&[("cookie", "a=1; depot_session=tok; b=2")]);
        assert_eq!(session_token(&map).as_deref(), Some("tok"));
        assert_eq!(session_token(&headers(&[("cookie", "a=1")])), None);
    }
}
