//! Pieces shared by several pages.

pub mod allowed;
pub mod confirm;
pub mod download;
pub mod error_view;
pub mod layout;
pub mod loaded;
pub mod upload;

use leptos::prelude::*;

/// Whether the page is hydrated. Forms that only work through JavaScript keep their submit
/// button disabled until then, so an early click is not lost to a plain form submission.
pub fn use_hydrated() -> ReadSignal<bool> {
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    hydrated
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
