//! File uploads with a progress bar: the browser's XMLHttpRequest, for its upload progress
//! events (fetch has none). The body is the file itself, streamed by the browser.
//!
//! Where Depot's blob store is S3, a file goes in two steps ([`upload_direct`]): Depot hands
//! out a signed URL, the browser PUTs the bytes straight to the object store, and Depot
//! confirms them by size and SHA-256. So a Depot that takes small bodies only (a function
//! behind a URL) still takes large files, and its instances never carry the bytes.

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use crate::api::transport;

/// An upload's progress bar while `progress` (the fraction sent) is `Some`, with the percentage
/// in words beside it.
#[component]
pub fn UploadProgress(progress: ReadSignal<Option<f64>>) -> impl IntoView {
    move || {
        progress.get().map(|fraction| {
            // Whole percents, rounded down: 100 only once every byte is sent.
            let percent = format!("{}", (fraction.clamp(0.0, 1.0) * 100.0) as u32);
            view! {
                <progress max="100" value=percent.clone() aria-label="Upload progress"></progress>
                <span class="progress-text">{format!("{percent}%")}</span>
            }
        })
    }
}

/// Where an upload is sent.
pub struct Destination {
    method: &'static str,
    url: String,
    headers: Vec<(String, String)>,
    /// Sent with the cookie and the tab's token: only to Depot itself.
    credentials: bool,
}

impl Destination {
    /// One of Depot's own routes, with the caller's credentials.
    pub fn depot(method: &'static str, path: &str) -> Self {
        Self {
            method,
            url: transport::api_url(path),
            headers: transport::authorization()
                .map(|value| ("Authorization".to_string(), value))
                .into_iter()
                .collect(),
            credentials: true,
        }
    }

