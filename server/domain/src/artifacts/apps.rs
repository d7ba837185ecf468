//! Apps pinned to artifact versions: deploy (from an existing artifact, or legacy-style from an
//! archive), upgrade and roll back (only the version changes), list by artifact, detail with
//! the history of versions it ran, delete.

use std::cmp::Ordering;

use serde::Deserialize;
use serde_json::{json, Value};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use tokio::io::AsyncRead;

use super::archive;
use super::model::{AppChange, AppDetail, AppSummary, ArtifactRef, Scope, SYSTEM};
use super::service::{self, check_name, Stored, UploadHeaders};
use crate::audit::Surface;
use crate::auth::actor::Actor;
use crate::blobs::BlobStore;
use crate::error::{DomainError, DomainResult};
use crate::store::{Store, Tx};
use crate::time;

/// The `artifact` part of an app request. Any of the three ways of saying "system" works:
/// `scope: SYSTEM`, `namespace: system`, `isSystem: true`.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ArtifactChoice {
    pub name: Option<String>,
    pub version: Option<String>,
    pub scope: Option<String>,
    pub namespace: Option<String>,
    #[serde(rename = "isSystem")]
    pub is_system: Option<bool>,
}

impl ArtifactChoice {
    fn system(&self) -> Option<bool> {
        if self.is_system == Some(true)
            || self.namespace.as_deref() == Some(SYSTEM)
            || self
                .scope
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("system"))
        {
            Some(true)
        } else if self.scope.is_some() || self.namespace.is_some() || self.is_system.is_some() {
            Some(false)
        } else {
            None
        }
    }
}

/// `{"artifact": {…}, "config": {…}}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AppRequest {
    pub artifact: Option<ArtifactChoice>,
    pub config: Option<Value>,
    pub description: Option<String>,
}

struct App {
    description: String,
    artifact_namespace: String,
    artifact_name: String,
    artifact_version: String,
    config: Value,
    created: String,
    updated: String,
}

fn app_from(row: &AnyRow) -> DomainResult<App> {
    let config: String = row.try_get("config")?;
    Ok(App {
        description: row.try_get("description")?,
        artifact_namespace: row.try_get("artifact_namespace")?,
        artifact_name: row.try_get("artifact_name")?,
        artifact_version: row.try_get("artifact_version")?,
        config: serde_json::from_str(&config).unwrap_or(Value::Null),
        created: row.try_get("created_at")?,
        updated: row.try_get("updated_at")?,
    })
}

impl App {
    fn artifact(&self) -> ArtifactRef {
        ArtifactRef {
            name: self.artifact_name.clone(),
            version: self.artifact_version.clone(),
            scope: Scope::of_namespace(&self.artifact_namespace),
        }
    }
}

async fn find(conn: &mut AnyConnection, namespace: &str, name: &str) -> DomainResult<Option<App>> {
    let row = sqlx::query("SELECT * FROM artifact_apps WHERE namespace = $1 AND name = $2")
        .bind(namespace)
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(app_from).transpose()
}

fn no_such_app(name: &str) -> DomainError {
    DomainError::not_found(format!("Application '{name}' was not found."))
}

/// The artifact version chosen, seen from `namespace`.
async fn chosen_artifact(
    conn: &mut AnyConnection,
    namespace: &str,
    name: &str,
    version: &str,
    system: Option<bool>,
) -> DomainResult<Stored> {
    let missing = || DomainError::not_found(format!("Artifact {name}:{version} not found."));
    match system {
        Some(true) => service::find(conn, SYSTEM, name, version)
            .await?
            .ok_or_else(missing),
        Some(false) => service::find(conn, namespace, name, version)
            .await?
            .ok_or_else(missing),
        None => service::resolve(conn, namespace, name, version).await,
    }
}

/// The config checked against the JSON Schema the artifact declares, if any.
fn check_config(artifact: &Stored, config: &Value) -> DomainResult<()> {
    let Some((app_class, schema)) = service::config_schema(artifact) else {
        return Ok(());
    };
    let validator = jsonschema::validator_for(schema).map_err(|e| {
        DomainError::Internal(format!(
            "stored schema of {} is invalid: {e}",
            app_class.class_name
        ))
    })?;
    let violations: Vec<String> = validator
        .iter_errors(config)
        .map(|error| {
            let at = error.instance_path.to_string();
            format!(
                "{}: {error}",
                if at.is_empty() { "/".to_string() } else { at }
            )
        })
        .collect();
    if violations.is_empty() {
        Ok(())
    } else {
        Err(DomainError::invalid(format!(
            "Invalid config for {} {}:{}: {}",
            app_class.class_name,
            artifact.name,
            artifact.version,
            violations.join("; ")
        )))
    }
}

