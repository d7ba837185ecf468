//! The table browser's server functions: the same domain service as `/db/…`, shaped for the UI.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use server_fn::codec::{GetUrl, Json};

use super::{ApiError, Fetch, JsonOrForm};
use crate::urlencode;

/// A table's page in the admin UI, percent-encoded (a redirect's `Location` takes nothing else).
pub fn table_href(db: &str, resource: &str) -> String {
    format!("/tables/{}/{}", urlencode(db), urlencode(resource))
}

/// A row's page: `key` as [`RowView::key`] has it, already percent-encoded.
pub fn row_href(db: &str, resource: &str, key: &str) -> String {
    format!("{}/row/{key}", table_href(db, resource))
}

/// Where a save sends the browser: the saved row, saying so.
pub fn saved_row_href(db: &str, resource: &str, key: &str) -> String {
    format!("{}?saved=1", row_href(db, resource, key))
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TableSummary {
    pub name: String,
    pub resource: String,
    pub read_only: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DatabaseSummary {
    pub name: String,
    pub tables: Vec<TableSummary>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ColumnView {
    pub name: String,
    pub declared_type: String,
    /// A create must give it (NOT NULL, no default, not filled in by the database).
    pub required: bool,
    /// The database fills it in when left empty.
    pub generated: bool,
    /// `number`, `integer` or `text`: the kind of input to offer.
    pub input: String,
    pub in_key: bool,
    /// The resource of the table a single-column foreign key points at.
    pub references: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RowView {
    /// The row's key as it appears in URLs.
    pub key: String,
    pub etag: String,
    pub values: Map<String, Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TablePage {
    pub database: String,
    pub name: String,
    pub resource: String,
    pub columns: Vec<ColumnView>,
    pub rows: Vec<RowView>,
    pub total: i64,
    pub estimated: bool,
    pub page: u64,
    pub page_size: u64,
    pub read_only: Option<String>,
    /// The `after=` cursor of the rows following this page, if any (keyset paging).
    pub next_cursor: Option<String>,
    /// This page was asked for by cursor (`after=`), not by number.
    pub by_cursor: bool,
    /// Foreign-key column → key value → label of the referenced row.
    pub labels: Map<String, Value>,
}

/// Everything the row form needs in one answer: the table's shape, the row (when editing) and
/// the rows each foreign key may point at.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RowForm {
    pub shape: TablePage,
    pub row: Option<RowView>,
    /// Foreign-key column → `[key, label]` choices.
    pub choices: Vec<(String, Vec<(String, String)>)>,
}

#[cfg(feature = "ssr")]
mod server {
    use std::sync::Arc;

    use depot_domain::tables::{Catalog, Database, Table};
    use leptos::prelude::use_context;

    use super::*;

    /// The database and table, for a caller who may read them. Call it before anything else
    /// in a server function: the Leptos context it reads is only there until the first real
    /// wait.
    pub async fn open(
        db: &str,
        table: &str,
    ) -> Result<(Arc<Database>, Arc<Table>, depot_domain::Actor, i64), ApiError> {
        let catalog = use_context::<Catalog>()
            .ok_or_else(|| ApiError::new(500, "the catalog is not available"))?;
        let (_, actor) = crate::api::caller().await?;
        actor.require_read()?;
        let database = catalog
            .database(db)
            .map_err(|_| ApiError::new(404, format!("no database named {db:?}")))?;
        let table = database
            .table(table)
            .map_err(|_| ApiError::new(404, format!("no table {table:?} in {db}")))?;
        Ok((database, table, actor, catalog.exact_count_limit()))
    }

    pub fn columns(database: &Database, table: &Table) -> Vec<ColumnView> {
        table
            .columns
            .iter()
            .enumerate()
            .map(|(index, column)| {
                let references = table
                    .foreign_keys
                    .iter()
                    .find(|fk| fk.columns.len() == 1 && fk.columns[0] == column.name)
                    .and_then(|fk| database.table_by_name(&fk.table))
                    .map(|t| t.resource.clone());
                let input = if column.kind.is_integer() {
                    "integer"
                } else if column.kind.is_number() {
                    "number"
                } else {
                    "text"
                };
                ColumnView {
                    name: column.name.clone(),
                    declared_type: column.declared_type.clone(),
                    required: column.required(),
                    generated: column.autoincrement,
                    input: input.into(),
                    in_key: table.primary_key.contains(&index),
                    references,
                }
            })
            .collect()
    }

    pub async fn table_page(
        database: &Database,
        table: &Table,
        query: &str,
        exact_count_limit: i64,
    ) -> Result<TablePage, ApiError> {
        use depot_domain::tables::selection::Paging;
        use depot_domain::tables::service::{self, Total};
        use depot_domain::tables::Selection;
        let params = selection_params(query);
        let selection = Selection::parse(table, &params)?;
        let (page, page_size, by_cursor) = match selection.paging {
            Paging::Page { page, size } => (page, size, false),
            Paging::First { limit, .. } => (1, limit, false),
            Paging::After { limit, .. } => (1, limit, true),
        };
        let result = service::list(database, table, &selection, exact_count_limit).await?;
        let labels = service::labels(database, table, &result.rows).await?;
        let (total, estimated) = match result.total {
            Total::Exact(n) => (n, false),
            Total::Estimate(n) => (n, true),
        };
        Ok(TablePage {
            database: database.name.clone(),
            name: table.name.clone(),
            resource: table.resource.clone(),
            columns: columns(database, table),
            rows: result
                .rows
                .into_iter()
                .map(|values| row_view(table, values))
                .collect(),
            total,
            estimated,
            page,
            page_size,
            read_only: table.check_writable().err().map(|e| e.to_string()),
            next_cursor: result.next_cursor,
            by_cursor,
            labels,
        })
    }

    pub fn row_view(table: &Table, values: Map<String, Value>) -> RowView {
        use depot_domain::tables::service::{etag, RowKey};
        RowView {
            key: RowKey::of(table, &values),
            etag: etag(&values),
            values,
        }
    }

    /// A plain form's fields as the values the hydrated form would send. The form has an input
    /// for every column and a browser sends them all, as text: a blank one is no value — left
    /// out of a new row (the database's default, or its own numbering), empty in an edit — and
    /// in an edit the key's columns, shown read-only, are not written. Text is what the backend
    /// binds anyway (`service::bind_value`), so "42" reaches an integer column as 42.
    pub fn typed_in_a_form(
        table: &Table,
        is_new: bool,
        values: Map<String, Value>,
    ) -> Map<String, Value> {
        values
            .into_iter()
            .filter(|(name, _)| is_new || !table.key_columns().any(|column| column.name == *name))
            .filter_map(|(name, value)| match value {
                Value::String(text) if text.is_empty() => (!is_new).then_some((name, Value::Null)),
                value => Some((name, value)),
            })
            .collect()
    }

    /// The page URL's parameters as a selection's: `COL` with `COL.op=gt` becomes `COL__gt`,
    /// empty filters are dropped, and paging defaults to page 1 of 20.
    pub fn selection_params(query: &str) -> Vec<(String, String)> {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let operator_of = |column: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == &format!("{column}.op"))
                .map(|(_, v)| v.clone())
        };
        let mut params = Vec::new();
        for (key, value) in &pairs {
            match key.as_str() {
                "page" | "limit" | "sort" | "after" | "search" => {
                    params.push((key.clone(), value.clone()))
                }
                k if k.ends_with(".op") || k == "edit" => {}
                column => {
                    let operator = operator_of(column).unwrap_or_else(|| "eq".into());
                    match operator.as_str() {
                        "null" | "notnull" => {
                            params.push((
                                format!("{column}__null"),
                                (operator == "null").to_string(),
                            ));
                        }
                        _ if value.is_empty() => {}
                        "eq" => params.push((column.to_string(), value.clone())),
                        op => params.push((format!("{column}__{op}"), value.clone())),
                    }
                }
            }
        }
        if !params.iter().any(|(k, _)| k == "page" || k == "after") {
            params.push(("page".into(), "1".into()));
        }
        if params.iter().any(|(k, _)| k == "after") && !params.iter().any(|(k, _)| k == "limit") {
            params.push(("limit".into(), "20".into()));
        }
        params
    }
}

/// `GET /api/tables`: the attached databases and their tables.
#[server(prefix = "/api", client = Fetch, endpoint = "tables", input = GetUrl, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn list_databases() -> Result<Vec<DatabaseSummary>, ApiError> {
    let (_, actor) = super::caller().await?;
    actor.require_read()?;
    let catalog = use_context::<depot_domain::tables::Catalog>()
        .ok_or_else(|| ApiError::new(500, "the catalog is not available"))?;
    Ok(catalog
        .names()
        .into_iter()
        .filter_map(|name| catalog.database(&name).ok())
        .map(|db| DatabaseSummary {
            name: db.name.clone(),
            tables: db
                .tables
                .values()
                .map(|t| TableSummary {
                    name: t.name.clone(),
                    resource: t.resource.clone(),
                    read_only: t.check_writable().err().map(|e| e.to_string()),
                })
                .collect(),
        })
        .collect())
}

/// `GET /api/tables/view?db=&table=&query=`: one page of a table as the browser shows it;
/// `query` is the page's own query string (filters, sort, page).
#[server(prefix = "/api", client = Fetch, endpoint = "tables/view", input = GetUrl, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn load_table_page(
    db: String,
    table: String,
    query: String,
) -> Result<TablePage, ApiError> {
    let (database, table, _, count_limit) = server::open(&db, &table).await?;
    server::table_page(&database, &table, &query, count_limit).await
}

