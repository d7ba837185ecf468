//! What the API says about itself: its documentation, the clusto-apiserver version it answers
//! for, its applications, drivers and types.

use std::collections::BTreeMap;

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use depot_domain::inventory::drivers::DRIVERS;
use schemars::JsonSchema;
use serde::Serialize;

use super::call::{Answer, Presentation};

/// The clusto-apiserver version Depot answers for.
const CLUSTO_VERSION: &str = "0.5.2";

const DOCUMENTATION: &str =
    "Depot's clusto-apiserver-compatible inventory API (clusto-apiserver 0.5.2).\n\n\
Applications: /entity, /attribute, /resourcemanager; queries: /by-name/{name}, /by-names, \
/by-attr, /from-pools; /driverlist, /typelist, /__version__, /__meta__.\n\
Headers: Clusto-Mode (compact|expanded), Clusto-Page, Clusto-Per-Page, Clusto-Minify.\n";

/// HTML unless the request asks for exactly `text/plain`, as clusto-apiserver decides (so
/// curl's `Accept: */*` gets HTML too).
pub async fn documentation(headers: HeaderMap) -> Response {
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
pub async fn version(headers: HeaderMap) -> Answer {
    ok(&headers, CLUSTO_VERSION)
}

fn ok<T: Serialize + ?Sized>(headers: &HeaderMap, body: &T) -> Answer {
    Ok(Presentation::from(headers)?.render(StatusCode::OK, body))
}

/// clusto's applications, each with what it does.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "ClustoApplications")]
pub struct Applications {
    #[serde(rename = "/attribute")]
    attribute: &'static str,
    #[serde(rename = "/entity")]
    entity: &'static str,
    #[serde(rename = "/resourcemanager")]
    resourcemanager: &'static str,
}

pub async fn meta(headers: HeaderMap) -> Answer {
    let body = Applications {
        attribute: "Attribute application: query, add, set and delete attributes",
        entity: "Entity application: create, list, show, delete, insert and remove",
        resourcemanager: "Resource manager application: allocate and deallocate",
    };
    ok(&headers, &body)
}

/// Each driver with its class, as clusto names it.
pub async fn driverlist(headers: HeaderMap) -> Answer {
    let body: BTreeMap<&str, String> = DRIVERS
        .iter()
        .map(|(d, t)| (*d, format!("depot.inventory.{t}.{d}")))
        .collect();
    ok(&headers, &body)
}

/// Each type with the class of its first driver.
pub async fn typelist(headers: HeaderMap) -> Answer {
    let mut body: BTreeMap<&str, String> = BTreeMap::new();
    for (driver, kind) in DRIVERS.iter() {
        body.entry(*kind)
            .or_insert_with(|| format!("depot.inventory.{kind}.{driver}"));
    }
    ok(&headers, &body)
}
