//! A resource's value on a page: "Loading…" until it arrives (the last value stays on screen
//! while it reloads), its failure as an error box (or, when it does not exist, the not-found
//! page), else what the page makes of it.
//!
//! Every `<Transition>` on a page is this one (`transition`). Leptos' suspense code is generic
//! over the future it waits for and the closure that makes it, so each place that used
//! `<Transition>` directly compiled its own copy into the WebAssembly; here the future is boxed,
//! and there is one copy for every page.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use leptos::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::api::page_data::PageData;
use crate::api::ApiError;
use crate::components::error_view::ApiErrorView;
use crate::pages::not_found::NotFound;

/// `resource`'s value as `then` shows it, or why it could not be loaded.
#[component]
pub fn Loaded<T, V, F>(
    resource: PageData<Result<T, ApiError>>,
    then: F,
    /// What stands in its place while it loads.
    #[prop(default = "Loading…")]
    loading: &'static str,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    V: IntoView + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
{
    transition(Some(loading), move || {
        let then = then.clone();
        boxed(async move {
            match resource.await {
                Ok(value) => then(value).into_any(),
                // What the page shows does not exist: a 404 page, not an error box.
                Err(error) if error.status == 404 => {
                    view! { <NotFound message=error.error/> }.into_any()
                }
                Err(error) => view! { <ApiErrorView error/> }.into_any(),
            }
        })
    })
}

/// A view still on its way.
pub type ViewFuture = Pin<Box<dyn Future<Output = AnyView> + Send>>;

/// `view`, boxed for `transition`.
pub fn boxed<V: IntoView + 'static>(view: impl Future<Output = V> + Send + 'static) -> ViewFuture {
    Box::pin(async move { view.await.into_any() })
}

/// A `<Transition>` showing what `load` makes: until the first arrives, `loading` (or nothing);
/// while the next loads, the last one.
pub fn transition(
    loading: Option<&'static str>,
    load: impl Fn() -> ViewFuture + Send + Sync + 'static,
) -> AnyView {
    one_transition(loading, Arc::new(load))
}

/// The one instantiation of Leptos' `Transition` that the pages share.
fn one_transition(
    loading: Option<&'static str>,
    load: Arc<dyn Fn() -> ViewFuture + Send + Sync>,
) -> AnyView {
    view! {
        <Transition fallback=move || loading.map(|text| view! { <p class="loading">{text}</p> })>
            {move || Suspend::new(load())}
        </Transition>
    }
    .into_any()
}
