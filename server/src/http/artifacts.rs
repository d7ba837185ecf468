//! The Artifacts surface, CDAP-compatible: `/v3/namespaces/{ns}/…` (API.md §4), including the
//! paths CDAP actually shipped (`/extensions`, `POST /apps/{app}/update`, `scope=`) as aliases of
//! the design document's. Successes and refusals are plain text as in CDAP (refusals are
//! [`CdapError`]s); listings and details are JSON.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Path, Query};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use depot_domain::artifacts::apps::{self, AppRequest};
use depot_domain::artifacts::service::{self, Archive, PropertiesChange, UploadHeaders};
use depot_domain::artifacts::{PluginClass, PluginSummary, Scope};
use depot_domain::{Actor, DomainError};
use futures_util::TryStreamExt;
use http::request::Parts;
use http::{header, HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Map, Value};
use tokio_util::io::StreamReader;

use super::download::blob_response;
use super::error::CdapError;
use super::extract::{path_params, Caller};
use super::AppState;

const NS: &str = "/v3/namespaces/{ns}";
const VERSION: &str = "/v3/namespaces/{ns}/artifacts/{name}/versions/{version}";

type Answer = Result<Response, CdapError>;

/// CDAP's answer to a success: a sentence of plain text.
fn text(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message.to_string(),
    )
        .into_response()
}

fn done(message: &str) -> Answer {
    Ok(text(StatusCode::OK, message))
}

fn json(value: impl serde::Serialize) -> Answer {
    Ok(Json(value).into_response())
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string())
}

fn body_reader(body: Body) -> impl tokio::io::AsyncRead + Unpin {
    StreamReader::new(body.into_data_stream().map_err(std::io::Error::other))
}

/// A JSON body read whole, up to the configured request body limit.
async fn json_body<T: serde::de::DeserializeOwned>(
    state: &AppState,
    body: Body,
) -> Result<T, CdapError> {
    let bytes = axum::body::to_bytes(body, state.config.body_limit)
        .await
        .map_err(|_| {
            CdapError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "The request body is too large.",
            )
        })?;
    serde_json::from_slice(&bytes)
        .map_err(|e| CdapError::invalid(format!("Invalid JSON in the request body: {e}")))
}

fn scope_of(text: Option<&str>) -> Result<Option<Scope>, CdapError> {
    match text.map(str::to_ascii_lowercase).as_deref() {
        None | Some("") => Ok(None),
        Some("user") => Ok(Some(Scope::User)),
        Some("system") => Ok(Some(Scope::System)),
        Some(other) => Err(CdapError::invalid(format!(
            "Invalid scope '{other}': use user or system."
        ))),
    }
}

/// The artifact a route names: `{ns}` and `{name}` of its path.
struct ArtifactRef {
    ns: String,
    name: String,
}

/// The artifact version a route names: `{ns}`, `{name}` and `{version}` of its path.
struct VersionRef {
    ns: String,
    name: String,
    version: String,
}

impl VersionRef {
    fn parts(&self) -> (&str, &str, &str) {
        (&self.ns, &self.name, &self.version)
    }
}

/// The named path parameters an artifact route must have, or CDAP's 404 for the path.
async fn named(
    parts: &mut Parts,
    state: &AppState,
    names: &[&str],
) -> Result<Vec<String>, CdapError> {
    let mut params = path_params(parts, state).await?;
    names
        .iter()
        .map(|name| {
            params.remove(*name).ok_or_else(|| {
                CdapError::new(StatusCode::NOT_FOUND, format!("No {name} in the path."))
            })
        })
        .collect()
}

impl FromRequestParts<AppState> for ArtifactRef {
    type Rejection = CdapError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, CdapError> {
        let [ns, name] = <[String; 2]>::try_from(named(parts, state, &["ns", "name"]).await?)
            .expect("two names asked, two given");
        Ok(Self { ns, name })
    }
}

impl FromRequestParts<AppState> for VersionRef {
    type Rejection = CdapError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, CdapError> {
        let [ns, name, version] =
            <[String; 3]>::try_from(named(parts, state, &["ns", "name", "version"]).await?)
                .expect("three names asked, three given");
        Ok(Self { ns, name, version })
    }
}

