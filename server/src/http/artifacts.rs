//! The Artifacts surface, CDAP-compatible: `/v3/namespaces/{ns}/…` (API.md §4), including the
//! paths CDAP actually shipped (`/extensions`, `POST /apps/{app}/update`, `scope=`) as aliases of
//! the design document's. Successes and refusals are plain text as in CDAP (refusals are
//! [`CdapError`]s); listings and details are JSON.

use std::collections::BTreeMap;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Path, Query};
use axum::response::{IntoResponse, Response};
use axum::Json;
use depot_domain::artifacts::apps::{self, AppRequest};
use depot_domain::artifacts::service::{self, Archive, PropertiesChange, UploadHeaders};
use depot_domain::artifacts::{
    AppDetail, AppSummary, ArtifactDetail, ArtifactSummary, PluginClass, PluginSummary, Scope,
};
use depot_domain::blobs::direct::DirectUpload;
use depot_domain::{Actor, DomainError};
use futures_util::TryStreamExt;
use http::request::Parts;
use http::{header, HeaderMap, StatusCode};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio_util::io::StreamReader;

use super::download::blob_response;
use super::error::CdapError;
use super::extract::{path_params, Caller};
use super::routes::{doc, get, post, put, Doc, Routes};
use super::AppState;

const NS: &str = "/v3/namespaces/{ns}";
const VERSION: &str = "/v3/namespaces/{ns}/artifacts/{name}/versions/{version}";
const TAG: &str = "Artifacts (CDAP)";

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

/// The extension listings answer under CDAP's `…/extensions` and the design document's
/// `…/plugintypes` alike: one doc for both paths of each.
fn plugin_types_doc() -> Doc {
    doc(
        "The plugin types this version sees, its own and its extensions' (…/extensions and \
         …/plugintypes are the same)",
    )
    .answers::<Vec<String>>()
}

fn plugins_of_type_doc() -> Doc {
    doc(
        "The plugins of one type this version sees, without their properties (…/extensions/… \
         and …/plugintypes/… are the same)",
    )
    .answers::<Vec<PluginSummary>>()
}

fn plugin_doc() -> Doc {
    doc(
        "The plugins of that type and name this version sees, one per artifact offering it, with \
         their properties (…/extensions/… and …/plugintypes/… are the same)",
    )
    .answers::<Vec<PluginSummary>>()
}

fn list_artifacts_doc() -> Doc {
    doc("Every artifact version visible here: the namespace's and the system ones")
        .query::<ListQuery>()
        .answers::<Vec<ArtifactSummary>>()
}

/// `PUT …/apps/{app}/properties` (the design document's) and `POST …/apps/{app}/update`
/// (CDAP's) do the same.
fn update_app_doc() -> Doc {
    doc(
        "Upgrade or roll back an app: {artifact: {version}, config?} (PUT …/properties and \
         POST …/update are the same)",
    )
    .takes::<AppRequest>()
    .answers_text()
}

