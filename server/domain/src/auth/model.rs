//! The account types that cross the wire: the admin UI in the browser uses them as they are.

use serde::{Deserialize, Serialize};

use super::role::Role;

/// RFC 3339 text in UTC with milliseconds, as the store keeps it.
pub type Timestamp = String;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub has_password: bool,
    pub created_at: Timestamp,
    /// Since when the user may not sign in; `None` for an active user.
    pub disabled_at: Option<Timestamp>,
}

/// What an admin changes about a user; what is `None` stays as it is.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UserUpdate {
    pub role: Option<Role>,
    /// `true` disables the user (signing in, keys and sessions stop working); `false` enables.
    pub disabled: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewUser {
    pub name: String,
    pub role: Role,
    /// Optional: a user without a password signs in with an API key.
    pub password: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ApiKey {
    pub id: i64,
    pub user: String,
    pub name: String,
    pub prefix: String,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    /// When a request last came with this key, to the minute (`credentials::KEY_USE_PRECISION`).
    pub last_used_at: Option<Timestamp>,
}

/// A key just created: its description and the secret, which is never available again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CreatedKey {
    pub key: ApiKey,
    pub secret: String,
}
