//! The Artifacts surface, CDAP-compatible: `/v3/namespaces/{ns}/…` (API.md §4), including the
//! paths CDAP actually shipped (`/extensions`, `POST /apps/{app}/update`, `scope=`) as aliases of
//! the design document's. Successes and refusals are plain text as in CDAP, rendered in
//! [`refuse`] only; listings and details are JSON.

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Extension, Json, Router};
use depot_domain::artifacts::apps::{self, AppRequest};
use depot_domain::artifacts::service::{self, PropertiesChange, UploadHeaders};
use depot_domain::artifacts::{PluginClass, PluginSummary, Scope};
use depot_domain::{Actor, DomainError};
use futures_util::TryStreamExt;
use http::{header, HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Map, Value};
use tokio_util::io::StreamReader;

use super::download::blob_response;
use super::error::refusal_status;
use super::AppState;

const NS: &str = "/v3/namespaces/{ns}";
const VERSION: &str = "/v3/namespaces/{ns}/artifacts/{name}/versions/{version}";

type Answer = Result<Response, Response>;

fn refuse(error: DomainError) -> Response {
    match refusal_status(&error) {
        Some(status) => text(status, &error.to_string()),
        None => {
            tracing::error!(error = %error, "artifacts request failed");
            text(StatusCode::INTERNAL_SERVER_ERROR, "internal server error")
        }
    }
}

fn text(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message.to_string(),
    )
        .into_response()
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
) -> Result<T, Response> {
    let bytes = axum::body::to_bytes(body, state.config.body_limit)
        .await
        .map_err(|_| {
            text(
                StatusCode::PAYLOAD_TOO_LARGE,
                "The request body is too large.",
            )
        })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        refuse(DomainError::invalid(format!(
            "Invalid JSON in the request body: {e}"
        )))
    })
}

