//! Password hashing and the random secrets Depot hands out (API keys, session tokens).
//! Passwords are kept as argon2id hashes; keys and tokens are high-entropy, so a SHA-256 of
//! them is enough to store and lets a presented key be found by its hash.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::{DomainError, DomainResult};

pub const API_KEY_PREFIX: &str = "depot_";
const MIN_PASSWORD_CHARS: usize = 8;

/// Hashes a password on a blocking thread (argon2 is deliberately slow).
pub async fn hash_password(password: &str) -> DomainResult<String> {
    check_password_rules(password)?;
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| DomainError::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| DomainError::Internal(format!("password hashing task failed: {e}")))?
}

/// Whether `password` matches `stored_hash`; a malformed stored hash matches nothing.
pub async fn verify_password(stored_hash: &str, password: &str) -> bool {
    let (stored_hash, password) = (stored_hash.to_owned(), password.to_owned());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored_hash)
            .map(|hash| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &hash)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

pub fn check_password_rules(password: &str) -> DomainResult<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(DomainError::invalid(format!(
            "password must have at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    Ok(())
}

/// A new API key: the prefix plus 160 random bits in hex.
pub fn new_api_key() -> String {
    format!("{API_KEY_PREFIX}{}", random_hex(20))
}

/// A new browser session token: 256 random bits in hex.
pub fn new_session_token() -> String {
    random_hex(32)
}

fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buffer);
    hex::encode(buffer)
}

pub fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_password_verifies_against_its_hash_and_nothing_else() {
        let hash = hash_password("correct horse").await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&hash, "correct horse").await);
        assert!(!verify_password(&hash, "wrong horse").await);
        assert!(!verify_password("not a hash", "correct horse").await);
    }

    #[tokio::test]
    async fn short_passwords_are_refused_with_the_rule() {
        let error = hash_password("short").await.unwrap_err();
        assert!(error.to_string().contains("at least 8"), "{error}");
    }

    #[test]
    fn keys_are_unique_and_carry_the_prefix() {
        let (a, b) = (new_api_key(), new_api_key());
        assert_ne!(a, b);
        assert!(a.starts_with(API_KEY_PREFIX));
        assert_eq!(a.len(), API_KEY_PREFIX.len() + 40);
        assert_eq!(sha256_hex(&a).len(), 64);
    }
}
