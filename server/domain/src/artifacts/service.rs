//! Namespaces and artifacts: upload (streamed to the blob store), listing, detail, properties,
//! plugins and the extensions an artifact sees, deletion, and the system artifacts folder.
//! Texts are CDAP's where it had them (API.md §4).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Map, Value};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use tokio::io::AsyncRead;

use super::archive::{self, ArchiveProblem};
use super::model::{
    AppClass, ArtifactDetail, ArtifactRef, ArtifactSummary, Classes, PluginClass, PluginSummary,
    Scope, SYSTEM,
};
use super::version::{is_valid_name, Version, VersionRange};
use crate::audit::Surface;
use crate::auth::actor::Actor;
use crate::blobs::direct::DirectUpload;
use crate::blobs::{BlobStore, StoredBlob};
use crate::error::{DomainError, DomainResult};
use crate::store::{json_column, Store, Tx};
use crate::time;

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
    actor.require_read()?;
    let mut conn = store.pool().acquire().await?;
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
    actor.require_read()?;
    let mut conn = store.pool().acquire().await?;
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
    actor.require_read()?;
    let mut conn = store.pool().acquire().await?;
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

/// What an upload says about itself in its headers.
#[derive(Clone, Debug, Default)]
pub struct UploadHeaders {
    /// `Artifact-Version`.
    pub version: Option<String>,
    /// `Artifact-Extends`: parent ranges separated by `/`.
    pub extends: Option<String>,
    /// `Artifact-Plugins`: a JSON array of plugin classes.
    pub plugins: Option<String>,
}

fn parse_plugins(text: &str) -> DomainResult<Vec<PluginClass>> {
    serde_json::from_str(text)
        .map_err(|e| DomainError::invalid(format!("Invalid plugins field: {e}")))
}

fn check_classes(classes: &Classes) -> DomainResult<()> {
    let mut seen = std::collections::HashSet::new();
    for plugin in &classes.plugins {
        if !seen.insert((plugin.kind.as_str(), plugin.name.as_str())) {
            return Err(DomainError::invalid(format!(
                "Invalid plugins field. Only one plugin with type '{}' and name '{}' can be present.",
                plugin.kind, plugin.name
            )));
        }
    }
    for app in &classes.apps {
        if let Some(schema) = &app.config_schema {
            jsonschema::validator_for(schema).map_err(|e| {
                DomainError::invalid(format!(
                    "Invalid configSchema of app class {}: {e}",
                    app.class_name
                ))
            })?;
        }
    }
    Ok(())
}

/// Parent ranges from `Artifact-Extends`, checked against the rules that need no store.
fn parse_parents(namespace: &str, name: &str, extends: &str) -> DomainResult<Vec<VersionRange>> {
    let mut parents = Vec::new();
    for text in extends.split('/').map(str::trim).filter(|t| !t.is_empty()) {
        let range = VersionRange::parse(text).map_err(DomainError::Invalid)?;
        let parent_namespace = range.namespace.as_deref().unwrap_or(namespace);
        if parent_namespace != namespace && parent_namespace != SYSTEM {
            return Err(DomainError::invalid(format!(
                "Invalid parent '{text}': a parent must be in namespace '{namespace}' or '{SYSTEM}'."
            )));
        }
        if range.name == name && parent_namespace == namespace {
            return Err(DomainError::invalid(format!(
                "Invalid parent '{text}': an artifact cannot extend itself."
            )));
        }
        parents.push(range);
    }
    Ok(parents)
}

/// Each parent must exist (some version in its range), and may not have parents itself.
async fn check_parents_exist(
    conn: &mut AnyConnection,
    namespace: &str,
    parents: &[VersionRange],
) -> DomainResult<()> {
    for range in parents {
        let parent_namespace = range.namespace.as_deref().unwrap_or(namespace);
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM artifacts WHERE namespace = $1 AND name = $2"
        ))
        .bind(parent_namespace)
        .bind(&range.name)
        .fetch_all(&mut *conn)
        .await?;
        let candidates: Vec<Stored> = rows.iter().map(stored_from).collect::<DomainResult<_>>()?;
        let in_range: Vec<&Stored> = candidates
            .iter()
            .filter(|c| range.contains(&c.parsed_version()))
            .collect();
        if in_range.is_empty() {
            return Err(DomainError::not_found(format!(
                "Parent artifact {range} not found."
            )));
        }
        if in_range.iter().any(|c| !c.parents.is_empty()) {
            return Err(DomainError::invalid(format!(
                "Invalid parent {range}: it has parents of its own, and an artifact may only extend artifacts without parents."
            )));
        }
    }
    Ok(())
}

