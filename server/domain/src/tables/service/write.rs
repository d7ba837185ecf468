//! Writing rows: create, upsert, update and delete, each checked against the table and
//! `If-Match`, and refused with the constraint that refused it.

use super::*;

async fn locked_row(
    tx: &mut Tx,
    connection: &Connection,
    table: &Table,
    key: &RowKey,
) -> TablesResult<Option<Row>> {
    if !key_fits(table, key) {
        return Ok(None);
    }
    let mut query = row_query(connection, table, key);
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
    written::record(by, database, table, &row, None, "create", given).await;
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
    let (row, created) = match &current {
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
    written::record(by, database, table, &row, current.as_ref(), action, given).await;
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
    written::record(by, database, table, &row, Some(&current), "update", given).await;
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
    written::record(by, database, table, &current, None, "delete", Vec::new()).await;
    Ok(current)
}
