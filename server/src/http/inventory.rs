//! The Inventory surface, clusto-apiserver-compatible: `/inventory/…` (API.md §2). Parameters
//! come from the query string and a form body alike; answers are JSON with sorted keys,
//! pretty-printed unless `Clusto-Minify: True`; errors are JSON strings, rendered in
//! [`error_response`].

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use depot_domain::inventory::drivers::{self, DRIVERS};
use depot_domain::inventory::managers::{self, Allocated};
use depot_domain::inventory::service::{self, Action, NewAttribute};
use depot_domain::inventory::{Entity, InventoryError};
use depot_domain::time::Timestamp;
use depot_domain::Actor;
use serde_json::{json, Map, Value};

use super::error::refusal_status;
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

/// The request's parameters: query string first, then a form body; repeated names are lists.
struct Params(Vec<(String, String)>);

impl Params {
    fn from(query: Option<String>, headers: &HeaderMap, body: &Bytes) -> Self {
        let mut pairs: Vec<(String, String)> =
            form_urlencoded::parse(query.unwrap_or_default().as_bytes())
                .into_owned()
                .collect();
        if !super::sends_json(headers) {
            pairs.extend(form_urlencoded::parse(body).into_owned());
        }
        Self(pairs)
    }

    fn get(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

/// How the caller wants the answer: mode, minified or pretty, and the page it asked for.
struct Presentation {
    mode: Option<Mode>,
    minify: Option<String>,
    page: Option<u64>,
    per_page: u64,
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Compact,
    Expanded,
}

impl Presentation {
    fn from(headers: &HeaderMap) -> Result<Self, Response> {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let minify = text("clusto-minify");
        let mode = match text("clusto-mode").as_deref() {
            None => None,
            Some("compact") => Some(Mode::Compact),
            Some("expanded") => Some(Mode::Expanded),
            Some(other) => {
                return Err(render_with(
                    StatusCode::CONFLICT,
                    &json!(format!(
                        "'{other}' is not a valid mode. Please choose from: {{compact,expanded}}."
                    )),
                    minify.as_deref(),
                ))
            }
        };
        let integer = |name: &str| -> Result<Option<u64>, Response> {
            match text(name) {
                None => Ok(None),
                Some(value) => value.trim().parse::<u64>().map(Some).map_err(|_| {
                    render_with(
                        StatusCode::BAD_REQUEST,
                        &json!(format!("invalid literal for int() with base 10: '{value}'")),
                        minify.as_deref(),
                    )
                }),
            }
        };
        let page = integer("clusto-page")?.filter(|p| *p > 0);
        let per_page = integer("clusto-per-page")?.filter(|p| *p > 0).unwrap_or(50);
        Ok(Self {
            mode,
            minify,
            page,
            per_page,
        })
    }

    fn render(&self, status: StatusCode, body: &Value) -> Response {
        render_with(status, body, self.minify.as_deref())
    }
}

/// Keys sorted at every level, as Python's `json.dumps(sort_keys=True)` writes them.
fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&map[k])))
                    .collect::<Map<_, _>>(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

fn render_with(status: StatusCode, body: &Value, minify: Option<&str>) -> Response {
    let minified = minify.is_some_and(|m| m.eq_ignore_ascii_case("true"));
    let body = sorted(body);
    let text = if minified {
        serde_json::to_string(&body).unwrap_or_default()
    } else {
        let mut out = Vec::new();
        let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
        let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
        serde::Serialize::serialize(&body, &mut serializer).expect("JSON values serialize");
        String::from_utf8(out).unwrap_or_default()
    };
    let mut response = (status, [(header::CONTENT_TYPE, "application/json")], text).into_response();
    let echoed = HeaderValue::from_str(minify.unwrap_or("False"))
        .unwrap_or(HeaderValue::from_static("False"));
    response
        .headers_mut()
        .insert(HeaderName::from_static("clusto-minify"), echoed);
    response
}

/// clusto's errors: a JSON string with the status of the refusal's kind.
pub fn error_response(error: InventoryError, minify: Option<&str>) -> Response {
    let status = match &error {
        InventoryError::Invalid(_) => StatusCode::BAD_REQUEST,
        InventoryError::NotFound(_) => StatusCode::NOT_FOUND,
        InventoryError::Conflict(_) => StatusCode::CONFLICT,
        InventoryError::Precondition(_) => StatusCode::PRECONDITION_FAILED,
        InventoryError::Domain(domain) => match refusal_status(domain) {
            Some(status) => status,
            None => {
                tracing::error!(error = %domain, "inventory request failed");
                return render_with(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &json!("internal server error"),
                    minify,
                );
            }
        },
    };
    render_with(status, &json!(error.to_string()), minify)
}

async fn options() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

async fn not_found(method: Method, headers: HeaderMap) -> Response {
    if method == Method::OPTIONS {
        return StatusCode::NO_CONTENT.into_response();
    }
    let minify = headers
        .get("clusto-minify")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    render_with(
        StatusCode::NOT_FOUND,
        &json!("Not found"),
        minify.as_deref(),
    )
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
async fn version(headers: HeaderMap) -> Response {
    with_presentation(&headers, |p| {
        Ok(p.render(StatusCode::OK, &json!(CLUSTO_VERSION)))
    })
}

async fn meta(headers: HeaderMap) -> Response {
    let body = json!({
        "/attribute": "Attribute application: query, add, set and delete attributes",
        "/entity": "Entity application: create, list, show, delete, insert and remove",
        "/resourcemanager": "Resource manager application: allocate and deallocate",
    });
    with_presentation(&headers, |p| Ok(p.render(StatusCode::OK, &body)))
}

async fn driverlist(headers: HeaderMap) -> Response {
    let body: Map<String, Value> = DRIVERS
        .iter()
        .map(|(d, t)| (d.to_string(), json!(format!("depot.inventory.{t}.{d}"))))
        .collect();
    with_presentation(&headers, |p| {
        Ok(p.render(StatusCode::OK, &Value::Object(body)))
    })
}

async fn typelist(headers: HeaderMap) -> Response {
    let mut body = Map::new();
    for (driver, kind) in DRIVERS.iter() {
        body.entry(kind.to_string())
            .or_insert_with(|| json!(format!("depot.inventory.{kind}.{driver}")));
    }
    with_presentation(&headers, |p| {
        Ok(p.render(StatusCode::OK, &Value::Object(body)))
    })
}

fn with_presentation(
    headers: &HeaderMap,
    answer: impl FnOnce(&Presentation) -> Result<Response, InventoryError>,
) -> Response {
    match Presentation::from(headers) {
        Ok(presentation) => answer(&presentation)
            .unwrap_or_else(|e| error_response(e, presentation.minify.as_deref())),
        Err(response) => response,
    }
}

/// `as_of=<RFC 3339 time>`: answer as the inventory was then.
fn as_of(params: &Params) -> Result<Option<Timestamp>, InventoryError> {
    params
        .get("as_of")
        .map(|t| {
            depot_domain::time::parse("as_of", &t)
                .map_err(|e| InventoryError::Invalid(e.to_string()))
        })
        .transpose()
}

async fn expanded(
    state: &AppState,
    entity: &Entity,
    at: &Option<Timestamp>,
) -> Result<Value, InventoryError> {
    let attrs = service::attributes(&state.store, entity, None, None, None, at).await?;
    let contents = service::contents(&state.store, entity, at).await?;
    let parents = service::parents(&state.store, entity, at).await?;
    let mut body = json!({
        "attrs": attrs.iter().map(|a| a.to_json()).collect::<Vec<_>>(),
        "contents": contents.iter().map(Entity::path).collect::<Vec<_>>(),
        "driver": entity.driver,
        "name": entity.name,
        "parents": parents.iter().map(Entity::path).collect::<Vec<_>>(),
        "type": entity.kind,
    });
    if drivers::is_device(&entity.driver) {
        let ips: Vec<Value> = attrs
            .iter()
            .filter(|a| a.key == "ip" && a.subkey.as_deref() == Some("ipstring"))
            .map(|a| a.value.clone())
            .collect();
        body["ips"] = Value::Array(ips);
    }
    if drivers::is_resource_manager(&entity.driver) {
        body["count"] = json!(managers::count(&state.store, entity).await?);
    }
    Ok(body)
}

/// A list of entities, in the mode asked for (compact by default), paged when asked.
async fn entity_list(
    state: &AppState,
    presentation: &Presentation,
    entities: Vec<Entity>,
    at: &Option<Timestamp>,
) -> Result<Response, InventoryError> {
    let total = entities.len() as u64;
    let (page, pages, shown) = match presentation.page {
        Some(page) => {
            let pages = total.div_ceil(presentation.per_page);
            let start = ((page - 1) * presentation.per_page) as usize;
            let shown: Vec<Entity> = entities
                .into_iter()
                .skip(start)
                .take(presentation.per_page as usize)
                .collect();
            (Some(page), pages, shown)
        }
        None => (None, 1, entities),
    };
    let mut items = Vec::new();
    for entity in &shown {
        items.push(match presentation.mode.unwrap_or(Mode::Compact) {
            Mode::Compact => json!(entity.path()),
            Mode::Expanded => expanded(state, entity, at).await?,
        });
    }
    let mut response = presentation.render(StatusCode::OK, &Value::Array(items));
    if let Some(page) = page {
        let headers = response.headers_mut();
        headers.insert("clusto-pages", HeaderValue::from(pages));
        headers.insert("clusto-page", HeaderValue::from(page));
        headers.insert("clusto-per-page", HeaderValue::from(presentation.per_page));
    }
    Ok(response)
}

async fn one_entity(
    state: &AppState,
    presentation: &Presentation,
    entity: &Entity,
    at: &Option<Timestamp>,
) -> Result<Response, InventoryError> {
    let body = match presentation.mode.unwrap_or(Mode::Expanded) {
        Mode::Compact => json!(entity.path()),
        Mode::Expanded => expanded(state, entity, at).await?,
    };
    Ok(presentation.render(StatusCode::OK, &body))
}

/// What every Inventory handler starts from: the caller, the parameters (query string and form
/// body alike), the raw body, and how the answer should look. It takes the body, so it comes
/// last among a handler's extractors.
struct Call {
    actor: Actor,
    params: Params,
    query: Option<String>,
    body: Bytes,
    is_json: bool,
    presentation: Presentation,
}

impl axum::extract::FromRequest<AppState> for Call {
    type Rejection = Response;

    async fn from_request(
        request: axum::extract::Request,
        _state: &AppState,
    ) -> Result<Self, Response> {
        let (parts, body) = request.into_parts();
        let presentation = Presentation::from(&parts.headers)?;
        let minify = presentation.minify.clone();
        let refuse = |message: &str| {
            render_with(StatusCode::BAD_REQUEST, &json!(message), minify.as_deref())
        };
        let actor = parts
            .extensions
            .get::<Actor>()
            .cloned()
            .ok_or_else(|| refuse("the caller is not known"))?;
        // The body limit layer has bounded the body already.
        let body = axum::body::to_bytes(body, usize::MAX)
            .await
            .map_err(|_| refuse("the request body could not be read"))?;
        let query = parts.uri.query().map(str::to_string);
        let is_json = super::sends_json(&parts.headers);
        let params = Params::from(query.clone(), &parts.headers, &body);
        Ok(Self {
            actor,
            params,
            query,
            body,
            is_json,
            presentation,
        })
    }
}

impl Call {
    /// For a read: checks the caller may read, and gives the `as_of` time asked for.
    fn reading(&self) -> Result<Option<Timestamp>, InventoryError> {
        self.actor.require_read()?;
        as_of(&self.params)
    }

    /// The handler's result, or its error rendered the clusto way.
    fn finish(&self, result: Result<Response, InventoryError>) -> Response {
        result.unwrap_or_else(|e| error_response(e, self.presentation.minify.as_deref()))
    }
}

async fn by_name(State(state): State<AppState>, Path(name): Path<String>, call: Call) -> Response {
    call.finish(
        async {
            let at = call.reading()?;
            let params = &call.params;
            let entity =
                service::get(&state.store, &name, params.get("driver").as_deref(), &at).await?;
            one_entity(&state, &call.presentation, &entity, &at).await
        }
        .await,
    )
}

async fn by_names(State(state): State<AppState>, call: Call) -> Response {
    call.finish(
        async {
            let at = call.reading()?;
            let params = &call.params;
            let names = params.all("name");
            if names.is_empty() {
                return Err(InventoryError::Precondition(
                    "Provide at least one name to get data from".into(),
                ));
            }
            let mut items = Vec::new();
            let mut missing = 0;
            for name in &names {
                match service::find(&state.store, name, &at).await? {
                    Some(entity) => {
                        items.push(match call.presentation.mode.unwrap_or(Mode::Compact) {
                            Mode::Compact => json!(entity.path()),
                            Mode::Expanded => expanded(&state, &entity, &at).await?,
                        })
                    }
                    None => {
                        missing += 1;
                        items.push(Value::Null);
                    }
                }
            }
            let status = if missing == 0 {
                StatusCode::OK
            } else if missing == names.len() {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::PARTIAL_CONTENT
            };
            Ok(call.presentation.render(status, &Value::Array(items)))
        }
        .await,
    )
}

async fn by_attr(State(state): State<AppState>, call: Call) -> Response {
    call.finish(
        async {
            let at = call.reading()?;
            let params = &call.params;
            let key = params.get("key").ok_or_else(|| {
                InventoryError::Precondition("Provide a key to use get_by_attr".into())
            })?;
            let found = service::by_attribute(
                &state.store,
                &key,
                params.get("subkey").as_deref(),
                params.get("value").as_deref(),
                &at,
            )
            .await?;
            entity_list(&state, &call.presentation, found, &at).await
        }
        .await,
    )
}

async fn from_pools(State(state): State<AppState>, call: Call) -> Response {
    call.finish(
        async {
            let at = call.reading()?;
            let params = &call.params;
            let names = params.all("pool");
            if names.is_empty() {
                return Err(InventoryError::Precondition(
                    "Provide at least one pool to get data from".into(),
                ));
            }
            let mut pools = Vec::new();
            for name in &names {
                pools.push(service::get(&state.store, name, None, &at).await?);
            }
            let children = !matches!(
                params.get("children").as_deref(),
                Some("false" | "False" | "0")
            );
            let mut found = service::from_pools(&state.store, &pools, children, &at).await?;
            let types = params.all("type");
            let driver_filter = params.all("driver");
            found.retain(|e| {
                (types.is_empty() || types.contains(&e.kind))
                    && (driver_filter.is_empty() || driver_filter.contains(&e.driver))
            });
            entity_list(&state, &call.presentation, found, &at).await
        }
        .await,
    )
}

async fn list_entities(
    State(state): State<AppState>,
    driver: Option<Path<String>>,
    call: Call,
) -> Response {
    call.finish(
        async {
            let at = call.reading()?;
            let driver = driver.map(|Path(d)| d);
            if let Some(driver) = &driver {
                drivers::type_of(driver).ok_or_else(|| {
                    InventoryError::Precondition(format!(
                        "The requested driver \"{driver}\" does not exist"
                    ))
                })?;
            }
            let entities = service::list(&state.store, driver.as_deref(), None, &at).await?;
            entity_list(&state, &call.presentation, entities, &at).await
        }
        .await,
    )
}

async fn create_entities(
    State(state): State<AppState>,
    Path(driver): Path<String>,
    call: Call,
) -> Response {
    call.finish(
        async {
            let params = &call.params;
            let created =
                service::create(&state.store, &call.actor, &driver, &params.all("name"), &[])
                    .await?;
            let items: Vec<Value> = created.entities.iter().map(|e| json!(e.path())).collect();
            if created.existing.is_empty() {
                return Ok(call
                    .presentation
                    .render(StatusCode::CREATED, &Value::Array(items)));
            }
            let existing: Vec<String> = created.existing.iter().map(Entity::path).collect();
            let mut response = call
                .presentation
                .render(StatusCode::ACCEPTED, &Value::Array(items));
            if let Ok(warning) = HeaderValue::from_str(&format!(
                "Entity(s) {} already exist(s)",
                existing.join(", ")
            )) {
                response
                    .headers_mut()
                    .insert(HeaderName::from_static("warnings"), warning);
            }
            Ok(response)
        }
        .await,
    )
}

async fn show_entity(
    State(state): State<AppState>,
    Path((driver, name)): Path<(String, String)>,
    call: Call,
) -> Response {
    call.finish(
        async {
            let at = call.reading()?;
            let entity = service::get(&state.store, &name, Some(&driver), &at).await?;
            one_entity(&state, &call.presentation, &entity, &at).await
        }
        .await,
    )
}

async fn entity_action(
    State(state): State<AppState>,
    Path((driver, name)): Path<(String, String)>,
    call: Call,
) -> Response {
    call.finish(
        async {
            let params = &call.params;
            let container = service::get(&state.store, &name, Some(&driver), &None).await?;
            let action = match params.get("action").as_deref() {
                None => {
                    return Err(InventoryError::Invalid(
                        "Parameter 'action' is required.".into(),
                    ))
                }
                Some("insert") => Action::Insert,
                Some("remove") => Action::Remove,
                Some(other) => {
                    return Err(InventoryError::Invalid(format!(
                        "{other} is not a valid action."
                    )))
                }
            };
            service::insert_or_remove(
                &state.store,
                &call.actor,
                &container,
                &params.all("device"),
                action,
            )
            .await?;
            one_entity(&state, &call.presentation, &container, &None).await
        }
        .await,
    )
}

async fn delete_entity(
    State(state): State<AppState>,
    Path((driver, name)): Path<(String, String)>,
    call: Call,
) -> Response {
    call.finish(
        async {
            service::delete(&state.store, &call.actor, &driver, &name).await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        .await,
    )
}

/// Attribute bodies in JSON: one object or a list of them.
fn json_attributes(body: &Bytes) -> Result<Vec<NewAttribute>, InventoryError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| InventoryError::Invalid(format!("Error: the JSON body is not valid: {e}")))?;
    let items = match value {
        Value::Array(items) => items,
        single => vec![single],
    };
    items
        .iter()
        .map(|item| {
            let text = |name: &str| {
                item.get(name).filter(|v| !v.is_null()).map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string())
                })
            };
            let (key, value) = match (text("key"), text("value")) {
                (Some(key), Some(value)) => (key, value),
                _ => {
                    return Err(InventoryError::Precondition(
                        "Provide at least \"key\" and \"value\"".into(),
                    ))
                }
            };
            Ok(NewAttribute {
                key,
                value,
                subkey: text("subkey"),
                number: match item.get("number").filter(|v| !v.is_null()) {
                    Some(Value::Number(n)) if n.is_i64() => n.as_i64(),
                    Some(other) => Some(attribute_number(
                        other
                            .as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| other.to_string())
                            .as_str(),
                    )?),
                    None => None,
                },
                datatype: text("datatype"),
                mask: text("mask"),
            })
        })
        .collect()
}

