//! The frame around every signed-in page: the sidebar of surfaces and the page itself.

use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};
use leptos_router::hooks::use_location;

use super::error_view::{ApiErrorView, ErrorsView};
use crate::api::accounts::{current_session, Session};

const SECTIONS: [(&str, &str); 7] = [
    ("/tables", "Tables"),
    ("/inventory", "Inventory"),
    ("/versioning", "Versioning"),
    ("/artifacts", "Artifacts"),
    ("/specs", "Specs"),
    ("/audit", "Audit"),
    ("/users", "Users & keys"),
];

/// The signed-in user, for pages that adapt to the role.
pub fn use_session() -> Option<Session> {
    use_context::<Session>()
}

#[component]
pub fn Layout() -> impl IntoView {
    let session = Resource::new(|| (), |_| current_session());
    let location = use_location();
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match session.await {
                    Ok(Some(session)) => {
                        provide_context(session.clone());
                        view! { <Frame session/> }.into_any()
                    }
                    Ok(None) => {
                        let next = location.pathname.get_untracked();
                        view! { <Redirect path=format!("/login?next={}", urlencode(&next))/> }.into_any()
                    }
                    Err(error) => view! { <main class="page"><ApiErrorView error/></main> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Frame(session: Session) -> impl IntoView {
    view! {
        <div class="frame">
            <nav class="sidebar" aria-label="Sections">
                <A href="/" attr:class="brand">"Depot"</A>
                <ul>
                    {SECTIONS.iter().map(|(href, label)| view! { <li><A href=*href>{*label}</A></li> }).collect_view()}
                </ul>
                <div class="whoami">
                    <span class="user-name">{session.name.clone()}</span>
                    <span class="role">{session.role.to_string()}</span>
                    {(!session.local).then(|| view! {
                        <form method="post" action="/auth/logout">
                            <button type="submit" class="link">"Log out"</button>
                        </form>
                    })}
                </div>
            </nav>
            <main class="page">
                <ErrorBoundary fallback=|errors| view! { <ErrorsView errors/> }>
                    <Outlet/>
                </ErrorBoundary>
            </main>
        </div>
    }
}

/// What stays readable in a query value: letters, digits and `-_.~/`.
const QUERY_VALUE: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~').remove(b'/');

/// Percent-encodes a value for a query string (used by the server's sign-in redirects too).
pub fn urlencode(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, QUERY_VALUE).to_string()
}
