//! "Not found", inside the layout (the sidebar stays): for an address no page has, and for a
//! table, entity, dot, artifact or revision that does not exist. Either way the answer is a
//! 404, with a title, a heading, what was missing and a way back to the section.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

/// The section an address belongs to (`/tables/chinook/nope` → `/tables`), the way back.
fn section_of(path: &str) -> String {
    match path.trim_start_matches('/').split('/').next() {
        Some(section) if !section.is_empty() => format!("/{section}"),
        _ => "/".to_string(),
    }
}

#[component]
pub fn NotFound(
    /// What is missing, in the words of the call that looked for it.
    #[prop(optional, into)]
    message: Option<String>,
) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let back = section_of(&use_location().pathname.get_untracked());
    let back_label = if back == "/" {
        "Back to the start"
    } else {
        "Back to the section"
    };
    view! {
        <Title text="Not found"/>
        <h1>"Not found"</h1>
        <p class="lead">
            {message.unwrap_or_else(|| "There is no page at this address.".to_string())}
        </p>
        <p><a href=back>{back_label}</a></p>
    }
}

/// The same outside the layout, for an address no route takes at all.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <main class="page narrow">
            <NotFound/>
        </main>
    }
}