/// Reads the archive's manifest and descriptor from the blob store.
async fn inspect(blobs: &BlobStore, blob: &StoredBlob) -> DomainResult<archive::ArchiveFacts> {
    let file = blobs
        .seekable(&blob.hash)
        .await
        .map_err(|e| DomainError::Internal(format!("blob {}: {e}", blob.hash)))?;
    tokio::task::spawn_blocking(move || archive::inspect(file))
        .await
        .map_err(|e| DomainError::Internal(format!("inspecting an archive: {e}")))?
        .map_err(|problem| match problem {
            ArchiveProblem::NotZip => DomainError::invalid(
                "Artifact is not in zip format. Please make sure it is a jar file.",
            ),
            ArchiveProblem::BadDescriptor(message) => {
                DomainError::invalid(format!("Invalid artifact descriptor {message}"))
            }
        })
}

/// A new artifact version, before it is written.
pub(super) struct NewArtifact {
    pub namespace: String,
    pub name: String,
    pub version: Version,
    pub blob: StoredBlob,
    pub parents: Vec<VersionRange>,
    pub classes: Classes,
    pub properties: Map<String, Value>,
}

/// Writes the version: a release that exists is refused (409) unless it is the very same
/// content; a snapshot is replaced. Returns whether anything was written.
pub(super) async fn insert(tx: &mut Tx, actor: &Actor, new: &NewArtifact) -> DomainResult<bool> {
    check_parents_exist(tx, &new.namespace, &new.parents).await?;
    let existing = find(tx, &new.namespace, &new.name, new.version.as_str()).await?;
    let parents: Vec<String> = new.parents.iter().map(|p| p.to_string()).collect();
    let classes = serde_json::to_string(&new.classes).expect("classes serialise");
    let properties = Value::Object(new.properties.clone()).to_string();
    match existing {
        Some(old)
            if old.blob == new.blob.hash
                && old.parents == parents
                && old.classes == new.classes =>
        {
            return Ok(false)
        }
        Some(_) if !new.version.is_snapshot() && new.namespace != SYSTEM => {
            return Err(DomainError::conflict(format!(
                "Artifact {}:{} already exists.",
                new.name, new.version
            )))
        }
        Some(_) => {
            sqlx::query(
                "UPDATE artifacts SET blob = $1, size_bytes = $2, created_at = $3, parents = $4, classes = $5, properties = $6 \
                 WHERE namespace = $7 AND name = $8 AND version = $9",
            )
            .bind(&new.blob.hash)
            .bind(new.blob.size)
            .bind(time::now())
            .bind(json!(parents).to_string())
            .bind(&classes)
            .bind(&properties)
            .bind(&new.namespace)
            .bind(&new.name)
            .bind(new.version.as_str())
            .execute(&mut **tx)
            .await?;
        }
        None => {
            sqlx::query(
                "INSERT INTO artifacts (namespace, name, version, blob, size_bytes, created_at, parents, classes, properties) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&new.namespace)
            .bind(&new.name)
            .bind(new.version.as_str())
            .bind(&new.blob.hash)
            .bind(new.blob.size)
            .bind(time::now())
            .bind(json!(parents).to_string())
            .bind(&classes)
            .bind(&properties)
            .execute(&mut **tx)
            .await
            .map_err(|e| {
                DomainError::on_unique_violation(
                    e,
                    format!("Artifact {}:{} already exists.", new.name, new.version),
                )
            })?;
        }
    }
    Surface::Artifacts
        .record(
            tx,
            actor,
            &format!("{}/{}/{}", new.namespace, new.name, new.version),
            "add",
            json!({"sha256": new.blob.hash, "size": new.blob.size, "parents": parents}),
        )
        .await?;
    Ok(true)
}

/// Everything about an upload that can be worked out from the stored archive and the headers.
pub(super) async fn prepare(
    blobs: &BlobStore,
    namespace: &str,
    name: &str,
    blob: StoredBlob,
    headers: &UploadHeaders,
) -> DomainResult<NewArtifact> {
    let facts = inspect(blobs, &blob).await?;
    let version_text = headers
        .version
        .clone()
        .filter(|v| !v.trim().is_empty())
        .or(facts.bundle_version)
        .ok_or_else(|| {
            DomainError::invalid(format!(
                "Unable to derive version for artifact {name}: send an Artifact-Version header or a Bundle-Version in META-INF/MANIFEST.MF."
            ))
        })?;
    let version = parse_version(&version_text)?;
    let parents = match &headers.extends {
        Some(extends) => parse_parents(namespace, name, extends)?,
        None => Vec::new(),
    };
    let mut classes = facts.classes.unwrap_or_default();
    if let Some(plugins) = &headers.plugins {
        classes.plugins = parse_plugins(plugins)?;
    }
    check_classes(&classes)?;
    Ok(NewArtifact {
        namespace: namespace.to_string(),
        name: name.to_string(),
        version,
        blob,
        parents,
        classes,
        properties: Map::new(),
    })
}

/// `POST …/artifacts/{name}`: the body is the archive, streamed into the blob store.
pub async fn add(
    store: &Store,
    blobs: &BlobStore,
    actor: &Actor,
    namespace: &str,
    name: &str,
    headers: &UploadHeaders,
    content: impl AsyncRead + Unpin,
) -> DomainResult<ArtifactDetail> {
    check_upload(store, actor, namespace, name, headers).await?;
    let blob = blobs.put(content).await?;
    record_upload(store, blobs, actor, namespace, name, headers, blob).await
}

/// The first step of an archive sent straight to the object store: where to PUT it, once the
/// caller, the namespace and the headers are found fit.
pub async fn begin_upload(
    store: &Store,
    blobs: &BlobStore,
    actor: &Actor,
    namespace: &str,
    name: &str,
    headers: &UploadHeaders,
) -> DomainResult<DirectUpload> {
    check_upload(store, actor, namespace, name, headers).await?;
    blobs.begin_direct().await
}

/// The second step: once the bytes of `upload` are checked against `size` and `sha256`, the
/// archive is added as [`add`] would.
#[allow(clippy::too_many_arguments)]
pub async fn finish_upload(
    store: &Store,
    blobs: &BlobStore,
    actor: &Actor,
    namespace: &str,
    name: &str,
    headers: &UploadHeaders,
    upload: &str,
    (size, sha256): (i64, &str),
) -> DomainResult<ArtifactDetail> {
    check_upload(store, actor, namespace, name, headers).await?;
    let blob = blobs.finish_direct(upload, size, sha256).await?;
    record_upload(store, blobs, actor, namespace, name, headers, blob).await
}

/// What can be refused before any byte of an archive is read.
async fn check_upload(
    store: &Store,
    actor: &Actor,
    namespace: &str,
    name: &str,
    headers: &UploadHeaders,
) -> DomainResult<()> {
    actor.require_write()?;
    check_name("artifact", name)?;
    refuse_system(namespace)?;
    {
        let mut conn = store.pool().acquire().await?;
        namespace_exists(&mut conn, namespace).await?;
    }
    if let Some(extends) = &headers.extends {
        parse_parents(namespace, name, extends)?;
    }
    if let Some(plugins) = &headers.plugins {
        check_classes(&Classes {
            apps: Vec::new(),
            plugins: parse_plugins(plugins)?,
        })?;
    }
    if let Some(version) = headers.version.as_deref().filter(|v| !v.trim().is_empty()) {
        parse_version(version)?;
    }
    Ok(())
}

/// The stored archive as a new version, with its audit record.
async fn record_upload(
    store: &Store,
    blobs: &BlobStore,
    actor: &Actor,
    namespace: &str,
    name: &str,
    headers: &UploadHeaders,
    blob: StoredBlob,
) -> DomainResult<ArtifactDetail> {
    let new = prepare(blobs, namespace, name, blob, headers).await?;
    let mut tx = store.begin_write().await?;
    insert(&mut tx, actor, &new).await?;
    let stored = find(&mut tx, namespace, name, new.version.as_str())
        .await?
        .expect("just written");
    tx.commit().await?;
    Ok(stored.detail())
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

/// Replaces the plugin list of a version (to describe third-party archives).
pub async fn set_plugins(
    store: &Store,
    actor: &Actor,
    namespace: &str,
    name: &str,
    version: &str,
    plugins: Vec<PluginClass>,
) -> DomainResult<()> {
    update_own(
        store,
        actor,
        namespace,
        name,
        version,
        "set plugins",
        |stored| {
            let classes = Classes {
                apps: stored.classes.apps.clone(),
                plugins: plugins.clone(),
            };
            check_classes(&classes)?;
            stored.classes = classes;
            Ok(())
        },
    )
    .await
}

/// How a properties call changes the map.
pub enum PropertiesChange {
    Replace(Map<String, Value>),
    Set(String, String),
    Clear,
    Remove(String),
}

pub async fn change_properties(
    store: &Store,
    actor: &Actor,
    namespace: &str,
    name: &str,
    version: &str,
    change: PropertiesChange,
) -> DomainResult<()> {
    let given: Vec<(&String, Option<&str>)> = match &change {
        PropertiesChange::Replace(map) => map.iter().map(|(k, v)| (k, v.as_str())).collect(),
        PropertiesChange::Set(key, value) => vec![(key, Some(value.as_str()))],
        PropertiesChange::Clear | PropertiesChange::Remove(_) => vec![],
    };
    for (key, value) in given {
        crate::error::refuse_nul("A property name", key)?;
        crate::error::refuse_nul(&format!("Property '{key}'"), value.unwrap_or_default())?;
    }
    update_own(
        store,
        actor,
        namespace,
        name,
        version,
        "set properties",
        |stored| {
            match &change {
                PropertiesChange::Replace(map) => {
                    if let Some((key, _)) = map.iter().find(|(_, v)| !v.is_string()) {
                        return Err(DomainError::invalid(format!(
                            "Property '{key}' must be a string: properties map strings to strings."
                        )));
                    }
                    stored.properties = map.clone();
                }
                PropertiesChange::Set(key, value) => {
                    stored
                        .properties
                        .insert(key.clone(), Value::String(value.clone()));
                }
                PropertiesChange::Clear => stored.properties.clear(),
                PropertiesChange::Remove(key) => {
                    stored.properties.remove(key);
                }
            }
            Ok(())
        },
    )
    .await
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

pub async fn properties(
    store: &Store,
    actor: &Actor,
    namespace: &str,
    name: &str,
    version: &str,
) -> DomainResult<Map<String, Value>> {
    Ok(detail(store, actor, namespace, name, version)
        .await?
        .properties)
}

/// The plugins an artifact version sees: its own, and those of every artifact (of this
/// namespace or system) whose parent ranges contain this version.
pub async fn extensions(
    store: &Store,
    actor: &Actor,
    namespace: &str,
    name: &str,
    version: &str,
) -> DomainResult<Vec<PluginSummary>> {
    actor.require_read()?;
    let mut conn = store.pool().acquire().await?;
    namespace_exists(&mut conn, namespace).await?;
    let target = resolve(&mut conn, namespace, name, version)
        .await
        .map_err(|_| not_found(name, version))?;
    let target_version = target.parsed_version();
    let mut plugins = Vec::new();
    for candidate in visible(&mut conn, namespace).await? {
        let extends_target = candidate.parents.iter().any(|text| {
            VersionRange::parse(text).is_ok_and(|range| {
                range.name == target.name
                    && range.namespace.as_deref().unwrap_or(&candidate.namespace)
                        == target.namespace
                    && range.contains(&target_version)
            })
        });
        let is_target = candidate.namespace == target.namespace
            && candidate.name == target.name
            && candidate.version == target.version;
        if !(extends_target || is_target) {
            continue;
        }
        for plugin in &candidate.classes.plugins {
            plugins.push(PluginSummary {
                name: plugin.name.clone(),
                kind: plugin.kind.clone(),
                description: plugin.description.clone(),
                class_name: plugin.class_name.clone(),
                artifact: candidate.reference(),
                properties: Some(plugin.properties.clone()),
            });
        }
    }
    Ok(plugins)
}

/// The plugin types an artifact version sees, sorted.
pub fn plugin_types(plugins: &[PluginSummary]) -> Vec<String> {
    let mut types: Vec<String> = plugins.iter().map(|p| p.kind.clone()).collect();
    types.sort();
    types.dedup();
    types
}

/// Every plugin of `kind` (named `name`, when given) that any artifact of the namespace or
/// system offers: the design document's namespace-wide form.
pub async fn namespace_plugins(
    store: &Store,
    actor: &Actor,
    namespace: &str,
    kind: &str,
    name: &str,
) -> DomainResult<Vec<PluginSummary>> {
    actor.require_read()?;
    let mut conn = store.pool().acquire().await?;
    namespace_exists(&mut conn, namespace).await?;
    let mut found = Vec::new();
    for artifact in visible(&mut conn, namespace).await? {
        for plugin in artifact
            .classes
            .plugins
            .iter()
            .filter(|p| p.kind == kind && p.name == name)
        {
            found.push(PluginSummary {
                name: plugin.name.clone(),
                kind: plugin.kind.clone(),
                description: plugin.description.clone(),
                class_name: plugin.class_name.clone(),
                artifact: artifact.reference(),
                properties: Some(plugin.properties.clone()),
            });
        }
    }
    Ok(found)
}

/// Loads every `*.jar`/`*.zip` of the system artifacts folder into the `system` namespace:
/// name and version from the file name (`name-1.0.0.jar`), or the manifest's Bundle-Version; a
/// sibling `name-1.0.0.json` may give `parents`, `plugins` and `properties`. Safe to run from
/// several processes at once. Returns how many versions were added or replaced. Whether a
/// folder is configured is told only to an admin.
pub async fn load_system_folder(
    store: &Store,
    blobs: &BlobStore,
    actor: &Actor,
    folder: Option<&Path>,
) -> DomainResult<usize> {
    actor.require_admin()?;
    let folder = folder.ok_or_else(|| {
        DomainError::invalid("No system artifacts folder is configured (--system-artifacts DIR).")
    })?;
    let mut entries: Vec<std::path::PathBuf> = std::fs::read_dir(folder)
        .map_err(|e| {
            DomainError::invalid(format!(
                "cannot read the system artifacts folder {}: {e}",
                folder.display()
            ))
        })?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("jar" | "zip")
            )
        })
        .collect();
    entries.sort();
    let mut changed = 0;
    for path in entries {
        let file_name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let (name, version) = archive::name_and_version_of(&file_name)
            .map(|(n, v)| (n, Some(v)))
            .unwrap_or_else(|| {
                (
                    file_name
                        .trim_end_matches(".jar")
                        .trim_end_matches(".zip")
                        .to_string(),
                    None,
                )
            });
        check_name("artifact", &name)?;
        let settings: BTreeMap<String, Value> =
            match std::fs::read_to_string(path.with_extension("json")) {
                Ok(text) => serde_json::from_str(&text).map_err(|e| {
                    DomainError::invalid(format!("{}: {e}", path.with_extension("json").display()))
                })?,
                Err(_) => BTreeMap::new(),
            };
        let file = tokio::fs::File::open(&path)
            .await
            .map_err(|e| DomainError::invalid(format!("cannot read {}: {e}", path.display())))?;
        let blob = blobs.put(file).await?;
        let headers = UploadHeaders {
            version,
            extends: settings
                .get("parents")
                .and_then(Value::as_array)
                .map(|parents| {
                    parents
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join("/")
                }),
            plugins: settings.get("plugins").map(Value::to_string),
        };
        let mut new = prepare(blobs, SYSTEM, &name, blob, &headers)
            .await
            .map_err(|e| DomainError::invalid(format!("system artifact {file_name}: {e}")))?;
        if let Some(Value::Object(properties)) = settings.get("properties") {
            new.properties = properties.clone();
        }
        let mut tx = store.begin_write().await?;
        if insert(&mut tx, actor, &new).await? {
            changed += 1;
        }
        tx.commit().await?;
    }
    Ok(changed)
}

/// The app class an artifact offers whose config schema an app's config must satisfy.
pub(super) fn config_schema(artifact: &Stored) -> Option<(&AppClass, &Value)> {
    artifact
        .classes
        .apps
        .iter()
        .find_map(|app| app.config_schema.as_ref().map(|schema| (app, schema)))
}
