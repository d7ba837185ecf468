//! Depot's users: who they are, their role, their password.

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::actor::Actor;
use super::model::{NewUser, User};
use super::role::Role;
use super::{api_keys, secrets};
use crate::audit::{self, Change, Surface};
use crate::error::{DomainError, DomainResult};
use crate::store::Store;
use crate::time;

/// A user name: 1 to 64 letters, digits, `_`, `-` or `.`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserName(String);

impl UserName {
    pub fn parse(value: &str) -> DomainResult<Self> {
        let valid = (1..=64).contains(&value.len())
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if valid {
            Ok(Self(value.to_string()))
        } else {
            Err(DomainError::invalid(format!(
                "user name must be 1 to 64 letters, digits, '_', '-' or '.', not {value:?}"
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub const ADMIN_NAME: &str = "admin";
const SELECT_USER: &str = "SELECT id, name, role, password_hash, created_at FROM users";

pub(crate) fn user_from_row(row: &AnyRow) -> DomainResult<(User, Option<String>)> {
    let role: String = row.try_get("role")?;
    let password_hash: Option<String> = row.try_get("password_hash")?;
    let user = User {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        role: role.parse()?,
        has_password: password_hash.is_some(),
        created_at: row.try_get("created_at")?,
    };
    Ok((user, password_hash))
}

/// The user and its password hash, if such a user exists.
pub(crate) async fn find_with_password(
    store: &Store,
    name: &str,
) -> DomainResult<Option<(User, Option<String>)>> {
    let row = sqlx::query(&format!("{SELECT_USER} WHERE name = $1"))
        .bind(name)
        .fetch_optional(store.pool())
        .await?;
    row.as_ref().map(user_from_row).transpose()
}

pub async fn find(store: &Store, name: &str) -> DomainResult<User> {
    find_with_password(store, name)
        .await?
        .map(|(user, _)| user)
        .ok_or_else(|| DomainError::not_found(format!("no user named {name:?}")))
}

/// Admins see every user; everyone else sees only themselves.
pub async fn list(store: &Store, actor: &Actor) -> DomainResult<Vec<User>> {
    actor.require_read()?;
    let rows = if actor.is_admin() {
        sqlx::query(&format!("{SELECT_USER} ORDER BY name"))
            .fetch_all(store.pool())
            .await?
    } else {
        let Some(id) = actor.user_id() else {
            return Ok(Vec::new());
        };
        sqlx::query(&format!("{SELECT_USER} WHERE id = $1"))
            .bind(id)
            .fetch_all(store.pool())
            .await?
    };
    rows.iter()
        .map(|row| user_from_row(row).map(|(user, _)| user))
        .collect()
}

/// Creates a user (admins only).
pub async fn create(store: &Store, actor: &Actor, new: NewUser) -> DomainResult<User> {
    actor.require_admin()?;
    let name = UserName::parse(&new.name)?;
    let password_hash = match new.password.as_deref().filter(|p| !p.is_empty()) {
        Some(password) => Some(secrets::hash_password(password).await?),
        None => None,
    };
    let mut tx = store.begin_write().await?;
    let user = insert(&mut tx, &name, new.role, password_hash.as_deref()).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            surface: Surface::Auth,
            object: &format!("user/{}", user.name),
            action: "create",
            summary: json!({"role": user.role, "password": user.has_password}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

async fn insert(
    tx: &mut crate::store::Tx,
    name: &UserName,
    role: Role,
    password_hash: Option<&str>,
) -> DomainResult<User> {
    let row = sqlx::query(
        "INSERT INTO users (name, role, password_hash, created_at) VALUES ($1, $2, $3, $4) \
         RETURNING id, name, role, password_hash, created_at",
    )
    .bind(name.as_str())
    .bind(role.as_str())
    .bind(password_hash)
    .bind(time::now())
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| {
        DomainError::on_unique_violation(
            e,
            format!("a user named {:?} already exists", name.as_str()),
        )
    })?;
    user_from_row(&row).map(|(user, _)| user)
}

/// Sets `name`'s password: admins for anyone, users for themselves.
pub async fn set_password(
    store: &Store,
    actor: &Actor,
    name: &str,
    password: &str,
) -> DomainResult<()> {
    let target = find(store, name).await?;
    if actor.user_id() != Some(target.id) {
        actor.require_admin()?;
    }
    let hash = secrets::hash_password(password).await?;
    let mut tx = store.begin_write().await?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(target.id)
        .execute(&mut *tx)
        .await?;
    // A new password ends every browser session opened with the old one.
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(target.id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            surface: Surface::Auth,
            object: &format!("user/{name}"),
            action: "set-password",
            summary: json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// On a store without users, creates `admin` with a first API key and returns that key (to be
/// shown once). Returns `None` when users exist — also when another process won the race.
pub async fn bootstrap_admin(store: &Store) -> DomainResult<Option<String>> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(store.pool())
        .await?;
    if count > 0 {
        return Ok(None);
    }
    let mut tx = store.begin_write().await?;
    let name = UserName::parse(ADMIN_NAME)?;
    let admin = match insert(&mut tx, &name, Role::Admin, None).await {
        Ok(admin) => admin,
        Err(DomainError::Conflict(_)) => return Ok(None),
        Err(other) => return Err(other),
    };
    let key = api_keys::insert(&mut tx, admin.id, "first key").await?;
    let system = Actor::Local;
    audit::record(
        &mut tx,
        &system,
        Change {
            surface: Surface::Auth,
            object: "user/admin",
            action: "bootstrap",
            summary: json!({"role": "admin"}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Some(key.secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_are_checked() {
        assert!(UserName::parse("ops.team-1_x").is_ok());
        for bad in ["", "a b", "é", &"x".repeat(65), "a/b"] {
            let error = UserName::parse(bad).unwrap_err();
            assert!(error.to_string().contains("user name"), "{error}");
        }
    }
}
