//! Depot's users: who they are, their role, their password.

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::actor::Actor;
use super::model::{NewUser, User, UserUpdate};
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
const SELECT_USER: &str =
    "SELECT id, name, role, password_hash, created_at, disabled_at FROM users";

pub(crate) fn user_from_row(row: &AnyRow) -> DomainResult<(User, Option<String>)> {
    let role: String = row.try_get("role")?;
    let password_hash: Option<String> = row.try_get("password_hash")?;
    let user = User {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        role: role.parse()?,
        has_password: password_hash.is_some(),
        created_at: row.try_get("created_at")?,
        disabled_at: row.try_get("disabled_at")?,
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
         RETURNING id, name, role, password_hash, created_at, disabled_at",
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

/// Changes `name`'s role or whether it is disabled (admins only), and records the change as
/// before → after. Disabling ends the user's browser sessions; their keys stop working at
/// once (they are kept, and work again when the user is enabled). Nobody disables
/// themselves, and the last active admin stays one.
pub async fn update(
    store: &Store,
    actor: &Actor,
    name: &str,
    update: UserUpdate,
) -> DomainResult<User> {
    actor.require_admin()?;
    let mut tx = store.begin_write().await?;
    let before = find_for_change(&mut tx, name).await?;
    let role = update.role.unwrap_or(before.role);
    let disabled = update.disabled.unwrap_or(before.disabled_at.is_some());
    let mut changes = serde_json::Map::new();
    if role != before.role {
        changes.insert("role".into(), json!({"from": before.role, "to": role}));
    }
    if disabled != before.disabled_at.is_some() {
        if disabled && actor.user_id() == Some(before.id) {
            return Err(DomainError::conflict(
                "you cannot disable yourself; another admin can",
            ));
        }
        changes.insert("disabled".into(), json!({"from": !disabled, "to": disabled}));
    }
    if changes.is_empty() {
        return Ok(before);
    }
    if role != Role::Admin || disabled {
        keep_an_admin_besides(&mut tx, &before).await?;
    }
    let disabled_at = match (&before.disabled_at, disabled) {
        (_, false) => None,
        (Some(since), true) => Some(since.clone()),
        (None, true) => Some(time::now()),
    };
    sqlx::query("UPDATE users SET role = $1, disabled_at = $2 WHERE id = $3")
        .bind(role.as_str())
        .bind(&disabled_at)
        .bind(before.id)
        .execute(&mut *tx)
        .await?;
    if disabled {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(before.id)
            .execute(&mut *tx)
            .await?;
    }
    let object = format!("user/{}", before.name);
    Surface::Auth
        .record(&mut tx, actor, &object, "update", changes.into())
        .await?;
    tx.commit().await?;
    // Keys taken on trust carry the holder's role and standing: ask the store again.
    super::credentials::forget_checked_keys();
    Ok(User {
        role,
        disabled_at,
        ..before
    })
}

/// Removes `name` with their keys and sessions (admins only; not yourself, not the last
/// active admin). What they wrote stays, and the audit log keeps their name.
pub async fn remove(store: &Store, actor: &Actor, name: &str) -> DomainResult<()> {
    actor.require_admin()?;
    let mut tx = store.begin_write().await?;
    let user = find_for_change(&mut tx, name).await?;
    if actor.user_id() == Some(user.id) {
        return Err(DomainError::conflict(
            "you cannot remove yourself; another admin can",
        ));
    }
    keep_an_admin_besides(&mut tx, &user).await?;
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
    let object = format!("user/{}", user.name);
    Surface::Auth
        .record(&mut tx, actor, &object, "remove", json!({"role": user.role}))
        .await?;
    tx.commit().await?;
    super::credentials::forget_checked_keys();
    Ok(())
}

/// The user `name`, read in the transaction that changes it.
async fn find_for_change(tx: &mut crate::store::Tx, name: &str) -> DomainResult<User> {
    let row = sqlx::query(&format!("{SELECT_USER} WHERE name = $1"))
        .bind(name)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| DomainError::not_found(format!("no user named {name:?}")))?;
    user_from_row(&row).map(|(user, _)| user)
}

/// Refuses a change that would leave no active admin, when `user` is one.
async fn keep_an_admin_besides(tx: &mut crate::store::Tx, user: &User) -> DomainResult<()> {
    if user.role != Role::Admin || user.disabled_at.is_some() {
        return Ok(());
    }
    let others: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL AND id <> $1",
    )
    .bind(user.id)
    .fetch_one(&mut **tx)
    .await?;
    if others == 0 {
        return Err(DomainError::conflict(format!(
            "{} is the last active admin; make another user an admin first",
            user.name
        )));
    }
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
