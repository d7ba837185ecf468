//! `/openapi.json`: an OpenAPI 3.1 document made from the routes as they are registered
//! ([`super::routes`]: each handler is routed with its documentation) and the server functions
//! as registered, with the JSON Schema of every body from the types the handlers use.

use std::sync::Arc;

use axum::{Extension, Json};
use depot_app::api::docs::ApiDocument;
use schemars::generate::{Contract, SchemaSettings};
use schemars::SchemaGenerator;
use serde_json::{json, Map, Value};

use super::error::RefusalFormat;
use super::routes::{Content, Operation};

/// The document for `operations`, made once per process (every router of a process routes the
/// same operations) and shared by `/openapi.json` and the admin UI's API page.
pub fn published(operations: &[Operation]) -> ApiDocument {
    static DOCUMENT: std::sync::OnceLock<Arc<Value>> = std::sync::OnceLock::new();
    ApiDocument(DOCUMENT.get_or_init(|| Arc::new(build(operations))).clone())
}

/// `/openapi.json`: the document [`published`] made when the router was.
pub async fn document(Extension(document): Extension<ApiDocument>) -> Json<Arc<Value>> {
    Json(document.0)
}

/// `{name}` segments of `path`, each a required string.
fn path_parameters(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| json!({"name": name.trim_start_matches('*'), "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect()
}

/// Answers are described as they are written (a field always present is required), requests
/// as they are read (a field with a default is optional); answers' types are shared in
/// `components/schemas`, requests' are written out where they are used.
fn generators() -> (SchemaGenerator, SchemaGenerator) {
    let answers = SchemaSettings::draft2020_12().with(|settings| {
        settings.definitions_path = "/components/schemas".into();
        settings.contract = Contract::Serialize;
        settings.meta_schema = None;
    });
    let requests = SchemaSettings::draft2020_12().with(|settings| {
        settings.inline_subschemas = true;
        settings.meta_schema = None;
    });
    (answers.into_generator(), requests.into_generator())
}

fn content(content: &Content, generator: &mut SchemaGenerator) -> Value {
    let schema = match content.schema {
        Some(schema_of) => json!({"schema": schema_of(generator)}),
        None if content.media_type.starts_with("text/") => json!({"schema": {"type": "string"}}),
        None => json!({"schema": {"type": "string", "format": "binary"}}),
    };
    json!({ content.media_type: schema })
}

/// The query parameters of a query type: one per property, required as the type says.
fn query_parameters(schema: &Value) -> Vec<Value> {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    schema["properties"]
        .as_object()
        .map(|properties| {
            properties
                .iter()
                .map(|(name, property)| {
                    // The description belongs to the parameter, not to its value's schema.
                    let mut schema = property.clone();
                    let description = schema.as_object_mut().and_then(|s| s.remove("description"));
                    let mut parameter = json!({
                        "name": name,
                        "in": "query",
                        "required": required.contains(&name.as_str()),
                        "schema": schema,
                    });
                    if let Some(description) = description {
                        parameter["description"] = description;
                    }
                    parameter
                })
                .collect()
        })
        .unwrap_or_default()
}

/// One operation: its parameters, what it takes, and what it answers — its success, and its
/// refusals in its surface's format.
fn operation(
    operation: &Operation,
    answers: &mut SchemaGenerator,
    requests: &mut SchemaGenerator,
) -> Value {
    let Operation { tag, path, doc, .. } = operation;
    let (refusal_type, refusal_schema) = RefusalFormat::of(path).schema();
    let success = match &doc.response {
        Some(body) => json!({"description": "success", "content": content(body, answers)}),
        None => json!({"description": "success, with no body"}),
    };
    let mut described = json!({
        "tags": [tag],
        "summary": doc.summary,
        "responses": {
            doc.success.as_str(): success,
            "4XX": {"description": "the request was refused; the body names the problem",
                    "content": {refusal_type: {"schema": refusal_schema}}},
        },
    });
    for (status, body) in &doc.also {
        described["responses"][status.as_str()] = json!({
            "description": status.canonical_reason().unwrap_or("another answer"),
            "content": content(body, answers),
        });
    }
    let mut parameters = path_parameters(path);
    if let Some(schema_of) = doc.query {
        parameters.extend(query_parameters(&schema_of(requests).to_value()));
    }
    if !parameters.is_empty() {
        described["parameters"] = Value::Array(parameters);
    }
    if let Some(body) = &doc.request {
        described["requestBody"] = json!({"required": true, "content": content(body, requests)});
    }
    described
}

/// The tag of the admin UI's server functions.
const ADMIN_UI: &str = "The admin UI's server functions";

/// The server functions of the admin UI, as registered, each as [`server_function_docs`]
/// describes it: GET ones take their arguments as query parameters, the rest as JSON or as a
/// form's fields (`depot_app::api::JsonOrForm`), or as a form with a file
/// (`depot_app::api::PlainUpload`).
///
/// [`server_function_docs`]: depot_app::api::server_function_docs
fn server_functions(
    answers: &mut SchemaGenerator,
    requests: &mut SchemaGenerator,
) -> Vec<(String, String, Value)> {
    let docs = depot_app::api::server_function_docs();
    let (refusal_type, refusal_schema) = RefusalFormat::Depot.schema();
    server_fn::axum::server_fn_paths()
        .map(|(path, method)| {
            let Some(doc) = docs
                .iter()
                .find(|doc| doc.path == path && doc.method == method)
            else {
                let undocumented = json!({"summary": "UNDOCUMENTED", "responses": {}});
                return (
                    path.to_string(),
                    method.as_str().to_lowercase(),
                    undocumented,
                );
            };
            let mut described = json!({
                "tags": [ADMIN_UI],
                "summary": doc.summary,
                "responses": {
                    "200": {"description": "success",
                            "content": {"application/json": {"schema": (doc.answers)(answers)}}},
                    "4XX": {"description": "the request was refused; the body names the problem",
                            "content": {refusal_type: {"schema": refusal_schema.clone()}}},
                },
            });
            let mut arguments = (doc.takes)(requests).to_value();
            // The arguments struct's own doc comment is the macro's and the Rust function's,
            // not a caller's; the summary says what the function does.
            if let Some(schema) = arguments.as_object_mut() {
                schema.remove("description");
            }
            if method == http::Method::GET {
                let parameters = query_parameters(&arguments);
                if !parameters.is_empty() {
                    described["parameters"] = Value::Array(parameters);
                }
            } else if let Some(file_field) = doc.file_field {
                arguments["properties"][file_field] = json!({"type": "string", "format": "binary"});
                if let Some(required) = arguments["required"].as_array_mut() {
                    required.push(file_field.into());
                }
                let content = json!({"multipart/form-data": {"schema": arguments}});
                described["requestBody"] = json!({"required": true, "content": content});
            } else {
                let content = json!({
                    "application/json": {"schema": arguments.clone()},
                    "application/x-www-form-urlencoded": {"schema": arguments},
                });
                described["requestBody"] = json!({"required": true, "content": content});
            }
            (path.to_string(), method.as_str().to_lowercase(), described)
        })
        .collect()
}

/// The document for `operations`, with the server functions.
pub fn build(operations: &[Operation]) -> Value {
    let (mut answers, mut requests) = generators();
    let mut paths = Map::new();
    let mut described: Vec<(String, String, Value)> = operations
        .iter()
        .map(|op| {
            let method = op.method.as_str().to_lowercase();
            (
                op.path.clone(),
                method,
                operation(op, &mut answers, &mut requests),
            )
        })
        .collect();
    described.extend(server_functions(&mut answers, &mut requests));
    described.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    for (path, method, operation) in described {
        let entry = paths.entry(path).or_insert_with(|| json!({}));
        entry[method] = operation;
    }
    let mut tags: Vec<&str> = Vec::new();
    for op in operations {
        if !tags.contains(&op.tag) {
            tags.push(op.tag);
        }
    }
    tags.push(ADMIN_UI);
    let tags: Vec<Value> = tags.into_iter().map(|name| json!({"name": name})).collect();
    let mut schemas = answers.take_definitions(true);
    schemas.insert(
        "Error".into(),
        json!({
            "type": "object",
            "required": ["status", "error"],
            "properties": {"status": {"type": "integer"}, "error": {"type": "string"}},
        }),
    );
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Depot", "version": env!("CARGO_PKG_VERSION")},
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "basic": {"type": "http", "scheme": "basic"},
                "session": {"type": "apiKey", "in": "cookie", "name": "depot_session"},
            },
        },
        "tags": tags,
        "security": [{"bearer": []}, {"basic": []}, {"session": []}],
        "paths": paths,
    })
}