    /// A URL that carries its own authorisation (a signed object-store URL).
    fn signed(method: &str, url: &str) -> Self {
        Self {
            method: if method.eq_ignore_ascii_case("POST") {
                "POST"
            } else {
                "PUT"
            },
            url: url.to_string(),
            headers: Vec::new(),
            credentials: false,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

/// Sends `file` as the body of a request to `to`. `on_progress` gets the fraction sent;
/// `on_finish` the outcome, with the answer's body, or the server's error text (`error` of a
/// JSON body, or the plain-text body) when it refused.
fn send_with_progress(
    to: Destination,
    file: &web_sys::File,
    on_progress: impl Fn(f64) + 'static,
    on_finish: impl Fn(Result<String, String>) + 'static,
) {
    let Ok(request) = web_sys::XmlHttpRequest::new() else {
        on_finish(Err("this browser cannot upload files".into()));
        return;
    };
    if request.open(to.method, &to.url).is_err() {
        on_finish(Err("the upload could not be started".into()));
        return;
    }
    request.set_with_credentials(to.credentials);
    for (name, value) in &to.headers {
        let _ = request.set_request_header(name, value);
    }
    let progress =
        Closure::<dyn Fn(web_sys::ProgressEvent)>::new(move |event: web_sys::ProgressEvent| {
            if event.length_computable() && event.total() > 0.0 {
                on_progress(event.loaded() / event.total());
            }
        });
    if let Ok(upload) = request.upload() {
        upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    }
    let finished = request.clone();
    let on_finish = std::rc::Rc::new(on_finish);
    let on_error = on_finish.clone();
    let on_unsent = on_finish.clone();
    let done = Closure::<dyn Fn()>::new(move || {
        let status = finished.status().unwrap_or(0);
        let text = finished.response_text().ok().flatten().unwrap_or_default();
        if (200..300).contains(&status) {
            on_finish(Ok(text));
        } else {
            on_finish(Err(refusal_text(status, &text)));
        }
    });
    let failed =
        Closure::<dyn Fn()>::new(move || on_error(Err("the upload was interrupted".into())));
    request.set_onload(Some(done.as_ref().unchecked_ref()));
    // Every way the request can end answers `on_finish`, so the form never stays disabled.
    request.set_onerror(Some(failed.as_ref().unchecked_ref()));
    request.set_onabort(Some(failed.as_ref().unchecked_ref()));
    request.set_ontimeout(Some(failed.as_ref().unchecked_ref()));
    if request.send_with_opt_blob(Some(file)).is_err() {
        on_unsent(Err("the upload could not be sent".into()));
        return;
    }
    // The browser calls these later; they live as long as the page.
    progress.forget();
    done.forget();
    failed.forget();
}

/// What a refusal says: `error` of Depot's JSON, an object store's `<Message>`, or the text.
fn refusal_text(status: u16, body: &str) -> String {
    // Read as bytes, as every answer is (`api::page_data` says why).
    let from_json = serde_json::from_slice::<serde_json::Value>(body.as_bytes())
        .ok()
        .and_then(|json| json["error"].as_str().map(str::to_string));
    let from_xml = || {
        let (_, rest) = body.split_once("<Message>")?;
        rest.split_once("</Message>")
            .map(|(message, _)| message.to_string())
    };
    from_json
        .or_else(from_xml)
        .or_else(|| Some(body.trim().to_string()).filter(|t| !t.is_empty() && t.len() < 500))
        .unwrap_or_else(|| format!("the upload failed with status {status}"))
}

/// A two-step upload to one of Depot's routes: `POST {route}/uploads` with `begin` for a signed
/// URL, the bytes PUT there (hashed meanwhile), then `POST {route}/uploads/{upload}` with
/// `confirm` plus the size and SHA-256. Both steps carry `headers`.
pub struct TwoStep {
    pub route: String,
    pub headers: Vec<(String, String)>,
    pub begin: serde_json::Value,
    pub confirm: serde_json::Value,
}

/// Sends `file` the way Depot's blob store takes it: in two steps where it hands out signed
/// URLs (`direct`), else in the body of `plain`; `progress` is the fraction sent until it ends
/// (`None` again). The last answer's body, or the refusal's text.
///
/// Lazy: this, the two steps' hashing (SHA-256) and the requests are a part of the WebAssembly
/// of their own, fetched when the first file is sent — a page with an upload form does not
/// carry them in its first load.
#[leptos::lazy]
pub async fn upload(
    direct: bool,
    steps: TwoStep,
    plain: Destination,
    file: web_sys::File,
    progress: WriteSignal<Option<f64>>,
) -> Result<String, String> {
    progress.set(Some(0.0));
    let on_progress = move |fraction| progress.set(Some(fraction));
    let outcome = if direct {
        send_direct(steps, file, on_progress).await
    } else {
        send(plain, &file, on_progress).await
    };
    progress.set(None);
    outcome
}

/// [`send_with_progress`], awaited.
async fn send(
    to: Destination,
    file: &web_sys::File,
    on_progress: impl Fn(f64) + 'static,
) -> Result<String, String> {
    let (sent, arrived) = futures::channel::oneshot::channel();
    let sent = std::cell::RefCell::new(Some(sent));
    send_with_progress(to, file, on_progress, move |outcome| {
        if let Some(sent) = sent.borrow_mut().take() {
            let _ = sent.send(outcome);
        }
    });
    arrived
        .await
        .map_err(|_| "the upload was interrupted".to_string())?
}

/// Sends `file` in two steps; the confirmation's body.
async fn send_direct(
    mut steps: TwoStep,
    file: web_sys::File,
    on_progress: impl Fn(f64) + 'static,
) -> Result<String, String> {
    let route = &steps.route;
    let begun = post_json(&format!("{route}/uploads"), &steps.headers, &steps.begin).await?;
    let grant: serde_json::Value =
        serde_json::from_slice(begun.as_bytes()).map_err(|e| e.to_string())?;
    let (Some(upload), Some(method), Some(url)) = (
        grant["upload"].as_str(),
        grant["method"].as_str(),
        grant["url"].as_str(),
    ) else {
        return Err("Depot did not answer with an upload URL".into());
    };
    // Hashed while the bytes are on their way.
    let (sent, sha256) = futures::join!(
        send(Destination::signed(method, url), &file, on_progress),
        sha256_of(&file)
    );
    sent?;
    steps.confirm["size"] = serde_json::json!(file.size() as i64);
    steps.confirm["sha256"] = serde_json::json!(sha256?);
    let confirmation = format!("{route}/uploads/{upload}");
    post_json(&confirmation, &steps.headers, &steps.confirm).await
}

/// POSTs JSON to one of Depot's routes with the caller's credentials; the answer's body, or
/// the refusal's text.
async fn post_json(
    path: &str,
    headers: &[(String, String)],
    body: &serde_json::Value,
) -> Result<String, String> {
    use gloo_net::http::Request;
    let mut request =
        Request::post(&transport::api_url(path)).credentials(web_sys::RequestCredentials::Include);
    if let Some(value) = transport::authorization() {
        request = request.header("Authorization", &value);
    }
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let answer = request
        .json(body)
        .map_err(|e| e.to_string())?
        .send()
        .await
        .map_err(|_| "Depot could not be reached".to_string())?;
    let text = answer.text().await.unwrap_or_default();
    if answer.ok() {
        Ok(text)
    } else {
        Err(refusal_text(answer.status(), &text))
    }
}

/// The file's SHA-256 in hex, read a slice at a time (a file may be larger than memory allows).
async fn sha256_of(file: &web_sys::File) -> Result<String, String> {
    use sha2::{Digest, Sha256};
    const SLICE: f64 = 8.0 * 1024.0 * 1024.0;
    let unreadable = |_| "the file could not be read".to_string();
    let mut hasher = Sha256::new();
    let mut start = 0.0;
    while start < file.size() {
        let end = (start + SLICE).min(file.size());
        let slice = file
            .slice_with_f64_and_f64(start, end)
            .map_err(unreadable)?;
        let buffer = wasm_bindgen_futures::JsFuture::from(slice.array_buffer())
            .await
            .map_err(unreadable)?;
        hasher.update(js_sys::Uint8Array::new(&buffer).to_vec());
        start = end;
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect())
}
