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
}

/// A key just created: its description and the secret, which is never available again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CreatedKey {
    pub key: ApiKey,
    pub secret: String,
}