fn scope_of(text: Option<&str>) -> Result<Option<Scope>, Response> {
    match text.map(str::to_ascii_lowercase).as_deref() {
        None | Some("") => Ok(None),
        Some("user") => Ok(Some(Scope::User)),
        Some("system") => Ok(Some(Scope::System)),
        Some(other) => Err(refuse(DomainError::invalid(format!(
            "Invalid scope '{other}': use user or system."
        )))),
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

async fn list_namespaces(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> Answer {
    let names = service::namespaces(&state.store, &actor)
        .await
        .map_err(refuse)?;
    json(
        names
            .into_iter()
            .map(|name| serde_json::json!({"name": name}))
            .collect::<Vec<_>>(),
    )
}

async fn create_namespace(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(ns): Path<String>,
) -> Answer {
    let created = service::create_namespace(&state.store, &actor, &ns)
        .await
        .map_err(refuse)?;
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
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
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
            return Err(refuse(DomainError::invalid(format!(
                "Invalid includeSystem '{other}': use true or false."
            ))))
        }
    };
    let scope = scope_of(query.scope.as_deref())?;
    json(
        service::list(&state.store, &actor, &ns, include_system, scope)
            .await
            .map_err(refuse)?,
    )
}

/// `POST /v3/namespaces/system/artifacts`: rescan the system artifacts folder.
async fn load_system_artifacts(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(ns): Path<String>,
) -> Answer {
    if ns != depot_domain::artifacts::SYSTEM {
        return Err(text(
            StatusCode::METHOD_NOT_ALLOWED,
            "Only the system namespace's artifacts are reloaded this way; add an artifact with POST …/artifacts/{name}.",
        ));
    }
    let folder = state.config.system_artifacts.as_deref();
    let changed = service::load_system_folder(&state.store, &state.blobs, &actor, folder)
        .await
        .map_err(refuse)?;
    Ok(text(
        StatusCode::OK,
        &format!("System artifacts reloaded: {changed} added or replaced."),
    ))
}

#[derive(Deserialize)]
struct ScopeQuery {
    scope: Option<String>,
}

async fn list_versions(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((ns, name)): Path<(String, String)>,
    Query(query): Query<ScopeQuery>,
) -> Answer {
    let scope = scope_of(query.scope.as_deref())?;
    json(
        service::versions(&state.store, &actor, &ns, &name, scope)
            .await
            .map_err(refuse)?,
    )
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
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((ns, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let upload = upload_headers(&headers);
    service::add(
        &state.store,
        &state.blobs,
        &actor,
        &ns,
        &name,
        &upload,
        body_reader(body),
    )
    .await
    .map_err(refuse)?;
    Ok(text(StatusCode::OK, "Artifact added successfully"))
}

/// `POST …/artifacts/{name}/uploads` with the `Artifact-*` headers an upload would carry: a
/// signed URL to PUT the archive to (an S3 blob store only), answered as JSON with 201.
async fn begin_upload(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((ns, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let upload = service::begin_upload(
        &state.store,
        &state.blobs,
        &actor,
        &ns,
        &name,
        &upload_headers(&headers),
    )
    .await
    .map_err(refuse)?;
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
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((ns, name, upload)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let confirmation: UploadConfirmation = json_body(&state, body).await?;
    service::finish_upload(
        &state.store,
        &state.blobs,
        &actor,
        &ns,
        &name,
        &upload_headers(&headers),
        &upload,
        (confirmation.size, &confirmation.sha256),
    )
    .await
    .map_err(refuse)?;
    Ok(text(StatusCode::OK, "Artifact added successfully"))
}

async fn show_version(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((ns, name, version)): Path<(String, String, String)>,
) -> Answer {
    json(
        service::detail(&state.store, &actor, &ns, &name, &version)
            .await
            .map_err(refuse)?,
    )
}

async fn download(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((ns, name, version)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Answer {
    let artifact = service::detail(&state.store, &actor, &ns, &name, &version)
        .await
        .map_err(refuse)?;
    Ok(blob_response(
        &state.blobs,
        &artifact.sha256,
        artifact.size as u64,
        "application/java-archive",
        &headers,
        |fault| refuse(DomainError::Internal(fault)),
    )
    .await)
}

async fn delete_version(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((ns, name, version)): Path<(String, String, String)>,
) -> Answer {
    service::delete(&state.store, &actor, &ns, &name, &version)
        .await
        .map_err(refuse)?;
    Ok(text(StatusCode::OK, "Artifact deleted successfully"))
}

async fn set_plugins(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((ns, name, version)): Path<(String, String, String)>,
    body: Body,
) -> Answer {
    let plugins: Vec<PluginClass> = json_body(&state, body).await?;
    service::set_plugins(&state.store, &actor, &ns, &name, &version, plugins)
        .await
        .map_err(refuse)?;
    Ok(text(StatusCode::OK, "Plugins updated successfully"))
}

async fn get_properties(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((ns, name, version)): Path<(String, String, String)>,
) -> Answer {
    json(
        service::properties(&state.store, &actor, &ns, &name, &version)
            .await
            .map_err(refuse)?,
    )
}

async fn get_property(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((ns, name, version, key)): Path<(String, String, String, String)>,
) -> Answer {
    let properties = service::properties(&state.store, &actor, &ns, &name, &version)
        .await
        .map_err(refuse)?;
    match properties.get(&key).and_then(Value::as_str) {
        Some(value) => Ok(text(StatusCode::OK, value)),
        None => Err(refuse(DomainError::not_found(format!(
            "Property '{key}' of artifact {name}:{version} not found."
        )))),
    }
}

async fn change(
    state: &AppState,
    actor: &Actor,
    (ns, name, version): (&str, &str, &str),
    change: PropertiesChange,
) -> Answer {
    service::change_properties(&state.store, actor, ns, name, version, change)
        .await
        .map_err(refuse)?;
    Ok(text(StatusCode::OK, "Properties updated successfully"))
}

async fn replace_properties(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((ns, name, version)): Path<(String, String, String)>,
    body: Body,
) -> Answer {
    let map: Map<String, Value> = json_body(&state, body).await?;
    change(
        &state,
        &actor,
        (&ns, &name, &version),
        PropertiesChange::Replace(map),
    )
    .await
}

async fn clear_properties(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((ns, name, version)): Path<(String, String, String)>,
) -> Answer {
    change(
        &state,
        &actor,
        (&ns, &name, &version),
        PropertiesChange::Clear,
    )
    .await
}

async fn set_property(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((ns, name, version, key)): Path<(String, String, String, String)>,
    body: Bytes,
) -> Answer {
    let value = String::from_utf8(body.to_vec())
        .map_err(|_| refuse(DomainError::invalid("A property value must be UTF-8 text.")))?;
    change(
        &state,
        &actor,
        (&ns, &name, &version),
        PropertiesChange::Set(key, value),
    )
    .await
}

async fn delete_property(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((ns, name, version, key)): Path<(String, String, String, String)>,
) -> Answer {
    change(
        &state,
        &actor,
        (&ns, &name, &version),
        PropertiesChange::Remove(key),
    )
    .await
}

async fn extensions(
    state: &AppState,
    actor: &Actor,
    (ns, name, version): (&str, &str, &str),
) -> Result<Vec<PluginSummary>, Response> {
    service::extensions(&state.store, actor, ns, name, version)
        .await
        .map_err(refuse)
}

async fn plugin_types(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((ns, name, version)): Path<(String, String, String)>,
) -> Answer {
    let plugins = extensions(&state, &actor, (&ns, &name, &version)).await?;
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
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((ns, name, version, kind)): Path<(String, String, String, String)>,
) -> Answer {
    let plugins = extensions(&state, &actor, (&ns, &name, &version)).await?;
    json(summaries(
        plugins.into_iter().filter(|p| p.kind == kind).collect(),
    ))
}

fn found_plugins(plugins: Vec<PluginSummary>, kind: &str, plugin: &str) -> Answer {
    if plugins.is_empty() {
        return Err(refuse(DomainError::not_found(format!(
            "Plugin '{plugin}' of type '{kind}' not found."
        ))));
    }
    json(plugins)
}

async fn plugin(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((ns, name, version, kind, plugin)): Path<(String, String, String, String, String)>,
) -> Answer {
    let plugins = extensions(&state, &actor, (&ns, &name, &version)).await?;
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
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((ns, kind, plugin)): Path<(String, String, String)>,
) -> Answer {
    let plugins = service::namespace_plugins(&state.store, &actor, &ns, &kind, &plugin)
        .await
        .map_err(refuse)?;
    found_plugins(plugins, &kind, &plugin)
}

/// `PUT …/apps/{app}`: JSON creates the app from an existing artifact; anything else is the
/// legacy deploy of an archive.
async fn put_app(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((ns, app)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    if super::sends_json(&headers) {
        let request: AppRequest = json_body(&state, body).await?;
        apps::deploy(&state.store, &actor, &ns, &app, request)
            .await
            .map_err(refuse)?;
    } else {
        legacy_deploy(&state, &actor, &ns, Some(&app), &headers, body).await?;
    }
    Ok(text(StatusCode::OK, "Deploy Complete"))
}

async fn deploy_archive(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(ns): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    legacy_deploy(&state, &actor, &ns, None, &headers, body).await?;
    Ok(text(StatusCode::OK, "Deploy Complete"))
}

async fn legacy_deploy(
    state: &AppState,
    actor: &Actor,
    ns: &str,
    app: Option<&str>,
    headers: &HeaderMap,
    body: Body,
) -> Result<(), Response> {
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
    .await
    .map_err(refuse)
}

async fn update_app(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((ns, app)): Path<(String, String)>,
    body: Body,
) -> Answer {
    let request: AppRequest = json_body(&state, body).await?;
    apps::update(&state.store, &actor, &ns, &app, request)
        .await
        .map_err(refuse)?;
    Ok(text(StatusCode::OK, "Update complete."))
}

#[derive(Deserialize)]
struct AppsQuery {
    #[serde(rename = "artifactName")]
    artifact_name: Option<String>,
    #[serde(rename = "artifactVersion")]
    artifact_version: Option<String>,
}

async fn list_apps(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
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
    json(
        apps::list(&state.store, &actor, &ns, &names, version.as_deref())
            .await
            .map_err(refuse)?,
    )
}

async fn show_app(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((ns, app)): Path<(String, String)>,
) -> Answer {
    json(
        apps::detail(&state.store, &actor, &ns, &app)
            .await
            .map_err(refuse)?,
    )
}

async fn delete_app(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((ns, app)): Path<(String, String)>,
) -> Answer {
    apps::delete(&state.store, &actor, &ns, &app)
        .await
        .map_err(refuse)?;
    Ok(text(StatusCode::OK, "Application deleted successfully"))
}
