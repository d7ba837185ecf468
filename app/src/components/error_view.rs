//! How a failure looks on a page: never a blank page, always what went wrong.

use leptos::prelude::*;

use crate::api::ApiError;

/// One failed call, with a way to sign in when that is what it needs.
#[component]
pub fn ApiErrorView(error: ApiError) -> impl IntoView {
    let needs_login = error.needs_login();
    view! {
        <div class="error-box" role="alert">
            <strong>{if error.status == 0 { "Network error".to_string() } else { format!("Error {}", error.status) }}</strong>
            ": "
            {error.error}
            {needs_login.then(|| view! { " " <a href="/login">"Sign in"</a> })}
        </div>
    }
}

/// The fallback of the page-wide error boundary.
#[component]
pub fn ErrorsView(errors: ArcRwSignal<Errors>) -> impl IntoView {
    view! {
        <div class="error-box" role="alert">
            <strong>"Something went wrong"</strong>
            <ul>
                {move || errors.get().into_iter().map(|(_, e)| view! { <li>{e.to_string()}</li> }).collect_view()}
            </ul>
        </div>
    }
}
