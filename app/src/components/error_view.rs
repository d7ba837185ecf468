//! How a failure looks on a page: never a blank page, always what went wrong.

use leptos::prelude::*;

use crate::api::ApiError;

/// What kind of failure a status is, in a person's words (the message says the rest).
fn kind_of(status: u16) -> &'static str {
    match status {
        0 => "No connection",
        401 => "Sign-in needed",
        403 => "Not allowed",
        404 => "Not found",
        409 => "Conflict",
        412 => "Changed meanwhile",
        413 => "Too large",
        400..=499 => "Not accepted",
        _ => "Depot failed",
    }
}

/// One failed call, with a way to sign in when that is what it needs.
#[component]
pub fn ApiErrorView(error: ApiError) -> impl IntoView {
    let needs_login = error.needs_login();
    view! {
        <div class="error-box" role="alert">
            <strong>{kind_of(error.status)}</strong>
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
