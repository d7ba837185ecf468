//! Users, their credentials (passwords, API keys, browser sessions) and who may do what.

mod model;
pub mod role;

pub use model::*;
pub use role::Role;

#[cfg(feature = "services")]
pub mod actor;
#[cfg(feature = "services")]
pub mod api_keys;
#[cfg(feature = "services")]
pub mod credentials;
#[cfg(feature = "services")]
pub mod secrets;
#[cfg(feature = "services")]
pub mod sessions;
#[cfg(feature = "services")]
pub mod users;