/// An attribute's `number`, read as clusto reads it (`int(n)`), in 64 bits.
fn attribute_number(text: &str) -> Result<i64, InventoryError> {
    use std::num::IntErrorKind;
    text.trim().parse::<i64>().map_err(|e| match e.kind() {
        IntErrorKind::PosOverflow | IntErrorKind::NegOverflow => InventoryError::Invalid(format!(
            "{text} is out of range for an attribute number (a 64-bit integer)"
        )),
        _ => InventoryError::Invalid(format!("invalid literal for int() with base 10: '{text}'")),
    })
}

/// `/attribute/{name}[/{key}[/{subkey}[/{number}]]]` for every method.
async fn attribute(
    State(state): State<AppState>,
    method: Method,
    Path(path): Path<String>,
    call: Call,
) -> Response {
    call.finish(async {
        let parts: Vec<String> = path.split('/').filter(|s| !s.is_empty()).map(str::to_string).collect();
        let name = parts.first().cloned().ok_or_else(|| InventoryError::NotFound("Not found".into()))?;
        let key = parts.get(1).cloned();
        let subkey = parts.get(2).cloned();
        let number = parts.get(3).map(|n| attribute_number(n)).transpose()?;
        let params = &call.params;
        let at = as_of(params)?;
        let entity = service::get(&state.store, &name, params.get("driver").as_deref(), &at).await?;
        let listed = |attrs: Vec<depot_domain::inventory::Attribute>| Value::Array(attrs.iter().map(|a| a.to_json()).collect());
        match method {
            Method::GET | Method::HEAD => {
                call.actor.require_read()?;
                let attrs = service::attributes(&state.store, &entity, key.as_deref(), subkey.as_deref(), number, &at).await?;
                Ok(call.presentation.render(StatusCode::OK, &listed(attrs)))
            }
            Method::POST => {
                let new = if call.is_json {
                    if call.query.as_deref().is_some_and(|q| !q.is_empty()) {
                        return Err(InventoryError::Invalid("Error: json and query params may not be passed in the same request.".into()));
                    }
                    json_attributes(&call.body)?
                } else {
                    let (key, value) = match (key.clone().or_else(|| params.get("key")), params.get("value")) {
                        (Some(key), Some(value)) => (key, value),
                        _ => return Err(InventoryError::Precondition("Provide at least \"key\" and \"value\"".into())),
                    };
                    vec![NewAttribute {
                        key,
                        value,
                        subkey: subkey.clone().or_else(|| params.get("subkey")),
                        number: match number {
                            Some(number) => Some(number),
                            None => params.get("number").map(|n| attribute_number(&n)).transpose()?,
                        },
                        datatype: params.get("datatype"),
                        mask: params.get("mask"),
                    }]
                };
                let attrs = service::add_attributes(&state.store, &call.actor, &entity, &new).await?;
                Ok(call.presentation.render(StatusCode::CREATED, &listed(attrs)))
            }
            Method::PUT => {
                let key = key.ok_or_else(|| InventoryError::Precondition("Provide at least \"key\" and \"value\"".into()))?;
                let value = params.get("value").ok_or_else(|| InventoryError::Precondition("Provide at least \"key\" and \"value\"".into()))?;
                let new = NewAttribute { key, value, subkey, number, datatype: params.get("datatype"), mask: params.get("mask") };
                let attrs = service::set_attribute(&state.store, &call.actor, &entity, &new).await?;
                Ok(call.presentation.render(StatusCode::OK, &listed(attrs)))
            }
            Method::DELETE => {
                let key = key.ok_or_else(|| InventoryError::Precondition("Provide a key to delete".into()))?;
                let attrs = service::delete_attributes(&state.store, &call.actor, &entity, &key, subkey.as_deref(), number).await?;
                Ok(call.presentation.render(StatusCode::OK, &listed(attrs)))
            }
            _ => Ok(StatusCode::METHOD_NOT_ALLOWED.into_response()),
        }
    }
    .await)
}

