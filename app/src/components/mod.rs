//! Pieces shared by several pages.

pub mod allowed;
pub mod confirm;
pub mod download;
pub mod error_view;
pub mod layout;
pub mod loaded;
pub mod time;
pub mod upload;

use leptos::prelude::*;

/// Whether the page is hydrated. Forms that only work through JavaScript keep their submit
/// button disabled until then, so an early click is not lost to a plain form submission.
pub fn use_hydrated() -> ReadSignal<bool> {
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    hydrated
}

/// Where a form that calls the server function `F` posts when the page is not hydrated: the
/// function's own route, which takes a form's fields (`api::codec`) and answers a browser with
/// a redirect back to the page. Hydrated, the form's submit handler calls `F` instead.
pub fn posts_to<F: server_fn::ServerFn>() -> String {
    crate::api::transport::api_url(F::PATH)
}

/// The refusal a plain form's post to `F` came back with (Leptos puts it in the page's address),
/// for a form that does not go through a `ServerAction` once hydrated (an upload with progress).
pub fn plain_form_refusal<F>() -> Option<crate::api::ApiError>
where
    F: server_fn::ServerFn<Error = crate::api::ApiError>,
{
    use_context::<leptos::server::ServerActionError>()
        .filter(|refusal| refusal.path() == F::PATH)
        .map(|refusal| server_fn::error::ServerFnUrlError::decode_err(refusal.err()))
}

/// Said at the top of a page until it is hydrated: that its forms work meanwhile, as plain
/// forms. The shell changes the words when the script has not arrived after a while (`lib.rs`),
/// and the layout says what differs without JavaScript.
#[component]
pub fn AwaitingScript() -> impl IntoView {
    let hydrated = use_hydrated();
    move || {
        (!hydrated.get()).then(|| {
            view! {
                <p class="awaiting-script" id="awaiting-script" role="status">
                    "Loading the page's script: until it is ready, forms work by loading the page again."
                </p>
            }
        })
    }
}

/// A wide table in a box of its own that scrolls sideways on a narrow screen, and that the
/// keyboard can reach and scroll (the table may hold nothing else focusable).
#[component]
pub fn ScrollBox(label: &'static str, children: Children) -> impl IntoView {
    view! {
        <div class="scroll-box" role="region" aria-label=label tabindex="0">
            {children()}
        </div>
    }
}

pub use depot_domain::units::human_size;
