//! The one error type every domain service returns. Each surface maps it to its own wire format
//! in exactly one place.

use thiserror::Error;

pub type DomainResult<T> = Result<T, DomainError>;

/// What kind of refusal (or fault) an error is: the one classification every surface answers
/// with its own status code and wire format. Each error type of the domain says its kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input breaks a rule; the message names the field and the rule.
    Invalid,
    /// No credentials, or credentials that are not valid.
    Unauthenticated,
    /// A known caller whose role does not allow this.
    Forbidden,
    NotFound,
    /// The request contradicts the current state.
    Conflict,
    /// A condition the request set (or needs) does not hold: a stale `If-Match`, a missing
    /// required parameter where the legacy surface answers 412.
    Precondition,
    /// The store cannot be reached right now; worth trying again.
    Unavailable,
    /// A fault of the store or of Depot: logged, never shown to the caller.
    Fault,
}

/// An error that knows its [`ErrorKind`]; its `Display` is the message a caller may see
/// (except for a fault, whose details stay in the log).
pub trait Classified: std::fmt::Display {
    fn kind(&self) -> ErrorKind;
}

impl Classified for DomainError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) => ErrorKind::Invalid,
            Self::Unauthenticated(_) => ErrorKind::Unauthenticated,
            Self::Forbidden(_) => ErrorKind::Forbidden,
            Self::NotFound(_) => ErrorKind::NotFound,
            Self::Conflict(_) => ErrorKind::Conflict,
            Self::Unavailable(_) => ErrorKind::Unavailable,
            Self::Store(_) | Self::Internal(_) => ErrorKind::Fault,
        }
    }
}

#[derive(Debug, Error)]
pub enum DomainError {
    /// The input does not satisfy a rule; the message names the field and the rule.
    #[error("{0}")]
    Invalid(String),
    /// No credentials were given, or they were not valid.
    #[error("{0}")]
    Unauthenticated(String),
    /// The actor is known but its role does not allow this.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// The request contradicts the current state (a duplicate name, a revoked key…).
    #[error("{0}")]
    Conflict(String),
    /// The store cannot be reached right now (a lost connection, a database failing over or
    /// shutting down, a full pool): answered 503, so the caller tries again.
    #[error("the store is not reachable right now; try again shortly")]
    Unavailable(String),
    /// A fault of the store; its details are logged, never shown to a caller.
    #[error("store error: {0}")]
    Store(sqlx::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

/// Refuses text holding NUL. PostgreSQL's text cannot hold it (SQLite's can), so it is refused
/// on both: a value means the same whichever store keeps it.
pub fn refuse_nul(what: &str, text: &str) -> DomainResult<()> {
    match text.contains('\0') {
        true => Err(DomainError::invalid(format!(
            "{what} may not contain the NUL character (\\0)"
        ))),
        false => Ok(()),
    }
}

impl DomainError {
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::NotFound(message.into())
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict(message.into())
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }

    /// Turns a unique-constraint violation into a [`DomainError::Conflict`] with `message`,
    /// leaving every other store error as it is.
    pub fn on_unique_violation(error: sqlx::Error, message: impl Into<String>) -> Self {
        match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => Self::Conflict(message.into()),
            _ => Self::from(error),
        }
    }
}

impl From<sqlx::Error> for DomainError {
    fn from(error: sqlx::Error) -> Self {
        if is_unavailability(&error) {
            tracing::warn!(%error, "the store is not reachable");
            Self::Unavailable(error.to_string())
        } else if is_untranslatable_text(&error) {
            // Where `refuse_nul` was not asked first: still the caller's text, not a fault.
            Self::Invalid("text may not contain the NUL character (\\0)".into())
        } else {
            Self::Store(error)
        }
    }
}

/// PostgreSQL refusing text it cannot store (NUL): `character_not_in_repertoire`,
/// `untranslatable_character`.
fn is_untranslatable_text(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.code().is_some_and(|c| c == "22021" || c == "22P05"))
}

/// Whether `error` says the database is (for now) out of reach rather than that the statement
/// was wrong: the connection broke or timed out, or PostgreSQL is shutting down, starting, out
/// of connections, or a standby (read-only) — what a failover looks like from a client.
fn is_unavailability(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08")
                || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300" | "25006")
        }),
        _ => false,
    }
}

impl From<crate::auth::role::UnknownRole> for DomainError {
    fn from(error: crate::auth::role::UnknownRole) -> Self {
        Self::Invalid(error.to_string())
    }
}
