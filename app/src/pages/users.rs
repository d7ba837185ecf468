//! Users & API keys: who can sign in, with which role, and the keys scripts use.

use depot_domain::auth::{ApiKey, CreatedKey, User};
use depot_domain::Role;
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::accounts::{
    key_handed_to_this_page, list_keys, list_users, CreateKey, CreateUser, RemoveUser, RevokeKey,
    SetPassword, UpdateUser,
};
use crate::api::page_data::page_data;
use crate::api::ApiError;
use crate::components::allowed::Allowed;
use crate::components::confirm::{ConfirmButton, PlainPost};
use crate::components::error_view::ApiErrorView;
use crate::components::layout::use_session_resource;
use crate::components::loaded::Loaded;
use crate::components::time::LocalTime;
use crate::components::{posts_to, use_hydrated, ScrollBox};

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

/// What an admin (or, for their own password, any user) does to a listed user.
#[derive(Clone, Copy)]
struct UserActions {
    update: ServerAction<UpdateUser>,
    remove: ServerAction<RemoveUser>,
    set_password: ServerAction<SetPassword>,
}

#[component]
fn UsersSection() -> impl IntoView {
    let create_user = ServerAction::<CreateUser>::new();
    let actions = UserActions {
        update: ServerAction::new(),
        remove: ServerAction::new(),
        set_password: ServerAction::new(),
    };
    let users = page_data(
        move || {
            (
                create_user.version().get(),
                actions.update.version().get(),
                actions.remove.version().get(),
            )
        },
        |_| list_users(),
    );
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
            {action_error(actions.update.value())}
            {action_error(actions.remove.value())}
            {action_error(actions.set_password.value())}
            {move || matches!(actions.set_password.value().get(), Some(Ok(()))).then(|| view! {
                <p class="ok" role="status">"Password set. That user's browser sessions have ended."</p>
            })}
            <Loaded resource=users loading="Loading users…" then=move |users| view! { <UserTable users actions/> }/>
            <Allowed role=Role::Admin>
                <form class="inline-form" method="post" action={posts_to::<CreateUser>()} on:submit=on_submit aria-label="Create user">
                    <label>"Name" <input type="text" name="name" node_ref=name required/></label>
                    <label>"Role"
                        <select name="role" node_ref=role>
                            {Role::ALL.iter().map(|r| view! { <option value=r.as_str() selected=*r == Role::Reader>{r.as_str()}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>"Password (optional)" <input type="password" name="password" node_ref=password autocomplete="new-password"/></label>
                    <button type="submit" disabled=move || create_user.pending().get()>"Create user"</button>
                </form>
                {action_error(create_user.value())}
            </Allowed>
        </section>
    }
}

#[component]
fn UserTable(users: Vec<User>, actions: UserActions) -> impl IntoView {
    view! {
        <ScrollBox label="Users">
        <table class="data users">
            <thead><tr><th>"Name"</th><th>"Role"</th><th>"Password"</th><th>"Created"</th><th>"State"</th><th>"Actions"</th></tr></thead>
            <tbody>
                {users.into_iter().map(|user| view! { <UserRow user actions/> }).collect_view()}
            </tbody>
        </table>
        </ScrollBox>
    }
    .into_any()
}

/// One user. A reader or writer sees only themselves, and may set their own password; an
/// admin changes anyone's role and standing, and removes others.
#[component]
fn UserRow(user: User, actions: UserActions) -> impl IntoView {
    let session = use_session_resource().0;
    let name = user.name.clone();
    let is_me = {
        let name = name.clone();
        move || {
            session
                .get()
                .and_then(Result::ok)
                .flatten()
                .is_some_and(|me| me.name == name)
        }
    };
    let disabled = user.disabled_at.is_some();
    let change_role = {
        let name = name.clone();
        move |event: leptos::ev::Event| {
            let role = event_target_value(&event).parse().ok();
            actions.update.dispatch(UpdateUser {
                name: name.clone(),
                role,
                disabled: None,
            });
        }
    };
    let toggle = {
        let name = name.clone();
        move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            actions.update.dispatch(UpdateUser {
                name: name.clone(),
                role: None,
                disabled: Some(!disabled),
            });
        }
    };
    let remove = {
        let name = name.clone();
        Callback::new(move |()| {
            actions.remove.dispatch(RemoveUser { name: name.clone() });
        })
    };
    let role = user.role;
    let toggle_name = name.clone();
    let role_label = format!("Role of {name}");
    let role_of = name.clone();
    let remove_question =
        format!("Remove the user {name}? Their API keys stop working; what they wrote stays.");
    view! {
        <tr data-user=name.clone() class:disabled=disabled>
            <td>{name.clone()}</td>
            <td>
                <Allowed role=Role::Admin otherwise=move || role.to_string()>
                    // Hydrated, choosing a role sets it; until then the form's own button does.
                    <form class="inline" method="post" action={posts_to::<UpdateUser>()} on:submit=|ev| ev.prevent_default()>
                        <input type="hidden" name="name" value=role_of.clone()/>
                        <select name="role" aria-label=role_label.clone() on:change=change_role.clone()>
                            {Role::ALL.iter().map(|r| view! { <option value=r.as_str() selected=*r == role>{r.as_str()}</option> }).collect_view()}
                        </select>
                        " "
                        <button type="submit" class="secondary until-hydrated">"Set role"</button>
                    </form>
                </Allowed>
            </td>
            <td>{if user.has_password { "set" } else { "—" }}<SetPasswordForm name=name.clone() action=actions.set_password/></td>
            <td><LocalTime at=user.created_at/></td>
            <td>{match user.disabled_at { Some(at) => view! { "disabled since " <LocalTime at/> }.into_any(), None => "active".into_any() }}</td>
            <td class="actions">
                <Allowed role=Role::Admin>
                    {let (is_me, toggle, question, name) = (is_me.clone(), toggle.clone(), remove_question.clone(), toggle_name.clone()); move || (!is_me()).then(|| view! {
                        <form class="inline" method="post" action={posts_to::<UpdateUser>()} on:submit=toggle.clone()>
                            <input type="hidden" name="name" value=name.clone()/>
                            <input type="hidden" name="disabled" value=(!disabled).to_string()/>
                            <button type="submit" class="secondary">{if disabled { "Enable" } else { "Disable" }}</button>
                        </form>
                        " "
                        <ConfirmButton label="Remove…" confirm="Remove" on_confirm=remove question=question.clone()
                            posts={PlainPost::to::<RemoveUser>().field("name", name.clone())}/>
                    })}
                </Allowed>
            </td>
        </tr>
    }
    // Its type erased: nested in the table's, it is too deep for a release build's layout.
    .into_any()
}

/// Setting a password, folded away until asked for: a `<details>`, so it opens without
/// JavaScript.
#[component]
fn SetPasswordForm(name: String, action: ServerAction<SetPassword>) -> impl IntoView {
    let name_field = name.clone();
    let password = NodeRef::<html::Input>::new();
    let label = format!("New password for {name}");
    let form_label = format!("Set the password of {name}");
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let Some(input) = password.get() else { return };
        action.dispatch(SetPassword {
            name: name.clone(),
            password: input.value(),
        });
        input.set_value("");
    };
    view! {
        <details class="set-password">
            <summary>"Set password…"</summary>
            <form class="inline-form" method="post" action={posts_to::<SetPassword>()} on:submit=on_submit aria-label=form_label>
                <input type="hidden" name="name" value=name_field/>
                <label>{label.clone()} <input type="password" name="password" node_ref=password required autocomplete="new-password"/></label>
                <button type="submit" disabled=move || action.pending().get()>"Set password"</button>
            </form>
        </details>
    }
}

