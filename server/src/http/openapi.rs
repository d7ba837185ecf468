//! `/openapi.json`: an OpenAPI 3.1 document built at run time from the routes that exist — the
//! server functions as registered, plus Depot's own operational routes.

use axum::Json;
use serde_json::{json, Map, Value};

use super::error::RefusalFormat;

/// Depot's plain routes: method, path, summary, and the content type of a success.
const SERVER_ROUTES: &[(&str, &str, &str, &str)] = &[
    ("GET", "/healthz", "The process is up", "text/plain"),
    ("GET", "/readyz", "The store is reachable (503 when not)", "text/plain"),
    ("GET", "/metrics", "Prometheus metrics: requests by route and status, latency, store pool", "text/plain"),
    ("GET", "/openapi.json", "This document", "application/json"),
    ("POST", "/auth/login", "Sign in with {username, password} (form or JSON); sets the session cookie", "application/json"),
    ("POST", "/auth/logout", "End the session and clear its cookie", "text/plain"),
    ("GET", "/db/{db}/", "Tables: every table of a database and the shape of its row URLs (sandman2)", "application/json"),
    ("GET", "/db/{db}/{table}/", "Tables: rows, with filters (Col=, Col__gt= …), sort=, page=/limit=, after=, export; X-Total-Count and Link headers; NDJSON with Accept: application/x-ndjson", "application/json"),
    ("POST", "/db/{db}/{table}/", "Tables: create a row from a JSON object (201, or 204 when an identical row exists)", "application/json"),
    ("GET", "/db/{db}/{table}/meta", "Tables: each column's declared type, ' (required)' when NOT NULL", "application/json"),
    ("GET", "/db/{db}/{table}/{key}", "Tables: one row (key parts separated by commas); ETag, If-None-Match", "application/json"),
    ("PUT", "/db/{db}/{table}/{key}", "Tables: update the given fields, or create the row with this key; If-Match", "application/json"),
    ("PATCH", "/db/{db}/{table}/{key}", "Tables: update the given fields; If-Match", "application/json"),
    ("DELETE", "/db/{db}/{table}/{key}", "Tables: delete the row (204); If-Match", "application/json"),
    ("POST", "/rpc", "Versioning: Dotmesh JSON-RPC 2.0 (DotmeshRPC.Ping, Create, Lookup, Commit, Commits, Branch, Diff, Rollback …); HTTP Basic user:key or user:password", "application/json"),
    ("GET", "/dots/{ns}", "Versioning: the dots of a namespace", "application/json"),
    ("POST", "/dots/{ns}", "Versioning: create a dot {name} (201)", "application/json"),
    ("GET", "/dots/{ns}/{dot}", "Versioning: a dot with SizeBytes, DirtyBytes, CommitCount", "application/json"),
    ("DELETE", "/dots/{ns}/{dot}", "Versioning: delete a dot (owner or admin; 204)", "application/json"),
    ("GET", "/dots/{ns}/{dot}/branches", "Versioning: branches with head, origin and figures", "application/json"),
    ("POST", "/dots/{ns}/{dot}/branches", "Versioning: start a branch {name, from?, commit?} (201)", "application/json"),
    ("DELETE", "/dots/{ns}/{dot}/branches/{branch}", "Versioning: delete a branch other than master (204)", "application/json"),
    ("GET", "/dots/{ns}/{dot}/branches/{branch}/files/", "Versioning: the working tree's files with sizes, SHA-256 and dirty flags", "application/json"),
    ("PUT", "/dots/{ns}/{dot}/branches/{branch}/files/{path}", "Versioning: write a file into the working tree (raw bytes, streamed; no body limit; 201)", "application/json"),
    ("GET", "/dots/{ns}/{dot}/branches/{branch}/files/{path}", "Versioning: a working-tree file's bytes, streamed; ETag = SHA-256", "application/octet-stream"),
    ("DELETE", "/dots/{ns}/{dot}/branches/{branch}/files/{path}", "Versioning: remove a file from the working tree (204)", "application/json"),
    ("POST", "/dots/{ns}/{dot}/branches/{branch}/uploads", "Versioning: a signed S3 URL to PUT a file's bytes to {path} (201 {upload, method, url, expires_in_seconds}; S3 blob store only)", "application/json"),
    ("POST", "/dots/{ns}/{dot}/branches/{branch}/uploads/{upload}", "Versioning: confirm a signed upload {path, size, sha256}: checked, then written as a file (201)", "application/json"),
    ("POST", "/dots/{ns}/{dot}/branches/{branch}/commits", "Versioning: commit the working tree {message, metadata?} (201 {id})", "application/json"),
    ("GET", "/dots/{ns}/{dot}/branches/{branch}/commits", "Versioning: the branch's own commits, oldest first", "application/json"),
    ("POST", "/dots/{ns}/{dot}/branches/{branch}/rollback", "Versioning: move the branch back to {commit}, dropping later commits", "application/json"),
    ("GET", "/dots/{ns}/{dot}/commits", "Versioning: every commit with branch and parent (the commit graph)", "application/json"),
    ("GET", "/dots/{ns}/{dot}/commits/{commit}/files/", "Versioning: the files of a commit", "application/json"),
    ("GET", "/dots/{ns}/{dot}/commits/{commit}/files/{path}", "Versioning: a file as it was at a commit, streamed", "application/octet-stream"),
    ("GET", "/dots/{ns}/{dot}/diff", "Versioning: files changed ?from=&to= (commit ids; empty: &branch='s head / working tree)", "application/json"),
    ("GET", "/v3/namespaces", "Artifacts: the namespaces", "application/json"),
    ("PUT", "/v3/namespaces/{ns}", "Artifacts: create a namespace (admin)", "text/plain"),
    ("GET", "/v3/namespaces/{ns}/artifacts", "Artifacts: every version visible here; includeSystem=true|false, scope=user|system", "application/json"),
    ("POST", "/v3/namespaces/system/artifacts", "Artifacts: reload the --system-artifacts folder (admin)", "text/plain"),
    ("GET", "/v3/namespaces/{ns}/artifacts/{name}", "Artifacts: an artifact's versions, ascending (CDAP order); scope=", "application/json"),
    ("POST", "/v3/namespaces/{ns}/artifacts/{name}", "Artifacts: add a version; body = the archive (streamed); Artifact-Version, Artifact-Extends, Artifact-Plugins", "text/plain"),
    ("GET", "/v3/namespaces/{ns}/artifacts/{name}/versions/{version}", "Artifacts: one version: size, sha256, created, classes (apps, plugins), properties", "application/json"),
    ("DELETE", "/v3/namespaces/{ns}/artifacts/{name}/versions/{version}", "Artifacts: delete a version (409 while an app runs it)", "text/plain"),
    ("GET", "/v3/namespaces/{ns}/artifacts/{name}/versions/{version}/download", "Artifacts: the archive's bytes; ETag = sha256; Range", "application/java-archive"),
    ("PUT", "/v3/namespaces/{ns}/artifacts/{name}/versions/{version}/plugins", "Artifacts: replace the version's plugin list (JSON array)", "text/plain"),
    ("GET", "/v3/namespaces/{ns}/artifacts/{name}/versions/{version}/properties", "Artifacts: the version's properties", "application/json"),
    ("PUT", "/v3/namespaces/{ns}/artifacts/{name}/versions/{version}/properties", "Artifacts: replace the properties (JSON object of strings)", "text/plain"),
    ("DELETE", "/v3/namespaces/{ns}/artifacts/{name}/versions/{version}/properties", "Artifacts: remove every property", "text/plain"),
    ("GET", "/v3/namespaces/{ns}/artifacts/{name}/versions/{version}/properties/{key}", "Artifacts: one property's value", "text/plain"),
    ("PUT", "/v3/namespaces/{ns}/artifacts/{name}/versions/{version}/properties/{key}", "Artifacts: set one property (body = the value)", "text/plain"),
    ("DELETE", "/v3/namespaces/{ns}/artifacts/{name}/versions/{version}/properties/{key}", "Artifacts: remove one property", "text/plain"),
    ("GET", "/v3/namespaces/{ns}/artifacts/{name}/versions/{version}/extensions", "Artifacts: plugin types this version sees (its own and its extensions'); also /plugintypes", "application/json"),
    ("GET", "/v3/namespaces/{ns}/artifacts/{name}/versions/{version}/extensions/{kind}", "Artifacts: plugins of one type this version sees; also /plugintypes/{kind}", "application/json"),
    ("GET", "/v3/namespaces/{ns}/artifacts/{name}/versions/{version}/extensions/{kind}/plugins/{plugin}", "Artifacts: one plugin with its properties; also /plugintypes/…", "application/json"),
    ("GET", "/v3/namespaces/{ns}/plugintypes/{kind}/plugins/{plugin}", "Artifacts: a plugin offered by any artifact of the namespace or system", "application/json"),
    ("POST", "/v3/namespaces/{ns}/artifacts/{name}/uploads", "Artifacts: a signed S3 URL to PUT an archive to, with the Artifact-* headers of an upload (201 {upload, method, url, expires_in_seconds}; S3 blob store only)", "application/json"),
    ("POST", "/v3/namespaces/{ns}/artifacts/{name}/uploads/{upload}", "Artifacts: confirm a signed upload {size, sha256} with the same headers: checked, then added", "text/plain"),
    ("GET", "/v3/namespaces/{ns}/apps", "Apps: list; artifactName=a,b&artifactVersion=v", "application/json"),
    ("POST", "/v3/namespaces/{ns}/apps", "Apps: legacy deploy of an archive (X-Archive-Name: name-version.jar; Application-Config)", "text/plain"),
    ("PUT", "/v3/namespaces/{ns}/apps/{app}", "Apps: create from {artifact, config} (JSON), or legacy deploy of an archive", "text/plain"),
    ("GET", "/v3/namespaces/{ns}/apps/{app}", "Apps: detail with the history of artifact versions it ran", "application/json"),
    ("DELETE", "/v3/namespaces/{ns}/apps/{app}", "Apps: delete", "text/plain"),
    ("PUT", "/v3/namespaces/{ns}/apps/{app}/properties", "Apps: upgrade or roll back {artifact: {version}, config?}; also POST …/update", "text/plain"),
    ("POST", "/source/upload", "Specs: upload a spec (JSON) with Auth-Token: <RS256 token> or ?jwt=, or a Depot key of the owner; always 200 {success, dataset_id, flow_id, errors}", "application/json"),
    ("POST", "/source/update", "Specs: a pipeline event {pipeline_id, event: queue|start|progress|finish, success, errors, log, stats, flow_id?} (writer)", "application/json"),
    ("GET", "/source/schema", "Specs: the JSON Schema an uploaded spec must satisfy", "application/schema+json"),
    ("GET", "/source/{owner}", "Specs: the owner's datasets with their latest state", "application/json"),
    ("GET", "/source/{owner}/{dataset}", "Specs: a dataset with its current spec and revisions, newest first", "application/json"),
    ("GET", "/source/{owner}/{dataset}/{revision}", "Specs: a revision (N, latest or successful) with state, logs, stats and pipelines (specstore's shape)", "application/json"),
    ("POST", "/api/db/{db}/reload", "Tables: introspect a database again (admin)", "application/json"),
    ("GET", "/inventory/", "Inventory: the API's documentation (HTML unless Accept is exactly text/plain); HEAD: the version", "text/html"),
    ("GET", "/inventory/__doc__", "Inventory: the API's documentation (HTML unless Accept is exactly text/plain)", "text/html"),
    ("GET", "/inventory/__version__", "Inventory: the clusto-apiserver version answered for", "application/json"),
    ("GET", "/inventory/__meta__", "Inventory: the applications and what they do", "application/json"),
    ("GET", "/inventory/driverlist", "Inventory: every driver and its class", "application/json"),
    ("GET", "/inventory/typelist", "Inventory: every type and its driver", "application/json"),
    ("GET", "/inventory/by-name/{name}", "Inventory: one entity, expanded; driver= checks its driver", "application/json"),
    ("GET", "/inventory/by-names", "Inventory: entities by name=…, in request order, null for unknown (206 some, 404 none)", "application/json"),
    ("GET", "/inventory/by-attr", "Inventory: entities having an attribute key= (subkey=, value=)", "application/json"),
    ("GET", "/inventory/from-pools", "Inventory: entities in every pool= given (type=, driver=, children=)", "application/json"),
    ("GET", "/inventory/entity/", "Inventory: every entity, by name; Clusto-Page, Clusto-Per-Page", "application/json"),
    ("GET", "/inventory/entity/{driver}", "Inventory: the entities of a driver, by name", "application/json"),
    ("POST", "/inventory/entity/{driver}", "Inventory: create entities name=… (201; 202 with Warnings when some exist)", "application/json"),
    ("GET", "/inventory/entity/{driver}/{name}", "Inventory: one entity, expanded", "application/json"),
    ("POST", "/inventory/entity/{driver}/{name}", "Inventory: insert or remove device=… (action=insert|remove) in a container", "application/json"),
    ("DELETE", "/inventory/entity/{driver}/{name}", "Inventory: delete an entity with its attributes and memberships (204)", "application/json"),
    ("GET", "/inventory/attribute/{name}", "Inventory: an entity's attributes; also /{key}[/{subkey}[/{number}]]", "application/json"),
    ("POST", "/inventory/attribute/{name}", "Inventory: add attributes key=, value= (subkey=, number=, datatype=, mask=) or a JSON body (201)", "application/json"),
    ("PUT", "/inventory/attribute/{name}/{key}", "Inventory: set an attribute value= (replacing those of this key; also …/{subkey}[/{number}])", "application/json"),
    ("DELETE", "/inventory/attribute/{name}/{key}", "Inventory: delete the attributes of this key (also …/{subkey}[/{number}])", "application/json"),
    ("GET", "/inventory/resourcemanager/", "Inventory: every resource manager", "application/json"),
    ("GET", "/inventory/resourcemanager/{driver}", "Inventory: the resource managers of a driver", "application/json"),
    ("POST", "/inventory/resourcemanager/{driver}", "Inventory: create a manager name= with its properties (201; 202 when it exists)", "application/json"),
    ("GET", "/inventory/resourcemanager/{driver}/{manager}", "Inventory: one manager, expanded, with count", "application/json"),
    ("POST", "/inventory/resourcemanager/{driver}/{manager}", "Inventory: allocate to driver= (a new entity) or object= (resource=) (201)", "application/json"),
    ("DELETE", "/inventory/resourcemanager/{driver}/{manager}", "Inventory: deallocate object= (resource=) (204)", "application/json"),
];

