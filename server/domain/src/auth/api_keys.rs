//! API keys: long random secrets that act for a user. Only their SHA-256 is stored; the key
//! itself is returned once, when it is created.

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::actor::Actor;
use super::model::{ApiKey, CreatedKey};
use super::secrets;
use super::users;
use crate::audit::{self, Change, Surface};
use crate::error::{DomainError, DomainResult};
use crate::store::{Store, Tx};
use crate::time;

/// How many leading characters of a key are kept in clear, to tell keys apart in lists.
const SHOWN_PREFIX_CHARS: usize = 12;

const SELECT_KEY: &str =
    "SELECT k.id, u.name AS user_name, k.name, k.prefix, k.created_at, k.revoked_at, \
                          k.last_used_at \
                          FROM api_keys k JOIN users u ON u.id = k.user_id";

fn key_from_row(row: &AnyRow) -> DomainResult<ApiKey> {
    Ok(ApiKey {
        id: row.try_get("id")?,
        user: row.try_get("user_name")?,
        name: row.try_get("name")?,
        prefix: row.try_get("prefix")?,
        created_at: row.try_get("created_at")?,
        revoked_at: row.try_get("revoked_at")?,
        last_used_at: row.try_get("last_used_at")?,
    })
}

fn check_key_name(name: &str) -> DomainResult<&str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(DomainError::invalid(
            "key name must have 1 to 100 characters",
        ));
    }
    Ok(name)
}

pub(crate) async fn insert(tx: &mut Tx, user_id: i64, name: &str) -> DomainResult<CreatedKey> {
    let name = check_key_name(name)?;
    let secret = secrets::new_api_key();
    let prefix: String = secret.chars().take(SHOWN_PREFIX_CHARS).collect();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_keys (user_id, name, prefix, key_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(user_id)
    .bind(name)
    .bind(&prefix)
    .bind(secrets::sha256_hex(&secret))
    .bind(time::now())
    .fetch_one(&mut **tx)
    .await?;
    let row = sqlx::query(&format!("{SELECT_KEY} WHERE k.id = $1"))
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(CreatedKey {
        key: key_from_row(&row)?,
        secret,
    })
}

/// Creates a key for `owner` (default: the actor). Users create their own keys; admins create
/// keys for anyone.
pub async fn create(
    store: &Store,
    actor: &Actor,
    owner: Option<&str>,
    name: &str,
) -> DomainResult<CreatedKey> {
    actor.require_read()?;
    let owner = match owner.filter(|o| !o.is_empty()) {
        Some(owner) => users::find(store, owner).await?,
        None => match actor {
            Actor::User { name, .. } => users::find(store, name).await?,
            _ => return Err(DomainError::invalid("say which user the key is for")),
        },
    };
    if actor.user_id() != Some(owner.id) {
        actor.require_admin()?;
    }
    let mut tx = store.begin_write().await?;
    let created = insert(&mut tx, owner.id, name).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            surface: Surface::Auth,
            object: &format!("key/{}", created.key.id),
            action: "create",
            summary: json!({"user": owner.name, "name": created.key.name, "prefix": created.key.prefix}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(created)
}

/// Keys the actor may see: its own, or (admins) anyone's, optionally only `owner`'s.
pub async fn list(store: &Store, actor: &Actor, owner: Option<&str>) -> DomainResult<Vec<ApiKey>> {
    actor.require_read()?;
    let owner = owner.filter(|o| !o.is_empty());
    let rows = if actor.is_admin() {
        match owner {
            Some(owner) => {
                sqlx::query(&format!("{SELECT_KEY} WHERE u.name = $1 ORDER BY k.id"))
                    .bind(owner)
                    .fetch_all(store.pool())
                    .await?
            }
            None => {
                sqlx::query(&format!("{SELECT_KEY} ORDER BY k.id"))
                    .fetch_all(store.pool())
                    .await?
            }
        }
    } else {
        let Some(id) = actor.user_id() else {
            return Ok(Vec::new());
        };
        sqlx::query(&format!("{SELECT_KEY} WHERE k.user_id = $1 ORDER BY k.id"))
            .bind(id)
            .fetch_all(store.pool())
            .await?
    };
    rows.iter().map(key_from_row).collect()
}

/// Revokes key `id`: its owner or an admin may. Revoking a revoked key changes nothing.
pub async fn revoke(store: &Store, actor: &Actor, id: i64) -> DomainResult<ApiKey> {
    actor.require_read()?;
    let mut tx = store.begin_write().await?;
    let row = sqlx::query(&format!("{SELECT_KEY} WHERE k.id = $1"))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| DomainError::not_found(format!("no API key with id {id}")))?;
    let key = key_from_row(&row)?;
    if actor.name() != key.user || actor.user_id().is_none() {
        actor.require_admin()?;
    }
    if key.revoked_at.is_some() {
        return Ok(key);
    }
    let now = time::now();
    sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2")
        .bind(&now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            surface: Surface::Auth,
            object: &format!("key/{id}"),
            action: "revoke",
            summary: json!({"user": key.user, "name": key.name, "prefix": key.prefix}),
        },
    )
    .await?;
    tx.commit().await?;
    super::credentials::forget_checked_keys();
    Ok(ApiKey {
        revoked_at: Some(now),
        ..key
    })
}

/// Replaces the actor's own keys called `name` with one new key, in one transaction: the
/// earlier ones are revoked. Dotmesh clients use this (`GetApiKey` after a password sign-in,
/// `ResetApiKey`), since Depot keeps only hashes and cannot show a key again.
pub async fn replace_own(store: &Store, actor: &Actor, name: &str) -> DomainResult<CreatedKey> {
    let Actor::User { id: user_id, .. } = actor else {
        return Err(DomainError::invalid(
            "only a signed-in user has API keys; authentication is off or missing",
        ));
    };
    let mut tx = store.begin_write().await?;
    sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE user_id = $2 AND name = $3 AND revoked_at IS NULL")
        .bind(time::now())
        .bind(user_id)
        .bind(name)
        .execute(&mut *tx)
        .await?;
    let created = insert(&mut tx, *user_id, name).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            surface: Surface::Auth,
            object: &format!("key/{}", created.key.id),
            action: "replace",
            summary: json!({"user": actor.name(), "name": created.key.name, "prefix": created.key.prefix}),
        },
    )
    .await?;
    tx.commit().await?;
    super::credentials::forget_checked_keys();
    Ok(created)
}
