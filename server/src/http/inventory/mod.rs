//! The Inventory surface, clusto-apiserver-compatible: `/inventory/…` (API.md §2). Parameters
//! come from the query string and a form body alike ([`call::Call`]); answers are JSON with
//! sorted keys, pretty-printed unless `Clusto-Minify: True`; refusals are [`ClustoError`]s,
//! JSON strings. One file per clusto application: [`entities`], [`attributes`], [`managers`];
//! [`about`] is what the API says of itself. The route table below is also the surface's
//! documentation: each route names the parameters ([`parameters`]) and answers ([`answers`])
//! its handler reads and writes.

mod about;
mod answers;
mod attributes;
mod call;
mod entities;
mod managers;
mod parameters;

use std::collections::BTreeMap;

use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::any;

use self::about::*;
use self::answers::{Expanded, ListedAttribute, Shown};
use self::attributes::*;
use self::entities::*;
use self::managers::*;
use self::parameters::{Reading, FORM};
use super::error::ClustoError;
use super::routes::{doc, get, head, Doc, Endpoints, Routes};
use super::AppState;

const TAG: &str = "Inventory (clusto)";

pub fn routes(state: &AppState) -> Routes {
    let configured = state.config.inventory_headers.clone();
    Routes::new(TAG)
        .answering_options(options)
        .route("/inventory", root())
        .route("/inventory/", root())
        .route(
            "/inventory/__doc__",
            get(documentation, documentation_doc()),
        )
        .route(
            "/inventory/__version__",
            get(
                version,
                doc("The clusto-apiserver version answered for").answers::<String>(),
            ),
        )
        .route(
            "/inventory/__meta__",
            get(
                meta,
                doc("The applications and what they do").answers::<Applications>(),
            ),
        )
        .route(
            "/inventory/favicon.ico",
            get(
                || async { StatusCode::GONE },
                doc("Gone: there is no icon").answers_nothing(StatusCode::GONE),
            ),
        )
        .route(
            "/inventory/driverlist",
            get(
                driverlist,
                doc("Every driver and its class").answers::<BTreeMap<String, String>>(),
            ),
        )
        .route(
            "/inventory/typelist",
            get(
                typelist,
                doc("Every type and the class of its first driver")
                    .answers::<BTreeMap<String, String>>(),
            ),
        )
        .merge(entity_routes())
        .merge(attribute_routes())
        .merge(manager_routes())
        .map_router(move |router| {
            // Not a route: what clusto answers anywhere else under /inventory.
            router
                .route("/inventory/{*rest}", any(not_found))
                .layer(middleware::from_fn(echo_minify))
                .layer(middleware::map_response(move |response: Response| {
                    with_configured_headers(response, configured.clone())
                }))
        })
}

/// `/inventory` and `/inventory/`: the documentation, and for `HEAD` the version.
fn root() -> Endpoints {
    head(
        version,
        doc(
            "What /__version__ answers, without its body (clusto answers HEAD with the \
             version, cheaper than the documentation)",
        )
        .answers_nothing(StatusCode::OK),
    )
    .get(documentation, documentation_doc())
}

fn documentation_doc() -> Doc {
    doc("The API's documentation (HTML unless Accept is exactly text/plain)")
        .answers_bytes("text/html")
}

/// Entities, listed compact unless `Clusto-Mode: expanded`; paged with `Clusto-Page`.
fn entity_listing(summary: &'static str) -> Doc {
    doc(summary).query::<Reading>().answers::<Vec<Shown>>()
}

