//! Reading and writing rows of an attached table. Each write is one transaction on the table's
//! own database; a conditional write (`If-Match`) locks the row it compares.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use super::backend::{constraint_error, quote, read_error, CellKind, Connection, Tx};
use super::catalog::{Column, Database, Table};
use super::error::{TablesError, TablesResult};
use super::foreign_keys::{self, Refused};
use super::selection::{encode_cursor, Filter, Operator, Paging, Selection, SortKey};
use super::written::{self, Writer};
use crate::store::query::Query;

/// One row: column name → value, in table order.
pub type Row = Map<String, Value>;

/// The primary-key values that address one row, as text, in key order.
#[derive(Clone, Debug, PartialEq)]
pub struct RowKey(pub Vec<String>);

impl RowKey {
    /// Parses the last path segment: the key values separated by commas, each percent-encoded.
    pub fn parse(table: &Table, segment: &str) -> TablesResult<Self> {
        let parts: Vec<String> = segment
            .split(',')
            .map(|part| {
                percent_encoding::percent_decode_str(part)
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .collect();
        if parts.len() != table.primary_key.len() {
            return Err(TablesError::NotFound);
        }
        Ok(Self(parts))
    }

    /// The key of `row` in `table`, as it appears in a URL.
    pub fn of(table: &Table, row: &Row) -> String {
        table
            .key_columns()
            .map(|c| {
                percent_encoding::utf8_percent_encode(
                    &value_text(row.get(&c.name).unwrap_or(&Value::Null)),
                    KEY_PART,
                )
                .to_string()
            })
            .collect::<Vec<_>>()
            .join(",")
    }
}

const KEY_PART: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A value as the text Depot binds and writes into CSV.
pub fn value_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The strong validator of a row's current content.
pub fn etag(row: &Row) -> String {
    body_etag(&serde_json::to_vec(row).unwrap_or_default())
}

/// The strong validator of a response body (collections).
pub fn body_etag(body: &[u8]) -> String {
    format!("\"{}\"", hex::encode(&Sha256::digest(body)[..16]))
}

/// Whether an `If-Match` header value admits a row with `current` ETag.
pub fn if_match_admits(header: &str, current: &str) -> bool {
    header
        .split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == current)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Total {
    Exact(i64),
    /// From statistics, for tables too large to count on every request.
    Estimate(i64),
}

pub struct Page {
    pub rows: Vec<Row>,
    pub total: Total,
    /// The cursor of the rows after this page, if there are more (keyset paging).
    pub next_cursor: Option<String>,
}

fn row_of(table: &Table, values: Vec<Value>) -> Row {
    table
        .columns
        .iter()
        .map(|c| c.name.clone())
        .zip(values)
        .collect()
}

fn select_list(connection: &Connection, table: &Table) -> String {
    table
        .columns
        .iter()
        .map(|c| connection.select_expr(c))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A bound value for `column` from caller text, in the form the backend compares and stores.
pub(super) fn bind_value(
    query: &mut Query,
    connection: &Connection,
    column: &Column,
    text: Option<String>,
) -> String {
    // SQLite keeps datetimes as text; Depot shows them with a `T` and stores them with a space,
    // as SQLAlchemy does, so comparisons and sort order agree.
    let text = match (column.kind, text) {
        (CellKind::Dynamic { datetime: true, .. }, Some(t))
            if t.len() >= 19 && t.as_bytes()[10] == b'T' =>
        {
            Some(format!("{} {}", &t[..10], &t[11..]))
        }
        (_, text) => text,
    };
    let placeholder = query.bind(text);
    connection.value_expr(column, &placeholder)
}

/// The conditions of a selection: its filters, and its search over every column.
fn conditions(
    connection: &Connection,
    table: &Table,
    selection: &Selection,
    query: &mut Query,
) -> Vec<String> {
    let mut conditions = where_clause(connection, table, &selection.filters, query);
    if let Some(text) = &selection.search {
        let pattern = format!(
            "%{}%",
            text.replace('/', "//")
                .replace('%', "/%")
                .replace('_', "/_")
        );
        let any_column: Vec<String> = table
            .columns
            .iter()
            .map(|column| {
                let placeholder = query.bind(Some(pattern.clone()));
                format!(
                    "{} {} {placeholder} ESCAPE '/'",
                    connection.text_expr(column),
                    connection.ilike()
                )
            })
            .collect();
        conditions.push(format!("({})", any_column.join(" OR ")));
    }
    conditions
}

fn where_clause(
    connection: &Connection,
    table: &Table,
    filters: &[Filter],
    query: &mut Query,
) -> Vec<String> {
    filters
        .iter()
        .map(|filter| {
            let column = &table.columns[filter.column];
            let name = quote(&column.name);
            let compare = |op: &str, query: &mut Query| {
                let value = bind_value(query, connection, column, Some(filter.value.clone()));
                format!("{name} {op} {value}")
            };
            match &filter.operator {
                Operator::Eq => compare("=", query),
                Operator::Ne => compare("<>", query),
                Operator::Gt => compare(">", query),
                Operator::Gte => compare(">=", query),
                Operator::Lt => compare("<", query),
                Operator::Lte => compare("<=", query),
                Operator::Like | Operator::ILike => {
                    let op = if filter.operator == Operator::Like {
                        "LIKE"
                    } else {
                        connection.ilike()
                    };
                    let pattern = query.bind(Some(filter.value.clone()));
                    format!("{} {op} {pattern} ESCAPE '/'", connection.text_expr(column))
                }
                Operator::In(values) => {
                    let list: Vec<String> = values
                        .iter()
                        .map(|v| bind_value(query, connection, column, Some(v.clone())))
                        .collect();
                    format!("{name} IN ({})", list.join(", "))
                }
                Operator::Null(true) => format!("{name} IS NULL"),
                Operator::Null(false) => format!("{name} IS NOT NULL"),
            }
        })
        .collect()
}

/// The full ordering: the requested keys, then the primary key, so every row has one place.
fn ordering(table: &Table, sort: &[SortKey]) -> Vec<SortKey> {
    let mut order = sort.to_vec();
    for &column in &table.primary_key {
        if !order.iter().any(|k| k.column == column) {
            order.push(SortKey {
                column,
                descending: false,
            });
        }
    }
    order
}

fn order_by(table: &Table, order: &[SortKey]) -> String {
    if order.is_empty() {
        return String::new();
    }
    let keys: Vec<String> = order
        .iter()
        .map(|k| {
            let name = quote(&table.columns[k.column].name);
            // Spelled out: SQLite and PostgreSQL place NULLs differently by default.
            if k.descending {
                format!("{name} DESC NULLS LAST")
            } else {
                format!("{name} ASC NULLS FIRST")
            }
        })
        .collect();
    format!(" ORDER BY {}", keys.join(", "))
}

/// Rows strictly after `cursor` in `order`: (k1 after v1) or (k1 = v1 and k2 after v2) or …
fn keyset_condition(
    connection: &Connection,
    table: &Table,
    order: &[SortKey],
    cursor: &[Value],
    query: &mut Query,
) -> TablesResult<String> {
    let fits = |key: &SortKey, value: &Value| {
        let kind = table.columns[key.column].kind;
        match value {
            Value::Null => true,
            Value::Number(n) => !kind.is_integer() || n.is_i64(),
            Value::String(_) | Value::Bool(_) => !kind.is_number(),
            _ => false,
        }
    };
    if cursor.len() != order.len()
        || order.is_empty()
        || !order.iter().zip(cursor).all(|(k, v)| fits(k, v))
    {
        return Err(TablesError::BadParameter(
            "after must be a cursor taken from a next link of the same sort".into(),
        ));
    }
    let mut alternatives = Vec::new();
    for i in 0..order.len() {
        let mut parts = Vec::new();
        for j in 0..=i {
            let key = order[j];
            let column = &table.columns[key.column];
            let name = quote(&column.name);
            let value = &cursor[j];
            let part = if j < i {
                match value {
                    Value::Null => format!("{name} IS NULL"),
                    v => format!(
                        "{name} = {}",
                        bind_value(query, connection, column, Some(value_text(v)))
                    ),
                }
            } else {
                match (value, key.descending) {
                    (Value::Null, false) => format!("{name} IS NOT NULL"),
                    (Value::Null, true) => "1 = 0".to_string(),
                    (v, false) => format!(
                        "{name} > {}",
                        bind_value(query, connection, column, Some(value_text(v)))
                    ),
                    (v, true) => format!(
                        "({name} < {} OR {name} IS NULL)",
                        bind_value(query, connection, column, Some(value_text(v)))
                    ),
                }
            };
            parts.push(part);
        }
        alternatives.push(format!("({})", parts.join(" AND ")));
    }
    Ok(format!("({})", alternatives.join(" OR ")))
}

fn select_query(
    connection: &Connection,
    table: &Table,
    selection: &Selection,
    page_limit: Option<u64>,
) -> TablesResult<(Query, Vec<SortKey>)> {
    let mut query = Query::new(format!(
        "SELECT {} FROM {}",
        select_list(connection, table),
        quote(&table.name)
    ));
    let mut conditions = conditions(connection, table, selection, &mut query);
    let order = ordering(table, &selection.sort);
    if let Paging::After { cursor, .. } = &selection.paging {
        conditions.push(keyset_condition(
            connection, table, &order, cursor, &mut query,
        )?);
    }
    if !conditions.is_empty() {
        query.push(&format!(" WHERE {}", conditions.join(" AND ")));
    }
    query.push(&order_by(table, &order));
    match (&selection.paging, page_limit) {
        (Paging::Page { page, size }, limit) => {
            let offset = (page - 1).saturating_mul(*size);
            query.push(&format!(
                " LIMIT {} OFFSET {offset}",
                limit.unwrap_or(*size)
            ));
        }
        (_, Some(limit)) => {
            query.push(&format!(" LIMIT {limit}"));
        }
        (_, None) => {}
    }
    Ok((query, order))
}

/// One page of a collection, with its total and the cursor of the next page.
pub async fn list(
    database: &Database,
    table: &Table,
    selection: &Selection,
    exact_count_limit: i64,
) -> TablesResult<Page> {
    let connection = &database.connection;
    let limit = match &selection.paging {
        Paging::Page { size, .. } => *size,
        Paging::First { limit, .. } | Paging::After { limit, .. } => *limit,
    };
    // One row more than asked tells whether another page follows.
    let (query, order) = select_query(connection, table, selection, Some(limit + 1))?;
    let mut rows: Vec<Row> = connection
        .rows(&query, &table.columns)
        .await
        .map_err(read_error)?
        .into_iter()
        .map(|v| row_of(table, v))
        .collect();
    let mut next_cursor = None;
    if rows.len() as u64 > limit {
        rows.truncate(limit as usize);
        // Keyset paging needs a total order: the primary key completes every ordering.
        if !table.primary_key.is_empty() {
            let last = rows.last().expect("limit is at least 1");
            let values: Vec<Value> = order
                .iter()
                .map(|k| {
                    last.get(&table.columns[k.column].name)
                        .cloned()
                        .unwrap_or(Value::Null)
                })
                .collect();
            next_cursor = Some(encode_cursor(&values));
        }
    }
    let total = total(connection, table, selection, exact_count_limit).await?;
    Ok(Page {
        rows,
        total,
        next_cursor,
    })
}

async fn total(
    connection: &Connection,
    table: &Table,
    selection: &Selection,
    exact_count_limit: i64,
) -> TablesResult<Total> {
    if selection.filters.is_empty() && selection.search.is_none() {
        if let Some(estimate) = connection.estimate_rows(table).await? {
            if estimate > exact_count_limit {
                return Ok(Total::Estimate(estimate));
            }
        }
    }
    let mut query = Query::new(format!("SELECT COUNT(*) FROM {}", quote(&table.name)));
    let conditions = conditions(connection, table, selection, &mut query);
    if !conditions.is_empty() {
        query.push(&format!(" WHERE {}", conditions.join(" AND ")));
    }
    Ok(Total::Exact(
        connection.count(&query).await.map_err(read_error)?,
    ))
}

/// Every row of the selection, streamed (export and NDJSON). `page`/`limit` are honoured;
/// without them the whole selection streams, uncapped.
pub fn stream(
    database: &Database,
    table: &Table,
    selection: &Selection,
) -> TablesResult<mpsc::Receiver<TablesResult<Vec<Value>>>> {
    let limit = match &selection.paging {
        Paging::First { capped: true, .. } | Paging::Page { .. } => None,
        Paging::First { limit, .. } | Paging::After { limit, .. } => Some(*limit),
    };
    let (query, _) = select_query(&database.connection, table, selection, limit)?;
    Ok(database.connection.stream(query, table.columns.clone()))
}

pub fn row_from_values(table: &Table, values: Vec<Value>) -> Row {
    row_of(table, values)
}

fn key_condition(
    connection: &Connection,
    table: &Table,
    key: &RowKey,
    query: &mut Query,
) -> String {
    table
        .key_columns()
        .zip(&key.0)
        .map(|(column, value)| {
            format!(
                "{} = {}",
                quote(&column.name),
                bind_value(query, connection, column, Some(value.clone()))
            )
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// A key that cannot be a value of the key's type (`/artist/abc` on an integer key) names no row.
fn key_fits(table: &Table, key: &RowKey) -> bool {
    table
        .key_columns()
        .zip(&key.0)
        .all(|(column, value)| !column.kind.is_integer() || value.parse::<i64>().is_ok())
}

pub async fn get(database: &Database, table: &Table, key: &RowKey) -> TablesResult<Option<Row>> {
    if table.primary_key.is_empty() || !key_fits(table, key) {
        return Ok(None);
    }
    let connection = &database.connection;
    let mut query = Query::new(format!(
        "SELECT {} FROM {} WHERE ",
        select_list(connection, table),
        quote(&table.name)
    ));
    let condition = key_condition(connection, table, key, &mut query);
    query.push(&condition);
    Ok(connection
        .rows(&query, &table.columns)
        .await?
        .into_iter()
        .next()
        .map(|v| row_of(table, v)))
}

async fn locked_row(
    tx: &mut Tx,
    connection: &Connection,
    table: &Table,
    key: &RowKey,
) -> TablesResult<Option<Row>> {
    if !key_fits(table, key) {
        return Ok(None);
    }
    let mut query = Query::new(format!(
        "SELECT {} FROM {} WHERE ",
        select_list(connection, table),
        quote(&table.name)
    ));
    let condition = key_condition(connection, table, key, &mut query);
    query.push(&condition);
    query.push(connection.lock_clause());
    Ok(tx
        .rows(&query, &table.columns)
        .await?
        .into_iter()
        .next()
        .map(|v| row_of(table, v)))
}

/// The fields of a write body, checked: known columns only, values of the right kind.
fn fields<'a>(
    table: &'a Table,
    body: &Map<String, Value>,
    refuse_autoincrement: bool,
) -> TablesResult<Vec<(&'a Column, Option<String>)>> {
    let mut fields = Vec::new();
    for (name, value) in body {
        let column = table
            .column(name)
            .map(|i| &table.columns[i])
            .filter(|c| !(refuse_autoincrement && c.autoincrement))
            .ok_or_else(|| TablesError::UnknownField(name.clone()))?;
        fields.push((column, field_text(column, value)?));
    }
    Ok(fields)
}

fn field_text(column: &Column, value: &Value) -> TablesResult<Option<String>> {
    let fits = match value {
        Value::Null => true,
        Value::Number(n) if column.kind.is_integer() => n.is_i64() || n.is_u64(),
        Value::String(s) if column.kind.is_integer() => s.trim().parse::<i64>().is_ok(),
        Value::String(s) if column.kind.is_number() => s.trim().parse::<f64>().is_ok(),
        Value::Bool(_) | Value::Array(_) | Value::Object(_) if column.kind.is_number() => false,
        _ => true,
    };
    if !fits {
        let expected = if column.kind.is_integer() {
            "whole numbers"
        } else {
            "numbers"
        };
        return Err(TablesError::constraint(
            format!("{} takes {expected}, not {value}", column.name),
            Some(column.name.clone()),
        ));
    }
    Ok(match value {
        Value::Null => None,
        Value::Bool(b) if matches!(column.kind, CellKind::Dynamic { .. }) => {
            Some(if *b { "1" } else { "0" }.into())
        }
        other => Some(value_text(other)),
    })
}

fn body_object(body: Option<Value>, missing: TablesError) -> TablesResult<Map<String, Value>> {
    match body {
        Some(Value::Object(map)) if !map.is_empty() => Ok(map),
        _ => Err(missing),
    }
}

fn insert_query(
    connection: &Connection,
    table: &Table,
    fields: &[(&Column, Option<String>)],
) -> Query {
    let mut query = Query::new(format!("INSERT INTO {}", quote(&table.name)));
    if fields.is_empty() {
        query.push(" DEFAULT VALUES");
    } else {
        let names: Vec<String> = fields.iter().map(|(c, _)| quote(&c.name)).collect();
        let values: Vec<String> = fields
            .iter()
            .map(|(c, v)| bind_value(&mut query, connection, c, v.clone()))
            .collect();
        query.push(&format!(
            " ({}) VALUES ({})",
            names.join(", "),
            values.join(", ")
        ));
    }
    query.push(&format!(" RETURNING {}", select_list(connection, table)));
    query
}

fn missing_required(table: &Table, fields: &[(&Column, Option<String>)]) -> TablesResult<()> {
    let missing: Vec<String> = table
        .columns
        .iter()
        .filter(|c| c.required() && !fields.iter().any(|(f, _)| f.name == c.name))
        .map(|c| c.name.clone())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(TablesError::MissingRequired(missing))
    }
}

pub enum Created {
    Row(Row),
    /// sandman2: a POST equal to an existing row creates nothing (204).
    AlreadyExists,
}

/// POST: creates a row from `body`.
pub async fn create(
    by: Writer<'_>,
    database: &Database,
    table: &Table,
    body: Option<Value>,
) -> TablesResult<Created> {
    by.actor.require_write()?;
    table.check_writable()?;
    let connection = &database.connection;
    let body = body_object(body, TablesError::NoData)?;
    let given: Vec<String> = body.keys().cloned().collect();
    let fields = fields(table, &body, true)?;
    missing_required(table, &fields)?;
    let mut tx = connection.begin().await?;
    let mut probe = Query::new(format!(
        "SELECT {} FROM {} WHERE ",
        select_list(connection, table),
        quote(&table.name)
    ));
    let conditions: Vec<String> = fields
        .iter()
        .map(|(c, v)| match v {
            None => format!("{} IS NULL", quote(&c.name)),
            Some(_) => format!(
                "{} = {}",
                quote(&c.name),
                bind_value(&mut probe, connection, c, v.clone())
            ),
        })
        .collect();
    probe.push(&conditions.join(" AND "));
    probe.push(" LIMIT 1");
    if !tx
        .rows(&probe, &table.columns)
        .await
        .map_err(|_| TablesError::constraint("a value does not fit its column", None))?
        .is_empty()
    {
        return Ok(Created::AlreadyExists);
    }
    let query = insert_query(connection, table, &fields);
    let row = match tx.rows(&query, &table.columns).await {
        Ok(rows) => rows.into_iter().next().map(|v| row_of(table, v)),
        Err(error) => {
            return Err(refusal(&mut tx, database, table, Refused::Write(&fields), error).await)
        }
    };
    tx.commit().await?;
    let row = row.ok_or(TablesError::NotFound)?;
    written::record(by, database, table, &row, "create", given).await;
    Ok(Created::Row(row))
}

fn unwrap_constraint(error: TablesError) -> TablesError {
    match error {
        TablesError::Domain(crate::error::DomainError::Store(e)) => constraint_error(e),
        other => other,
    }
}

/// A write the database refused, its reason named (for a broken reference: see `foreign_keys`).
async fn refusal(
    tx: &mut Tx,
    database: &Database,
    table: &Table,
    refused: Refused<'_>,
    error: TablesError,
) -> TablesError {
    let error = unwrap_constraint(error);
    if foreign_keys::is_unexplained(&error) {
        if let Some(named) = foreign_keys::explain(tx, database, table, refused).await {
            return named;
        }
    }
    error
}

fn check_precondition(current: Option<&Row>, if_match: Option<&str>) -> TablesResult<()> {
    match (if_match, current) {
        (None, _) => Ok(()),
        (Some(header), Some(row)) if if_match_admits(header, &etag(row)) => Ok(()),
        (Some(_), _) => Err(TablesError::PreconditionFailed),
    }
}

/// PUT: updates the given fields of the row at `key`, or creates it with that key.
/// Returns the row and whether it was created.
pub async fn upsert(
    by: Writer<'_>,
    database: &Database,
    table: &Table,
    key: &RowKey,
    body: Option<Value>,
    if_match: Option<&str>,
) -> TablesResult<(Row, bool)> {
    by.actor.require_write()?;
    table.check_writable()?;
    let connection = &database.connection;
    let mut body = body_object(body, TablesError::NoData)?;
    let given: Vec<String> = body.keys().cloned().collect();
    // The key comes from the URL; a body that names it must agree.
    for (column, value) in table.key_columns().zip(&key.0) {
        if let Some(given) = body.get(&column.name) {
            if value_text(given) != *value {
                return Err(TablesError::BadParameter(format!(
                    "{} is {value} in the URL but {given} in the body",
                    column.name
                )));
            }
        }
        body.insert(column.name.clone(), Value::String(value.clone()));
    }
    let all_fields = fields(table, &body, false)?;
    let mut tx = connection.begin().await?;
    let current = locked_row(&mut tx, connection, table, key).await?;
    check_precondition(current.as_ref(), if_match)?;
    let (row, created) = match current {
        Some(_) => (
            update_row(&mut tx, database, table, key, &all_fields).await?,
            false,
        ),
        None => {
            if !key_fits(table, key) {
                return Err(TablesError::constraint(
                    format!("the key {} does not fit the key's type", key.0.join(",")),
                    None,
                ));
            }
            missing_required(table, &all_fields)?;
            let query = insert_query(connection, table, &all_fields);
            let row = match tx.rows(&query, &table.columns).await {
                Ok(rows) => rows.into_iter().next().map(|v| row_of(table, v)),
                Err(error) => {
                    let refused = Refused::Write(&all_fields);
                    return Err(refusal(&mut tx, database, table, refused, error).await);
                }
            };
            (row.ok_or(TablesError::NotFound)?, true)
        }
    };
    tx.commit().await?;
    let action = if created { "create" } else { "update" };
    written::record(by, database, table, &row, action, given).await;
    Ok((row, created))
}

async fn update_row(
    tx: &mut Tx,
    database: &Database,
    table: &Table,
    key: &RowKey,
    fields: &[(&Column, Option<String>)],
) -> TablesResult<Row> {
    let connection = &database.connection;
    let mut query = Query::new(format!("UPDATE {} SET ", quote(&table.name)));
    let assignments: Vec<String> = fields
        .iter()
        .map(|(c, v)| {
            format!(
                "{} = {}",
                quote(&c.name),
                bind_value(&mut query, connection, c, v.clone())
            )
        })
        .collect();
    query.push(&assignments.join(", "));
    query.push(" WHERE ");
    let condition = key_condition(connection, table, key, &mut query);
    query.push(&condition);
    query.push(&format!(" RETURNING {}", select_list(connection, table)));
    match tx.rows(&query, &table.columns).await {
        Ok(rows) => rows
            .into_iter()
            .next()
            .map(|v| row_of(table, v))
            .ok_or(TablesError::NotFound),
        Err(error) => Err(refusal(tx, database, table, Refused::Write(fields), error).await),
    }
}

/// PATCH: updates the given fields of an existing row.
pub async fn update(
    by: Writer<'_>,
    database: &Database,
    table: &Table,
    key: &RowKey,
    body: Option<Value>,
    if_match: Option<&str>,
) -> TablesResult<Row> {
    by.actor.require_write()?;
    table.check_writable()?;
    let connection = &database.connection;
    let body = body_object(body, TablesError::NoJson)?;
    let fields = fields(table, &body, false)?;
    let mut tx = connection.begin().await?;
    let current = locked_row(&mut tx, connection, table, key)
        .await?
        .ok_or(TablesError::NotFound)?;
    check_precondition(Some(&current), if_match)?;
    let row = update_row(&mut tx, database, table, key, &fields).await?;
    tx.commit().await?;
    let given = body.keys().cloned().collect();
    written::record(by, database, table, &row, "update", given).await;
    Ok(row)
}

/// DELETE: removes the row; returns what it was.
pub async fn delete(
    by: Writer<'_>,
    database: &Database,
    table: &Table,
    key: &RowKey,
    if_match: Option<&str>,
) -> TablesResult<Row> {
    by.actor.require_write()?;
    table.check_writable()?;
    let connection = &database.connection;
    let mut tx = connection.begin().await?;
    let current = locked_row(&mut tx, connection, table, key)
        .await?
        .ok_or(TablesError::NotFound)?;
    check_precondition(Some(&current), if_match)?;
    let mut query = Query::new(format!("DELETE FROM {} WHERE ", quote(&table.name)));
    let condition = key_condition(connection, table, key, &mut query);
    query.push(&condition);
    if let Err(error) = tx.execute(&query).await {
        return Err(refusal(&mut tx, database, table, Refused::Delete(&current), error).await);
    }
    tx.commit().await?;
    written::record(by, database, table, &current, "delete", Vec::new()).await;
    Ok(current)
}

/// Labels for the foreign-key values in `rows`: for each single-column foreign key, the label
/// column of the referenced table (its first text column), by key value.
pub async fn labels(
    database: &Database,
    table: &Table,
    rows: &[Row],
) -> TablesResult<Map<String, Value>> {
    let mut labels = Map::new();
    for fk in table.foreign_keys.iter().filter(|fk| fk.columns.len() == 1) {
        let Some(target) = database.table_by_name(&fk.table) else {
            continue;
        };
        let (Some(label), Some(key)) = (
            target.label_column(),
            target.column(&fk.referenced[0]).map(|i| &target.columns[i]),
        ) else {
            continue;
        };
        let mut values: Vec<String> = rows
            .iter()
            .filter_map(|r| r.get(&fk.columns[0]))
            .filter(|v| !v.is_null())
            .map(value_text)
            .collect();
        values.sort();
        values.dedup();
        if values.is_empty() {
            continue;
        }
        let connection = &database.connection;
        let mut query = Query::new(format!(
            "SELECT {}, {} FROM {} WHERE {} IN (",
            connection.select_expr(key),
            connection.select_expr(label),
            quote(&target.name),
            quote(&key.name)
        ));
        let placeholders: Vec<String> = values
            .into_iter()
            .map(|v| bind_value(&mut query, connection, key, Some(v)))
            .collect();
        query.push(&placeholders.join(", "));
        query.push(")");
        let found = connection
            .rows(&query, &[key.clone(), label.clone()])
            .await?;
        let by_value: Map<String, Value> = found
            .into_iter()
            .map(|pair| (value_text(&pair[0]), pair[1].clone()))
            .collect();
        labels.insert(fk.columns[0].clone(), Value::Object(by_value));
    }
    Ok(labels)
}

/// Rows of `target` to choose from for a foreign key: key and label, those whose label or key
/// contains `search`, at most `limit`.
pub async fn choices(
    database: &Database,
    target: &Table,
    search: &str,
    limit: u64,
) -> TablesResult<Vec<(String, String)>> {
    let Some(key) = target.key_columns().next() else {
        return Ok(Vec::new());
    };
    let label = target.label_column().unwrap_or(key);
    let connection = &database.connection;
    let mut query = Query::new(format!(
        "SELECT {}, {} FROM {}",
        connection.select_expr(key),
        connection.select_expr(label),
        quote(&target.name)
    ));
    if !search.is_empty() {
        let pattern = format!(
            "%{}%",
            search
                .replace('/', "//")
                .replace('%', "/%")
                .replace('_', "/_")
        );
        let (by_label, by_key) = (query.bind(Some(pattern.clone())), query.bind(Some(pattern)));
        query.push(&format!(
            " WHERE {} {ilike} {by_label} ESCAPE '/' OR {} {ilike} {by_key} ESCAPE '/'",
            connection.text_expr(label),
            connection.text_expr(key),
            ilike = connection.ilike()
        ));
    }
    query.push(&format!(" ORDER BY {} LIMIT {limit}", quote(&key.name)));
    let rows = connection
        .rows(&query, &[key.clone(), label.clone()])
        .await?;
    Ok(rows
        .into_iter()
        .map(|pair| (value_text(&pair[0]), value_text(&pair[1])))
        .collect())
}