/// Everything but the routes that take archives, which [`upload_routes`] carries.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v3/namespaces", get(list_namespaces))
        .route(NS, put(create_namespace))
        .route(
            &format!("{NS}/artifacts"),
            get(list_artifacts).post(load_system_artifacts),
        )
        .route(
            &format!("{NS}/artifacts/{{name}}/uploads"),
            post(begin_upload),
        )
        .route(
            &format!("{NS}/artifacts/{{name}}/uploads/{{upload}}"),
            post(finish_upload),
        )
        .route(VERSION, get(show_version).delete(delete_version))
        .route(&format!("{VERSION}/download"), get(download))
        .route(&format!("{VERSION}/plugins"), put(set_plugins))
        .route(
            &format!("{VERSION}/properties"),
            get(get_properties)
                .put(replace_properties)
                .delete(clear_properties),
        )
        .route(
            &format!("{VERSION}/properties/{{key}}"),
            get(get_property).put(set_property).delete(delete_property),
        )
        .route(&format!("{VERSION}/extensions"), get(plugin_types))
        .route(&format!("{VERSION}/plugintypes"), get(plugin_types))
        .route(
            &format!("{VERSION}/extensions/{{kind}}"),
            get(plugins_of_type),
        )
        .route(
            &format!("{VERSION}/plugintypes/{{kind}}"),
            get(plugins_of_type),
        )
        .route(
            &format!("{VERSION}/extensions/{{kind}}/plugins/{{plugin}}"),
            get(plugin),
        )
        .route(
            &format!("{VERSION}/plugintypes/{{kind}}/plugins/{{plugin}}"),
            get(plugin),
        )
        .route(
            &format!("{NS}/plugintypes/{{kind}}/plugins/{{plugin}}"),
            get(namespace_plugin),
        )
        .route(&format!("{NS}/apps/{{app}}/properties"), put(update_app))
        .route(&format!("{NS}/apps/{{app}}/update"), post(update_app))
}

/// Routes whose body may be an archive: streamed to the blob store, outside the request body
/// limit and timeout (the upload limit applies instead).
pub fn upload_routes() -> Router<AppState> {
    Router::new()
        .route(
            &format!("{NS}/artifacts/{{name}}"),
            get(list_versions).post(add_artifact),
        )
        .route(&format!("{NS}/apps"), get(list_apps).post(deploy_archive))
        .route(
            &format!("{NS}/apps/{{app}}"),
            put(put_app).get(show_app).delete(delete_app),
        )
}

async fn list_namespaces(Caller { state, actor }: Caller) -> Answer {
    let names = service::namespaces(&state.store, &actor).await?;
    json(
        names
            .into_iter()
            .map(|name| serde_json::json!({"name": name}))
            .collect::<Vec<_>>(),
    )
}

async fn create_namespace(Caller { state, actor }: Caller, Path(ns): Path<String>) -> Answer {
    let created = service::create_namespace(&state.store, &actor, &ns).await?;
    Ok(text(
        StatusCode::OK,
        &if created {
            format!("Namespace '{ns}' created successfully.")
        } else {
            format!("Namespace '{ns}' already exists.")
        },
    ))
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(rename = "includeSystem")]
    include_system: Option<String>,
    scope: Option<String>,
}

async fn list_artifacts(
    Caller { state, actor }: Caller,
    Path(ns): Path<String>,
    Query(query): Query<ListQuery>,
) -> Answer {
    let include_system = match query
        .include_system
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("") | Some("true") => true,
        Some("false") => false,
        Some(other) => {
            return Err(CdapError::invalid(format!(
                "Invalid includeSystem '{other}': use true or false."
            )))
        }
    };
    let scope = scope_of(query.scope.as_deref())?;
    json(service::list(&state.store, &actor, &ns, include_system, scope).await?)
}

