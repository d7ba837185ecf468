//! Namespaces and artifacts, one file per sub-resource: reads and deletion here, [`upload`]
//! (streamed to the blob store, or in two steps through a signed URL), [`plugins`] (a version's
//! own and the extensions it sees), [`properties`], and the [`system`] artifacts folder. Texts are
//! CDAP's where it had them (API.md §4).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Map, Value};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::archive::{self, ArchiveProblem};
use super::model::{
    AppClass, ArtifactDetail, ArtifactRef, ArtifactSummary, Classes, PluginClass, PluginSummary,
    Scope, SYSTEM,
};
use super::version::{is_valid_name, Version, VersionRange};
use crate::audit::Surface;
use crate::auth::actor::Actor;
use crate::blobs::{BlobStore, StoredBlob};
use crate::error::{DomainError, DomainResult};
use crate::store::{json_column, Store, Tx};
use crate::time;

mod plugins;
mod properties;
mod system;
mod upload;

pub use self::plugins::*;
pub use self::properties::*;
pub use self::system::*;
pub use self::upload::*;

/// An artifact version as stored.
#[derive(Clone, Debug)]
pub(super) struct Stored {
    pub namespace: String,
    pub name: String,
    pub version: String,
    pub blob: String,
    pub size: i64,
    pub created: String,
    pub parents: Vec<String>,
    pub classes: Classes,
    pub properties: Map<String, Value>,
}

impl Stored {
    fn parsed_version(&self) -> Version {
        Version::parse(&self.version).expect("stored versions parse")
    }

    pub fn reference(&self) -> ArtifactRef {
        ArtifactRef {
            name: self.name.clone(),
            version: self.version.clone(),
            scope: Scope::of_namespace(&self.namespace),
        }
    }

    fn detail(&self) -> ArtifactDetail {
        ArtifactDetail {
            name: self.name.clone(),
            version: self.version.clone(),
            scope: Scope::of_namespace(&self.namespace),
            size: self.size,
            sha256: self.blob.clone(),
            created: self.created.clone(),
            parents: self.parents.clone(),
            classes: self.classes.clone(),
            properties: self.properties.clone(),
        }
    }
}

fn stored_from(row: &AnyRow) -> DomainResult<Stored> {
    Ok(Stored {
        namespace: row.try_get("namespace")?,
        name: row.try_get("name")?,
        version: row.try_get("version")?,
        blob: row.try_get("blob")?,
        size: row.try_get("size_bytes")?,
        created: row.try_get("created_at")?,
        parents: json_column(row, "parents")?,
        classes: json_column(row, "classes")?,
        properties: json_column(row, "properties")?,
    })
}

const COLUMNS: &str =
    "namespace, name, version, blob, size_bytes, created_at, parents, classes, properties";

pub fn check_name(what: &str, name: &str) -> DomainResult<()> {
    if is_valid_name(name) {
        Ok(())
    } else {
        Err(DomainError::invalid(format!(
            "Invalid {what} name '{name}': use letters, digits, '-' and '_' only."
        )))
    }
}

pub(super) fn parse_version(text: &str) -> DomainResult<Version> {
    Version::parse(text).ok_or_else(|| {
        DomainError::invalid(format!(
            "Invalid version '{text}': expected major[.minor[.fix]][(.|-)suffix]."
        ))
    })
}

/// The namespace must exist.
pub(super) async fn namespace_exists(
    conn: &mut AnyConnection,
    namespace: &str,
) -> DomainResult<()> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT name FROM artifact_namespaces WHERE name = $1")
            .bind(namespace)
            .fetch_optional(&mut *conn)
            .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(DomainError::not_found(format!(
            "Namespace '{namespace}' was not found."
        ))),
    }
}

pub async fn create_namespace(store: &Store, actor: &Actor, namespace: &str) -> DomainResult<bool> {
    actor.require_admin()?;
    check_name("namespace", namespace)?;
    let mut tx = store.begin_write().await?;
    let created = sqlx::query(
        "INSERT INTO artifact_namespaces (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
    )
    .bind(namespace)
    .bind(time::now())
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if created {
        Surface::Artifacts
            .record(&mut tx, actor, namespace, "create namespace", json!({}))
            .await?;
    }
    tx.commit().await?;
    Ok(created)
}

