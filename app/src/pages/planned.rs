use leptos::prelude::*;
use leptos_meta::Title;

/// A surface whose pages are not built yet says so, rather than showing nothing.
#[component]
pub fn Planned(title: &'static str, what: &'static str) -> impl IntoView {
    view! {
        <Title text=title/>
        <h1>{title}</h1>
        <p class="notice">{format!("Not built yet: this section will hold {what}.")}</p>
    }
}
