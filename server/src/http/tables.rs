//! The Tables surface, sandman2-compatible: `/db/{db}/…` (API.md §1). Parses the wire format,
//! calls `depot_domain::tables`, and renders results and errors as sandman2 does — errors in
//! [`error_response`], the one place.

use axum::body::{Body, Bytes};
use std::collections::HashMap;

use axum::extract::{FromRequestParts, Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use depot_domain::tables::service::{self, etag, value_text, Created, Page, Total};
use depot_domain::tables::{Database, RowKey, Selection, Table, TablesError, Writer};
use depot_domain::{Actor, DomainError};
use http::request::Parts;
use http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use serde_json::{json, Map, Value};
use std::sync::Arc;

use super::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/db/{db}/", get(index).options(options))
        .route(
            "/db/{db}/{table}",
            get(collection).post(create).options(options),
        )
        .route(
            "/db/{db}/{table}/",
            get(collection).post(create).options(options),
        )
        .route("/db/{db}/{table}/meta", get(meta).options(options))
        .route(
            "/db/{db}/{table}/{key}",
            get(one)
                .put(upsert)
                .patch(update)
                .delete(remove)
                .options(options),
        )
        .route("/api/db/{db}/reload", post(reload))
}

/// sandman2's error envelope: `{"message": …}` (`null` for 404); 412 has Depot's own shape.
pub fn error_response(error: TablesError) -> Response {
    let (status, body) = match &error {
        TablesError::InvalidField(_)
        | TablesError::UnknownField(_)
        | TablesError::NoData
        | TablesError::NoJson
        | TablesError::MissingRequired(_)
        | TablesError::BadParameter(_) => (
            StatusCode::BAD_REQUEST,
            json!({"message": error.to_string()}),
        ),
        TablesError::NotFound => (StatusCode::NOT_FOUND, json!({"message": null})),
        TablesError::PreconditionFailed => (
            StatusCode::PRECONDITION_FAILED,
            json!({"status": 412, "error": "precondition failed"}),
        ),
        TablesError::Constraint { message, .. } => {
            (StatusCode::CONFLICT, json!({"message": message}))
        }
        TablesError::ReadOnly(message) => (StatusCode::FORBIDDEN, json!({"message": message})),
        TablesError::Domain(domain) => match domain {
            DomainError::Invalid(m) => (StatusCode::BAD_REQUEST, json!({"message": m})),
            DomainError::Unauthenticated(m) => (StatusCode::UNAUTHORIZED, json!({"message": m})),
            DomainError::Forbidden(m) => (StatusCode::FORBIDDEN, json!({"message": m})),
            DomainError::NotFound(_) => (StatusCode::NOT_FOUND, json!({"message": null})),
            DomainError::Conflict(m) => (StatusCode::CONFLICT, json!({"message": m})),
            unavailable @ DomainError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"message": unavailable.to_string()}),
            ),
            fault @ (DomainError::Store(_) | DomainError::Internal(_)) => {
                tracing::error!(error = %fault, "tables request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({"message": "internal server error"}),
                )
            }
        },
    };
    (status, Json(body)).into_response()
}

type Result<T> = std::result::Result<T, Response>;

fn refuse(error: impl Into<TablesError>) -> Response {
    error_response(error.into())
}

fn resolve(state: &AppState, db: &str, table: &str) -> Result<(Arc<Database>, Arc<Table>)> {
    let database = state.catalog.database(db).map_err(refuse)?;
    let table = database.table(table).map_err(refuse)?;
    Ok((database, table))
}

/// The table a request is about, for a caller allowed to do what the method asks: reading
/// for GET and HEAD, writing for everything else.
struct TableTarget {
    actor: Actor,
    database: Arc<Database>,
    table: Arc<Table>,
}

/// A [`TableTarget`] plus the row the last path segment names.
struct RowTarget {
    target: TableTarget,
    key: RowKey,
}

impl FromRequestParts<AppState> for TableTarget {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let actor = parts
            .extensions
            .get::<Actor>()
            .cloned()
            .ok_or_else(|| refuse(DomainError::Internal("no caller".into())))?;
        // Reading is asked of everyone here; a write's role is checked by its service.
        actor.require_read().map_err(refuse)?;
        let Path(path) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| refuse(TablesError::NotFound))?;
        let (db, table) = (
            path.get("db").cloned().unwrap_or_default(),
            path.get("table").cloned().unwrap_or_default(),
        );
        let (database, table) = resolve(state, &db, &table)?;
        Ok(Self {
            actor,
            database,
            table,
        })
    }
}

impl FromRequestParts<AppState> for RowTarget {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let target = TableTarget::from_request_parts(parts, state).await?;
        let key = RowKey::parse(&target.table, raw_key(&parts.uri)).map_err(refuse)?;
        Ok(Self { target, key })
    }
}

