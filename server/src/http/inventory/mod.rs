//! The Inventory surface, clusto-apiserver-compatible: `/inventory/…` (API.md §2). Parameters
//! come from the query string and a form body alike ([`call::Call`]); answers are JSON with
//! sorted keys, pretty-printed unless `Clusto-Minify: True`; refusals are [`ClustoError`]s,
//! JSON strings. One file per clusto application: [`entities`], [`attributes`], [`managers`].

mod attributes;
mod call;
mod entities;
mod managers;

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use depot_domain::inventory::drivers::DRIVERS;
use serde_json::{json, Map, Value};

use self::attributes::attribute;
use self::call::{Answer, Presentation};
use self::entities::*;
use self::managers::*;
use super::error::ClustoError;
use super::AppState;

/// The clusto-apiserver version Depot answers for.
const CLUSTO_VERSION: &str = "0.5.2";

pub fn routes(state: &AppState) -> Router<AppState> {
    let configured = state.config.inventory_headers.clone();
    Router::new()
        .route(
            "/inventory",
            get(documentation).head(version).options(options),
        )
        .route(
            "/inventory/",
            get(documentation).head(version).options(options),
        )
        .route("/inventory/__doc__", get(documentation).options(options))
        .route("/inventory/__version__", get(version).options(options))
        .route("/inventory/__meta__", get(meta).options(options))
        .route("/inventory/favicon.ico", get(|| async { StatusCode::GONE }))
        .route("/inventory/driverlist", get(driverlist).options(options))
        .route("/inventory/typelist", get(typelist).options(options))
        .route("/inventory/by-name/{name}", get(by_name).options(options))
        .route("/inventory/by-names", get(by_names).options(options))
        .route("/inventory/by-attr", get(by_attr).options(options))
        .route("/inventory/from-pools", get(from_pools).options(options))
        .route("/inventory/entity", get(list_entities).options(options))
        .route("/inventory/entity/", get(list_entities).options(options))
        .route(
            "/inventory/entity/{driver}",
            get(list_entities).post(create_entities).options(options),
        )
        .route(
            "/inventory/entity/{driver}/{name}",
            get(show_entity)
                .post(entity_action)
                .delete(delete_entity)
                .options(options),
        )
        .route(
            "/inventory/attribute/{*path}",
            any(attribute).options(options),
        )
        .route(
            "/inventory/resourcemanager",
            get(list_managers).options(options),
        )
        .route(
            "/inventory/resourcemanager/",
            get(list_managers).options(options),
        )
        .route(
            "/inventory/resourcemanager/{driver}",
            get(list_managers).post(create_manager).options(options),
        )
        .route(
            "/inventory/resourcemanager/{driver}/{manager}",
            get(show_manager)
                .post(allocate)
                .delete(deallocate)
                .options(options),
        )
        .route("/inventory/{*rest}", any(not_found))
        .layer(middleware::from_fn(echo_minify))
        .layer(axum::middleware::map_response(
            move |mut response: Response| {
                let configured = configured.clone();
                async move {
                    for (name, value) in &configured {
                        if let (Ok(name), Ok(value)) = (
                            HeaderName::from_bytes(name.as_bytes()),
                            HeaderValue::from_str(value),
                        ) {
                            response.headers_mut().insert(name, value);
                        }
                    }
                    response
                }
            },
        ))
}

/// clusto answers every JSON response with the `Clusto-Minify` it was asked with (`False`
/// when it was not), refusals included.
async fn echo_minify(request: Request, next: Next) -> Response {
    let asked = request.headers().get("clusto-minify").cloned();
    let mut response = next.run(request).await;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json {
        let echoed = asked.unwrap_or(HeaderValue::from_static("False"));
        response.headers_mut().insert("clusto-minify", echoed);
    }
    response
}

async fn options() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

async fn not_found(method: Method) -> Result<Response, ClustoError> {
    if method == Method::OPTIONS {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Err(ClustoError::new(StatusCode::NOT_FOUND, "Not found"))
}

const DOCUMENTATION: &str =
    "Depot's clusto-apiserver-compatible inventory API (clusto-apiserver 0.5.2).\n\n\
Applications: /entity, /attribute, /resourcemanager; queries: /by-name/{name}, /by-names, \
/by-attr, /from-pools; /driverlist, /typelist, /__version__, /__meta__.\n\
Headers: Clusto-Mode (compact|expanded), Clusto-Page, Clusto-Per-Page, Clusto-Minify.\n";

/// HTML unless the request asks for exactly `text/plain`, as clusto-apiserver decides (so
/// curl's `Accept: */*` gets HTML too).
async fn documentation(headers: HeaderMap) -> Response {
    let plain = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.trim() == "text/plain");
    if !plain {
        let body = format!("<?xml version=\"1.0\" encoding=\"utf-8\" ?>\n<html><body><pre>{DOCUMENTATION}</pre></body></html>");
        ([(header::CONTENT_TYPE, "text/html; charset=UTF-8")], body).into_response()
    } else {
        ([(header::CONTENT_TYPE, "text/plain")], DOCUMENTATION).into_response()
    }
}

/// `/__version__`, and `HEAD /`: clusto answers it with the version, cheaper than the docs.
async fn version(headers: HeaderMap) -> Answer {
    ok(&headers, &json!(CLUSTO_VERSION))
}

fn ok(headers: &HeaderMap, body: &Value) -> Answer {
    Ok(Presentation::from(headers)?.render(StatusCode::OK, body))
}

async fn meta(headers: HeaderMap) -> Answer {
    let body = json!({
        "/attribute": "Attribute application: query, add, set and delete attributes",
        "/entity": "Entity application: create, list, show, delete, insert and remove",
        "/resourcemanager": "Resource manager application: allocate and deallocate",
    });
    ok(&headers, &body)
}

async fn driverlist(headers: HeaderMap) -> Answer {
    let body: Map<String, Value> = DRIVERS
        .iter()
        .map(|(d, t)| (d.to_string(), json!(format!("depot.inventory.{t}.{d}"))))
        .collect();
    ok(&headers, &Value::Object(body))
}

async fn typelist(headers: HeaderMap) -> Answer {
    let mut body = Map::new();
    for (driver, kind) in DRIVERS.iter() {
        body.entry(kind.to_string())
            .or_insert_with(|| json!(format!("depot.inventory.{kind}.{driver}")));
    }
    ok(&headers, &Value::Object(body))
}
