//! The sign-in form. It is a plain HTML form posting to `/auth/login`, so it works before the
//! page is hydrated and without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let error = move || query.read().get("error");
    let next = move || query.read().get("next").unwrap_or_else(|| "/".into());
    view! {
        <Title text="Sign in"/>
        <main class="login">
            <form method="post" action="/auth/login" class="card login-form">
                <h1>"Depot"</h1>
                {move || error().map(|message| view! { <p class="error-box" role="alert">{message}</p> })}
                // An attribute, not a property: properties are only set once hydrated, and a
                // sign-in before that must still land on `next`.
                <input type="hidden" name="next" value=next/>
                <label>"User" <input type="text" name="username" autocomplete="username" required autofocus/></label>
                <label>"Password or API key" <input type="password" name="password" autocomplete="current-password" required/></label>
                <button type="submit">"Sign in"</button>
            </form>
        </main>
    }
}
