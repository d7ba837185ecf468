//! What can go wrong on the Tables surface. The texts of the sandman2-compatible variants are
//! part of the contract (API.md §1); the HTTP layer only chooses the status and the envelope.

use thiserror::Error;

use crate::error::{Classified, DomainError, ErrorKind};

#[derive(Debug, Error)]
pub enum TablesError {
    /// A query parameter or sort key names no column.
    #[error("Invalid field [{0}]")]
    InvalidField(String),
    /// A body key names no writable column.
    #[error("Unknown field [{0}]")]
    UnknownField(String),
    #[error("No data received from request")]
    NoData,
    #[error("No JSON data received")]
    NoJson,
    #[error("The following required fields are missing: {}", .0.join(", "))]
    MissingRequired(Vec<String>),
    /// A malformed parameter (page, limit, cursor, operator value…), named in the message.
    #[error("{0}")]
    BadParameter(String),
    #[error("not found")]
    NotFound,
    /// `If-Match` did not match the row's current ETag.
    #[error("precondition failed")]
    PreconditionFailed,
    /// A unique, foreign-key, check or type constraint refused the write; `column` names the
    /// column when it is known, so a form can show the message at that field.
    #[error("{message}")]
    Constraint {
        message: String,
        column: Option<String>,
    },
    /// The table or database may not be written through this surface; says why.
    #[error("{0}")]
    ReadOnly(String),
    #[error(transparent)]
    Domain(#[from] DomainError),
}

impl From<sqlx::Error> for TablesError {
    fn from(error: sqlx::Error) -> Self {
        TablesError::Domain(DomainError::from(error))
    }
}

pub type TablesResult<T> = Result<T, TablesError>;

impl Classified for TablesError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidField(_)
            | Self::UnknownField(_)
            | Self::NoData
            | Self::NoJson
            | Self::MissingRequired(_)
            | Self::BadParameter(_) => ErrorKind::Invalid,
            Self::NotFound => ErrorKind::NotFound,
            Self::PreconditionFailed => ErrorKind::Precondition,
            Self::Constraint { .. } => ErrorKind::Conflict,
            Self::ReadOnly(_) => ErrorKind::Forbidden,
            Self::Domain(domain) => domain.kind(),
        }
    }
}

impl TablesError {
    pub fn constraint(message: impl Into<String>, column: Option<String>) -> Self {
        TablesError::Constraint {
            message: message.into(),
            column,
        }
    }
}
