//! What the Versioning surface says about dots, branches, commits and files. The Dotmesh
//! shapes (`Volume`, `CommitEntry`, `FileDiff`) keep Dotmesh's PascalCase field names; Depot's
//! own additions (`BranchInfo`, `GraphCommit`, `DotFile`) use snake_case like the rest of `/api`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The name of the master branch as Depot reports it; Dotmesh clients also send `""`.
pub const MASTER: &str = "master";

/// Names of namespaces, dots and branches: `^[a-zA-Z0-9_\-]{1,64}$`.
pub fn is_valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "PascalCase")]
pub struct VolumeName {
    pub namespace: String,
    pub name: String,
}

/// Dotmesh's `DotmeshVolume`: a dot as seen from one of its branches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "PascalCase")]
pub struct Volume {
    pub id: String,
    pub name: VolumeName,
    pub branch: String,
    /// The id of the master branch (which is the dot's id).
    pub master: String,
    /// Bytes of the branch's working tree.
    pub size_bytes: i64,
    /// Bytes written since the last commit.
    pub dirty_bytes: i64,
    pub commit_count: i64,
    pub server_states: Map<String, Value>,
    pub server_statuses: Map<String, Value>,
    pub fork_parent_id: String,
    pub fork_parent_snapshot_id: String,
    /// Depot's addition: who may delete the dot (besides admins).
    #[serde(default)]
    pub owner: String,
}

/// One commit as Dotmesh's `Commits` lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "PascalCase")]
pub struct CommitEntry {
    pub id: String,
    pub metadata: Map<String, Value>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Modified,
    Deleted,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "PascalCase")]
pub struct FileDiff {
    pub path: String,
    pub change: ChangeKind,
    /// The size after the change (before it, for a deleted file).
    pub size_bytes: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Diff {
    #[serde(rename = "Files")]
    pub files: Vec<FileDiff>,
}

/// A branch with its figures, for listings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BranchInfo {
    pub id: String,
    pub name: String,
    /// The newest commit the branch is at (its origin commit until it has its own).
    pub head: Option<String>,
    pub origin_branch: Option<String>,
    pub origin_commit: Option<String>,
    pub commit_count: i64,
    pub size_bytes: i64,
    pub dirty_bytes: i64,
}

/// A commit with what drawing the commit graph needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GraphCommit {
    pub id: String,
    pub branch: String,
    pub parent: Option<String>,
    pub message: String,
    pub author: String,
    /// Nanoseconds since the epoch, as Dotmesh writes it.
    pub timestamp: String,
    /// When it was made: RFC 3339 in UTC.
    pub at: String,
    pub metadata: Map<String, Value>,
    pub size_bytes: i64,
    pub file_count: i64,
    /// Taken off its branch by a rollback (still reachable by id).
    pub dropped: bool,
}

/// A file of a working tree or a commit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DotFile {
    pub path: String,
    pub size_bytes: i64,
    /// SHA-256 of the content.
    pub sha256: String,
    /// Written since the branch's last commit (always false in a commit).
    pub dirty: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum LineChange {
    Kept,
    Added,
    Removed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DiffLine {
    pub change: LineChange,
    pub text: String,
}

/// The lines of one file that differ between two versions, or why they are not shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FileTextDiff {
    pub path: String,
    pub lines: Vec<DiffLine>,
    /// Set when no line diff is shown: binary content, or too large.
    pub note: Option<String>,
}
