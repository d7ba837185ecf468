//! Users & API keys: who can sign in, with which role, and the keys scripts use.

use depot_domain::auth::{ApiKey, User};
use depot_domain::Role;
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::accounts::{list_keys, list_users, CreateKey, CreateUser, RevokeKey};
use crate::api::ApiError;
use crate::components::allowed::Allowed;
use crate::components::error_view::ApiErrorView;
use crate::components::loaded::Loaded;
use crate::components::{use_hydrated, ScrollBox};

#[component]
pub fn UsersPage() -> impl IntoView {
    view! {
        <Title text="Users & keys"/>
        <h1>"Users & keys"</h1>
        <UsersSection/>
        <KeysSection/>
    }
}

/// Shows the error of the last run of an action, if it failed.
fn action_error<T, S>(value: S) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    S: Get<Value = Option<Result<T, ApiError>>> + Send + Sync + 'static,
{
    move || match value.get() {
        Some(Err(error)) => Some(view! { <ApiErrorView error/> }),
        _ => None,
    }
}

#[component]
fn UsersSection() -> impl IntoView {
    let create_user = ServerAction::<CreateUser>::new();
    let hydrated = use_hydrated();
    let users = Resource::new(move || create_user.version().get(), |_| list_users());
    let name = NodeRef::<html::Input>::new();
    let role = NodeRef::<html::Select>::new();
    let password = NodeRef::<html::Input>::new();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(name), Some(role), Some(password)) = (name.get(), role.get(), password.get())
        else {
            return;
        };
        let role = role.value().parse().unwrap_or(Role::Reader);
        let password = Some(password.value()).filter(|p| !p.is_empty());
        create_user.dispatch(CreateUser {
            name: name.value(),
            role,
            password,
        });
    };
    view! {
        <section>
            <h2>"Users"</h2>
            <Loaded resource=users loading="Loading users…" then=move |users| view! { <UserTable users/> }/>
            <Allowed role=Role::Admin>
                <form class="inline-form" on:submit=on_submit aria-label="Create user">
                    <label>"Name" <input type="text" name="name" node_ref=name required/></label>
                    <label>"Role"
                        <select name="role" node_ref=role>
                            {Role::ALL.iter().map(|r| view! { <option value=r.as_str() selected=*r == Role::Reader>{r.as_str()}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>"Password (optional)" <input type="password" name="password" node_ref=password autocomplete="new-password"/></label>
                    <button type="submit" disabled=move || !hydrated.get() || create_user.pending().get()>"Create user"</button>
                </form>
                {action_error(create_user.value())}
            </Allowed>
        </section>
    }
}

#[component]
fn UserTable(users: Vec<User>) -> impl IntoView {
    view! {
        <ScrollBox label="Users">
        <table class="data">
            <thead><tr><th>"Name"</th><th>"Role"</th><th>"Password"</th><th>"Created"</th></tr></thead>
            <tbody>
                {users.into_iter().map(|user| view! {
                    <tr>
                        <td>{user.name}</td>
                        <td>{user.role.to_string()}</td>
                        <td>{if user.has_password { "set" } else { "—" }}</td>
                        <td><time>{user.created_at}</time></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        </ScrollBox>
    }
}

#[component]
fn KeysSection() -> impl IntoView {
    let create_key = ServerAction::<CreateKey>::new();
    let revoke_key = ServerAction::<RevokeKey>::new();
    let hydrated = use_hydrated();
    let keys = Resource::new(
        move || (create_key.version().get(), revoke_key.version().get()),
        |_| list_keys(None),
    );
    let key_name = NodeRef::<html::Input>::new();
    let key_user = NodeRef::<html::Input>::new();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(name) = key_name.get() else { return };
        let user = key_user.get().map(|u| u.value()).filter(|u| !u.is_empty());
        create_key.dispatch(CreateKey {
            name: name.value(),
            user,
        });
    };
    let new_secret = move || match create_key.value().get() {
        Some(Ok(created)) => Some(view! {
            <div class="new-key" role="status">
                <p>{format!("New key “{}” for {}. Copy it now: it is not shown again.", created.key.name, created.key.user)}</p>
                <code data-testid="new-key-secret">{created.secret}</code>
            </div>
        }),
        _ => None,
    };
    view! {
        <section>
            <h2>"API keys"</h2>
            <form class="inline-form" on:submit=on_submit aria-label="Create API key">
                <label>"Key name" <input type="text" name="key-name" node_ref=key_name required placeholder="e.g. deploy script"/></label>
                <Allowed role=Role::Admin>
                    <label>"For user (optional)" <input type="text" name="key-user" node_ref=key_user placeholder="yourself"/></label>
                </Allowed>
                <button type="submit" disabled=move || !hydrated.get() || create_key.pending().get()>"Create key"</button>
            </form>
            {action_error(create_key.value())}
            {new_secret}
            {action_error(revoke_key.value())}
            <Loaded resource=keys loading="Loading keys…" then=move |keys| view! { <KeyTable keys revoke_key/> }/>
        </section>
    }
}

#[component]
fn KeyTable(keys: Vec<ApiKey>, revoke_key: ServerAction<RevokeKey>) -> impl IntoView {
    let hydrated = use_hydrated();
    if keys.is_empty() {
        return view! { <p class="empty">"No API keys yet."</p> }.into_any();
    }
    view! {
        <ScrollBox label="API keys">
        <table class="data keys">
            <thead><tr><th>"Name"</th><th>"User"</th><th>"Key starts with"</th><th>"Created"</th><th>"State"</th><th></th></tr></thead>
            <tbody>
                {keys.into_iter().map(|key| {
                    let id = key.id;
                    let label = key.name.clone();
                    let revoke = move |_| {
                        let question = format!("Revoke the key “{label}”? Scripts using it stop working at once.");
                        if window().confirm_with_message(&question).unwrap_or(false) {
                            revoke_key.dispatch(RevokeKey { id });
                        }
                    };
                    let revoked = key.revoked_at.is_some();
                    view! {
                        <tr data-key-id=id class:revoked=revoked>
                            <td>{key.name}</td>
                            <td>{key.user}</td>
                            <td><code>{format!("{}…", key.prefix)}</code></td>
                            <td><time>{key.created_at}</time></td>
                            <td>{match key.revoked_at { Some(at) => format!("revoked {at}"), None => "active".into() }}</td>
                            <td>{(!revoked).then(|| view! { <button type="button" class="danger" on:click=revoke disabled=move || !hydrated.get()>"Revoke"</button> })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        </ScrollBox>
    }
    .into_any()
}
