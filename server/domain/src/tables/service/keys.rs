//! Row keys (a table's primary key as a URL segment) and ETags.

use super::*;

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
    let mut tag = String::with_capacity(34);
    tag.push('"');
    tag.push_str(&hex::encode(&Sha256::digest(body)[..16]));
    tag.push('"');
    tag
}

/// Whether an `If-Match` header value admits a row with `current` ETag.
pub fn if_match_admits(header: &str, current: &str) -> bool {
    header
        .split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == current)
}

/// The statement reading the row `key` names. It depends on the table alone, so it is made
/// once per table, on the first read, and only bound for each request.
pub(super) fn row_query(connection: &Connection, table: &Table, key: &RowKey) -> Query {
    let statement = table.row_statement.get_or_init(|| {
        let mut query = Query::new(format!(
            "SELECT {} FROM {} WHERE ",
            select_list(connection, table),
            quote(&table.name)
        ));
        let condition = key_condition(connection, table, key, &mut query);
        query.push(&condition);
        query.sql
    });
    Query {
        sql: statement.clone(),
        args: table
            .key_columns()
            .zip(&key.0)
            .map(|(column, value)| stored_form(column, Some(value.clone())))
            .collect(),
    }
}

pub(super) fn key_condition(
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
pub(super) fn key_fits(table: &Table, key: &RowKey) -> bool {
    table
        .key_columns()
        .zip(&key.0)
        .all(|(column, value)| !column.kind.is_integer() || value.parse::<i64>().is_ok())
}
