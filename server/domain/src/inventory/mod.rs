//! Inventory: servers, pools and other entities with typed attributes (clusto's job).
//!
//! [`drivers`] is clusto's fixed list of drivers and what each one is; [`model`] the entity and
//! attribute types and how values are cast; [`service`] reads and writes them. Rows are never
//! changed in place: a change closes the old row and opens a new one, so every read can be
//! answered as of a past time.

//!
//! Only [`drivers`] is compiled without the `services` feature: the browser needs the list.

pub mod drivers;
#[cfg(feature = "services")]
pub mod error;
#[cfg(feature = "services")]
pub mod import;
#[cfg(feature = "services")]
pub mod managers;
#[cfg(feature = "services")]
pub mod model;
#[cfg(feature = "services")]
pub mod seed;
#[cfg(feature = "services")]
pub mod service;

#[cfg(feature = "services")]
pub use error::InventoryError;
#[cfg(feature = "services")]
pub use model::{Attribute, Datatype, Entity};
