//! Reading and writing rows of an attached table. Each write is one transaction on the table's
//! own database; a conditional write (`If-Match`) locks the row it compares.
//!
//! One file per part: [`keys`] (row keys and ETags), [`read`] (listing, paging, streaming,
//! one row, labels and choices for forms), [`write`] (create, upsert, update, delete, each
//! checked and audited through a `Writer`).

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

mod keys;
mod read;
mod write;

pub use self::keys::*;
pub use self::read::*;
pub use self::write::*;

/// One row: column name → value, in table order.
pub type Row = Map<String, Value>;

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
    let placeholder = query.bind(stored_form(column, text));
    connection.value_expr(column, &placeholder)
}

/// Caller text for `column` as the backend keeps it. SQLite keeps datetimes as text; Depot
/// shows them with a `T` and stores them with a space, as SQLAlchemy does, so comparisons and
/// sort order agree.
fn stored_form(column: &Column, text: Option<String>) -> Option<String> {
    match (column.kind, text) {
        (CellKind::Dynamic { datetime: true, .. }, Some(t))
            if t.len() >= 19 && t.as_bytes()[10] == b'T' =>
        {
            Some(format!("{} {}", &t[..10], &t[11..]))
        }
        (_, text) => text,
    }
}
