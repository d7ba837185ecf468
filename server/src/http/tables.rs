//! The Tables surface, sandman2-compatible: `/db/{db}/…` (API.md §1). Parses the wire format,
//! calls `depot_domain::tables`, and renders results and errors as sandman2 does (refusals are
//! [`Sandman2Error`]s).

use axum::body::{Body, Bytes};

use axum::extract::{FromRequestParts, Path, RawQuery};
use axum::response::{IntoResponse, Response};
use axum::Json;
use depot_domain::tables::service::{self, body_etag, value_text, Created, Page, Row, Total};
use depot_domain::tables::{Database, RowKey, Selection, Table, TablesError, Writer};
use depot_domain::Actor;
use http::request::Parts;
use http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use serde_json::{Map, Value};
use std::sync::Arc;

use super::error::{DepotError, Sandman2Error};
use super::extract::{path_params, Caller};
use super::routes::{described, doc, get, post, Doc, Routes};
use super::AppState;

/// Column name → text: a database's table index, or a table's column types.
type Texts = std::collections::BTreeMap<String, String>;

fn rows() -> Doc {
    doc(
        "Rows, with filters (Col=, Col__gt= …), sort=, page=/limit=, after=, export; \
         X-Total-Count and Link headers; NDJSON with Accept: application/x-ndjson",
    )
    .query::<CollectionQuery>()
    .answers::<Resources>()
}

fn create_row() -> Doc {
    doc("Create a row from a JSON object (201, or 204 when an identical row exists)")
        .takes::<Row>()
        .created::<Row>()
}

pub fn routes() -> Routes {
    Routes::new("Tables (sandman2)")
        .answering_options(options)
        .route(
            "/db/{db}/",
            get(
                index,
                doc("Every table of a database and the shape of its row URLs").answers::<Texts>(),
            ),
        )
        .route(
            "/db/{db}/{table}",
            get(collection, rows()).post(create, create_row()),
        )
        .route(
            "/db/{db}/{table}/",
            get(collection, rows()).post(create, create_row()),
        )
        .route(
            "/db/{db}/{table}/meta",
            get(
                meta,
                doc("Each column's declared type, ' (required)' when NOT NULL").answers::<Texts>(),
            ),
        )
        .route(
            "/db/{db}/{table}/{key}",
            get(
                one,
                doc("One row (key parts separated by commas); ETag, If-None-Match, If-Match")
                    .answers::<Row>(),
            )
            .put(
                upsert,
                doc("Update the given fields, or create the row with this key (201); If-Match")
                    .takes::<Row>()
                    .answers::<Row>(),
            )
            .patch(
                update,
                doc("Update the given fields; If-Match")
                    .takes::<Row>()
                    .answers::<Row>(),
            )
            .delete(
                remove,
                doc("Delete the row; If-Match").answers_nothing(StatusCode::NO_CONTENT),
            ),
        )
        .merge(Routes::new("Tables (sandman2)").route(
            "/api/db/{db}/reload",
            post(
                reload,
                doc("Introspect a database again, on every replica (admin)").answers::<Reloaded>(),
            ),
        ))
}

described! {
    /// The parameters a table's rows are asked with; besides these, any column as a filter:
    /// `Col=value`, `Col__gt=`, `__gte`, `__lt`, `__lte`, `__ne`, `__like`, `__ilike`,
    /// `__in=a,b`, `__null=true|false`. [`Selection::parse`] reads them all from the raw query.
    CollectionQuery {
        "type": "object",
        "properties": {
            "sort": {"type": "string", "description": "columns to sort by, comma-separated; -col for descending"},
            "page": {"type": "integer", "minimum": 1, "description": "the page, from 1"},
            "limit": {"type": "integer", "minimum": 1, "description": "rows per page"},
            "after": {"type": "string", "description": "the key after which the page starts (instead of page)"},
            "export": {"type": "string", "description": "present: the whole selection as CSV"},
        },
    }
}

/// A page of rows.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Resources {
    resources: Vec<Row>,
}

/// A database after its tables were read again.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Reloaded {
    database: String,
    tables: Vec<String>,
}

type Result<T, E = Sandman2Error> = std::result::Result<T, E>;

fn resolve(state: &AppState, db: &str, table: &str) -> Result<(Arc<Database>, Arc<Table>)> {
    let database = state.catalog.database(db)?;
    let table = database.table(table)?;
    Ok((database, table))
}

/// The table a request is about, for a caller allowed to do what the method asks: reading
/// for GET and HEAD, writing for everything else.
struct TableTarget {
    state: AppState,
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
    type Rejection = Sandman2Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let Caller { state, actor } = Caller::of(parts, state)?;
        // Reading is asked of everyone here; a write's role is checked by its service.
        actor.require_read()?;
        let path = path_params(parts, &state).await?;
        let part = |name: &str| path.get(name).map(String::as_str).unwrap_or_default();
        let (database, table) = resolve(&state, part("db"), part("table"))?;
        Ok(Self {
            state,
            actor,
            database,
            table,
        })
    }
}

