//! Depot's admin UI: the HTML shell, the routes, the pages and the server functions they call.
//! Rendered on the server (`ssr`) and hydrated in the browser (`hydrate`).
// A page's view is one nested type; the release build of the users table's row (a form in a
// details in a cell) computes its layout deeper than the default limit allows.
#![recursion_limit = "256"]

pub mod api;
pub mod components;
mod pages;
mod sections;
#[cfg(test)]
mod wasm_size_rules;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, Lazy, SsrMode};

pub use components::layout::urlencode;
use components::layout::Layout;
use pages::not_found::{NotFound, NotFoundPage};
use sections::*;

/// When the page's script has not hydrated the page after a while (a failed download, a very
/// slow network), the notice that it is on its way says so (`AwaitingScript`).
const SCRIPT_LATE: &str = "setTimeout(function () { \
    var notice = document.getElementById('awaiting-script'); \
    if (notice) notice.textContent = \"The page's script has not loaded: pages and forms still \
    work, each form by loading the page again. Reload the page to try again.\"; }, 15000);";

/// Until the page is hydrated, a link is the browser's to follow (a page load), not the
/// router's: the router is live as soon as the main module is, while a section's page may still
/// be hydrating, and a page navigated in that moment keeps showing the old address's view (a
/// column shown again stayed hidden). The router listens on `window` as events bubble; this
/// stops a link's click before it gets there, and leaves the browser's own navigation be.
const LINKS_BEFORE_HYDRATION: &str = "window.addEventListener('click', function (event) { \
    if (document.getElementById('awaiting-script') && event.target.closest \
        && event.target.closest('a[href]')) event.stopPropagation(); }, true);";

/// The HTML document around the app, rendered on the server for every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="data:,"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <script inner_html=SCRIPT_LATE/>
                <script inner_html=LINKS_BEFORE_HYDRATION/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="depot" href="/pkg/depot.css"/>
        // With a text of its own, so that a page whose title comes with its lazily loaded code
        // is "Depot" rather than untitled until that code arrives.
        <Title formatter=|page: String| if page.is_empty() { "Depot".to_string() } else { format!("{page} · Depot") } text=""/>
        <Router>
            <Routes fallback=NotFoundPage>
                <Route path=path!("/login") view={Lazy::<Login>::new()}/>
                // Async: the page is sent once its data is loaded, so a signed-out visitor gets a real
                // redirect to the login page and a reader without JavaScript gets the whole page.
                <ParentRoute path=path!("") view=Layout ssr=SsrMode::Async>
                    <Route path=path!("") view={Lazy::<Home>::new()}/>
                    <Route path=path!("users") view={Lazy::<Users>::new()}/>
                    <Route path=path!("audit") view={Lazy::<Audit>::new()}/>
                    <Route path=path!("api-docs") view={Lazy::<ApiDocs>::new()}/>
                    <Route path=path!("tables") view={Lazy::<Tables>::new()}/>
                    <Route path=path!("tables/:db/:table") view={Lazy::<Table>::new()}/>
                    <Route path=path!("tables/:db/:table/new") view={Lazy::<Row>::new()}/>
                    <Route path=path!("tables/:db/:table/row/:key") view={Lazy::<Row>::new()}/>
                    // Not /inventory: that is clusto's API.
                    <Route path=path!("entities") view={Lazy::<Entities>::new()}/>
                    <Route path=path!("entities/:name") view={Lazy::<Entity>::new()}/>
                    <Route path=path!("versioning") view={Lazy::<Dots>::new()}/>
                    <Route path=path!("versioning/:ns/:dot") view={Lazy::<Dot>::new()}/>
                    <Route path=path!("artifacts") view={Lazy::<Artifacts>::new()}/>
                    <Route path=path!("artifacts/:ns/:name") view={Lazy::<Artifact>::new()}/>
                    <Route path=path!("artifacts/:ns/:name/:version") view={Lazy::<ArtifactVersion>::new()}/>
                    <Route path=path!("artifacts/:ns/:name/apps/:app") view={Lazy::<ArtifactApp>::new()}/>
                    <Route path=path!("specs") view={Lazy::<SpecOwners>::new()}/>
                    <Route path=path!("specs/:owner") view={Lazy::<SpecOwner>::new()}/>
                    <Route path=path!("specs/:owner/:dataset") view={Lazy::<SpecDataset>::new()}/>
                    <Route path=path!("specs/:owner/:dataset/:revision") view={Lazy::<SpecRevision>::new()}/>
                    // Any other address: "not found" inside the layout, sidebar and all.
                    <Route path=path!("*any") view=|| view! { <NotFound/> }/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