#[component]
fn KeysSection() -> impl IntoView {
    let create_key = ServerAction::<CreateKey>::new();
    let revoke_key = ServerAction::<RevokeKey>::new();
    let keys = page_data(
        move || (create_key.version().get(), revoke_key.version().get()),
        |_| list_keys(None),
    );
    // A key made by the plain form before or without the script: handed to this page once.
    let handed_over = page_data(
        || (),
        |_| {
            let handed = key_handed_to_this_page();
            async move { handed }
        },
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
            plain_form: false,
        });
    };
    let made_here = move || match create_key.value().get() {
        Some(Ok(created)) => Some(view! { <NewKey created/> }),
        _ => None,
    };
    view! {
        <section>
            <h2>"API keys"</h2>
            <form class="inline-form" method="post" action={posts_to::<CreateKey>()} on:submit=on_submit aria-label="Create API key">
                <input type="hidden" name="plain_form" value="true"/>
                <label>"Key name" <input type="text" name="name" node_ref=key_name required placeholder="e.g. deploy script"/></label>
                <Allowed role=Role::Admin>
                    <label>"For user (optional)" <input type="text" name="user" node_ref=key_user placeholder="yourself"/></label>
                </Allowed>
                <button type="submit" disabled=move || create_key.pending().get()>"Create key"</button>
            </form>
            {action_error(create_key.value())}
            {made_here}
            <Suspense>
                {move || Suspend::new(async move {
                    handed_over.await.map(|created| view! { <NewKey created/> })
                })}
            </Suspense>
            {action_error(revoke_key.value())}
            <Loaded resource=keys loading="Loading keys…" then=move |keys| view! { <KeyTable keys revoke_key/> }/>
        </section>
    }
}

