//! Pieces shared by several pages.

pub mod error_view;
pub mod layout;
pub mod upload;

use leptos::prelude::*;

/// Whether the page is hydrated. Forms that only work through JavaScript keep their submit
/// button disabled until then, so an early click is not lost to a plain form submission.
pub fn use_hydrated() -> ReadSignal<bool> {
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    hydrated
}