/// `POST /v3/namespaces/system/artifacts`: rescan the system artifacts folder.
async fn load_system_artifacts(Caller { state, actor }: Caller, Path(ns): Path<String>) -> Answer {
    if ns != depot_domain::artifacts::SYSTEM {
        return Err(CdapError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "Only the system namespace's artifacts are reloaded this way; add an artifact with POST …/artifacts/{name}.",
        ));
    }
    let folder = state.config.system_artifacts.as_deref();
    let changed = service::load_system_folder(&state.store, &state.blobs, &actor, folder).await?;
    Ok(text(
        StatusCode::OK,
        &format!("System artifacts reloaded: {changed} added or replaced."),
    ))
}

#[derive(Deserialize)]
struct PropertyKey {
    key: String,
}

#[derive(Deserialize)]
struct PluginKind {
    kind: String,
}

#[derive(Deserialize)]
struct PluginName {
    kind: String,
    plugin: String,
}

#[derive(Deserialize)]
struct UploadId {
    upload: String,
}

#[derive(Deserialize)]
struct ScopeQuery {
    scope: Option<String>,
}

async fn list_versions(
    Caller { state, actor }: Caller,
    ArtifactRef { ns, name }: ArtifactRef,
    Query(query): Query<ScopeQuery>,
) -> Answer {
    let scope = scope_of(query.scope.as_deref())?;
    json(service::versions(&state.store, &actor, &ns, &name, scope).await?)
}

/// An archive for `ns`/`name`, however its bytes arrive.
fn archive<'a>(
    state: &'a AppState,
    actor: &'a Actor,
    namespace: &'a str,
    name: &'a str,
    headers: &'a UploadHeaders,
) -> Archive<'a> {
    Archive {
        store: &state.store,
        blobs: &state.blobs,
        actor,
        namespace,
        name,
        headers,
    }
}

/// CDAP's `Artifact-Version`, `Artifact-Extends` and `Artifact-Plugins` headers.
fn upload_headers(headers: &HeaderMap) -> UploadHeaders {
    UploadHeaders {
        version: header_text(headers, "artifact-version"),
        extends: header_text(headers, "artifact-extends"),
        plugins: header_text(headers, "artifact-plugins"),
    }
}

async fn add_artifact(
    Caller { state, actor }: Caller,
    ArtifactRef { ns, name }: ArtifactRef,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let headers = upload_headers(&headers);
    let archive = archive(&state, &actor, &ns, &name, &headers);
    state.blobs.receive(&archive, body_reader(body)).await?;
    done("Artifact added successfully")
}

/// `POST …/artifacts/{name}/uploads` with the `Artifact-*` headers an upload would carry: a
/// signed URL to PUT the archive to (an S3 blob store only), answered as JSON with 201.
async fn begin_upload(
    Caller { state, actor }: Caller,
    ArtifactRef { ns, name }: ArtifactRef,
    headers: HeaderMap,
) -> Answer {
    let headers = upload_headers(&headers);
    let archive = archive(&state, &actor, &ns, &name, &headers);
    let upload = state.blobs.begin_receiving(&archive).await?;
    Ok((StatusCode::CREATED, Json(upload)).into_response())
}

#[derive(serde::Deserialize)]
struct UploadConfirmation {
    size: i64,
    sha256: String,
}

/// `POST …/artifacts/{name}/uploads/{upload}` `{"size", "sha256"}` with the same headers: the
/// archive PUT to the signed URL is added, once its size and SHA-256 are checked.
async fn finish_upload(
    Caller { state, actor }: Caller,
    ArtifactRef { ns, name }: ArtifactRef,
    Path(UploadId { upload }): Path<UploadId>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let confirmation: UploadConfirmation = json_body(&state, body).await?;
    let headers = upload_headers(&headers);
    let archive = archive(&state, &actor, &ns, &name, &headers);
    let confirmed = (confirmation.size, confirmation.sha256.as_str());
    state
        .blobs
        .finish_receiving(&archive, &upload, confirmed)
        .await?;
    done("Artifact added successfully")
}

async fn show_version(Caller { state, actor }: Caller, at: VersionRef) -> Answer {
    json(service::detail(&state.store, &actor, &at.ns, &at.name, &at.version).await?)
}

