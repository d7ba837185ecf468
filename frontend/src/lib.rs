// Leptos view types nest deeply; the release build of the whole app needs more than the
// default query depth to lay them out.
#![recursion_limit = "256"]
//! The browser entry points: hydrate the server-rendered page into the live Leptos app, or
//! (the static site) render the app in the browser, calling a Depot at another origin.

/// `depot serve`'s pages: the HTML is there, the app takes it over.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Lazy: the section pages are lazy routes (app/src/sections.rs), whose code may still be
    // arriving when hydration starts.
    leptos::mount::hydrate_lazy(depot_app::App);
}

/// The static site's `index.html` calls this with the API's address from its `config.json`.
#[cfg(feature = "csr")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn start(api: String) {
    console_error_panic_hook::set_once();
    depot_app::api::transport::use_api_at(&api);
    leptos::mount::mount_to_body(depot_app::App);
}
