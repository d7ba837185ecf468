//! Uploads, revisions and pipeline events. Every write is one transaction: a refused upload
//! leaves nothing behind, and a revision, its pipelines, its place in the runner's outbox and its
//! audit record appear together.
//!
//! One file per part: [`upload`] (a spec becomes a revision, queued for the runner; reruns),
//! [`events`] (the runner's pipeline events and the failure cascade), [`revisions`] (reads).

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::Utc;
use serde_json::{json, Value};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use tokio::sync::Notify;

use super::model::*;
use super::plan::{plan, PlannedPipeline};
use super::token::Claims;
use super::{outbox, schedule, schema};
use crate::audit::Surface;
use crate::auth::actor::Actor;
use crate::auth::Role;
use crate::error::{DomainError, DomainResult};
use crate::store::{json_column, Store, Tx};
use crate::time;

mod events;
mod revisions;
mod upload;

pub use self::events::*;
pub use self::revisions::*;
pub use self::upload::*;

pub const EMPTY_CONTENTS: &str = "Received empty contents (make sure your content-type is correct)";
pub const MISSING_OWNER: &str = "Missing owner in spec";
pub const NOT_AUTHORISED: &str = "No token or token not authorised for owner";
pub const PIPELINE_NOT_FOUND: &str = "pipeline not found";

/// Who is uploading a spec.
#[derive(Clone, Debug)]
pub enum Uploader {
    /// The holder of a verified auth-server token.
    Token(Claims),
    /// A Depot user (API key, password or session), or the local operator under `--no-auth`
    /// through Depot's own API.
    Depot(Actor),
    /// No usable credentials: no token, or one that did not verify.
    Nobody,
}

impl Uploader {
    /// The plan limit on datasets, when the owner may upload for `owner` at all. Depot users
    /// have no plan: an admin may upload for anyone, a writer for the owner of its own name.
    fn may_upload_for(&self, owner: &str) -> Option<Option<i64>> {
        match self {
            Uploader::Token(claims) if claims.userid == owner => Some(Some(claims.max_datasets)),
            Uploader::Depot(actor) if may_act_for(actor, owner) => Some(None),
            _ => None,
        }
    }

    fn name(&self) -> String {
        match self {
            Uploader::Token(claims) => format!("token:{}", claims.userid),
            Uploader::Depot(actor) => actor.name().to_string(),
            Uploader::Nobody => "anonymous".into(),
        }
    }
}

/// Whether a Depot user may make revisions of `owner`'s specs: an admin (or the local operator)
/// for anyone, a writer for the owner of its own name.
fn may_act_for(actor: &Actor, owner: &str) -> bool {
    match actor {
        Actor::Local => true,
        Actor::User { name, role, .. } => {
            *role == Role::Admin || (*role == Role::Writer && name == owner)
        }
        Actor::Anonymous { .. } => false,
    }
}

/// Whether new revisions are queued for the pipeline runner (`DPP_URL` is set), and the bell
/// that wakes this process's dispatcher once one is committed. The outbox in the store is the
/// truth; the bell only saves the dispatcher's wait for its next look.
#[derive(Clone, Debug, Default)]
pub struct Dispatching {
    bell: Option<Arc<Notify>>,
}

impl Dispatching {
    /// No runner: revisions are not queued.
    pub fn off() -> Self {
        Self::default()
    }

    pub fn to_runner() -> Self {
        Self {
            bell: Some(Arc::new(Notify::new())),
        }
    }

    pub fn is_on(&self) -> bool {
        self.bell.is_some()
    }

    /// Tells the dispatcher a queued revision has been committed.
    pub fn ring(&self) {
        if let Some(bell) = &self.bell {
            bell.notify_one();
        }
    }

    /// Waits for a ring, or `at_most`.
    pub async fn wait(&self, at_most: std::time::Duration) {
        match &self.bell {
            Some(bell) => {
                let _ = tokio::time::timeout(at_most, bell.notified()).await;
            }
            None => tokio::time::sleep(at_most).await,
        }
    }
}

async fn pipelines_of(
    conn: &mut AnyConnection,
    dataset_id: &str,
    revision: i64,
) -> DomainResult<Vec<Pipeline>> {
    let rows = sqlx::query(
        "SELECT * FROM spec_pipelines WHERE dataset_id = $1 AND revision = $2 ORDER BY position",
    )
    .bind(dataset_id)
    .bind(revision)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let status: String = row.try_get("status")?;
            let dependencies: Vec<String> = json_column(row, "dependencies")?;
            Ok(Pipeline {
                id: row.try_get("pipeline_id")?,
                title: row.try_get("title")?,
                status: PipelineStatus::parse(&status).ok_or_else(|| {
                    DomainError::Internal(format!("stored pipeline status {status:?}"))
                })?,
                dependencies,
                stats: json_column(row, "stats")?,
                error_log: json_column(row, "error_log")?,
                log: json_column(row, "log")?,
                updated: row.try_get("updated_at")?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use PipelineStatus::*;

    fn state(statuses: &[PipelineStatus]) -> RevisionState {
        state_of(statuses.iter().copied())
    }

    #[test]
    fn only_the_newest_log_lines_are_kept() {
        let mut log: Vec<Value> = (0..990).map(|i| json!(i)).collect();
        let more: Vec<Value> = (990..1_020).map(|i| json!(i)).collect();
        append_kept(&mut log, &more);
        assert_eq!(log.len(), KEPT_LOG_LINES);
        assert_eq!(
            (log[0].clone(), log[999].clone()),
            (json!(20), json!(1_019))
        );
    }

    #[test]
    fn revision_state_follows_the_rules() {
        assert_eq!(state(&[Pending, Pending]), RevisionState::Queued);
        assert_eq!(state(&[Running, Pending]), RevisionState::InProgress);
        assert_eq!(state(&[Success, Pending]), RevisionState::InProgress);
        assert_eq!(state(&[Failed, Pending]), RevisionState::InProgress);
        assert_eq!(state(&[Failed, Running]), RevisionState::InProgress);
        assert_eq!(state(&[Failed, Success]), RevisionState::Failed);
        assert_eq!(state(&[Success, Success]), RevisionState::Succeeded);
    }

    fn pipeline(id: &str, dependencies: &[&str]) -> Pipeline {
        Pipeline {
            id: id.into(),
            title: id.into(),
            status: Pending,
            dependencies: dependencies.iter().map(|d| d.to_string()).collect(),
            stats: json!({}),
            error_log: vec![],
            log: vec![],
            updated: String::new(),
        }
    }

    #[test]
    fn a_failure_fails_pending_dependants_transitively_naming_the_dependency() {
        let mut pipelines = vec![
            pipeline("a:source", &[]),
            pipeline("a:csv", &["a:source"]),
            pipeline("a:zip", &["a:csv"]),
            pipeline("a:json", &["a:source"]),
        ];
        pipelines[0].status = Failed;
        pipelines[3].status = Running;
        let failed = fail_dependants(&mut pipelines, "a:source", "t");
        assert_eq!(failed, ["a:csv", "a:zip"]);
        assert_eq!(
            pipelines[1].error_log,
            [json!("Dependency unsuccessful. Cannot run until dependency \"a:source\" is successfully executed")]
        );
        assert_eq!(
            pipelines[2].error_log,
            [json!("Dependency unsuccessful. Cannot run until dependency \"a:csv\" is successfully executed")]
        );
        assert_eq!(pipelines[3].status, Running);
    }
}