async fn download(Caller { state, actor }: Caller, at: VersionRef, headers: HeaderMap) -> Answer {
    let artifact = service::detail(&state.store, &actor, &at.ns, &at.name, &at.version).await?;
    Ok(blob_response(
        &state.blobs,
        &artifact.sha256,
        artifact.size as u64,
        "application/java-archive",
        &headers,
    )
    .await?)
}

async fn delete_version(Caller { state, actor }: Caller, at: VersionRef) -> Answer {
    service::delete(&state.store, &actor, &at.ns, &at.name, &at.version).await?;
    done("Artifact deleted successfully")
}

async fn set_plugins(Caller { state, actor }: Caller, at: VersionRef, body: Body) -> Answer {
    let plugins: Vec<PluginClass> = json_body(&state, body).await?;
    service::set_plugins(&state.store, &actor, &at.ns, &at.name, &at.version, plugins).await?;
    done("Plugins updated successfully")
}

async fn get_properties(Caller { state, actor }: Caller, at: VersionRef) -> Answer {
    json(service::properties(&state.store, &actor, &at.ns, &at.name, &at.version).await?)
}

async fn get_property(
    Caller { state, actor }: Caller,
    at: VersionRef,
    Path(PropertyKey { key }): Path<PropertyKey>,
) -> Answer {
    let properties =
        service::properties(&state.store, &actor, &at.ns, &at.name, &at.version).await?;
    match properties.get(&key).and_then(Value::as_str) {
        Some(value) => Ok(text(StatusCode::OK, value)),
        None => Err(DomainError::not_found(format!(
            "Property '{key}' of artifact {}:{} not found.",
            at.name, at.version
        ))
        .into()),
    }
}

async fn change(
    state: &AppState,
    actor: &Actor,
    (ns, name, version): (&str, &str, &str),
    change: PropertiesChange,
) -> Answer {
    service::change_properties(&state.store, actor, ns, name, version, change).await?;
    done("Properties updated successfully")
}

async fn replace_properties(Caller { state, actor }: Caller, at: VersionRef, body: Body) -> Answer {
    let map: Map<String, Value> = json_body(&state, body).await?;
    change(&state, &actor, at.parts(), PropertiesChange::Replace(map)).await
}

async fn clear_properties(Caller { state, actor }: Caller, at: VersionRef) -> Answer {
    change(&state, &actor, at.parts(), PropertiesChange::Clear).await
}

async fn set_property(
    Caller { state, actor }: Caller,
    at: VersionRef,
    Path(PropertyKey { key }): Path<PropertyKey>,
    body: Bytes,
) -> Answer {
    let value = String::from_utf8(body.to_vec())
        .map_err(|_| CdapError::invalid("A property value must be UTF-8 text."))?;
    change(
        &state,
        &actor,
        at.parts(),
        PropertiesChange::Set(key, value),
    )
    .await
}

async fn delete_property(
    Caller { state, actor }: Caller,
    at: VersionRef,
    Path(PropertyKey { key }): Path<PropertyKey>,
) -> Answer {
    change(&state, &actor, at.parts(), PropertiesChange::Remove(key)).await
}

async fn extensions(
    state: &AppState,
    actor: &Actor,
    (ns, name, version): (&str, &str, &str),
) -> Result<Vec<PluginSummary>, CdapError> {
    Ok(service::extensions(&state.store, actor, ns, name, version).await?)
}

async fn plugin_types(Caller { state, actor }: Caller, at: VersionRef) -> Answer {
    let plugins = extensions(&state, &actor, at.parts()).await?;
    json(service::plugin_types(&plugins))
}

/// The listing form leaves the per-property details out, as CDAP does.
fn summaries(plugins: Vec<PluginSummary>) -> Vec<PluginSummary> {
    plugins
        .into_iter()
        .map(|plugin| PluginSummary {
            properties: None,
            ..plugin
        })
        .collect()
}