async fn write_history(
    tx: &mut Tx,
    actor: &Actor,
    namespace: &str,
    app: &str,
    action: &str,
    artifact: &Stored,
    config: &Value,
) -> DomainResult<()> {
    sqlx::query(
        "INSERT INTO artifact_app_history (namespace, app, action, artifact_namespace, artifact_name, artifact_version, config, by_actor, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(namespace)
    .bind(app)
    .bind(action)
    .bind(&artifact.namespace)
    .bind(&artifact.name)
    .bind(&artifact.version)
    .bind(config.to_string())
    .bind(actor.name())
    .bind(time::now())
    .execute(&mut **tx)
    .await?;
    Surface::Artifacts.record(tx,
        actor,
        &format!("{namespace}/apps/{app}"),
        action,
        json!({"artifact": format!("{}:{}", artifact.name, artifact.version), "scope": Scope::of_namespace(&artifact.namespace)}),
    )
    .await
}

/// Creates the app (or replaces it) from an existing artifact version.
pub async fn deploy(
    store: &Store,
    actor: &Actor,
    namespace: &str,
    app: &str,
    request: AppRequest,
) -> DomainResult<()> {
    actor.require_write()?;
    check_name("application", app)?;
    let choice = request.artifact.unwrap_or_default();
    let (Some(name), Some(version)) = (choice.name.clone(), choice.version.clone()) else {
        return Err(DomainError::invalid(
            "The artifact to create the app from needs a name and a version: {\"artifact\": {\"name\", \"version\"}, \"config\": {…}}.",
        ));
    };
    let config = request.config.unwrap_or_else(|| json!({}));
    let mut tx = store.begin_write().await?;
    service::namespace_exists(&mut tx, namespace).await?;
    let artifact = chosen_artifact(&mut tx, namespace, &name, &version, choice.system()).await?;
    check_config(&artifact, &config)?;
    put_app(
        &mut tx,
        actor,
        namespace,
        app,
        request.description,
        &artifact,
        &config,
        "deploy",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn put_app(
    tx: &mut Tx,
    actor: &Actor,
    namespace: &str,
    app: &str,
    description: Option<String>,
    artifact: &Stored,
    config: &Value,
    action: &str,
) -> DomainResult<()> {
    let now = time::now();
    let description = description.unwrap_or_else(|| {
        service::config_schema(artifact)
            .map(|(class, _)| class.description.clone())
            .or_else(|| artifact.classes.apps.first().map(|c| c.description.clone()))
            .unwrap_or_default()
    });
    sqlx::query(
        "INSERT INTO artifact_apps (namespace, name, description, artifact_namespace, artifact_name, artifact_version, config, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
         ON CONFLICT (namespace, name) DO UPDATE SET description = excluded.description, \
             artifact_namespace = excluded.artifact_namespace, artifact_name = excluded.artifact_name, \
             artifact_version = excluded.artifact_version, config = excluded.config, updated_at = excluded.updated_at",
    )
    .bind(namespace)
    .bind(app)
    .bind(description)
    .bind(&artifact.namespace)
    .bind(&artifact.name)
    .bind(&artifact.version)
    .bind(config.to_string())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    write_history(tx, actor, namespace, app, action, artifact, config).await
}

/// Legacy deploy: the body is an archive named by `X-Archive-Name` (`myapp-1.0.0.jar`); it
/// becomes artifact myapp 1.0.0 (the same content again is fine) and the app is created from it.
pub async fn deploy_archive(
    store: &Store,
    blobs: &BlobStore,
    actor: &Actor,
    namespace: &str,
    app: Option<&str>,
    archive_name: Option<&str>,
    config: Option<&str>,
    content: impl AsyncRead + Unpin,
) -> DomainResult<()> {
    actor.require_write()?;
    let archive_name = archive_name
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| DomainError::invalid("X-Archive-Name header not present"))?;
    let (name, version) = archive::name_and_version_of(archive_name).ok_or_else(|| {
        DomainError::invalid(format!(
            "Unable to derive version for artifact from archive name '{archive_name}': name it name-version.jar."
        ))
    })?;
    check_name("artifact", &name)?;
    let app = app.unwrap_or(&name).to_string();
    check_name("application", &app)?;
    let config: Value = match config.filter(|c| !c.trim().is_empty()) {
        Some(text) => serde_json::from_str(text)
            .map_err(|e| DomainError::invalid(format!("Invalid Application-Config: {e}")))?,
        None => json!({}),
    };
    {
        let mut conn = store.pool().acquire().await?;
        service::namespace_exists(&mut conn, namespace).await?;
    }
    let blob = blobs.put(content).await?;
    let headers = UploadHeaders {
        version: Some(version),
        ..Default::default()
    };
    let new = service::prepare(blobs, namespace, &name, blob, &headers).await?;
    let mut tx = store.begin_write().await?;
    service::insert(&mut tx, actor, &new).await?;
    let artifact = service::find(&mut tx, namespace, &name, new.version.as_str())
        .await?
        .expect("just written");
    check_config(&artifact, &config)?;
    put_app(
        &mut tx, actor, namespace, &app, None, &artifact, &config, "deploy",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Upgrades or rolls back: only the artifact's version may change; what the request leaves out
/// keeps its value.
pub async fn update(
    store: &Store,
    actor: &Actor,
    namespace: &str,
    app: &str,
    request: AppRequest,
) -> DomainResult<()> {
    actor.require_write()?;
    let mut tx = store.begin_write().await?;
    service::namespace_exists(&mut tx, namespace).await?;
    let current = find(&mut tx, namespace, app)
        .await?
        .ok_or_else(|| no_such_app(app))?;
    let choice = request.artifact.unwrap_or_default();
    if let Some(name) = choice
        .name
        .as_deref()
        .filter(|n| *n != current.artifact_name)
    {
        return Err(DomainError::invalid(format!(
            "Only the artifact version of an app may change: {app} runs artifact {}, not {name}.",
            current.artifact_name
        )));
    }
    let version = choice
        .version
        .clone()
        .unwrap_or_else(|| current.artifact_version.clone());
    let system = choice
        .system()
        .or(Some(current.artifact_namespace == SYSTEM));
    let artifact =
        chosen_artifact(&mut tx, namespace, &current.artifact_name, &version, system).await?;
    let config = request.config.unwrap_or_else(|| current.config.clone());
    check_config(&artifact, &config)?;
    let direction =
        service::parse_version(&version)?.cmp(&service::parse_version(&current.artifact_version)?);
    let action = match direction {
        Ordering::Greater => "upgrade",
        Ordering::Less => "rollback",
        Ordering::Equal => "update",
    };
    put_app(
        &mut tx,
        actor,
        namespace,
        app,
        request.description.or(Some(current.description)),
        &artifact,
        &config,
        action,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Apps of the namespace, optionally only those on one of `artifact_names` (and `version`).
pub async fn list(
    store: &Store,
    actor: &Actor,
    namespace: &str,
    artifact_names: &[String],
    artifact_version: Option<&str>,
) -> DomainResult<Vec<AppSummary>> {
    let mut conn = store.reading_as(actor).await?;
    service::namespace_exists(&mut conn, namespace).await?;
    let rows = sqlx::query("SELECT * FROM artifact_apps WHERE namespace = $1 ORDER BY name")
        .bind(namespace)
        .fetch_all(&mut *conn)
        .await?;
    let mut apps = Vec::new();
    for row in &rows {
        let app = app_from(row)?;
        let name: String = row.try_get("name")?;
        if !artifact_names.is_empty() && !artifact_names.contains(&app.artifact_name) {
            continue;
        }
        if artifact_version.is_some_and(|v| v != app.artifact_version) {
            continue;
        }
        apps.push(AppSummary {
            kind: "App".into(),
            id: name.clone(),
            name,
            version: app.artifact_version.clone(),
            description: app.description.clone(),
            artifact: app.artifact(),
        });
    }
    Ok(apps)
}

pub async fn detail(
    store: &Store,
    actor: &Actor,
    namespace: &str,
    app: &str,
) -> DomainResult<AppDetail> {
    let mut conn = store.reading_as(actor).await?;
    service::namespace_exists(&mut conn, namespace).await?;
    let current = find(&mut conn, namespace, app)
        .await?
        .ok_or_else(|| no_such_app(app))?;
    let rows = sqlx::query(
        "SELECT * FROM artifact_app_history WHERE namespace = $1 AND app = $2 ORDER BY id",
    )
    .bind(namespace)
    .bind(app)
    .fetch_all(&mut *conn)
    .await?;
    let history = rows
        .iter()
        .map(|row| {
            let artifact_namespace: String = row.try_get("artifact_namespace")?;
            let config: String = row.try_get("config")?;
            Ok(AppChange {
                at: row.try_get("at")?,
                action: row.try_get("action")?,
                artifact: ArtifactRef {
                    name: row.try_get("artifact_name")?,
                    version: row.try_get("artifact_version")?,
                    scope: Scope::of_namespace(&artifact_namespace),
                },
                config: serde_json::from_str(&config).unwrap_or(Value::Null),
                by: row.try_get("by_actor")?,
            })
        })
        .collect::<DomainResult<Vec<_>>>()?;
    Ok(AppDetail {
        name: app.to_string(),
        description: current.description.clone(),
        artifact: current.artifact(),
        config: current.config.clone(),
        created: current.created.clone(),
        updated: current.updated.clone(),
        history,
    })
}

pub async fn delete(store: &Store, actor: &Actor, namespace: &str, app: &str) -> DomainResult<()> {
    actor.require_write()?;
    let mut tx = store.begin_write().await?;
    service::namespace_exists(&mut tx, namespace).await?;
    let deleted = sqlx::query("DELETE FROM artifact_apps WHERE namespace = $1 AND name = $2")
        .bind(namespace)
        .bind(app)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if deleted == 0 {
        return Err(no_such_app(app));
    }
    sqlx::query("DELETE FROM artifact_app_history WHERE namespace = $1 AND app = $2")
        .bind(namespace)
        .bind(app)
        .execute(&mut *tx)
        .await?;
    Surface::Artifacts
        .record(
            &mut tx,
            actor,
            &format!("{namespace}/apps/{app}"),
            "delete",
            json!({}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}