/// Everything but the routes that take archives, which [`upload_routes`] carries.
pub fn routes() -> Routes {
    Routes::new(TAG)
        .route(
            "/v3/namespaces",
            get(
                list_namespaces,
                doc("The namespaces").answers::<Vec<NamespaceName>>(),
            ),
        )
        .route(
            NS,
            put(
                create_namespace,
                doc("Create a namespace (admin); one that exists already is no error")
                    .answers_text(),
            ),
        )
        .route(
            &format!("{NS}/artifacts"),
            get(list_artifacts, list_artifacts_doc()),
        )
        // The system namespace's own path, so that only it takes the reload.
        .route(
            "/v3/namespaces/system/artifacts",
            get(list_system_artifacts, list_artifacts_doc()).post(
                load_system_artifacts,
                doc("Reload the --system-artifacts folder (admin)").answers_text(),
            ),
        )
        .route(
            &format!("{NS}/artifacts/{{name}}/uploads"),
            post(
                begin_upload,
                doc(
                    "A signed S3 URL to PUT an archive to, given the Artifact-* headers an upload \
                     would carry (S3 blob store only)",
                )
                .created::<DirectUpload>(),
            ),
        )
        .route(
            &format!("{NS}/artifacts/{{name}}/uploads/{{upload}}"),
            post(
                finish_upload,
                doc(
                    "Confirm a signed upload {size, sha256}, with the same Artifact-* headers: \
                     checked, then added",
                )
                .takes::<UploadConfirmation>()
                .answers_text(),
            ),
        )
        .route(
            VERSION,
            get(
                show_version,
                doc("One version: size, sha256, created, classes (apps, plugins), properties")
                    .answers::<ArtifactDetail>(),
            )
            .delete(
                delete_version,
                doc("Delete a version (409 while an app runs it; a missing one is no error)")
                    .answers_text(),
            ),
        )
        .route(
            &format!("{VERSION}/download"),
            get(
                download,
                doc("The archive's bytes; ETag = sha256; Range")
                    .answers_bytes("application/java-archive"),
            ),
        )
        .route(
            &format!("{VERSION}/plugins"),
            put(
                set_plugins,
                doc("Replace the version's plugin list (a JSON array)")
                    .takes::<Vec<PluginClass>>()
                    .answers_text(),
            ),
        )
        .route(
            &format!("{VERSION}/properties"),
            get(
                get_properties,
                doc("The version's properties").answers::<Map<String, Value>>(),
            )
            .put(
                replace_properties,
                // The handler reads any JSON object and refuses a value that is not a string.
                doc("Replace the properties (a JSON object of strings)")
                    .takes::<BTreeMap<String, String>>()
                    .answers_text(),
            )
            .delete(
                clear_properties,
                doc("Remove every property").answers_text(),
            ),
        )
        .route(
            &format!("{VERSION}/properties/{{key}}"),
            get(
                get_property,
                doc("One property's value, as plain text").answers_text(),
            )
            .put(
                set_property,
                doc("Set one property (the body is the value, UTF-8 text)")
                    .takes_bytes("text/plain")
                    .answers_text(),
            )
            .delete(delete_property, doc("Remove one property").answers_text()),
        )
        .route(
            &format!("{VERSION}/extensions"),
            get(plugin_types, plugin_types_doc()),
        )
        .route(
            &format!("{VERSION}/plugintypes"),
            get(plugin_types, plugin_types_doc()),
        )
        .route(
            &format!("{VERSION}/extensions/{{kind}}"),
            get(plugins_of_type, plugins_of_type_doc()),
        )
        .route(
            &format!("{VERSION}/plugintypes/{{kind}}"),
            get(plugins_of_type, plugins_of_type_doc()),
        )
        .route(
            &format!("{VERSION}/extensions/{{kind}}/plugins/{{plugin}}"),
            get(plugin, plugin_doc()),
        )
        .route(
            &format!("{VERSION}/plugintypes/{{kind}}/plugins/{{plugin}}"),
            get(plugin, plugin_doc()),
        )
        .route(
            &format!("{NS}/plugintypes/{{kind}}/plugins/{{plugin}}"),
            get(
                namespace_plugin,
                doc(
                    "The plugins of that type and name that any artifact of the namespace or \
                     system offers, with their properties",
                )
                .answers::<Vec<PluginSummary>>(),
            ),
        )
        .route(
            &format!("{NS}/apps/{{app}}/properties"),
            put(update_app, update_app_doc()),
        )
        .route(
            &format!("{NS}/apps/{{app}}/update"),
            post(update_app, update_app_doc()),
        )
}