async fn plugins_of_type(
    Caller { state, actor }: Caller,
    at: VersionRef,
    Path(PluginKind { kind }): Path<PluginKind>,
) -> Answer {
    let plugins = extensions(&state, &actor, at.parts()).await?;
    json(summaries(
        plugins.into_iter().filter(|p| p.kind == kind).collect(),
    ))
}

fn found_plugins(plugins: Vec<PluginSummary>, kind: &str, plugin: &str) -> Answer {
    if plugins.is_empty() {
        return Err(DomainError::not_found(format!(
            "Plugin '{plugin}' of type '{kind}' not found."
        ))
        .into());
    }
    json(plugins)
}

async fn plugin(
    Caller { state, actor }: Caller,
    at: VersionRef,
    Path(PluginName { kind, plugin }): Path<PluginName>,
) -> Answer {
    let plugins = extensions(&state, &actor, at.parts()).await?;
    found_plugins(
        plugins
            .into_iter()
            .filter(|p| p.kind == kind && p.name == plugin)
            .collect(),
        &kind,
        &plugin,
    )
}

async fn namespace_plugin(
    Caller { state, actor }: Caller,
    Path((ns, kind, plugin)): Path<(String, String, String)>,
) -> Answer {
    let plugins = service::namespace_plugins(&state.store, &actor, &ns, &kind, &plugin).await?;
    found_plugins(plugins, &kind, &plugin)
}

/// `PUT …/apps/{app}`: JSON creates the app from an existing artifact; anything else is the
/// legacy deploy of an archive.
async fn put_app(
    Caller { state, actor }: Caller,
    Path((ns, app)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    if super::sends_json(&headers) {
        let request: AppRequest = json_body(&state, body).await?;
        apps::deploy(&state.store, &actor, &ns, &app, request).await?;
    } else {
        legacy_deploy(&state, &actor, &ns, Some(&app), &headers, body).await?;
    }
    done("Deploy Complete")
}

async fn deploy_archive(
    Caller { state, actor }: Caller,
    Path(ns): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    legacy_deploy(&state, &actor, &ns, None, &headers, body).await?;
    done("Deploy Complete")
}

async fn legacy_deploy(
    state: &AppState,
    actor: &Actor,
    ns: &str,
    app: Option<&str>,
    headers: &HeaderMap,
    body: Body,
) -> Result<(), CdapError> {
    let config =
        header_text(headers, "application-config").or_else(|| header_text(headers, "x-app-config"));
    apps::deploy_archive(
        &state.store,
        &state.blobs,
        actor,
        ns,
        app,
        header_text(headers, "x-archive-name").as_deref(),
        config.as_deref(),
        body_reader(body),
    )
    .await?;
    Ok(())
}

async fn update_app(
    Caller { state, actor }: Caller,
    Path((ns, app)): Path<(String, String)>,
    body: Body,
) -> Answer {
    let request: AppRequest = json_body(&state, body).await?;
    apps::update(&state.store, &actor, &ns, &app, request).await?;
    done("Update complete.")
}

#[derive(Deserialize)]
struct AppsQuery {
    #[serde(rename = "artifactName")]
    artifact_name: Option<String>,
    #[serde(rename = "artifactVersion")]
    artifact_version: Option<String>,
}

async fn list_apps(
    Caller { state, actor }: Caller,
    Path(ns): Path<String>,
    Query(query): Query<AppsQuery>,
) -> Answer {
    let names: Vec<String> = query
        .artifact_name
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(String::from)
        .collect();
    let version = query.artifact_version.filter(|v| !v.is_empty());
    json(apps::list(&state.store, &actor, &ns, &names, version.as_deref()).await?)
}

async fn show_app(
    Caller { state, actor }: Caller,
    Path((ns, app)): Path<(String, String)>,
) -> Answer {
    json(apps::detail(&state.store, &actor, &ns, &app).await?)
}

async fn delete_app(
    Caller { state, actor }: Caller,
    Path((ns, app)): Path<(String, String)>,
) -> Answer {
    apps::delete(&state.store, &actor, &ns, &app).await?;
    done("Application deleted successfully")
}