/// `GET /api/tables/row?db=&table=&key=`: one row, with its ETag for a later save.
#[server(prefix = "/api", client = Fetch, endpoint = "tables/row", input = GetUrl, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn get_row(db: String, table: String, key: String) -> Result<RowView, ApiError> {
    use depot_domain::tables::service::{self, RowKey};
    let (database, table, ..) = server::open(&db, &table).await?;
    let row_key = RowKey::parse(&table, &key)?;
    let values = service::get(&database, &table, &row_key)
        .await?
        .ok_or_else(|| ApiError::new(404, "no such row"))?;
    Ok(server::row_view(&table, values))
}

/// `GET /api/tables/form?db=&table=&key=`: what the row form shows (no `key`: a new row).
#[server(prefix = "/api", client = Fetch, endpoint = "tables/form", input = GetUrl, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn load_row_form(
    db: String,
    table: String,
    key: Option<String>,
) -> Result<RowForm, ApiError> {
    use depot_domain::tables::service::{self, RowKey};
    let (database, found, _, count_limit) = server::open(&db, &table).await?;
    let shape = server::table_page(&database, &found, "page=1&limit=1", count_limit).await?;
    let row = match key.filter(|k| !k.is_empty()) {
        Some(key) => {
            let row_key = RowKey::parse(&found, &key)?;
            let values = service::get(&database, &found, &row_key)
                .await?
                .ok_or_else(|| ApiError::new(404, "no such row"))?;
            Some(server::row_view(&found, values))
        }
        None => None,
    };
    let mut choices = Vec::new();
    for column in shape.columns.iter().filter(|c| c.references.is_some()) {
        let target = database.table(column.references.as_deref().unwrap_or_default())?;
        choices.push((
            column.name.clone(),
            service::choices(&database, &target, "", 200).await?,
        ));
    }
    Ok(RowForm {
        shape,
        row,
        choices,
    })
}

