//! What the home page shows: how much each surface holds, what happened last, and whether the
//! parts Depot stands on (the store, the blob store, the pipeline dispatcher) answer.

use serde::{Deserialize, Serialize};

use crate::audit::AuditEntry;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Overview {
    /// What each surface holds, in the order of the sections.
    pub holdings: Vec<Holding>,
    /// The newest entries of the audit log, newest first.
    pub recent: Vec<AuditEntry>,
    pub health: Vec<PartHealth>,
}

/// "12 tables in 2 databases": what one surface holds, in words.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Holding {
    /// The surface's name as the audit log has it (`tables`, `inventory`, …).
    pub surface: String,
    pub count: i64,
    /// What is counted, in words, after the count.
    pub what: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PartHealth {
    /// "Store", "Blob store", "Pipeline dispatch".
    pub part: String,
    pub healthy: bool,
    /// What was found, in words.
    pub detail: String,
}

services! {
    mod gather;
    pub use gather::{gather, RECENT, STALE_DISPATCH};
}