fn manager_driver(driver: &str) -> Result<(), InventoryError> {
    if drivers::is_resource_manager(driver) {
        Ok(())
    } else {
        Err(InventoryError::NotFound(format!(
            "Not a valid driver \"{driver}\" (driver name {driver} doesn't exist.)"
        )))
    }
}

/// The manager `name` of `driver`: unknown driver 412, not a manager 409, missing 404.
async fn manager(state: &AppState, driver: &str, name: &str) -> Result<Entity, InventoryError> {
    drivers::type_of(driver).ok_or_else(|| {
        InventoryError::Precondition(format!("The driver \"{driver}\" is not a valid driver"))
    })?;
    let entity = service::find(&state.store, name, &None)
        .await?
        .ok_or_else(|| depot_domain::inventory::error::object_not_found(name))?;
    if !drivers::is_resource_manager(&entity.driver) {
        return Err(InventoryError::Conflict(format!(
            "The object \"{name}\" is not a resource manager"
        )));
    }
    if entity.driver != driver {
        return Err(depot_domain::inventory::error::wrong_driver(name, driver));
    }
    Ok(entity)
}

async fn list_managers(
    State(state): State<AppState>,
    driver: Option<Path<String>>,
    call: Call,
) -> Response {
    call.finish(
        async {
            let at = call.reading()?;
            let driver = driver.map(|Path(d)| d);
            if let Some(driver) = &driver {
                manager_driver(driver)?;
            }
            let mut found = service::list(
                &state.store,
                driver.as_deref(),
                Some("resourcemanager"),
                &at,
            )
            .await?;
            found.sort_by_key(|a| a.path());
            entity_list(&state, &call.presentation, found, &at).await
        }
        .await,
    )
}

