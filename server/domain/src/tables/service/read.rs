//! Reading rows: a selection's page (offset or keyset paging) with its total, a stream of
//! every row, one row by key, and the labels and choices a form shows for foreign keys.

use super::*;

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

pub async fn get(database: &Database, table: &Table, key: &RowKey) -> TablesResult<Option<Row>> {
    if table.primary_key.is_empty() || !key_fits(table, key) {
        return Ok(None);
    }
    let connection = &database.connection;
    let query = row_query(connection, table, key);
    Ok(connection
        .rows(&query, &table.columns)
        .await?
        .into_iter()
        .next()
        .map(|v| row_of(table, v)))
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
