//! How the browser reaches Depot: at the page's own origin (the server-rendered admin), or at
//! another one (the static build, `make static`, calling a Depot or a function elsewhere).
//!
//! Every server function is sent by [`Fetch`], which adds what another origin needs: the
//! cookie (`credentials: include`, which works when the page and the API are on the same site)
//! and, where the cookie cannot reach Depot (a truly cross-site page: third-party cookies are
//! blocked), the session token the sign-in handed this tab, as `Authorization: Bearer`.

use futures::{Sink, Stream};
use server_fn::client::browser::BrowserClient;
use server_fn::client::Client;
use server_fn::error::FromServerFnError;
use server_fn::request::browser::BrowserRequest;
use server_fn::response::browser::BrowserResponse;
use server_fn::Bytes;
use std::future::Future;

/// Sends every call of this page to the Depot at `api` (an origin with an optional path prefix,
/// such as a function URL's). Once per page, before the app starts.
pub fn use_api_at(api: &str) {
    let api = api.trim().trim_end_matches('/');
    if !api.is_empty() {
        // The address is asked for on every call, for the life of the page.
        let _ = server_fn::client::try_set_server_url(Box::leak(api.to_string().into_boxed_str()));
    }
}

/// Where the API lives, without a trailing slash: "" for the page's own origin, else what the
/// static site's `config.json` named.
pub fn api_base() -> &'static str {
    server_fn::client::get_server_url()
}

/// The address of one of Depot's own routes (a download, an upload, sign-in) for this page.
pub fn api_url(path: &str) -> String {
    format!("{}{path}", api_base())
}

/// The page is served by someone else than the Depot it talks to.
pub fn is_cross_origin() -> bool {
    !api_base().is_empty()
}

/// Where the tab keeps its session token: `sessionStorage` ends with the tab.
const TOKEN_KEY: &str = "depot.session";

fn session_storage() -> Option<web_sys::Storage> {
    #[cfg(target_arch = "wasm32")]
    return web_sys::window()?.session_storage().ok().flatten();
    #[cfg(not(target_arch = "wasm32"))]
    None
}

/// The session token this tab sends as Bearer, when sign-in found the cookie does not reach
/// Depot from here.
pub fn session_token() -> Option<String> {
    session_storage()?.get_item(TOKEN_KEY).ok().flatten()
}

/// Keeps (or, with `None`, forgets) the tab's session token.
pub fn keep_session_token(token: Option<&str>) {
    if let Some(storage) = session_storage() {
        let _ = match token {
            Some(token) => storage.set_item(TOKEN_KEY, token),
            None => storage.remove_item(TOKEN_KEY),
        };
    }
}

/// The `Authorization` header value for this tab, if it holds a session token.
pub fn authorization() -> Option<String> {
    session_token().map(|token| format!("Bearer {token}"))
}

/// The server functions' client: the browser's `fetch`, with credentials.
pub struct Fetch;

impl<E, InputStreamError, OutputStreamError> Client<E, InputStreamError, OutputStreamError>
    for Fetch
where
    E: FromServerFnError,
    InputStreamError: FromServerFnError,
    OutputStreamError: FromServerFnError,
{
    type Request = BrowserRequest;
    type Response = BrowserResponse;

    fn send(request: Self::Request) -> impl Future<Output = Result<Self::Response, E>> + Send {
        <BrowserClient as Client<E, InputStreamError, OutputStreamError>>::send(with_credentials(
            request,
        ))
    }

    fn open_websocket(
        path: &str,
    ) -> impl Future<
        Output = Result<
            (
                impl Stream<Item = Result<Bytes, Bytes>> + Send + 'static,
                impl Sink<Bytes> + Send + 'static,
            ),
            E,
        >,
    > + Send {
        <BrowserClient as Client<E, InputStreamError, OutputStreamError>>::open_websocket(path)
    }

    fn spawn(future: impl Future<Output = ()> + Send + 'static) {
        <BrowserClient as Client<E, InputStreamError, OutputStreamError>>::spawn(future)
    }
}

/// The same request, sent with the cookie and the tab's token. A `fetch` request's credentials
/// mode is fixed when it is made, so it is made again from the first (which keeps its body and
/// its abort signal).
fn with_credentials(mut request: BrowserRequest) -> BrowserRequest {
    let Ok(placeholder) = web_sys::Request::new_with_str("about:blank") else {
        return request;
    };
    let built: web_sys::Request = std::mem::replace(&mut *request, placeholder.into()).into();
    let init = web_sys::RequestInit::new();
    init.set_credentials(web_sys::RequestCredentials::Include);
    match web_sys::Request::new_with_request_and_init(&built, &init) {
        Ok(remade) => {
            if let Some(value) = authorization() {
                let _ = remade.headers().set("authorization", &value);
            }
            *request = remade.into();
        }
        Err(_) => *request = built.into(),
    }
    request
}

/// Signs in at the API's origin (`POST /auth/login` as JSON), for a page that is not Depot's own:
/// Depot's own sign-in page posts a plain form instead. Where the session cookie then reaches
/// Depot (the page is on the same site), that is all; otherwise the tab keeps the session token
/// Depot answered and sends it as Bearer. The refusal comes back in Depot's words.
pub async fn sign_in(username: &str, password: &str) -> Result<(), String> {
    use gloo_net::http::Request;
    use web_sys::RequestCredentials::Include;
    let unreachable = |_| "Depot could not be reached.".to_string();
    let answer = Request::post(&api_url("/auth/login"))
        .credentials(Include)
        .json(&serde_json::json!({"username": username, "password": password}))
        .map_err(|e| e.to_string())?
        .send()
        .await
        .map_err(unreachable)?;
    let body: serde_json::Value = answer.json().await.unwrap_or_default();
    if !answer.ok() {
        let message = body["error"].as_str().unwrap_or("Sign-in failed.");
        return Err(message.to_string());
    }
    keep_session_token(None);
    let signed_in_by_cookie = match Request::get(&api_url("/api/session"))
        .credentials(Include)
        .send()
        .await
    {
        Ok(session) if session.ok() => session
            .json::<serde_json::Value>()
            .await
            .is_ok_and(|who| !who.is_null()),
        _ => false,
    };
    if !signed_in_by_cookie {
        keep_session_token(body["token"].as_str());
    }
    Ok(())
}

/// Ends the session at the API's origin, whichever way it is carried, and forgets the token.
pub async fn sign_out() {
    use gloo_net::http::Request;
    let mut request =
        Request::post(&api_url("/auth/logout")).credentials(web_sys::RequestCredentials::Include);
    if let Some(value) = authorization() {
        request = request.header("authorization", &value);
    }
    let _ = request.send().await;
    keep_session_token(None);
}
