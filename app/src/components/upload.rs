//! File uploads with a progress bar: the browser's XMLHttpRequest, for its upload progress
//! events (fetch has none). The body is the file itself, streamed by the browser.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// Sends `file` as the body of `method url` with `headers`. `on_progress` gets the fraction
/// sent; `on_finish` the outcome, with the server's error text (`error` of a JSON body, or the
/// plain-text body) when it refused.
pub fn send_with_progress(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    file: &web_sys::File,
    on_progress: impl Fn(f64) + 'static,
    on_finish: impl Fn(Result<(), String>) + 'static,
) {
    let Ok(request) = web_sys::XmlHttpRequest::new() else {
        on_finish(Err("this browser cannot upload files".into()));
        return;
    };
    if request.open(method, url).is_err() {
        on_finish(Err("the upload could not be started".into()));
        return;
    }
    for (name, value) in headers {
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
    let done = Closure::<dyn Fn()>::new(move || {
        let status = finished.status().unwrap_or(0);
        if (200..300).contains(&status) {
            on_finish(Ok(()));
        } else {
            let text = finished.response_text().ok().flatten().unwrap_or_default();
            let message = match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(body) => body["error"].as_str().map(str::to_string),
                Err(_) => Some(text.trim().to_string()).filter(|t| !t.is_empty()),
            }
            .unwrap_or_else(|| format!("the upload failed with status {status}"));
            on_finish(Err(message));
        }
    });
    let failed =
        Closure::<dyn Fn()>::new(move || on_error(Err("the upload was interrupted".into())));
    request.set_onload(Some(done.as_ref().unchecked_ref()));
    request.set_onerror(Some(failed.as_ref().unchecked_ref()));
    if request.send_with_opt_blob(Some(file)).is_err() {
        return;
    }
    // The browser calls these later; they live as long as the page.
    progress.forget();
    done.forget();
    failed.forget();
}
