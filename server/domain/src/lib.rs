//! Depot's domain: the store, the blob store, users and credentials, the audit log, and one
//! module per surface (tables, inventory, versioning, artifacts, specs).
//!
//! Nothing in this crate knows about HTTP. Each service takes typed input plus the [`Actor`]
//! doing the work, enforces its own rules (including who may do what), and returns a typed
//! result or a [`DomainError`]. The transports — the REST routes in `server` and the server
//! functions in `app` — only translate to and from the wire.

//!
//! Without the `services` feature only the types that cross the wire are compiled, so the
//! browser build can share them.

/// `services! { pub mod store; … }`: items that exist only with the `services` feature (the
/// store and what runs on it; the browser build compiles only the types around them).
macro_rules! services {
    ($($item:item)*) => {
        $(#[cfg(feature = "services")] $item)*
    };
}

pub mod artifacts;
pub mod audit;
pub mod auth;
pub mod inventory;
pub mod overview;
pub mod specs;
pub mod units;
pub mod versioning;

pub use auth::Role;

services! {
    pub mod blobs;
    pub mod error;
    pub mod store;
    pub mod tables;
    pub mod time;
    pub use {
        auth::actor::Actor, error::Classified, error::DomainError, error::DomainResult,
        error::ErrorKind, store::Store,
    };
}