fn params(query: Option<String>) -> Vec<(String, String)> {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// The row's last path segment, still percent-encoded, so a comma inside a key part (`%2C`)
/// is not taken for the separator.
fn raw_key(uri: &Uri) -> &str {
    uri.path().rsplit('/').next().unwrap_or_default()
}

fn json_body(body: &Bytes) -> Option<Value> {
    serde_json::from_slice(body).ok()
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn with_etag(mut response: Response, tag: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(tag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// No `If-Match`, or one naming the current tag (or `*`).
fn if_match_admits(headers: &HeaderMap, tag: &str) -> bool {
    header_text(headers, header::IF_MATCH).is_none_or(|h| service::if_match_admits(h, tag))
}

fn not_modified(headers: &HeaderMap, tag: &str) -> bool {
    header_text(headers, header::IF_NONE_MATCH).is_some_and(|h| service::if_match_admits(h, tag))
}

async fn options() -> Response {
    (
        StatusCode::NO_CONTENT,
        [(
            header::ALLOW,
            "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS",
        )],
    )
        .into_response()
}

/// `GET /db/{db}/`: each table and the shape of its row URLs, relative to `/db/{db}`.
async fn index(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(db): Path<String>,
) -> Response {
    if let Err(e) = actor.require_read() {
        return refuse(e);
    }
    let database = match state.catalog.database(&db) {
        Ok(database) => database,
        Err(e) => return refuse(e),
    };
    let index: Map<String, Value> = database
        .tables
        .values()
        .map(|t| {
            let key: Vec<&str> = t.key_columns().map(|c| c.name.as_str()).collect();
            let shape = if key.is_empty() {
                format!("/{}", t.resource)
            } else {
                format!("/{}{{/{}}}", t.resource, key.join(","))
            };
            (t.name.clone(), Value::String(shape))
        })
        .collect();
    Json(index).into_response()
}

/// `GET /db/{db}/{t}/meta`: each column's declared type, ` (required)` when NOT NULL.
async fn meta(TableTarget { table, .. }: TableTarget) -> Response {
    let meta: Map<String, Value> = table
        .columns
        .iter()
        .map(|c| {
            let required = if c.not_null { " (required)" } else { "" };
            (
                c.name.clone(),
                Value::String(format!("{}{required}", c.meta_type())),
            )
        })
        .collect();
    Json(meta).into_response()
}

/// The single-row `Link` header: itself, then each row it refers to by foreign key.
fn row_links(database: &Database, table: &Table, row: &Map<String, Value>) -> String {
    let own = format!(
        "/db/{}/{}/{}",
        database.name,
        table.resource,
        RowKey::of(table, row)
    );
    let mut links = vec![
        format!("<{own}>; rel=self"),
        format!("<{own}>; rel=related"),
    ];
    for fk in &table.foreign_keys {
        let values: Vec<&Value> = fk
            .columns
            .iter()
            .map(|c| row.get(c).unwrap_or(&Value::Null))
            .collect();
        if values.iter().any(|v| v.is_null()) {
            continue;
        }
        if let Some(target) = database.table_by_name(&fk.table) {
            let key: Vec<String> = values.iter().map(|v| value_text(v)).collect();
            links.push(format!(
                "</db/{}/{}/{}>; rel=related",
                database.name,
                target.resource,
                key.join(",")
            ));
        }
    }
    links.join(", ")
}

fn row_response(
    status: StatusCode,
    database: &Database,
    table: &Table,
    row: &Map<String, Value>,
) -> Response {
    let tag = etag(row);
    let mut response = (status, Json(row)).into_response();
    if let Ok(link) = HeaderValue::from_str(&row_links(database, table, row)) {
        response.headers_mut().insert(header::LINK, link);
    }
    with_etag(response, &tag)
}

async fn one(RowTarget { target, key }: RowTarget, headers: HeaderMap) -> Response {
    let TableTarget {
        database, table, ..
    } = target;
    match service::get(&database, &table, &key).await {
        // RFC 9110 §13.2.2: If-Match first, on reads too (sandman2 does it).
        Ok(Some(row)) if !if_match_admits(&headers, &etag(&row)) => {
            refuse(TablesError::PreconditionFailed)
        }
        Ok(Some(row)) if not_modified(&headers, &etag(&row)) => {
            with_etag(StatusCode::NOT_MODIFIED.into_response(), &etag(&row))
        }
        Ok(Some(row)) => row_response(StatusCode::OK, &database, &table, &row),
        Ok(None) => refuse(TablesError::NotFound),
        Err(e) => refuse(e),
    }
}

/// A query string without the given keys, for building paging links.
fn query_without(params: &[(String, String)], drop: &[&str]) -> Vec<(String, String)> {
    params
        .iter()
        .filter(|(k, _)| !drop.contains(&k.as_str()))
        .cloned()
        .collect()
}

fn link(base: &str, params: &[(String, String)], extra: &[(&str, String)], rel: &str) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        serializer.append_pair(k, v);
    }
    for (k, v) in extra {
        serializer.append_pair(k, v);
    }
    let query = serializer.finish();
    if query.is_empty() {
        format!("<{base}>; rel={rel}")
    } else {
        format!("<{base}?{query}>; rel={rel}")
    }
}

fn collection_links(
    base: &str,
    params: &[(String, String)],
    selection: &Selection,
    page: &Page,
) -> Vec<String> {
    use depot_domain::tables::selection::Paging;
    let mut links = Vec::new();
    match &selection.paging {
        Paging::Page { page: number, size } => {
            let rest = query_without(params, &["page", "limit"]);
            let at = |n: u64| vec![("page", n.to_string()), ("limit", size.to_string())];
            links.push(link(base, &rest, &at(1), "first"));
            if *number > 1 {
                links.push(link(base, &rest, &at(number - 1), "prev"));
            }
            let (Total::Exact(total) | Total::Estimate(total)) = page.total;
            let last = ((total.max(0) as u64).div_ceil(*size)).max(1);
            if *number < last {
                links.push(link(base, &rest, &at(number + 1), "next"));
            }
            links.push(link(base, &rest, &at(last), "last"));
        }
        Paging::First { .. } | Paging::After { .. } => {
            let rest = query_without(params, &["after"]);
            links.push(link(
                base,
                &query_without(params, &["after", "page"]),
                &[],
                "first",
            ));
            if let Some(cursor) = &page.next_cursor {
                links.push(link(base, &rest, &[("after", cursor.clone())], "next"));
            }
        }
    }
    links
}

fn wants_ndjson(headers: &HeaderMap) -> bool {
    header_text(headers, header::ACCEPT).is_some_and(|a| a.contains("application/x-ndjson"))
}

async fn collection(
    State(state): State<AppState>,
    TableTarget {
        database, table, ..
    }: TableTarget,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let params = params(query);
    let selection = match Selection::parse(&table, &params) {
        Ok(selection) => selection,
        Err(e) => return refuse(e),
    };
    if selection.export {
        return stream_rows(&database, &table, &selection, Format::Csv);
    }
    if wants_ndjson(&headers) {
        return stream_rows(&database, &table, &selection, Format::Ndjson);
    }
    let page = match service::list(
        &database,
        &table,
        &selection,
        state.catalog.exact_count_limit(),
    )
    .await
    {
        Ok(page) => page,
        Err(e) => return refuse(e),
    };
    let body = serde_json::to_vec(&json!({"resources": page.rows})).unwrap_or_default();
    let tag = service::body_etag(&body);
    let base = format!("/db/{}/{}/", database.name, table.resource);
    let links = collection_links(&base, &params, &selection, &page);
    if not_modified(&headers, &tag) {
        return with_etag(StatusCode::NOT_MODIFIED.into_response(), &tag);
    }
    let mut response = ([(header::CONTENT_TYPE, "application/json")], body).into_response();
    let headers = response.headers_mut();
    match page.total {
        Total::Exact(n) => headers.insert("x-total-count", HeaderValue::from(n)),
        Total::Estimate(n) => headers.insert("x-total-count-estimate", HeaderValue::from(n)),
    };
    if let Ok(value) = HeaderValue::from_str(&links.join(", ")) {
        headers.insert(header::LINK, value);
    }
    with_etag(response, &tag)
}

enum Format {
    Csv,
    Ndjson,
}

/// RFC 4180: quote a field holding a comma, quote, CR or LF; double the quotes inside.
fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

fn csv_line(fields: impl Iterator<Item = String>) -> String {
    let mut line = fields.map(|f| csv_field(&f)).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

/// Streams the selection as CSV or NDJSON while the database produces it.
fn stream_rows(
    database: &Database,
    table: &Table,
    selection: &Selection,
    format: Format,
) -> Response {
    let mut receiver = match service::stream(database, table, selection) {
        Ok(receiver) => receiver,
        Err(e) => return refuse(e),
    };
    let table_for_rows = Arc::new(table.clone());
    let header_line = match format {
        Format::Csv => Some(csv_line(table.columns.iter().map(|c| c.name.clone()))),
        Format::Ndjson => None,
    };
    let is_csv = header_line.is_some();
    let body = async_stream(header_line, move |sender| async move {
        while let Some(item) = receiver.recv().await {
            let chunk = match item {
                Ok(values) if is_csv => csv_line(values.iter().map(value_text)),
                Ok(values) => {
                    let row = service::row_from_values(&table_for_rows, values);
                    let mut line = serde_json::to_string(&row).unwrap_or_default();
                    line.push('\n');
                    line
                }
                Err(error) => {
                    // Headers are gone already: end the body early so the client sees a
                    // truncated transfer rather than a silently short file.
                    tracing::error!(%error, "streaming rows failed");
                    let _ = sender
                        .send(Err(std::io::Error::other("streaming rows failed")))
                        .await;
                    return;
                }
            };
            if sender.send(Ok(Bytes::from(chunk))).await.is_err() {
                return;
            }
        }
    });
    let (content_type, disposition) = if is_csv {
        (
            "text/csv; charset=utf-8",
            Some(format!("attachment; filename=\"{}.csv\"", table.resource)),
        )
    } else {
        ("application/x-ndjson", None)
    };
    let mut response = Response::new(body);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Some(disposition) = disposition.and_then(|d| HeaderValue::from_str(&d).ok()) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, disposition);
    }
    response
}

/// A response body fed by a task through a small bounded channel.
fn async_stream<F, Fut>(first: Option<String>, produce: F) -> Body
where
    F: FnOnce(tokio::sync::mpsc::Sender<std::io::Result<Bytes>>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (sender, receiver) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(16);
    tokio::spawn(async move {
        if let Some(first) = first {
            if sender.send(Ok(Bytes::from(first))).await.is_err() {
                return;
            }
        }
        produce(sender).await;
    });
    Body::from_stream(tokio_stream_from(receiver))
}

fn tokio_stream_from(
    mut receiver: tokio::sync::mpsc::Receiver<std::io::Result<Bytes>>,
) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> {
    futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx))
}

