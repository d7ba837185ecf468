//! The frame around every signed-in page: the sidebar of surfaces and the page itself.
//!
//! The page (the `Outlet`) is rendered at once, not inside the session's `Suspend`: resources
//! created inside a `Suspend` can be left unresolved by async server rendering, which hangs
//! the response. Pages that need the session await [`SessionResource`] themselves.

use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};
use leptos_router::hooks::use_location;

use super::error_view::{ApiErrorView, ErrorsView};
use super::AwaitingScript;
use crate::api::accounts::{current_session, Session};
use crate::api::page_data::{page_data, PageData};
use crate::api::{transport, ApiError};

/// The sections in the sidebar: where each lives and its name.
pub(crate) const SECTIONS: [(&str, &str); 8] = [
    ("/tables", "Tables"),
    ("/entities", "Inventory"),
    ("/versioning", "Versioning"),
    ("/artifacts", "Artifacts"),
    ("/specs", "Specs"),
    ("/audit", "Audit"),
    ("/users", "Users & keys"),
    ("/api-docs", "API"),
];

const WITHOUT_SCRIPT: &str = "<p class=\"awaiting-script\">JavaScript is off: every page and \
     form works, each form by loading the page again. Times are in UTC, uploads show no \
     progress, and an edit that lost a race is told in words, not shown beside theirs.</p>";

/// Who is signed in, loaded once per page by the layout.
#[derive(Clone, Copy)]
pub struct SessionResource(pub PageData<Result<Option<Session>, ApiError>>);

pub fn use_session_resource() -> SessionResource {
    expect_context::<SessionResource>()
}

#[component]
pub fn Layout() -> impl IntoView {
    let session = page_data(|| (), |_| current_session());
    provide_context(SessionResource(session));
    let location = use_location();
    view! {
        <a class="skip-link" href="#content">"Skip to the content"</a>
        <div class="frame">
            <nav class="sidebar" aria-label="Sections">
                <div class="sidebar-top">
                    <A href="/" attr:class="brand">"Depot"</A>
                    // On a phone the sections fold away behind this; a checkbox, so that it
                    // works before hydration and without JavaScript.
                    <label class="menu-toggle" for="menu-open">"Menu"</label>
                </div>
                <input type="checkbox" id="menu-open" class="menu-open" aria-label="Show the sections"/>
                <ul class="sections">
                    {SECTIONS.iter().map(|(href, label)| view! { <li><A href=*href>{*label}</A></li> }).collect_view()}
                </ul>
                // One Suspense only for the session: a resource read in two Suspense boundaries
                // can leave one of them unresolved in server rendering (leptos #4851).
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match session.await {
                            Ok(Some(session)) => view! { <WhoAmI session/> }.into_any(),
                            // A token Depot no longer knows (expired, signed out elsewhere) is
                            // refused with 401: this tab signs in again too.
                            Ok(None) | Err(ApiError { status: 401, .. }) => {
                                transport::keep_session_token(None);
                                let next = location.pathname.get_untracked();
                                view! { <Redirect path=format!("/login?next={}", urlencode(&next))/> }.into_any()
                            }
                            Err(error) => view! { <ApiErrorView error/> }.into_any(),
                        }
                    })}
                </Suspense>
            </nav>
            <main class="page" id="content" tabindex="-1">
                <AwaitingScript/>
                // As HTML, not as nodes: with scripting on, a browser reads a noscript's
                // content as text, which hydration would not recognise.
                <noscript inner_html=WITHOUT_SCRIPT/>
                <ErrorBoundary fallback=|errors| view! { <ErrorsView errors/> }>
                    <Outlet/>
                </ErrorBoundary>
            </main>
        </div>
    }
}

#[component]
fn WhoAmI(session: Session) -> impl IntoView {
    let navigate = leptos_router::hooks::use_navigate();
    // Depot's own pages post the form (and are redirected); the static site signs out through
    // the API and shows its own sign-in page.
    let sign_out_elsewhere = move |event: leptos::ev::SubmitEvent| {
        if !transport::is_cross_origin() {
            return;
        }
        event.prevent_default();
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            transport::sign_out().await;
            navigate("/login", Default::default());
        });
    };
    view! {
        <div class="whoami">
            <span class="user-name">{session.name.clone()}</span>
            <span class="role">{session.role.to_string()}</span>
            {(!session.local).then(|| view! {
                <form method="post" action=transport::api_url("/auth/logout") on:submit=sign_out_elsewhere>
                    <button type="submit" class="link">"Log out"</button>
                </form>
            })}
        </div>
    }
}

/// What stays readable in a query value: letters, digits and `-_.~/`.
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// Percent-encodes a value for a query string (used by the server's sign-in redirects too).
pub fn urlencode(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, QUERY_VALUE).to_string()
}