/// Every route with its method and summary, server functions included, sorted by path.
pub fn routes() -> Vec<(String, String, String, &'static str)> {
    let summaries = depot_app::api::route_summaries();
    let mut routes: Vec<_> = SERVER_ROUTES
        .iter()
        .map(|(method, path, summary, content)| {
            (
                path.to_string(),
                method.to_string(),
                summary.to_string(),
                *content,
            )
        })
        .collect();
    for (path, method) in server_fn::axum::server_fn_paths() {
        let summary = summaries
            .iter()
            .find(|(m, p, _)| *p == path && *m == method.as_str())
            .map(|(_, _, summary)| summary.to_string())
            .unwrap_or_else(|| "UNDOCUMENTED".to_string());
        routes.push((
            path.to_string(),
            method.to_string(),
            summary,
            "application/json",
        ));
    }
    routes.sort();
    routes
}

/// `{name}` segments of `path`, each a required string.
fn path_parameters(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| json!({"name": name.trim_start_matches('*'), "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect()
}

/// The content type a write takes: raw bytes for files and archives, a form for clusto (which
/// takes JSON too), the text of one property, JSON for the rest.
fn request_body(path: &str, method: &str) -> Option<&'static str> {
    if matches!(method, "GET" | "HEAD" | "DELETE") {
        return None;
    }
    Some(match path {
        p if p.ends_with("/files/{path}") => "application/octet-stream",
        "/v3/namespaces/{ns}/artifacts/{name}" | "/v3/namespaces/{ns}/apps" => {
            "application/octet-stream"
        }
        p if p.ends_with("/properties/{key}") => "text/plain",
        p if p.starts_with("/inventory/") => "application/x-www-form-urlencoded",
        _ => "application/json",
    })
}

/// `/openapi.json`.
pub async fn document() -> Json<Value> {
    Json(built().clone())
}

/// The document, built once per process: the routes it describes are fixed in the binary.
pub fn built() -> &'static Value {
    static DOCUMENT: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    DOCUMENT.get_or_init(build)
}

