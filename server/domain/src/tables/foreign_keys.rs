//! Which foreign key a refused write broke. PostgreSQL names it in its error (`Key
//! (artist_id)=(999) is not present in table "artist"`); SQLite says only `FOREIGN KEY constraint
//! failed`. So on SQLite Depot asks, inside the refused write's own transaction (SQLite rolls
//! back only the failed statement), which reference does not hold, and names its table and
//! column (API.md §0: the message names the problem).

use serde_json::Value;

use super::backend::{quote, Tx};
use super::catalog::{Column, Database, Table};
use super::error::TablesError;
use super::service::{bind_value, value_text, Row};
use crate::store::query::Query;

/// What the database refused.
pub enum Refused<'a> {
    /// An INSERT or UPDATE setting these columns.
    Write(&'a [(&'a Column, Option<String>)]),
    /// The DELETE of this row.
    Delete(&'a Row),
}

/// SQLite's refusal of a broken reference (extended code SQLITE_CONSTRAINT_FOREIGNKEY).
pub fn is_unexplained(error: &TablesError) -> bool {
    matches!(error, TablesError::Constraint { message, .. } if message == "FOREIGN KEY constraint failed")
}

/// The refusal naming the broken reference, or `None` when none can be found (the write is
/// refused all the same, with the database's words).
pub async fn explain(
    tx: &mut Tx,
    database: &Database,
    table: &Table,
    refused: Refused<'_>,
) -> Option<TablesError> {
    match refused {
        Refused::Write(fields) => {
            for fk in &table.foreign_keys {
                let Some(values) = fk
                    .columns
                    .iter()
                    .map(|name| {
                        fields
                            .iter()
                            .find(|(c, _)| c.name == *name)
                            .and_then(|(_, v)| v.clone())
                    })
                    .collect::<Option<Vec<String>>>()
                else {
                    continue;
                };
                let referenced = database.table_by_name(&fk.table)?;
                if !exists(tx, database, &referenced, &fk.referenced, &values).await? {
                    let message = broken(
                        (&table.name, &fk.columns),
                        &values,
                        "is not present in",
                        (&fk.table, &fk.referenced),
                    );
                    let column = Some(fk.columns[0].clone());
                    return Some(TablesError::constraint(message, column));
                }
            }
            None
        }
        Refused::Delete(row) => {
            for referencing in database.tables.values() {
                for fk in referencing
                    .foreign_keys
                    .iter()
                    .filter(|fk| fk.table == table.name)
                {
                    let values: Vec<String> = fk
                        .referenced
                        .iter()
                        .map(|name| row.get(name).map(value_text).unwrap_or_default())
                        .collect();
                    if exists(tx, database, referencing, &fk.columns, &values).await? {
                        let message = broken(
                            (&table.name, &fk.referenced),
                            &values,
                            "is still referenced from",
                            (&referencing.name, &fk.columns),
                        );
                        return Some(TablesError::constraint(message, None));
                    }
                }
            }
            None
        }
    }
}

/// `FOREIGN KEY constraint failed: Album.ArtistId = 99 is not present in Artist.ArtistId`.
fn broken(
    (table, columns): (&str, &[String]),
    values: &[String],
    relation: &str,
    (other, other_columns): (&str, &[String]),
) -> String {
    format!(
        "FOREIGN KEY constraint failed: {table}.{} = {} {relation} {other}.{}",
        columns.join(","),
        values.join(","),
        other_columns.join(","),
    )
}

/// Whether `table` has a row whose `columns` hold `values`; `None` when it cannot be asked.
async fn exists(
    tx: &mut Tx,
    database: &Database,
    table: &Table,
    columns: &[String],
    values: &[String],
) -> Option<bool> {
    let mut query = Query::new(format!("SELECT 1 FROM {} WHERE ", quote(&table.name)));
    let mut conditions = Vec::new();
    for (name, value) in columns.iter().zip(values) {
        let column = table.columns.iter().find(|c| c.name == *name)?;
        let bound = bind_value(
            &mut query,
            &database.connection,
            column,
            Some(value.clone()),
        );
        conditions.push(format!("{} = {bound}", quote(&column.name)));
    }
    query.push(&conditions.join(" AND "));
    query.push(" LIMIT 1");
    let found: Vec<Vec<Value>> = tx.rows(&query, &[]).await.ok()?;
    Some(!found.is_empty())
}