async fn create_manager(
    State(state): State<AppState>,
    Path(driver): Path<String>,
    call: Call,
) -> Response {
    call.finish(
        async {
            manager_driver(&driver)?;
            let params = &call.params;
            let name = params.get("name").ok_or_else(|| {
                InventoryError::Precondition("Provide a name for the resource manager".into())
            })?;
            let created = service::create(
                &state.store,
                &call.actor,
                &driver,
                std::slice::from_ref(&name),
                &params.0,
            )
            .await?;
            let entity = created.entities[0].clone();
            let body = expanded(&state, &entity, &None).await?;
            if created.existing.is_empty() {
                return Ok(call.presentation.render(StatusCode::CREATED, &body));
            }
            let mut response = call.presentation.render(StatusCode::ACCEPTED, &body);
            if let Ok(warning) =
                HeaderValue::from_str(&format!("Entity(s) {} already exist(s)", entity.path()))
            {
                response
                    .headers_mut()
                    .insert(HeaderName::from_static("warnings"), warning);
            }
            Ok(response)
        }
        .await,
    )
}

async fn show_manager(
    State(state): State<AppState>,
    Path((driver, name)): Path<(String, String)>,
    call: Call,
) -> Response {
    call.finish(
        async {
            call.actor.require_read()?;
            let entity = manager(&state, &driver, &name).await?;
            one_entity(&state, &call.presentation, &entity, &None).await
        }
        .await,
    )
}