/// The document: every route with its parameters, request content type and answers.
fn build() -> Value {
    let mut paths = Map::new();
    for (path, method, summary, content) in routes() {
        let (refusal_type, refusal_schema) = RefusalFormat::of(&path).schema();
        let mut operation = json!({
            "summary": summary,
            "responses": {
                "2XX": {"description": "success", "content": {content: {}}},
                "4XX": {"description": "the request was refused; the body names the problem",
                        "content": {refusal_type: {"schema": refusal_schema}}},
            },
        });
        let parameters = path_parameters(&path);
        if !parameters.is_empty() {
            operation["parameters"] = Value::Array(parameters);
        }
        if let Some(body) = request_body(&path, &method) {
            operation["requestBody"] = json!({"content": {body: {}}});
        }
        let entry = paths.entry(path).or_insert_with(|| json!({}));
        entry[method.to_lowercase()] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Depot", "version": env!("CARGO_PKG_VERSION")},
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["status", "error"],
                    "properties": {"status": {"type": "integer"}, "error": {"type": "string"}},
                },
            },
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "basic": {"type": "http", "scheme": "basic"},
                "session": {"type": "apiKey", "in": "cookie", "name": "depot_session"},
            },
        },
        "security": [{"bearer": []}, {"basic": []}, {"session": []}],
        "paths": paths,
    })
}
