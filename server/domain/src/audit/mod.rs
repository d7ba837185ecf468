//! The audit log: one record for every successful write on every surface, written in the same
//! transaction as the write itself, so a change and its record appear together or not at all.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::auth::Timestamp;

services! {
    mod log;
    pub use log::{query, record, record_as, Change, DEFAULT_PAGE, MAX_PAGE};
}

/// The part of Depot a write happened on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Surface {
    Auth,
    Tables,
    Inventory,
    Versioning,
    Artifacts,
    Specs,
}

impl Surface {
    pub const ALL: [Surface; 6] = [
        Surface::Auth,
        Surface::Tables,
        Surface::Inventory,
        Surface::Versioning,
        Surface::Artifacts,
        Surface::Specs,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Surface::Auth => "auth",
            Surface::Tables => "tables",
            Surface::Inventory => "inventory",
            Surface::Versioning => "versioning",
            Surface::Artifacts => "artifacts",
            Surface::Specs => "specs",
        }
    }
}

impl fmt::Display for Surface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuditEntry {
    pub id: i64,
    pub at: Timestamp,
    pub actor: String,
    pub surface: String,
    pub object: String,
    pub action: String,
    pub summary: serde_json::Value,
}

/// Which entries to read. Every field narrows the result; `before` pages backwards by id.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuditFilter {
    pub user: Option<String>,
    pub surface: Option<String>,
    pub object: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub before: Option<i64>,
    pub limit: Option<i64>,
}
