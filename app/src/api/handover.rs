//! A new API key's secret for a page without its script. A plain form's post cannot show its
//! answer in place, and Depot keeps the secret nowhere but as a hash; so the answer to the post
//! hands it to the browser in a cookie that only the users page is sent (`Path=/users`,
//! HttpOnly, SameSite=Strict, five minutes at most), and that page takes it: it shows the
//! secret once and clears the cookie with the same answer.

use depot_domain::auth::CreatedKey;
use http::header::SET_COOKIE;
use http::HeaderValue;
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;
use percent_encoding::{percent_decode_str, utf8_percent_encode, NON_ALPHANUMERIC};

use super::cookies::{cookie, over_https};

const NEW_KEY: &str = "depot_new_key";

/// Hands `created` to the next users page this browser opens.
pub fn hand_to_the_page(created: &CreatedKey) {
    let (Some(response), Ok(json)) = (
        use_context::<ResponseOptions>(),
        serde_json::to_string(created),
    ) else {
        return;
    };
    let secure = use_context::<http::request::Parts>().is_some_and(|r| over_https(&r.headers));
    let value = utf8_percent_encode(&json, NON_ALPHANUMERIC);
    let cookie = format!(
        "{NEW_KEY}={value}; Path=/users; HttpOnly; SameSite=Strict; Max-Age=300{}",
        if secure { "; Secure" } else { "" }
    );
    if let Ok(cookie) = HeaderValue::from_str(&cookie) {
        response.append_header(SET_COOKIE, cookie);
    }
}

/// The key a plain form's post handed to this page, taken: the answer clears the cookie.
pub fn take_on_the_page() -> Option<CreatedKey> {
    let request = use_context::<http::request::Parts>()?;
    let value = cookie(&request.headers, NEW_KEY)?;
    let created = serde_json::from_str(&percent_decode_str(value).decode_utf8().ok()?).ok()?;
    if let Some(response) = use_context::<ResponseOptions>() {
        let cleared = "depot_new_key=; Path=/users; HttpOnly; SameSite=Strict; Max-Age=0";
        response.append_header(SET_COOKIE, HeaderValue::from_static(cleared));
    }
    Some(created)
}
