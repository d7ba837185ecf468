// Leptos view types nest deeply; the release build of the whole app needs more than the
// default query depth to lay them out.
#![recursion_limit = "256"]
//! The browser entry points: hydrate the server-rendered page into the live Leptos app, or
//! (the static site) render the app in the browser, calling a Depot at another origin.

/// Room for `cargo leptos build --split` to move read-only data out of the main module.
///
/// wasm-split (wasm_split_cli_support 0.2.3) lays the read-only data segment out again, each
/// module's data together, and each group aligned; when that padding makes the segment longer
/// than the linker's ("Overlong segment 0 by 49 after relocation, putting it in main module"),
/// all of the data stays in the main module — about 100 KB, 36 KB brotli on every first page.
/// Whether it fits changed from build to build with unrelated code. This array is in that
/// segment but used by no code, so the split leaves it out and its room absorbs the padding.
#[used]
static ROOM_FOR_THE_SPLIT: [u8; 8192] = [0x5a; 8192];

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