pub async fn namespaces(store: &Store, actor: &Actor) -> DomainResult<Vec<String>> {
    actor.require_read()?;
    Ok(
        sqlx::query_scalar("SELECT name FROM artifact_namespaces ORDER BY name")
            .fetch_all(store.pool())
            .await?,
    )
}

/// Every artifact version a namespace sees: its own and the system ones.
pub(super) async fn visible(
    conn: &mut AnyConnection,
    namespace: &str,
) -> DomainResult<Vec<Stored>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM artifacts WHERE namespace = $1 OR namespace = 'system'"
    ))
    .bind(namespace)
    .fetch_all(&mut *conn)
    .await?;
    let mut all: Vec<Stored> = rows.iter().map(stored_from).collect::<DomainResult<_>>()?;
    all.sort_by(|a, b| {
        (a.name.as_str(), a.parsed_version(), a.namespace.as_str()).cmp(&(
            b.name.as_str(),
            b.parsed_version(),
            b.namespace.as_str(),
        ))
    });
    Ok(all)
}

pub(super) async fn find(
    conn: &mut AnyConnection,
    namespace: &str,
    name: &str,
    version: &str,
) -> DomainResult<Option<Stored>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM artifacts WHERE namespace = $1 AND name = $2 AND version = $3"
    ))
    .bind(namespace)
    .bind(name)
    .bind(version)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(stored_from).transpose()
}

/// The artifact version as seen from `namespace`: its own, else the system one.
pub(super) async fn resolve(
    conn: &mut AnyConnection,
    namespace: &str,
    name: &str,
    version: &str,
) -> DomainResult<Stored> {
    if let Some(found) = find(conn, namespace, name, version).await? {
        return Ok(found);
    }
    if let Some(found) = find(conn, SYSTEM, name, version).await? {
        return Ok(found);
    }
    Err(DomainError::not_found(format!(
        "Artifact {name}:{version} not found."
    )))
}

/// Which versions to list: `include_system` (default true) and `scope` both filter.
pub async fn list(
    store: &Store,
    actor: &Actor,
    namespace: &str,
    include_system: bool,
    scope: Option<Scope>,
) -> DomainResult<Vec<ArtifactSummary>> {
    let mut conn = store.reading_as(actor).await?;
    namespace_exists(&mut conn, namespace).await?;
    Ok(visible(&mut conn, namespace)
        .await?
        .into_iter()
        .filter(|a| {
            let is_system = a.namespace == SYSTEM;
            (include_system || !is_system || namespace == SYSTEM)
                && scope.is_none_or(|s| s == Scope::of_namespace(&a.namespace))
        })
        .map(|a| ArtifactSummary {
            is_system: a.namespace == SYSTEM,
            scope: Scope::of_namespace(&a.namespace),
            name: a.name,
            version: a.version,
        })
        .collect())
}

/// All versions of one artifact, ascending.
pub async fn versions(
    store: &Store,
    actor: &Actor,
    namespace: &str,
    name: &str,
    scope: Option<Scope>,
) -> DomainResult<Vec<ArtifactSummary>> {
    let found: Vec<ArtifactSummary> = list(store, actor, namespace, true, scope)
        .await?
        .into_iter()
        .filter(|a| a.name == name)
        .collect();
    if found.is_empty() {
        return Err(DomainError::not_found(format!(
            "Artifacts named {name} not found."
        )));
    }
    Ok(found)
}

/// Every version of one artifact in full, ascending (the namespace's own and system ones).
pub async fn version_details(
    store: &Store,
    actor: &Actor,
    namespace: &str,
    name: &str,
) -> DomainResult<Vec<ArtifactDetail>> {
    let mut conn = store.reading_as(actor).await?;
    namespace_exists(&mut conn, namespace).await?;
    let found: Vec<ArtifactDetail> = visible(&mut conn, namespace)
        .await?
        .iter()
        .filter(|a| a.name == name)
        .map(Stored::detail)
        .collect();
    if found.is_empty() {
        return Err(DomainError::not_found(format!(
            "Artifacts named {name} not found."
        )));
    }
    Ok(found)
}

