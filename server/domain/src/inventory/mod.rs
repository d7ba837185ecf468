//! Inventory: servers, pools and other entities with typed attributes (clusto's job).
//!
//! [`drivers`] is clusto's fixed list of drivers and what each one is; [`model`] the entity and
//! attribute types and how values are cast; [`service`] reads and writes them. Rows are never
//! changed in place: a change closes the old row and opens a new one, so every read can be
//! answered as of a past time.

//!
//! Only [`drivers`] is compiled without the `services` feature: the browser needs the list.

pub mod drivers;
services! {
    pub mod error;
    pub mod import;
    pub mod managers;
    pub mod model;
    pub mod naming;
    pub mod seed;
    pub mod service;
    pub use error::InventoryError;
    pub use model::{Attribute, Datatype, Entity};
}
