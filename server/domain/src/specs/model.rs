//! The shapes of the Specs surface that cross the wire, to scripts and to the admin UI.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A revision's state, derived from its pipelines (API.md §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "UPPERCASE")]
pub enum RevisionState {
    Queued,
    #[serde(rename = "INPROGRESS")]
    InProgress,
    Succeeded,
    Failed,
}

impl RevisionState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "QUEUED",
            Self::InProgress => "INPROGRESS",
            Self::Succeeded => "SUCCEEDED",
            Self::Failed => "FAILED",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Queued,
            Self::InProgress,
            Self::Succeeded,
            Self::Failed,
        ]
        .into_iter()
        .find(|state| state.as_str() == text)
    }

    /// Whether nothing more will happen to the revision.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed)
    }

    /// The word specstore's `/source/update` answers with for this state.
    pub fn flow_status(self) -> &'static str {
        match self {
            Self::Queued => "pending",
            Self::InProgress => "running",
            Self::Succeeded => "success",
            Self::Failed => "failed",
        }
    }
}

/// A pipeline's status: `queue` → pending, `start`/`progress` → running, `finish` → success or
/// failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum PipelineStatus {
    Pending,
    Running,
    Success,
    Failed,
}

impl PipelineStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Success => "success",
            Self::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Pending, Self::Running, Self::Success, Self::Failed]
            .into_iter()
            .find(|status| status.as_str() == text)
    }

    /// How specstore shows a pipeline's status in a revision (`QUEUED`, `INPROGRESS`, …).
    pub fn shown(self) -> RevisionState {
        match self {
            Self::Pending => RevisionState::Queued,
            Self::Running => RevisionState::InProgress,
            Self::Success => RevisionState::Succeeded,
            Self::Failed => RevisionState::Failed,
        }
    }
}

/// `POST /source/upload`'s answer, always with status 200.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UploadOutcome {
    pub success: bool,
    pub dataset_id: Option<String>,
    pub flow_id: Option<String>,
    pub errors: Vec<String>,
}

impl UploadOutcome {
    pub fn refused(errors: Vec<String>) -> Self {
        Self {
            success: false,
            dataset_id: None,
            flow_id: None,
            errors,
        }
    }
}

/// `POST /source/update`'s answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UpdateOutcome {
    pub success: bool,
    /// The revision's state in specstore's words (`pending`, `running`, `success`, `failed`).
    pub status: Option<String>,
    /// The revision (`owner/dataset/N`) the event applied to.
    pub id: Option<String>,
    pub errors: Vec<String>,
}

/// One pipeline of a revision, as the admin UI's board shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Pipeline {
    pub id: String,
    pub title: String,
    pub status: PipelineStatus,
    pub dependencies: Vec<String>,
    pub stats: Value,
    pub error_log: Vec<Value>,
    pub log: Vec<Value>,
    pub updated: String,
}

/// Where a revision stands with the pipeline runner.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Dispatch {
    pub attempts: i64,
    pub delivered: Option<String>,
    pub next_attempt: Option<String>,
    pub last_error: Option<String>,
}

/// A revision with everything known about it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Revision {
    pub dataset_id: String,
    pub revision: i64,
    /// `owner/dataset/N`, specstore's flow id.
    pub flow_id: String,
    pub state: RevisionState,
    /// What made it: `upload`, `schedule` or `rerun`.
    pub cause: String,
    pub created_by: String,
    pub created: String,
    pub modified: String,
    pub spec: Value,
    pub logs: Vec<Value>,
    pub error_log: Vec<Value>,
    pub stats: Value,
    /// In planned order, dependencies first.
    pub pipelines: Vec<Pipeline>,
    /// `None` when no pipeline runner is configured for this revision.
    pub dispatch: Option<Dispatch>,
    /// The dataset's newest revision, when this one is not it.
    pub superseded_by: Option<i64>,
}

/// A revision in a dataset's list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RevisionSummary {
    pub revision: i64,
    pub flow_id: String,
    pub state: RevisionState,
    pub cause: String,
    pub created_by: String,
    pub created: String,
    pub modified: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DatasetSummary {
    pub id: String,
    pub owner: String,
    pub name: String,
    pub revisions: i64,
    pub latest_state: Option<RevisionState>,
    pub schedule: Option<String>,
    pub next_run: Option<String>,
    pub updated: String,
}

/// A dataset with its revisions, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Dataset {
    pub summary: DatasetSummary,
    pub spec: Value,
    pub revisions: Vec<RevisionSummary>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OwnerSummary {
    pub owner: String,
    pub datasets: i64,
}
