//! The sign-in form. On Depot's own pages it is a plain HTML form posting to `/auth/login`, so
//! it works before the page is hydrated and without JavaScript. On the static site (another
//! origin) the same form signs in through the API ([`transport::sign_in`]).

use leptos::ev::SubmitEvent;
use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::transport;

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let (refusal, set_refusal) = signal(None::<String>);
    let error = move || refusal.get().or_else(|| query.read().get("error"));
    let next = move || query.read().get("next").unwrap_or_else(|| "/".into());
    // After a refused sign-in the name comes back, and the password is what to type again.
    let tried = query.read_untracked().get("username");
    let retrying = tried.is_some();
    let (username, password) = (NodeRef::<Input>::new(), NodeRef::<Input>::new());
    let navigate = use_navigate();
    let sign_in_elsewhere = move |event: SubmitEvent| {
        if !transport::is_cross_origin() {
            return;
        }
        event.prevent_default();
        let value = |input: NodeRef<Input>| input.get().map(|i| i.value()).unwrap_or_default();
        let (user, secret) = (value(username), value(password));
        let (navigate, next) = (navigate.clone(), next());
        spawn_local(async move {
            match transport::sign_in(&user, &secret).await {
                Ok(()) => navigate(&next, Default::default()),
                Err(message) => set_refusal.set(Some(message)),
            }
        });
    };
    view! {
        <Title text="Sign in"/>
        <main class="login">
            <form method="post" action=transport::api_url("/auth/login") class="card login-form" on:submit=sign_in_elsewhere>
                <h1>"Depot"</h1>
                {move || error().map(|message| view! { <p class="error-box" role="alert">{message}</p> })}
                // An attribute, not a property: properties are only set once hydrated, and a
                // sign-in before that must still land on `next`.
                <input type="hidden" name="next" value=next/>
                <label>"User" <input type="text" name="username" autocomplete="username" required autofocus=!retrying value=tried node_ref=username/></label>
                <label>"Password or API key" <input type="password" name="password" autocomplete="current-password" required autofocus=retrying node_ref=password/></label>
                <button type="submit">"Sign in"</button>
            </form>
        </main>
    }
}
