//! A resource's value on a page: "Loading…" until it arrives (the last value stays on screen
//! while it reloads), its failure as an error box (or, when it does not exist, the not-found
//! page), else what the page makes of it.

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
    view! {
        <Transition fallback=move || view! { <p class="loading">{loading}</p> }>
            {move || {
                let then = then.clone();
                Suspend::new(async move {
                    match resource.await {
                        Ok(value) => then(value).into_any(),
                        // What the page shows does not exist: a 404 page, not an error box.
                        Err(error) if error.status == 404 => {
                            view! { <NotFound message=error.error/> }.into_any()
                        }
                        Err(error) => view! { <ApiErrorView error/> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}
