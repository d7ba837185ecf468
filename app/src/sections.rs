//! Every page as a lazy route — the sections' pages, home and sign-in. The browser's WebAssembly
//! is split at each of them (`cargo leptos build --split`): the main module is the shell (router,
//! layout, the runtime), the first page costs the shell plus that page's parts (in one bundle,
//! `frontend/bundle-parts.mjs`), and a page's code is fetched the first time it is shown. Home
//! and sign-in too: in the shell, their code (the overview, the audit entries it lists, the
//! static site's sign-in) would weigh on every other first page.
//! On the server they are plain pages; the server-rendered HTML may preload the bundle (Leptos
//! 0.8.23 adds those links for only about half the requests on a multi-threaded server), and
//! hydration fetches whatever is missing.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

use crate::pages::api_docs::ApiDocsPage;
use crate::pages::artifacts::{AppPage, ArtifactPage, ArtifactVersionPage, ArtifactsPage};
use crate::pages::home::HomePage;
use crate::pages::inventory::{EntityPage, InventoryPage};
use crate::pages::login::LoginPage;
use crate::pages::specs::{SpecDatasetPage, SpecOwnerPage, SpecRevisionPage, SpecsPage};
use crate::pages::tables::{RowEditor, TablePageView, TablesIndex};
use crate::pages::versioning::{DotPage, DotsPage};
use crate::pages::{audit::AuditPage, users::UsersPage};

/// A lazy route for each page: pages load their own data, so a route carries none.
macro_rules! lazy_pages {
    ($($route:ident => $page:ident),* $(,)?) => {$(
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_route: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    )*};
}

lazy_pages! {
    Home => HomePage,
    Login => LoginPage,
    Users => UsersPage,
    Audit => AuditPage,
    ApiDocs => ApiDocsPage,
    Tables => TablesIndex,
    Table => TablePageView,
    Row => RowEditor,
    Entities => InventoryPage,
    Entity => EntityPage,
    Dots => DotsPage,
    Dot => DotPage,
    Artifacts => ArtifactsPage,
    Artifact => ArtifactPage,
    ArtifactVersion => ArtifactVersionPage,
    ArtifactApp => AppPage,
    SpecOwners => SpecsPage,
    SpecOwner => SpecOwnerPage,
    SpecDataset => SpecDatasetPage,
    SpecRevision => SpecRevisionPage,
}