/// `/entity/…` and the queries.
fn entity_routes() -> Routes {
    let all_entities = "Every entity, by name; Clusto-Page, Clusto-Per-Page";
    Routes::new(TAG)
        .answering_options(options)
        .route(
            "/inventory/by-name/{name}",
            get(
                by_name,
                doc(
                    "One entity, expanded unless Clusto-Mode is compact; driver= checks its driver",
                )
                .query::<ByNameQuery>()
                .answers::<Shown>(),
            ),
        )
        .route(
            "/inventory/by-names",
            get(
                by_names,
                doc("Entities by name=…, in request order, null for unknown (206 some, 404 none)")
                    .query::<ByNamesQuery>()
                    .answers::<Vec<Option<Shown>>>()
                    .or_answers::<Vec<Option<Shown>>>(StatusCode::PARTIAL_CONTENT)
                    .or_answers::<Vec<Option<Shown>>>(StatusCode::NOT_FOUND),
            ),
        )
        .route(
            "/inventory/by-attr",
            get(
                by_attr,
                doc("Entities having an attribute key= (subkey=, value=)")
                    .query::<ByAttrQuery>()
                    .answers::<Vec<Shown>>(),
            ),
        )
        .route(
            "/inventory/from-pools",
            get(
                from_pools,
                doc("Entities in every pool= given (type=, driver=, children=)")
                    .query::<FromPoolsQuery>()
                    .answers::<Vec<Shown>>(),
            ),
        )
        .route(
            "/inventory/entity",
            get(list_entities, entity_listing(all_entities)),
        )
        .route(
            "/inventory/entity/",
            get(list_entities, entity_listing(all_entities)),
        )
        .route(
            "/inventory/entity/{driver}",
            get(
                list_entities,
                entity_listing("The entities of a driver, by name"),
            )
            .post(
                create_entities,
                doc(
                    "Create entities name=… (201; 202 with Warnings when some exist); answers \
                     their paths",
                )
                .takes_as::<NewEntitiesForm>(FORM)
                .created::<Vec<String>>(),
            ),
        )
        .route(
            "/inventory/entity/{driver}/{name}",
            get(
                show_entity,
                doc("One entity, expanded unless Clusto-Mode is compact")
                    .query::<Reading>()
                    .answers::<Shown>(),
            )
            .post(
                entity_action,
                doc(
                    "Insert or remove device=… (action=insert|remove) in a container; answers \
                     the container, expanded unless Clusto-Mode is compact",
                )
                .takes_as::<EntityActionForm>(FORM)
                .answers::<Shown>(),
            )
            .delete(
                delete_entity,
                doc("Delete an entity with its attributes and memberships")
                    .answers_nothing(StatusCode::NO_CONTENT),
            ),
        )
}

/// Every attribute answer lists attributes: those selected for a read, all the entity has left
/// after a write.
fn attributes_answer(summary: &'static str, status: StatusCode) -> Doc {
    doc(summary).answers_with::<Vec<ListedAttribute>>(status)
}

fn attributes_listed(summary: &'static str) -> Doc {
    attributes_answer(summary, StatusCode::OK).query::<AttributeQuery>()
}

/// An attribute added with the form `F` (what the path does not give).
fn attribute_added<F: schemars::JsonSchema>(summary: &'static str) -> Doc {
    attributes_answer(summary, StatusCode::CREATED).takes_as::<F>(FORM)
}

fn attribute_set(summary: &'static str) -> Doc {
    attributes_answer(summary, StatusCode::OK).takes_as::<AttributeValueForm>(FORM)
}

fn attributes_deleted(summary: &'static str) -> Doc {
    attributes_answer(summary, StatusCode::OK).query::<AttributeTargetQuery>()
}

