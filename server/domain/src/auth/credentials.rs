//! Turning presented credentials into an [`Actor`]. Every failure says only that the
//! credentials are not valid, except a revoked key, whose holder is told so.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use sqlx::Row;

use super::actor::Actor;
use super::secrets::{self, API_KEY_PREFIX};
use super::users;
use super::User;
use crate::error::{DomainError, DomainResult};
use crate::store::Store;
use crate::time;

fn invalid() -> DomainError {
    DomainError::Unauthenticated("invalid credentials".into())
}

fn actor_of(user: &User) -> Actor {
    Actor::User {
        id: user.id,
        name: user.name.clone(),
        role: user.role,
    }
}

/// A bearer API key.
pub async fn by_api_key(store: &Store, key: &str) -> DomainResult<Actor> {
    by_key_of(store, None, key).await
}

/// How long a key found valid is taken on trust before the store is asked again, so a script
/// calling in a loop costs one query per this, not one per request. A key revoked through this
/// process stops working at once ([`forget_checked_keys`]); through another process (a replica,
/// `depot key revoke`), within this time.
pub const KEY_TRUST: Duration = Duration::from_secs(2);

/// Keys found valid, by hash, with their holder and when they were checked. Cleared when it
/// grows past this many, so it stays small whatever callers send (only valid keys enter).
const CHECKED_KEYS_MAX: usize = 10_000;
static CHECKED_KEYS: LazyLock<Mutex<HashMap<String, (Actor, Instant)>>> =
    LazyLock::new(Mutex::default);

fn checked_keys() -> std::sync::MutexGuard<'static, HashMap<String, (Actor, Instant)>> {
    CHECKED_KEYS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Forgets every key found valid: each revocation calls it after its commit.
pub fn forget_checked_keys() {
    checked_keys().clear();
}

/// An API key presented together with a user name (HTTP Basic); the key must be that user's.
async fn by_key_of(store: &Store, user_name: Option<&str>, key: &str) -> DomainResult<Actor> {
    let hash = secrets::sha256_hex(key);
    let trusted = checked_keys()
        .get(&hash)
        .filter(|(_, checked)| checked.elapsed() < KEY_TRUST)
        .map(|(actor, _)| actor.clone());
    let actor = match trusted {
        Some(actor) => actor,
        None => {
            let actor = by_key_hash(store, &hash).await?;
            let mut keys = checked_keys();
            if keys.len() >= CHECKED_KEYS_MAX {
                keys.clear();
            }
            keys.insert(hash, (actor.clone(), Instant::now()));
            actor
        }
    };
    if user_name.is_some_and(|given| given != actor.name()) {
        return Err(invalid());
    }
    Ok(actor)
}

async fn by_key_hash(store: &Store, hash: &str) -> DomainResult<Actor> {
    let row = sqlx::query(
        "SELECT u.id, u.name, u.role, u.disabled_at, k.id AS key_id, k.revoked_at, k.last_used_at \
         FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = $1",
    )
    .bind(hash)
    .fetch_optional(store.pool())
    .await?
    .ok_or_else(invalid)?;
    let name: String = row.try_get("name")?;
    let revoked_at: Option<String> = row.try_get("revoked_at")?;
    if revoked_at.is_some() {
        return Err(DomainError::Unauthenticated(
            "this API key has been revoked".into(),
        ));
    }
    let disabled_at: Option<String> = row.try_get("disabled_at")?;
    if disabled_at.is_some() {
        return Err(disabled(&name));
    }
    note_key_use(store, row.try_get("key_id")?, row.try_get("last_used_at")?).await;
    let role: String = row.try_get("role")?;
    Ok(Actor::User {
        id: row.try_get("id")?,
        name,
        role: role.parse()?,
    })
}

/// How precisely a key's last use is kept: a key used in a loop is written down once per
/// this, not on every request.
pub const KEY_USE_PRECISION: Duration = Duration::from_secs(60);

/// Notes that key `id` was used now, unless its last use is already that recent. Only the
/// store's refusal is lost, never the request: a key that works still works.
async fn note_key_use(store: &Store, id: i64, last_used_at: Option<String>) {
    let now = chrono::Utc::now();
    let recent = chrono::Duration::from_std(KEY_USE_PRECISION).unwrap_or_default();
    if last_used_at.is_some_and(|at| at > time::format(now - recent)) {
        return;
    }
    let noted = sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2")
        .bind(time::format(now))
        .bind(id)
        .execute(store.pool())
        .await;
    if let Err(error) = noted {
        tracing::warn!(%error, key = id, "could not note an API key's use");
    }
}

fn disabled(name: &str) -> DomainError {
    DomainError::Unauthenticated(format!("user {name} is disabled"))
}

/// A user name with either an API key of that user or the user's password — what HTTP Basic
/// carries and what the login form accepts.
pub async fn by_name_and_secret(
    store: &Store,
    name: &str,
    secret: &str,
) -> DomainResult<(Actor, User)> {
    if secret.starts_with(API_KEY_PREFIX) {
        let actor = by_key_of(store, Some(name), secret).await?;
        let user = users::find(store, name).await?;
        return Ok((actor, user));
    }
    let (user, hash) = users::find_with_password(store, name)
        .await?
        .ok_or_else(invalid)?;
    match hash {
        Some(hash) if secrets::verify_password(&hash, secret).await => {
            // Said only to whoever knows the password.
            if user.disabled_at.is_some() {
                return Err(disabled(&user.name));
            }
            Ok((actor_of(&user), user))
        }
        _ => Err(invalid()),
    }
}
