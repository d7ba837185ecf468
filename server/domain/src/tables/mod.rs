//! Tables: REST over every table of every attached SQL database (sandman2's job).
//!
//! [`catalog`] introspects what exists; [`backend`] is the one place SQLite and PostgreSQL
//! differ (introspection, how values are cast and decoded, row locking); [`selection`] turns
//! query parameters into a checked selection; [`service`] reads and writes rows; [`reloads`]
//! carries a reload to every replica. Identifiers
//! only ever come from the catalog and are always quoted; values are always bound.

pub mod backend;
pub mod catalog;
pub mod error;
mod foreign_keys;
pub mod reloads;
pub mod selection;
pub mod service;
pub mod written;

pub use catalog::{Catalog, Column, Database, Table};
pub use error::TablesError;
pub use selection::Selection;
pub use service::{Row, RowKey};
pub use written::Writer;