/// `/attribute/{name}`, then narrowed by key, subkey and number, all to one handler. Each depth
/// lists and adds; from the key on, it also sets and deletes (clusto has nothing to set or
/// delete without a key).
fn attribute_routes() -> Routes {
    Routes::new(TAG)
        .answering_options(options)
        .route(
            "/inventory/attribute/{name}",
            get(attribute, attributes_listed("An entity's attributes")).post(
                attribute,
                attribute_added::<NewAttributeForm>(
                    "Add an attribute key=, value= (subkey=, number=, datatype=, mask=), or with \
                     a JSON body one or a list of them; answers all the entity's attributes",
                ),
            ),
        )
        .route(
            "/inventory/attribute/{name}/{key}",
            keyed_attribute::<NewKeyedAttributeForm>([
                "An entity's attributes of this key",
                "Add an attribute of this key, value= (subkey=, number=, datatype=, mask=); \
                 answers all the entity's attributes",
                "Set the attribute of this key with no subkey or number to value=, replacing \
                 it; answers all the entity's attributes",
                "Delete the attributes of this key (any subkey and number); answers those left",
            ]),
        )
        .route(
            "/inventory/attribute/{name}/{key}/{subkey}",
            keyed_attribute::<NewSubkeyedAttributeForm>([
                "An entity's attributes of this key and subkey",
                "Add an attribute of this key and subkey, value= (number=, datatype=, mask=); \
                 answers all the entity's attributes",
                "Set the attribute of this key and subkey with no number to value=, replacing \
                 it; answers all the entity's attributes",
                "Delete the attributes of this key and subkey (any number); answers those left",
            ]),
        )
        .route(
            "/inventory/attribute/{name}/{key}/{subkey}/{number}",
            keyed_attribute::<AttributeValueForm>([
                "An entity's attributes of this key, subkey and number",
                "Add an attribute of this key, subkey and number, value= (datatype=, mask=); \
                 answers all the entity's attributes",
                "Set the attribute of this key, subkey and number to value=, replacing it; \
                 answers all the entity's attributes",
                "Delete the attributes of this key, subkey and number; answers those left",
            ]),
        )
}

/// A keyed attribute path's four operations — list, add with the form `F` (what the path does
/// not give), set, delete — each summarised for what the path selects.
fn keyed_attribute<F: schemars::JsonSchema>(
    [list, add, set, delete]: [&'static str; 4],
) -> Endpoints {
    get(attribute, attributes_listed(list))
        .post(attribute, attribute_added::<F>(add))
        .put(attribute, attribute_set(set))
        .delete(attribute, attributes_deleted(delete))
}

/// `/resourcemanager/…`.
fn manager_routes() -> Routes {
    let all_managers = "Every resource manager";
    Routes::new(TAG)
        .answering_options(options)
        .route(
            "/inventory/resourcemanager",
            get(list_managers, entity_listing(all_managers)),
        )
        .route(
            "/inventory/resourcemanager/",
            get(list_managers, entity_listing(all_managers)),
        )
        .route(
            "/inventory/resourcemanager/{driver}",
            get(
                list_managers,
                entity_listing("The resource managers of a driver"),
            )
            .post(
                create_manager,
                doc(
                    "Create a manager name= with its properties (201; 202 when it exists); \
                     answers the manager, expanded",
                )
                .takes_as::<NewManagerForm>(FORM)
                .created::<Expanded>(),
            ),
        )
        .route(
            "/inventory/resourcemanager/{driver}/{manager}",
            get(
                show_manager,
                doc("One manager, expanded with its count unless Clusto-Mode is compact")
                    .answers::<Shown>(),
            )
            .post(
                allocate,
                doc(
                    "Allocate: a new entity of driver= from a name manager, or an address for \
                     object= from an IP manager (resource= asks for one)",
                )
                .takes_as::<AllocateForm>(FORM)
                .created::<Allocation>(),
            )
            .delete(
                deallocate,
                doc("Deallocate object='s resources (resource=: just that one)")
                    .takes_as::<DeallocateForm>(FORM)
                    .answers_nothing(StatusCode::NO_CONTENT),
            ),
        )
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

/// The headers the configuration adds to every Inventory response (CORS for clusto's web
/// clients, say).
async fn with_configured_headers(
    mut response: Response,
    configured: Vec<(String, String)>,
) -> Response {
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

async fn options() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

async fn not_found(method: Method) -> Result<Response, ClustoError> {
    if method == Method::OPTIONS {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Err(ClustoError::new(StatusCode::NOT_FOUND, "Not found"))
}