impl FromRequestParts<AppState> for RowTarget {
    type Rejection = Sandman2Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let target = TableTarget::from_request_parts(parts, state).await?;
        let key = RowKey::parse(&target.table, raw_key(&parts.uri))?;
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
async fn index(Caller { state, actor }: Caller, Path(db): Path<String>) -> Result<Response> {
    actor.require_read()?;
    let database = state.catalog.database(&db)?;
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
    Ok(Json(index).into_response())
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
    let (json, tag) = answer_body(row);
    row_answer(status, database, table, row, json, &tag)
}

/// A row's JSON as answered and the ETag of exactly those bytes, made once per answer (the
/// same validator as [`etag`]: it is the SHA-256 of this JSON).
fn answer_body(row: &Map<String, Value>) -> (Vec<u8>, String) {
    let json = serde_json::to_vec(row).unwrap_or_default();
    let tag = body_etag(&json);
    (json, tag)
}

fn row_answer(
    status: StatusCode,
    database: &Database,
    table: &Table,
    row: &Map<String, Value>,
    json: Vec<u8>,
    tag: &str,
) -> Response {
    let content_type = HeaderValue::from_static("application/json");
    let mut response = (status, [(header::CONTENT_TYPE, content_type)], json).into_response();
    if let Ok(link) = HeaderValue::from_str(&row_links(database, table, row)) {
        response.headers_mut().insert(header::LINK, link);
    }
    with_etag(response, tag)
}

async fn one(RowTarget { target, key }: RowTarget, headers: HeaderMap) -> Result<Response> {
    let TableTarget {
        database, table, ..
    } = target;
    let row = service::get(&database, &table, &key)
        .await?
        .ok_or(TablesError::NotFound)?;
    let (json, tag) = answer_body(&row);
    // RFC 9110 §13.2.2: If-Match first, on reads too (sandman2 does it).
    if !if_match_admits(&headers, &tag) {
        return Err(TablesError::PreconditionFailed.into());
    }
    if not_modified(&headers, &tag) {
        return Ok(with_etag(StatusCode::NOT_MODIFIED.into_response(), &tag));
    }
    Ok(row_answer(
        StatusCode::OK,
        &database,
        &table,
        &row,
        json,
        &tag,
    ))
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
    TableTarget {
        state,
        database,
        table,
        ..
    }: TableTarget,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response> {
    let params = params(query);
    let selection = Selection::parse(&table, &params)?;
    if selection.export {
        return stream_rows(&database, &table, &selection, Format::Csv);
    }
    if wants_ndjson(&headers) {
        return stream_rows(&database, &table, &selection, Format::Ndjson);
    }
    let limit = state.catalog.exact_count_limit();
    let mut page = service::list(&database, &table, &selection, limit).await?;
    let body = serde_json::to_vec(&Resources {
        resources: std::mem::take(&mut page.rows),
    })
    .unwrap_or_default();
    let tag = body_etag(&body);
    let base = format!("/db/{}/{}/", database.name, table.resource);
    let links = collection_links(&base, &params, &selection, &page);
    if not_modified(&headers, &tag) {
        return Ok(with_etag(StatusCode::NOT_MODIFIED.into_response(), &tag));
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
    Ok(with_etag(response, &tag))
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
) -> Result<Response> {
    let mut receiver = service::stream(database, table, selection)?;
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
    Ok(response)
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
fn writer(target: &TableTarget) -> Writer<'_> {
    Writer {
        store: &target.state.store,
        actor: &target.actor,
    }
}

async fn create(target: TableTarget, body: Bytes) -> Result<Response> {
    let body = json_body(&body);
    let created = service::create(writer(&target), &target.database, &target.table, body).await?;
    Ok(match created {
        Created::Row(row) => {
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
        Created::AlreadyExists => StatusCode::NO_CONTENT.into_response(),
    })
}

async fn upsert(
    RowTarget { target, key }: RowTarget,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let body = json_body(&body);
    let if_match = header_text(&headers, header::IF_MATCH);
    let by = writer(&target);
    let (row, created) =
        service::upsert(by, &target.database, &target.table, &key, body, if_match).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(row_response(status, &target.database, &target.table, &row))
}

async fn update(
    RowTarget { target, key }: RowTarget,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let body = json_body(&body);
    let if_match = header_text(&headers, header::IF_MATCH);
    let by = writer(&target);
    let row = service::update(by, &target.database, &target.table, &key, body, if_match).await?;
    Ok(row_response(
        StatusCode::OK,
        &target.database,
        &target.table,
        &row,
    ))
}

async fn remove(RowTarget { target, key }: RowTarget, headers: HeaderMap) -> Result<Response> {
    let if_match = header_text(&headers, header::IF_MATCH);
    service::delete(
        writer(&target),
        &target.database,
        &target.table,
        &key,
        if_match,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /api/db/{db}/reload`: introspect a database again (admins), on every replica.
async fn reload(
    Caller { state, actor }: Caller,
    Path(db): Path<String>,
) -> Result<Response, DepotError> {
    let reloads = depot_domain::tables::reloads::request(&state.store, &state.catalog, &actor, &db);
    let database = reloads.await.map_err(|error| match error {
        TablesError::NotFound => {
            DepotError::new(StatusCode::NOT_FOUND, format!("no database named {db:?}"))
        }
        other => other.into(),
    })?;
    let tables = database.tables.values().map(|t| t.name.clone()).collect();
    Ok(Json(Reloaded {
        database: database.name.clone(),
        tables,
    })
    .into_response())
}
