//! The Inventory surface's refusals. Texts are clusto-apiserver's (API.md §2); the kind says
//! which status the transport gives them.

use thiserror::Error;

use crate::error::{Classified, DomainError, ErrorKind};

#[derive(Debug, Error)]
pub enum InventoryError {
    /// 400: a malformed parameter or value.
    #[error("{0}")]
    Invalid(String),
    /// 404: an object does not exist.
    #[error("{0}")]
    NotFound(String),
    /// 409: the request contradicts the object (wrong driver, full pool…).
    #[error("{0}")]
    Conflict(String),
    /// 412: a required parameter is missing or a driver is unknown.
    #[error("{0}")]
    Precondition(String),
    #[error(transparent)]
    Domain(#[from] DomainError),
}

impl From<sqlx::Error> for InventoryError {
    fn from(error: sqlx::Error) -> Self {
        InventoryError::Domain(DomainError::from(error))
    }
}

impl Classified for InventoryError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) => ErrorKind::Invalid,
            Self::NotFound(_) => ErrorKind::NotFound,
            Self::Conflict(_) => ErrorKind::Conflict,
            Self::Precondition(_) => ErrorKind::Precondition,
            Self::Domain(domain) => domain.kind(),
        }
    }
}

pub type InventoryResult<T> = Result<T, InventoryError>;

pub fn object_not_found(name: &str) -> InventoryError {
    InventoryError::NotFound(format!(
        "Object \"{name}\" not found ({name} does not exist.)"
    ))
}

pub fn invalid_driver(driver: &str) -> InventoryError {
    InventoryError::Precondition(format!("The driver \"{driver}\" is not a valid driver"))
}

pub fn wrong_driver(name: &str, driver: &str) -> InventoryError {
    InventoryError::Conflict(format!(
        "The driver for object \"{name}\" is not \"{driver}\""
    ))
}