/// A key just made, with its secret: the only time it is shown.
#[component]
fn NewKey(created: CreatedKey) -> impl IntoView {
    view! {
        <div class="new-key" role="status">
            <p>{format!("New key “{}” for {}. Copy it now: it is not shown again.", created.key.name, created.key.user)}</p>
            <code data-testid="new-key-secret">{created.secret.clone()}</code>
            " "
            <CopyButton text=created.secret/>
        </div>
    }
}

#[component]
fn KeyTable(keys: Vec<ApiKey>, revoke_key: ServerAction<RevokeKey>) -> impl IntoView {
    if keys.is_empty() {
        return view! { <p class="empty">"No API keys yet."</p> }.into_any();
    }
    view! {
        <ScrollBox label="API keys">
        <table class="data keys">
            <thead><tr><th>"Name"</th><th>"User"</th><th>"Key starts with"</th><th>"Created"</th><th>"Last used"</th><th>"State"</th><th>"Actions"</th></tr></thead>
            <tbody>
                {keys.into_iter().map(|key| {
                    let id = key.id;
                    let revoke = Callback::new(move |()| {
                        revoke_key.dispatch(RevokeKey { id });
                    });
                    let question = format!("Revoke the key “{}”? Scripts using it stop working at once.", key.name);
                    let revoked = key.revoked_at.is_some();
                    view! {
                        <tr data-key-id=id class:revoked=revoked>
                            <td>{key.name}</td>
                            <td>{key.user}</td>
                            <td><code>{format!("{}…", key.prefix)}</code></td>
                            <td><LocalTime at=key.created_at/></td>
                            <td>{match key.last_used_at { Some(at) => view! { <LocalTime at/> }.into_any(), None => "never".into_any() }}</td>
                            <td>{match key.revoked_at { Some(at) => view! { "revoked " <LocalTime at/> }.into_any(), None => "active".into_any() }}</td>
                            <td>{(!revoked).then(|| view! {
                                <ConfirmButton label="Revoke…" confirm="Revoke" question on_confirm=revoke
                                    posts={PlainPost::to::<RevokeKey>().field("id", id.to_string())}/>
                            })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        </ScrollBox>
    }
    .into_any()
}

/// Puts `text` on the clipboard, and says so.
#[component]
fn CopyButton(text: String) -> impl IntoView {
    let (copied, set_copied) = signal(None::<bool>);
    let copy = move |_| {
        let text = text.clone();
        leptos::task::spawn_local(async move {
            let written = window().navigator().clipboard().write_text(&text);
            let done = wasm_bindgen_futures::JsFuture::from(written).await.is_ok();
            set_copied.set(Some(done));
        });
    };
    // A button that needs the script is there only once it runs.
    let hydrated = use_hydrated();
    view! {
        {move || hydrated.get().then(|| {
            let copy = copy.clone();
            view! { <button type="button" class="secondary" on:click=copy>"Copy"</button> }
        })}
        <span role="status">{move || copied.get().map(|done| if done { " Copied." } else { " Could not copy: select the key and copy it." })}</span>
    }
}
