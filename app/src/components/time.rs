//! Instants as their reader reads them.

use leptos::prelude::*;

/// A stored instant (RFC 3339 in UTC, as the store keeps them) in the reader's own language
/// and time zone once the page is hydrated ("6 Dec 2026, 14:46" in Berlin), with the stored
/// text on hover and in `datetime`. The server knows neither, so it renders the time in UTC,
/// readably; text that is not such an instant is shown as it is.
#[component]
pub fn LocalTime(#[prop(into)] at: String) -> impl IntoView {
    let shown = RwSignal::new(readable_utc(&at).unwrap_or_else(|| at.clone()));
    let stored = at.clone();
    Effect::new(move |_| {
        if let Some(local) = readable_utc(&stored).and_then(|_| in_reader_locale(&stored)) {
            shown.set(local);
        }
    });
    view! { <time datetime=at.clone() title=at>{move || shown.get()}</time> }
}

/// "2026-12-06T13:46:29.123Z" → "2026-12-06 13:46 UTC"; `None` for anything else.
fn readable_utc(at: &str) -> Option<String> {
    let bytes = at.as_bytes();
    let instant = at.len() >= 17 && bytes[10] == b'T' && bytes[13] == b':' && at.ends_with('Z');
    instant.then(|| format!("{} {} UTC", &at[..10], &at[11..16]))
}

#[cfg(target_arch = "wasm32")]
fn in_reader_locale(at: &str) -> Option<String> {
    use wasm_bindgen::JsValue;
    let date = js_sys::Date::new(&JsValue::from_str(at));
    if date.get_time().is_nan() {
        return None;
    }
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into()).ok()?;
    js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into()).ok()?;
    let format = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &options);
    format
        .format()
        .call1(&JsValue::UNDEFINED, &date)
        .ok()?
        .as_string()
}

#[cfg(not(target_arch = "wasm32"))]
fn in_reader_locale(_: &str) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::readable_utc;

    #[test]
    fn the_server_shows_a_stored_instant_in_utc_to_the_minute() {
        assert_eq!(
            readable_utc("2026-12-06T13:46:29.123Z").as_deref(),
            Some("2026-12-06 13:46 UTC")
        );
        assert_eq!(readable_utc("2026-12-06 13:46:29"), None);
        assert_eq!(readable_utc("never"), None);
    }
}