pub async fn detail(
    store: &Store,
    actor: &Actor,
    namespace: &str,
    name: &str,
    version: &str,
) -> DomainResult<ArtifactDetail> {
    let mut conn = store.reading_as(actor).await?;
    namespace_exists(&mut conn, namespace).await?;
    match resolve(&mut conn, namespace, name, version).await {
        Ok(found) => Ok(found.detail()),
        Err(DomainError::NotFound(_)) => Err(not_found(name, version)),
        Err(other) => Err(other),
    }
}

fn not_found(name: &str, version: &str) -> DomainError {
    DomainError::not_found(format!("Artifact {name}:{version} not found."))
}

fn refuse_system(namespace: &str) -> DomainResult<()> {
    if namespace == SYSTEM {
        return Err(DomainError::forbidden(
            "System artifacts cannot be changed through the API: put the archive in the --system-artifacts folder and POST /v3/namespaces/system/artifacts.",
        ));
    }
    Ok(())
}

/// Deletes a version (a missing one is no error); refused while an app runs it.
pub async fn delete(
    store: &Store,
    actor: &Actor,
    namespace: &str,
    name: &str,
    version: &str,
) -> DomainResult<()> {
    actor.require_write()?;
    refuse_system(namespace)?;
    let mut tx = store.begin_write().await?;
    namespace_exists(&mut tx, namespace).await?;
    let users: Vec<String> = sqlx::query_scalar(
        "SELECT namespace || '/' || name FROM artifact_apps \
         WHERE artifact_namespace = $1 AND artifact_name = $2 AND artifact_version = $3 ORDER BY namespace, name",
    )
    .bind(namespace)
    .bind(name)
    .bind(version)
    .fetch_all(&mut *tx)
    .await?;
    if !users.is_empty() {
        return Err(DomainError::conflict(format!(
            "Artifact {name}:{version} cannot be deleted: it is used by the apps {}.",
            users.join(", ")
        )));
    }
    let deleted =
        sqlx::query("DELETE FROM artifacts WHERE namespace = $1 AND name = $2 AND version = $3")
            .bind(namespace)
            .bind(name)
            .bind(version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if deleted > 0 {
        Surface::Artifacts
            .record(
                &mut tx,
                actor,
                &format!("{namespace}/{name}/{version}"),
                "delete",
                json!({}),
            )
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Changes a version of this namespace (not a system one) in one transaction.
async fn update_own(
    store: &Store,
    actor: &Actor,
    namespace: &str,
    name: &str,
    version: &str,
    action: &str,
    change: impl Fn(&mut Stored) -> DomainResult<()>,
) -> DomainResult<()> {
    actor.require_write()?;
    refuse_system(namespace)?;
    let mut tx = store.begin_write().await?;
    namespace_exists(&mut tx, namespace).await?;
    let mut stored = find(&mut tx, namespace, name, version)
        .await?
        .ok_or_else(|| not_found(name, version))?;
    change(&mut stored)?;
    sqlx::query("UPDATE artifacts SET classes = $1, properties = $2 WHERE namespace = $3 AND name = $4 AND version = $5")
        .bind(serde_json::to_string(&stored.classes).expect("classes serialise"))
        .bind(Value::Object(stored.properties.clone()).to_string())
        .bind(namespace)
        .bind(name)
        .bind(version)
        .execute(&mut *tx)
        .await?;
    Surface::Artifacts
        .record(
            &mut tx,
            actor,
            &format!("{namespace}/{name}/{version}"),
            action,
            json!({"properties": stored.properties, "plugins": stored.classes.plugins.len()}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The app class an artifact offers whose config schema an app's config must satisfy.
pub(super) fn config_schema(artifact: &Stored) -> Option<(&AppClass, &Value)> {
    artifact
        .classes
        .apps
        .iter()
        .find_map(|app| app.config_schema.as_ref().map(|schema| (app, schema)))
}