/// The caller of a write, for the service to check and record.
fn writer<'a>(state: &'a AppState, target: &'a TableTarget) -> Writer<'a> {
    Writer {
        store: &state.store,
        actor: &target.actor,
    }
}

async fn create(State(state): State<AppState>, target: TableTarget, body: Bytes) -> Response {
    let body = json_body(&body);
    match service::create(
        writer(&state, &target),
        &target.database,
        &target.table,
        body,
    )
    .await
    {
        Ok(Created::Row(row)) => {
            let mut response =
                row_response(StatusCode::CREATED, &target.database, &target.table, &row);
            let location = format!(
                "/db/{}/{}/{}",
                target.database.name,
                target.table.resource,
                RowKey::of(&target.table, &row)
            );
            if let Ok(location) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, location);
            }
            response
        }
        Ok(Created::AlreadyExists) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => refuse(e),
    }
}

async fn upsert(
    State(state): State<AppState>,
    RowTarget { target, key }: RowTarget,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = json_body(&body);
    let if_match = header_text(&headers, header::IF_MATCH);
    let by = writer(&state, &target);
    match service::upsert(by, &target.database, &target.table, &key, body, if_match).await {
        Ok((row, created)) => {
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            row_response(status, &target.database, &target.table, &row)
        }
        Err(e) => refuse(e),
    }
}

