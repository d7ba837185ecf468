//! Specs: DataHQ's specstore — source specs uploaded per `owner/dataset`, each upload a new
//! revision whose pipelines (planned from the spec's outputs) report their progress back.
//!
//! [`model`] has the shapes that cross the wire (compiled for the browser too); [`plan`] turns a
//! spec into pipelines with dependencies; [`schedule`] reads `every 30m`; [`schema`] is the JSON
//! Schema a spec must satisfy; [`token`] verifies the auth server's RS256 tokens; [`service`]
//! uploads, revisions and pipeline events; [`outbox`] the durable queue of revisions for the
//! pipeline runner; [`schedules`] the re-submission of due specs.

pub mod model;
services! {
    pub mod outbox;
    pub mod plan;
    pub mod schedule;
    pub mod schedules;
    pub mod schema;
    pub mod service;
    pub mod token;
}

pub use model::*;
