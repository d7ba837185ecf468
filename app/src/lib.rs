//! Depot's admin UI: the HTML shell, the routes, the pages and the server functions they call.
//! Rendered on the server (`ssr`) and hydrated in the browser (`hydrate`).

pub mod api;
mod components;
mod pages;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, SsrMode};

pub use components::layout::urlencode;
use components::layout::Layout;
use pages::artifacts::{ArtifactPage, ArtifactsPage};
use pages::inventory::{EntityPage, InventoryPage};
use pages::specs::{SpecDatasetPage, SpecOwnerPage, SpecRevisionPage, SpecsPage};
use pages::tables::{RowEditor, TablePageView, TablesIndex};
use pages::versioning::{DotPage, DotsPage};
use pages::{
    audit::AuditPage, home::HomePage, login::LoginPage, not_found::NotFound, users::UsersPage,
};

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
        <Title formatter=|page: String| if page.is_empty() { "Depot".to_string() } else { format!("{page} · Depot") }/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=LoginPage/>
                // Async: the page is sent once its data is loaded, so a signed-out visitor gets a real
                // redirect to the login page and a reader without JavaScript gets the whole page.
                <ParentRoute path=path!("") view=Layout ssr=SsrMode::Async>
                    <Route path=path!("") view=HomePage/>
                    <Route path=path!("users") view=UsersPage/>
                    <Route path=path!("audit") view=AuditPage/>
                    <Route path=path!("tables") view=TablesIndex/>
                    <Route path=path!("tables/:db/:table") view=TablePageView/>
                    <Route path=path!("tables/:db/:table/new") view=RowEditor/>
                    <Route path=path!("tables/:db/:table/row/:key") view=RowEditor/>
                    // Not /inventory: that is clusto's API.
                    <Route path=path!("entities") view=InventoryPage/>
                    <Route path=path!("entities/:name") view=EntityPage/>
                    <Route path=path!("versioning") view=DotsPage/>
                    <Route path=path!("versioning/:ns/:dot") view=DotPage/>
                    <Route path=path!("artifacts") view=ArtifactsPage/>
                    <Route path=path!("artifacts/:ns/:name") view=ArtifactPage/>
                    <Route path=path!("specs") view=SpecsPage/>
                    <Route path=path!("specs/:owner") view=SpecOwnerPage/>
                    <Route path=path!("specs/:owner/:dataset") view=SpecDatasetPage/>
                    <Route path=path!("specs/:owner/:dataset/:revision") view=SpecRevisionPage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