async fn allocate(
    State(state): State<AppState>,
    Path((driver, name)): Path<(String, String)>,
    call: Call,
) -> Response {
    call.finish(
        async {
            let manager = manager(&state, &driver, &name).await?;
            let params = &call.params;
            let resource = params.get("resource");
            let allocated = if manager.driver == "ipmanager" {
                let object_name = params.get("object").ok_or_else(|| {
                    InventoryError::Precondition(
                        "Provide an object to allocate an address to".into(),
                    )
                })?;
                let object = service::get(&state.store, &object_name, None, &None).await?;
                Allocated::Attribute(
                    managers::allocate_ip(
                        &state.store,
                        &call.actor,
                        &manager,
                        &object,
                        resource.as_deref(),
                    )
                    .await?,
                )
            } else {
                let driver = params.get("driver").ok_or_else(|| {
                    InventoryError::Precondition(
                        "Provide the driver of the entity to create".into(),
                    )
                })?;
                Allocated::Entity(
                    managers::allocate_name(
                        &state.store,
                        &call.actor,
                        &manager,
                        &driver,
                        resource.as_deref(),
                    )
                    .await?,
                )
            };
            let body = match allocated {
                Allocated::Entity(entity) => json!(entity.path()),
                Allocated::Attribute(attribute) => attribute.to_json(),
            };
            Ok(call.presentation.render(StatusCode::CREATED, &body))
        }
        .await,
    )
}

async fn deallocate(
    State(state): State<AppState>,
    Path((driver, name)): Path<(String, String)>,
    call: Call,
) -> Response {
    call.finish(
        async {
            let manager = manager(&state, &driver, &name).await?;
            let params = &call.params;
            let object_name = params.get("object").ok_or_else(|| {
                InventoryError::Precondition("Provide the object to deallocate from".into())
            })?;
            let object = service::get(&state.store, &object_name, None, &None).await?;
            managers::deallocate(
                &state.store,
                &call.actor,
                &manager,
                &object,
                params.get("resource").as_deref(),
            )
            .await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        .await,
    )
}