/// Routes whose body may be an archive: streamed to the blob store, outside the request body
/// limit and timeout (the upload limit applies instead).
pub fn upload_routes() -> Routes {
    Routes::new(TAG)
        .route(
            &format!("{NS}/artifacts/{{name}}"),
            get(
                list_versions,
                doc("An artifact's versions, ascending (CDAP order)")
                    .query::<ScopeQuery>()
                    .answers::<Vec<ArtifactSummary>>(),
            )
            .post(
                add_artifact,
                doc(
                    "Add a version: the body is the archive (streamed); headers \
                     Artifact-Version, Artifact-Extends, Artifact-Plugins",
                )
                .takes_bytes("application/octet-stream")
                .answers_text(),
            ),
        )
        .route(
            &format!("{NS}/apps"),
            get(
                list_apps,
                doc("The namespace's apps, optionally only those on some artifacts")
                    .query::<AppsQuery>()
                    .answers::<Vec<AppSummary>>(),
            )
            .post(
                deploy_archive,
                doc(
                    "Deploy an app from an archive, the legacy way (X-Archive-Name: \
                     name-version.jar; Application-Config)",
                )
                .takes_bytes("application/octet-stream")
                .answers_text(),
            ),
        )
        .route(
            &format!("{NS}/apps/{{app}}"),
            // One body type per operation in the document: the JSON form, which is the one
            // CDAP documents; the archive form is in the summary.
            put(
                put_app,
                doc(
                    "Create an app from {artifact, config} (JSON); with any other Content-Type \
                     the body is an archive, deployed the legacy way",
                )
                .takes::<AppRequest>()
                .answers_text(),
            )
            .get(
                show_app,
                doc("An app, with the history of the artifact versions it ran")
                    .answers::<AppDetail>(),
            )
            .delete(delete_app, doc("Delete an app").answers_text()),
        )
}

/// A namespace in CDAP's listing: its name alone.
#[derive(Serialize, JsonSchema)]
struct NamespaceName {
    name: String,
}

async fn list_namespaces(Caller { state, actor }: Caller) -> Answer {
    let names = service::namespaces(&state.store, &actor).await?;
    json(
        names
            .into_iter()
            .map(|name| NamespaceName { name })
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

// The query parameters are read as text and checked by hand (any case, empty = absent), so
// their schemas say `string` with the values meant, rather than `string | null`.
#[derive(Deserialize, JsonSchema)]
struct ListQuery {
    /// Whether the system namespace's artifacts are listed too (true when absent; any case).
    #[serde(rename = "includeSystem")]
    #[schemars(extend("type" = "string", "enum" = ["true", "false"]))]
    include_system: Option<String>,
    /// Only the artifacts of this scope (any case).
    #[schemars(extend("type" = "string", "enum" = ["user", "system"]))]
    scope: Option<String>,
}

async fn list_artifacts(
    caller: Caller,
    Path(ns): Path<String>,
    Query(query): Query<ListQuery>,
) -> Answer {
    list_in(caller, &ns, query).await
}

/// `GET /v3/namespaces/system/artifacts`: the route of its own that takes the reload too.
async fn list_system_artifacts(caller: Caller, Query(query): Query<ListQuery>) -> Answer {
    list_in(caller, depot_domain::artifacts::SYSTEM, query).await
}

async fn list_in(Caller { state, actor }: Caller, ns: &str, query: ListQuery) -> Answer {
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
    json(service::list(&state.store, &actor, ns, include_system, scope).await?)
}

/// `POST /v3/namespaces/system/artifacts`: rescan the system artifacts folder.
async fn load_system_artifacts(Caller { state, actor }: Caller) -> Answer {
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

#[derive(Deserialize, JsonSchema)]
struct ScopeQuery {
    /// Only the versions of this scope (any case).
    #[schemars(extend("type" = "string", "enum" = ["user", "system"]))]
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

#[derive(Deserialize, JsonSchema)]
struct UploadConfirmation {
    /// The archive's size in bytes.
    size: i64,
    /// The archive's SHA-256, in hex.
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

#[derive(Deserialize, JsonSchema)]
struct AppsQuery {
    /// Only the apps of these artifacts: names separated by commas.
    #[serde(rename = "artifactName")]
    #[schemars(extend("type" = "string"))]
    artifact_name: Option<String>,
    /// Only the apps on this artifact version.
    #[serde(rename = "artifactVersion")]
    #[schemars(extend("type" = "string"))]
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
