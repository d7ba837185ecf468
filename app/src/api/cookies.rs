//! Depot's cookies (the session's, and a new key's handed to its page): reading one from a
//! request, and whether to mark one `Secure`.

use http::header::COOKIE;
use http::HeaderMap;

/// The value of the cookie `name` the request carries, among any others.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(found, _)| *found == name)
        .map(|(_, value)| value)
}

/// The browser reached Depot over HTTPS (through a proxy that says so): its cookies are
/// marked `Secure`.
pub fn over_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        == Some("https")
}
