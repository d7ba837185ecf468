//! What the Artifacts surface says, in CDAP's JSON shapes (camelCase).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The namespace whose artifacts every namespace sees, loaded from `--system-artifacts`.
pub const SYSTEM: &str = "system";
pub const DEFAULT: &str = "default";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "UPPERCASE")]
pub enum Scope {
    User,
    System,
}

impl Scope {
    pub fn of_namespace(namespace: &str) -> Self {
        if namespace == SYSTEM {
            Scope::System
        } else {
            Scope::User
        }
    }
}

/// One version of an artifact in a listing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ArtifactSummary {
    pub name: String,
    pub version: String,
    pub scope: Scope,
    pub is_system: bool,
}

/// A plugin an artifact offers: `type` + `name` are unique within the artifact.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct PluginClass {
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub class_name: String,
    #[serde(default)]
    pub properties: Map<String, Value>,
}

/// An application class an artifact offers, with the JSON Schema its config must satisfy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct AppClass {
    pub class_name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_schema: Option<Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Classes {
    #[serde(default)]
    pub apps: Vec<AppClass>,
    #[serde(default)]
    pub plugins: Vec<PluginClass>,
}

/// One artifact version in full.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ArtifactDetail {
    pub name: String,
    pub version: String,
    pub scope: Scope,
    pub size: i64,
    pub sha256: String,
    pub created: String,
    /// The ranges of the artifacts this one extends (`Artifact-Extends`).
    pub parents: Vec<String>,
    pub classes: Classes,
    pub properties: Map<String, Value>,
}

/// Which artifact an app runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ArtifactRef {
    pub name: String,
    pub version: String,
    pub scope: Scope,
}

/// A plugin as the extension listings show it: with the artifact it comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct PluginSummary {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub description: String,
    pub class_name: String,
    pub artifact: ArtifactRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<Map<String, Value>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AppSummary {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub name: String,
    pub version: String,
    pub description: String,
    pub artifact: ArtifactRef,
}

/// One step of an app's life: which artifact version it was deployed, upgraded or rolled back to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AppChange {
    pub at: String,
    pub action: String,
    pub artifact: ArtifactRef,
    pub config: Value,
    pub by: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AppDetail {
    pub name: String,
    pub description: String,
    pub artifact: ArtifactRef,
    pub config: Value,
    pub created: String,
    pub updated: String,
    pub history: Vec<AppChange>,
}
