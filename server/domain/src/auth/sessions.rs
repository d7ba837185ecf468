//! Browser sessions opened by the login form. The cookie holds a random token; the store holds
//! only its hash and an expiry, so any Depot process behind the same store accepts it.

use chrono::{Duration, Utc};
use serde_json::json;

use super::actor::Actor;
use super::{credentials, secrets};
use super::User;
use crate::audit::{self, Change, Surface};
use crate::error::{DomainError, DomainResult};
use crate::store::Store;
use crate::time;

/// Signs `name` in with their password or one of their API keys (the login form) and opens a
/// session for `ttl`: the user and the session's token. A refusal is audited too — the name
/// tried and why, never the secret — so guessing shows in the log.
pub async fn sign_in(
    store: &Store,
    name: &str,
    secret: &str,
    ttl: Duration,
) -> DomainResult<(User, String)> {
    match credentials::by_name_and_secret(store, name, secret).await {
        Ok((_, user)) => {
            let token = open(store, &user, ttl).await?;
            Ok((user, token))
        }
        Err(DomainError::Unauthenticated(reason)) => {
            let mut tx = store.begin_write().await?;
            let tried: String = name.chars().take(64).collect();
            Surface::Auth
                .record(
                    &mut tx,
                    &Actor::Anonymous { may_read: false },
                    &format!("user/{tried}"),
                    "login-failed",
                    json!({ "reason": reason }),
                )
                .await?;
            tx.commit().await?;
            Err(DomainError::Unauthenticated(reason))
        }
        Err(other) => Err(other),
    }
}

/// Opens a session for `user`, valid for `ttl`; returns the token for the cookie.
async fn open(store: &Store, user: &User, ttl: Duration) -> DomainResult<String> {
    let token = secrets::new_session_token();
    let now = Utc::now();
    let mut tx = store.begin_write().await?;
    // Expired sessions are swept here rather than by a timer, so no process has to own one.
    sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
        .bind(time::format(now))
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(secrets::sha256_hex(&token))
        .bind(user.id)
        .bind(time::format(now))
        .bind(time::format(now + ttl))
        .execute(&mut *tx)
        .await?;
    let actor = Actor::User {
        id: user.id,
        name: user.name.clone(),
        role: user.role,
    };
    audit::record(
        &mut tx,
        &actor,
        Change {
            surface: Surface::Auth,
            object: &format!("user/{}", user.name),
            action: "login",
            summary: json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// The user behind a session token, if the session exists and has not expired.
pub async fn resolve(store: &Store, token: &str) -> DomainResult<Option<Actor>> {
    let row: Option<(i64, String, String)> = sqlx::query_as(
        "SELECT u.id, u.name, u.role FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL",
    )
    .bind(secrets::sha256_hex(token))
    .bind(time::now())
    .fetch_optional(store.pool())
    .await?;
    row.map(|(id, name, role)| {
        Ok(Actor::User {
            id,
            name,
            role: role.parse()?,
        })
    })
    .transpose()
}

/// Ends the session behind `token` (logout). Unknown tokens are ignored.
pub async fn close(store: &Store, token: &str) -> DomainResult<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(secrets::sha256_hex(token))
        .execute(store.pool())
        .await?;
    Ok(())
}
