//! Users, API keys and the signed-in user.

use depot_domain::auth::{ApiKey, CreatedKey, User};
use depot_domain::Role;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::{GetUrl, Json};

#[cfg(feature = "ssr")]
use super::caller;
use super::{ApiError, Fetch, JsonOrForm};
#[cfg(feature = "ssr")]
use depot_domain::auth::{api_keys, users};

/// The signed-in user as the UI shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Session {
    pub name: String,
    pub role: Role,
    /// The server runs with `--no-auth`: nobody signs in.
    pub local: bool,
}

/// `GET /api/session`: who is signed in, or `null`.
#[server(prefix = "/api", client = Fetch, endpoint = "session", input = GetUrl, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn current_session() -> Result<Option<Session>, ApiError> {
    use depot_domain::Actor;
    let (_, actor) = caller().await?;
    Ok(match actor {
        Actor::User { name, role, .. } => Some(Session {
            name,
            role,
            local: false,
        }),
        Actor::Local => Some(Session {
            name: "local".into(),
            role: Role::Admin,
            local: true,
        }),
        Actor::Anonymous { .. } => None,
    })
}

/// `GET /api/users`: every user for an admin, yourself for anyone else.
#[server(prefix = "/api", client = Fetch, endpoint = "users", input = GetUrl, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn list_users() -> Result<Vec<User>, ApiError> {
    let (store, actor) = caller().await?;
    Ok(users::list(&store, &actor).await?)
}

/// `POST /api/users` `{"name", "role", "password"?}`: creates a user (admins only).
#[server(prefix = "/api", client = Fetch, endpoint = "users", input = JsonOrForm, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn create_user(
    name: String,
    role: Role,
    password: Option<String>,
) -> Result<User, ApiError> {
    let (store, actor) = caller().await?;
    // A form's empty password field means none, as leaving it out does.
    let password = password.filter(|p| !p.is_empty());
    Ok(users::create(
        &store,
        &actor,
        depot_domain::auth::NewUser {
            name,
            role,
            password,
        },
    )
    .await?)
}

/// `POST /api/users/password` `{"name", "password"}`: sets a password (your own, or anyone's
/// as an admin) and ends that user's browser sessions.
#[server(prefix = "/api", client = Fetch, endpoint = "users/password", input = JsonOrForm, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn set_password(name: String, password: String) -> Result<(), ApiError> {
    let (store, actor) = caller().await?;
    Ok(users::set_password(&store, &actor, &name, &password).await?)
}

/// `POST /api/users/update` `{"name", "role"?, "disabled"?}`: changes a user's role or
/// disables or enables them (admins only); the answer is the user as changed.
#[server(prefix = "/api", client = Fetch, endpoint = "users/update", input = JsonOrForm, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn update_user(
    name: String,
    role: Option<Role>,
    disabled: Option<bool>,
) -> Result<User, ApiError> {
    let (store, actor) = caller().await?;
    let update = depot_domain::auth::UserUpdate { role, disabled };
    Ok(users::update(&store, &actor, &name, update).await?)
}

/// `POST /api/users/remove` `{"name"}`: removes a user with their keys and sessions (admins
/// only).
#[server(prefix = "/api", client = Fetch, endpoint = "users/remove", input = JsonOrForm, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn remove_user(name: String) -> Result<(), ApiError> {
    let (store, actor) = caller().await?;
    Ok(users::remove(&store, &actor, &name).await?)
}

/// `GET /api/keys?user=`: your keys, or (admins) everyone's or one user's.
#[server(prefix = "/api", client = Fetch, endpoint = "keys", input = GetUrl, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn list_keys(user: Option<String>) -> Result<Vec<ApiKey>, ApiError> {
    let (store, actor) = caller().await?;
    Ok(api_keys::list(&store, &actor, user.as_deref()).await?)
}

/// `POST /api/keys` `{"name", "user"?}`: creates a key and returns its secret — the only time
/// it is ever shown. A blank `user` is the caller. `plain_form`: posted by the users page's
/// form before or without its script, which is handed the secret to show once
/// ([`super::handover`]).
#[server(prefix = "/api", client = Fetch, endpoint = "keys", input = JsonOrForm, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn create_key(
    name: String,
    user: Option<String>,
    #[server(default)] plain_form: bool,
) -> Result<CreatedKey, ApiError> {
    let (store, actor) = caller().await?;
    let user = user.filter(|user| !user.trim().is_empty());
    let created = api_keys::create(&store, &actor, user.as_deref(), &name).await?;
    if plain_form {
        super::handover::hand_to_the_page(&created);
    }
    Ok(created)
}

/// The key the users page's plain form made, for the page it comes back to (once).
pub fn key_handed_to_this_page() -> Option<CreatedKey> {
    #[cfg(feature = "ssr")]
    return super::handover::take_on_the_page();
    #[cfg(not(feature = "ssr"))]
    None
}

/// `POST /api/keys/revoke` `{"id"}`: revokes a key at once, in every Depot process.
#[server(prefix = "/api", client = Fetch, endpoint = "keys/revoke", input = JsonOrForm, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn revoke_key(id: i64) -> Result<ApiKey, ApiError> {
    let (store, actor) = caller().await?;
    Ok(api_keys::revoke(&store, &actor, id).await?)
}