/// `GET /api/tables/choices?db=&table=&search=`: rows of a referenced table to pick from,
/// as `[key, label]` pairs.
#[server(prefix = "/api", client = Fetch, endpoint = "tables/choices", input = GetUrl, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn choices(
    db: String,
    table: String,
    search: String,
) -> Result<Vec<(String, String)>, ApiError> {
    let (database, table, ..) = server::open(&db, &table).await?;
    Ok(depot_domain::tables::service::choices(&database, &table, &search, 50).await?)
}

/// `POST /api/tables/save` `{"db", "table", "key"?, "values", "etag"?}`: creates a row (no key)
/// or updates one; with `etag`, only if nobody changed it since. `plain_form`: the values are a
/// page's form fields as typed, posted before or without its script ([`typed_in_a_form`]); the
/// browser is sent on to the saved row.
#[server(prefix = "/api", client = Fetch, endpoint = "tables/save", input = JsonOrForm, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn save_row(
    db: String,
    table: String,
    key: Option<String>,
    values: Map<String, Value>,
    etag: Option<String>,
    #[server(default)] plain_form: bool,
) -> Result<RowView, ApiError> {
    use depot_domain::tables::service::{self, Created, RowKey};
    let (database, table, actor, _) = server::open(&db, &table).await?;
    let values = if plain_form {
        server::typed_in_a_form(&table, key.is_none(), values)
    } else {
        values
    };
    let (store, _) = super::caller().await?;
    let by = depot_domain::tables::Writer {
        store: &store,
        actor: &actor,
    };
    let row = match key {
        None => match service::create(by, &database, &table, Some(Value::Object(values))).await? {
            Created::Row(row) => row,
            Created::AlreadyExists => {
                return Err(ApiError::new(409, "an identical row already exists"))
            }
        },
        Some(key) => {
            let row_key = RowKey::parse(&table, &key)?;
            service::update(
                by,
                &database,
                &table,
                &row_key,
                Some(Value::Object(values)),
                etag.as_deref(),
            )
            .await?
        }
    };
    let view = server::row_view(&table, row);
    if plain_form {
        leptos_axum::redirect(&saved_row_href(&db, &table.resource, &view.key));
    }
    Ok(view)
}

/// `POST /api/tables/delete` `{"db", "table", "key", "etag"?}`. `plain_form`: posted by the
/// page's form before or without its script; the browser is sent on to the table.
#[server(prefix = "/api", client = Fetch, endpoint = "tables/delete", input = JsonOrForm, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn delete_row(
    db: String,
    table: String,
    key: String,
    etag: Option<String>,
    #[server(default)] plain_form: bool,
) -> Result<(), ApiError> {
    use depot_domain::tables::service::{self, RowKey};
    let (database, table, actor, _) = server::open(&db, &table).await?;
    let (store, _) = super::caller().await?;
    let by = depot_domain::tables::Writer {
        store: &store,
        actor: &actor,
    };
    let row_key = RowKey::parse(&table, &key)?;
    service::delete(by, &database, &table, &row_key, etag.as_deref()).await?;
    if plain_form {
        // Back to the table: the page the form was on is gone.
        leptos_axum::redirect(&table_href(&db, &table.resource));
    }
    Ok(())
}
