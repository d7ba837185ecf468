// Leptos view types nest deeply; the release build of the whole app needs more than the
// default query depth to lay them out.
#![recursion_limit = "256"]
//! The browser entry point: hydrate the server-rendered page into the live Leptos app.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Lazy: the section pages are lazy routes (app/src/sections.rs), whose code may still be
    // arriving when hydration starts.
    leptos::mount::hydrate_lazy(depot_app::App);
}
