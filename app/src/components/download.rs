//! Links to files Depot serves (dot files, artifact archives), at the API's origin.
//!
//! A plain link carries the cookie, which is all Depot's own pages and a static site on the
//! same site need. A page on another site holds a session token instead, which a link cannot
//! send: there the click fetches the file with the token — from Depot, or from the signed
//! object-store URL Depot redirects to — and saves it.

use leptos::ev::MouseEvent;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::api::transport;

#[component]
pub fn DownloadLink(
    /// The file's route on Depot, such as `/dots/{ns}/{dot}/branches/{b}/files/{path}`.
    path: String,
    children: Children,
) -> impl IntoView {
    let href = transport::api_url(&path);
    let (problem, set_problem) = signal(None::<String>);
    let target = href.clone();
    let save_with_token = move |event: MouseEvent| {
        let Some(authorization) = transport::authorization() else {
            return;
        };
        event.prevent_default();
        let target = target.clone();
        leptos::task::spawn_local(async move {
            set_problem.set(save(target, authorization).await.err());
        });
    };
    view! {
        <a href=href download on:click=save_with_token>{children()}</a>
        {move || problem.get().map(|message| view! { <span class="error-text" role="alert">{message}</span> })}
    }
}

/// Fetches `url` with the session token and saves what comes back.
///
/// Lazy: only a page on another site than Depot's has a token to send, so the code is a part
/// of the WebAssembly of its own, fetched at the first such download.
#[leptos::lazy]
async fn save(url: String, authorization: String) -> Result<(), String> {
    use gloo_net::http::Request;
    let failed = |_| "the download failed".to_string();
    let failed_js = |_: wasm_bindgen::JsValue| "the download failed".to_string();
    // No cookie: the redirect may lead to an object store that admits any origin, which a
    // request with credentials may not follow.
    let answer = Request::get(&url)
        .credentials(web_sys::RequestCredentials::Omit)
        .header("Authorization", &authorization)
        .send()
        .await
        .map_err(failed)?;
    if !answer.ok() {
        return Err(format!(
            "the download failed with status {}",
            answer.status()
        ));
    }
    let answer: web_sys::Response = answer.into();
    let blob = answer.blob().map_err(|_| "the download failed")?;
    let blob: web_sys::Blob = wasm_bindgen_futures::JsFuture::from(blob)
        .await
        .map_err(failed_js)?
        .unchecked_into();
    let object_url =
        web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| "the download failed")?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|_| "the download failed")?
        .unchecked_into();
    anchor.set_href(&object_url);
    let name = url.rsplit('/').next().unwrap_or("download");
    anchor.set_download(&percent_encoding::percent_decode_str(name).decode_utf8_lossy());
    anchor.click();
    let _ = web_sys::Url::revoke_object_url(&object_url);
    Ok(())
}
