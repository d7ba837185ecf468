//! Adding an artifact version: the archive streamed into the blob store (or PUT to a signed
//! URL and confirmed by size and SHA-256), inspected, checked and recorded.

use super::*;
use crate::blobs::receive::Destination;

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

pub(in crate::artifacts) fn check_classes(classes: &Classes) -> DomainResult<()> {
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
pub(in crate::artifacts) struct NewArtifact {
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
pub(in crate::artifacts) async fn insert(
    tx: &mut Tx,
    actor: &Actor,
    new: &NewArtifact,
) -> DomainResult<bool> {
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
pub(in crate::artifacts) async fn prepare(
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

/// An archive on its way in as a version of `namespace`/`name` (`POST …/artifacts/{name}`, or
/// the two steps of a signed URL): received by the blob store
/// ([`BlobStore::receive`](crate::blobs::BlobStore::receive) and its two-step forms).
pub struct Archive<'a> {
    pub store: &'a Store,
    pub blobs: &'a BlobStore,
    pub actor: &'a Actor,
    pub namespace: &'a str,
    pub name: &'a str,
    pub headers: &'a UploadHeaders,
}

impl Destination for Archive<'_> {
    type Recorded = ArtifactDetail;

    async fn check(&self) -> DomainResult<()> {
        check_upload(
            self.store,
            self.actor,
            self.namespace,
            self.name,
            self.headers,
        )
        .await
    }

    /// The stored archive as a new version, with its audit record.
    async fn record(&self, blob: StoredBlob) -> DomainResult<ArtifactDetail> {
        let (namespace, name) = (self.namespace, self.name);
        let new = prepare(self.blobs, namespace, name, blob, self.headers).await?;
        let mut tx = self.store.begin_write().await?;
        insert(&mut tx, self.actor, &new).await?;
        let stored = find(&mut tx, namespace, name, new.version.as_str())
            .await?
            .expect("just written");
        tx.commit().await?;
        Ok(stored.detail())
    }
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