async fn update(
    State(state): State<AppState>,
    RowTarget { target, key }: RowTarget,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = json_body(&body);
    let if_match = header_text(&headers, header::IF_MATCH);
    let by = writer(&state, &target);
    match service::update(by, &target.database, &target.table, &key, body, if_match).await {
        Ok(row) => row_response(StatusCode::OK, &target.database, &target.table, &row),
        Err(e) => refuse(e),
    }
}

async fn remove(
    State(state): State<AppState>,
    RowTarget { target, key }: RowTarget,
    headers: HeaderMap,
) -> Response {
    let if_match = header_text(&headers, header::IF_MATCH);
    let by = writer(&state, &target);
    match service::delete(by, &target.database, &target.table, &key, if_match).await {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => refuse(e),
    }
}

/// `POST /api/db/{db}/reload`: introspect a database again (admins), on every replica.
async fn reload(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(db): Path<String>,
) -> Response {
    match depot_domain::tables::reloads::request(&state.store, &state.catalog, &actor, &db).await {
        Ok(database) => Json(json!({"database": database.name, "tables": database.tables.values().map(|t| t.name.clone()).collect::<Vec<_>>()})).into_response(),
        Err(TablesError::NotFound) => super::error_response(StatusCode::NOT_FOUND, format!("no database named {db:?}")),
        Err(TablesError::Domain(error)) => {
            let refused = depot_app::api::ApiError::from(error);
            super::error_response(
                StatusCode::from_u16(refused.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                refused.error,
            )
        }
        Err(error) => {
            tracing::error!(%error, "reload failed");
            super::error_response(StatusCode::INTERNAL_SERVER_ERROR, "internal server error")
        }
    }
}
