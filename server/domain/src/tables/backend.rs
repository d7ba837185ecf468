//! The seam between SQLite and PostgreSQL for attached databases: how to open them, how to
//! find their tables, how a value is bound and read back, how a row is locked. Everything
//! else in Tables is written once for both.
//!
//! Values travel as text: each bound value is a string (or NULL) that the database converts to
//! the column's type — by type affinity in SQLite, by an explicit `CAST` to the introspected
//! type in PostgreSQL — so one code path serves every column type.

use std::str::FromStr;
use std::sync::OnceLock;

use serde_json::{Number, Value};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
};
use sqlx::{Row as _, TypeInfo, ValueRef};
use tokio::sync::mpsc;

use super::catalog::{Column, ForeignKey, Table};
use super::error::{TablesError, TablesResult};
use crate::error::DomainError;
use crate::store::query::Query;

/// How a column's values are read back into JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellKind {
    /// SQLite: whatever the value's storage class is; `datetime` rewrites `2009-01-01 00:00:00`
    /// as ISO 8601 (`2009-01-01T00:00:00`).
    Dynamic {
        integer: bool,
        real: bool,
        text: bool,
        datetime: bool,
    },
    PgInt16,
    PgInt32,
    PgInt64,
    PgFloat32,
    PgFloat64,
    PgBool,
    PgText,
    /// bytea, selected as base64 text.
    PgBase64,
    /// Anything else, selected as `to_json(column)::text` (numeric, timestamps, json, arrays…).
    PgJson,
}

impl CellKind {
    pub fn is_text(self) -> bool {
        matches!(
            self,
            CellKind::PgText | CellKind::Dynamic { text: true, .. }
        )
    }

    /// Whether values must be whole numbers (checked before writing, to name the column).
    pub fn is_integer(self) -> bool {
        matches!(
            self,
            CellKind::PgInt16
                | CellKind::PgInt32
                | CellKind::PgInt64
                | CellKind::Dynamic { integer: true, .. }
        )
    }

    pub fn is_number(self) -> bool {
        self.is_integer()
            || matches!(
                self,
                CellKind::PgFloat32 | CellKind::PgFloat64 | CellKind::Dynamic { real: true, .. }
            )
    }
}

#[derive(Clone, Debug)]
pub enum Connection {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Connection {
    /// Opens the database at `url`. The second value says whether it could only be opened for
    /// reading: a SQLite file without write permission is opened read-only (and left as it is,
    /// journal mode included) rather than refused.
    pub async fn open(url: &str) -> TablesResult<(Self, bool)> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(|e| DomainError::invalid(format!("bad SQLite URL {url:?}: {e}")))?
                .foreign_keys(true)
                .busy_timeout(std::time::Duration::from_secs(5));
            let file = options.get_filename().to_path_buf();
            let read_only = url.contains("mode=ro")
                || std::fs::metadata(&file)
                    .map(|m| m.permissions().readonly())
                    .unwrap_or(false);
            let options = if read_only {
                options.read_only(true)
            } else {
                options.journal_mode(SqliteJournalMode::Wal)
            };
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(options)
                .await?;
            Ok((Self::Sqlite(pool), read_only))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)
                .map_err(|e| DomainError::invalid(format!("bad PostgreSQL URL: {e}")))?;
            Ok((
                Self::Postgres(
                    PgPoolOptions::new()
                        .max_connections(16)
                        .connect_with(options)
                        .await?,
                ),
                false,
            ))
        } else {
            Err(DomainError::invalid(format!(
                "database URL must start with sqlite:// or postgres://, not {url:?}"
            ))
            .into())
        }
    }

    pub async fn introspect(&self) -> TablesResult<Vec<Table>> {
        match self {
            Self::Sqlite(pool) => introspect_sqlite(pool).await,
            Self::Postgres(pool) => introspect_postgres(pool).await,
        }
    }

    pub async fn begin(&self) -> TablesResult<Tx> {
        Ok(match self {
            // Take the write lock up front, so the row read for If-Match stays current.
            Self::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Self::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    pub async fn rows(&self, query: &Query, columns: &[Column]) -> TablesResult<Vec<Vec<Value>>> {
        match self {
            Self::Sqlite(pool) => bind(sqlx::query(&query.sql), &query.args)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| decode_sqlite(r, columns))
                .collect(),
            Self::Postgres(pool) => bind(sqlx::query(&query.sql), &query.args)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| decode_postgres(r, columns))
                .collect(),
        }
    }

    pub async fn count(&self, query: &Query) -> TablesResult<i64> {
        Ok(match self {
            Self::Sqlite(pool) => {
                bind_scalar(sqlx::query_scalar(&query.sql), &query.args)
                    .fetch_one(pool)
                    .await?
            }
            Self::Postgres(pool) => {
                bind_scalar(sqlx::query_scalar(&query.sql), &query.args)
                    .fetch_one(pool)
                    .await?
            }
        })
    }

    /// Streams rows through a bounded channel: the producer waits while the consumer (the HTTP
    /// body) is slow, so memory stays bounded however large the table is.
    pub fn stream(
        &self,
        query: Query,
        columns: Vec<Column>,
    ) -> mpsc::Receiver<TablesResult<Vec<Value>>> {
        use futures_util::StreamExt;
        let (sender, receiver) = mpsc::channel(256);
        let connection = self.clone();
        tokio::spawn(async move {
            macro_rules! pump {
                ($pool:expr, $decode:ident) => {{
                    let mut rows = bind(sqlx::query(&query.sql), &query.args).fetch($pool);
                    while let Some(row) = rows.next().await {
                        let item = row
                            .map_err(TablesError::from)
                            .and_then(|r| $decode(&r, &columns));
                        let failed = item.is_err();
                        if sender.send(item).await.is_err() || failed {
                            break;
                        }
                    }
                }};
            }
            match &connection {
                Self::Sqlite(pool) => pump!(pool, decode_sqlite),
                Self::Postgres(pool) => pump!(pool, decode_postgres),
            }
        });
        receiver
    }

    /// Table-size guess without counting: PostgreSQL's planner statistics, SQLite's largest rowid.
    pub async fn estimate_rows(&self, table: &Table) -> TablesResult<Option<i64>> {
        Ok(match self {
            Self::Sqlite(pool) => {
                let sql = format!("SELECT MAX(rowid) FROM {}", quote(&table.name));
                sqlx::query_scalar::<_, Option<i64>>(&sql)
                    .fetch_one(pool)
                    .await
                    .ok()
                    .flatten()
            }
            Self::Postgres(pool) => sqlx::query_scalar::<_, f32>(
                "SELECT c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = current_schema() AND c.relname = $1",
            )
            .bind(&table.name)
            .fetch_optional(pool)
            .await?
            .filter(|n| *n >= 0.0)
            .map(|n| n as i64),
        })
    }

    /// The expression that reads `column` in a SELECT list.
    pub fn select_expr(&self, column: &Column) -> String {
        let name = quote(&column.name);
        match column.kind {
            CellKind::PgBase64 => format!("encode({name}, 'base64')"),
            CellKind::PgJson => format!("to_json({name})::text"),
            _ => name,
        }
    }

    /// The expression that turns bound text into a value of `column`'s type.
    pub fn value_expr(&self, column: &Column, placeholder: &str) -> String {
        match self {
            Self::Sqlite(_) => placeholder.to_string(),
            Self::Postgres(_) => format!("CAST({placeholder} AS {})", column.declared_type),
        }
    }

    /// `column` as text, for LIKE.
    pub fn text_expr(&self, column: &Column) -> String {
        match self {
            Self::Sqlite(_) => quote(&column.name),
            Self::Postgres(_) => format!("{}::text", quote(&column.name)),
        }
    }

    /// Case-insensitive LIKE.
    pub fn ilike(&self) -> &'static str {
        match self {
            // SQLite's LIKE ignores ASCII case already.
            Self::Sqlite(_) => "LIKE",
            Self::Postgres(_) => "ILIKE",
        }
    }

    /// What locks the rows a SELECT reads until the transaction ends.
    pub fn lock_clause(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "",
            Self::Postgres(_) => " FOR UPDATE",
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }
}

impl Tx {
    pub async fn rows(
        &mut self,
        query: &Query,
        columns: &[Column],
    ) -> TablesResult<Vec<Vec<Value>>> {
        match self {
            Tx::Sqlite(tx) => bind(sqlx::query(&query.sql), &query.args)
                .fetch_all(&mut **tx)
                .await?
                .iter()
                .map(|r| decode_sqlite(r, columns))
                .collect(),
            Tx::Postgres(tx) => bind(sqlx::query(&query.sql), &query.args)
                .fetch_all(&mut **tx)
                .await?
                .iter()
                .map(|r| decode_postgres(r, columns))
                .collect(),
        }
    }

    pub async fn execute(&mut self, query: &Query) -> TablesResult<u64> {
        Ok(match self {
            Tx::Sqlite(tx) => bind(sqlx::query(&query.sql), &query.args)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
            Tx::Postgres(tx) => bind(sqlx::query(&query.sql), &query.args)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
        })
    }

    pub async fn commit(self) -> TablesResult<()> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

/// Quotes an identifier (which always comes from introspection).
pub fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

fn bind<'q, DB>(
    mut query: sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>,
    args: &'q [Option<String>],
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
where
    DB: sqlx::Database,
    Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    for arg in args {
        query = query.bind(arg.clone());
    }
    query
}

fn bind_scalar<'q, DB>(
    mut query: sqlx::query::QueryScalar<'q, DB, i64, <DB as sqlx::Database>::Arguments<'q>>,
    args: &'q [Option<String>],
) -> sqlx::query::QueryScalar<'q, DB, i64, <DB as sqlx::Database>::Arguments<'q>>
where
    DB: sqlx::Database,
    Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    for arg in args {
        query = query.bind(arg.clone());
    }
    query
}

fn number(value: f64) -> Value {
    Number::from_f64(value)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn decode_sqlite(row: &SqliteRow, columns: &[Column]) -> TablesResult<Vec<Value>> {
    let mut values = Vec::with_capacity(columns.len());
    for (index, column) in columns.iter().enumerate() {
        let raw = row.try_get_raw(index)?;
        if raw.is_null() {
            values.push(Value::Null);
            continue;
        }
        let storage = raw.type_info().name().to_string();
        let value = match storage.as_str() {
            "INTEGER" => Value::from(row.try_get_unchecked::<i64, _>(index)?),
            "REAL" => number(row.try_get_unchecked::<f64, _>(index)?),
            "BLOB" => Value::String(base64(&row.try_get_unchecked::<Vec<u8>, _>(index)?)),
            _ => {
                let text: String = row.try_get_unchecked(index)?;
                match column.kind {
                    CellKind::Dynamic { datetime: true, .. }
                        if text.len() >= 19 && text.as_bytes()[10] == b' ' =>
                    {
                        Value::String(format!("{}T{}", &text[..10], &text[11..]))
                    }
                    _ => Value::String(text),
                }
            }
        };
        values.push(value);
    }
    Ok(values)
}

fn decode_postgres(row: &PgRow, columns: &[Column]) -> TablesResult<Vec<Value>> {
    let mut values = Vec::with_capacity(columns.len());
    for (index, column) in columns.iter().enumerate() {
        let value = match column.kind {
            CellKind::PgInt16 => row.try_get::<Option<i16>, _>(index)?.map(Value::from),
            CellKind::PgInt32 => row.try_get::<Option<i32>, _>(index)?.map(Value::from),
            CellKind::PgInt64 => row.try_get::<Option<i64>, _>(index)?.map(Value::from),
            CellKind::PgFloat32 => row
                .try_get::<Option<f32>, _>(index)?
                .map(|v| number(v as f64)),
            CellKind::PgFloat64 => row.try_get::<Option<f64>, _>(index)?.map(number),
            CellKind::PgBool => row.try_get::<Option<bool>, _>(index)?.map(Value::Bool),
            CellKind::PgText | CellKind::PgBase64 => {
                row.try_get::<Option<String>, _>(index)?.map(Value::String)
            }
            CellKind::PgJson => row
                .try_get::<Option<String>, _>(index)?
                .map(|text| serde_json::from_str(&text).unwrap_or(Value::String(text))),
            CellKind::Dynamic { .. } => row
                .try_get_unchecked::<Option<String>, _>(index)?
                .map(Value::String),
        };
        values.push(value.unwrap_or(Value::Null));
    }
    Ok(values)
}

/// SQLite's type affinity rules (§3.1 of its datatype documentation), plus dates.
fn sqlite_kind(declared: &str) -> CellKind {
    let upper = declared.to_ascii_uppercase();
    let integer = upper.contains("INT");
    let text =
        !integer && (upper.contains("CHAR") || upper.contains("CLOB") || upper.contains("TEXT"));
    let real = !integer
        && !text
        && (upper.contains("REAL") || upper.contains("FLOA") || upper.contains("DOUB"));
    let datetime = upper.contains("DATE") || upper.contains("TIME");
    CellKind::Dynamic {
        integer,
        real,
        text,
        datetime,
    }
}

async fn introspect_sqlite(pool: &SqlitePool) -> TablesResult<Vec<Table>> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(pool)
    .await?;
    let mut tables = Vec::new();
    for name in names {
        // PRAGMA arguments cannot be bound; the name comes from sqlite_master and is quoted.
        let info = sqlx::query(&format!("PRAGMA table_info({})", quote(&name)))
            .fetch_all(pool)
            .await?;
        let mut columns = Vec::new();
        let mut key: Vec<(i64, usize)> = Vec::new();
        for (index, row) in info.iter().enumerate() {
            let declared: String = row.try_get("type")?;
            let pk: i64 = row.try_get("pk")?;
            let default: Option<String> = row.try_get("dflt_value")?;
            if pk > 0 {
                key.push((pk, index));
            }
            columns.push(Column {
                name: row.try_get("name")?,
                kind: sqlite_kind(&declared),
                declared_type: declared,
                not_null: row.try_get::<i64, _>("notnull")? != 0,
                has_default: default.is_some(),
                autoincrement: false,
            });
        }
        key.sort();
        let primary_key: Vec<usize> = key.into_iter().map(|(_, i)| i).collect();
        // A single INTEGER PRIMARY KEY is the rowid: SQLite assigns it.
        if let [only] = primary_key[..] {
            if columns[only].declared_type.eq_ignore_ascii_case("INTEGER") {
                columns[only].autoincrement = true;
            }
        }
        let mut foreign_keys: Vec<ForeignKey> = Vec::new();
        let mut current_id = None;
        for row in sqlx::query(&format!("PRAGMA foreign_key_list({})", quote(&name)))
            .fetch_all(pool)
            .await?
        {
            let id: i64 = row.try_get("id")?;
            let from: String = row.try_get("from")?;
            let to: Option<String> = row.try_get("to")?;
            let table: String = row.try_get("table")?;
            if current_id != Some(id) {
                foreign_keys.push(ForeignKey {
                    columns: Vec::new(),
                    table,
                    referenced: Vec::new(),
                });
                current_id = Some(id);
            }
            let fk = foreign_keys.last_mut().expect("pushed above");
            fk.columns.push(from);
            fk.referenced.push(to.unwrap_or_default());
        }
        tables.push(Table {
            resource: name.to_lowercase(),
            name,
            columns,
            primary_key,
            foreign_keys,
            read_only: None,
            row_statement: OnceLock::new(),
        });
    }
    resolve_implicit_references(&mut tables);
    Ok(tables)
}

/// A SQLite foreign key may omit the referenced columns, meaning the referenced primary key.
fn resolve_implicit_references(tables: &mut [Table]) {
    let keys: Vec<(String, Vec<String>)> = tables
        .iter()
        .map(|t| {
            (
                t.name.clone(),
                t.key_columns().map(|c| c.name.clone()).collect(),
            )
        })
        .collect();
    for table in tables.iter_mut() {
        for fk in &mut table.foreign_keys {
            if fk.referenced.iter().any(String::is_empty) {
                if let Some((_, key)) = keys
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case(&fk.table))
                {
                    fk.referenced = key.clone();
                }
            }
        }
    }
}

fn postgres_kind(type_name: &str) -> CellKind {
    match type_name {
        "int2" => CellKind::PgInt16,
        "int4" => CellKind::PgInt32,
        "int8" => CellKind::PgInt64,
        "float4" => CellKind::PgFloat32,
        "float8" => CellKind::PgFloat64,
        "bool" => CellKind::PgBool,
        "text" | "varchar" | "bpchar" | "name" | "citext" => CellKind::PgText,
        "bytea" => CellKind::PgBase64,
        _ => CellKind::PgJson,
    }
}

async fn introspect_postgres(pool: &PgPool) -> TablesResult<Vec<Table>> {
    let columns = sqlx::query(
        "SELECT c.relname AS table_name, a.attname AS column_name, \
                format_type(a.atttypid, a.atttypmod) AS declared, t.typname AS type_name, \
                a.attnotnull AS not_null, a.atthasdef AS has_default, a.attidentity <> '' AS identity, \
                COALESCE(pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%', false) AS serial \
         FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
         JOIN pg_type t ON t.oid = a.atttypid \
         LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum \
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') \
         ORDER BY c.relname, a.attnum",
    )
    .fetch_all(pool)
    .await?;
    let mut tables: Vec<Table> = Vec::new();
    for row in &columns {
        let table_name: String = row.try_get("table_name")?;
        if tables.last().map(|t| &t.name) != Some(&table_name) {
            tables.push(Table {
                resource: table_name.to_lowercase(),
                name: table_name,
                columns: Vec::new(),
                primary_key: Vec::new(),
                foreign_keys: Vec::new(),
                read_only: None,
            row_statement: OnceLock::new(),
            });
        }
        let type_name: String = row.try_get("type_name")?;
        let identity: bool = row.try_get("identity")?;
        let serial: bool = row.try_get("serial")?;
        tables
            .last_mut()
            .expect("pushed above")
            .columns
            .push(Column {
                name: row.try_get("column_name")?,
                declared_type: row.try_get("declared")?,
                not_null: row.try_get("not_null")?,
                has_default: row.try_get::<bool, _>("has_default")? || identity,
                autoincrement: identity || serial,
                kind: postgres_kind(&type_name),
            });
    }
    let constraints = sqlx::query(
        "SELECT c.relname AS table_name, k.contype AS kind, \
                ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(n, i) \
                      JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i) AS columns, \
                f.relname AS foreign_table, \
                ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(n, i) \
                      JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.i) AS foreign_columns \
         FROM pg_constraint k \
         JOIN pg_class c ON c.oid = k.conrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_class f ON f.oid = k.confrelid \
         WHERE n.nspname = current_schema() AND k.contype IN ('p', 'f') \
         ORDER BY c.relname, k.conname",
    )
    .fetch_all(pool)
    .await?;
    for row in &constraints {
        let table_name: String = row.try_get("table_name")?;
        let Some(table) = tables.iter_mut().find(|t| t.name == table_name) else {
            continue;
        };
        let kind: i8 = row.try_get("kind")?;
        let key_columns: Vec<String> = row.try_get("columns")?;
        if kind as u8 == b'p' {
            table.primary_key = key_columns.iter().filter_map(|c| table.column(c)).collect();
        } else {
            table.foreign_keys.push(ForeignKey {
                columns: key_columns,
                table: row.try_get("foreign_table")?,
                referenced: row.try_get("foreign_columns")?,
            });
        }
    }
    Ok(tables)
}

/// Turns a database's refusal of a write into a message that names what was refused.
pub fn constraint_error(error: sqlx::Error) -> TablesError {
    if let sqlx::Error::Database(db) = &error {
        let code = db.code().map(|c| c.to_string()).unwrap_or_default();
        if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
            // Class 22: a value does not fit its type; class 23: an integrity constraint.
            if code.starts_with("22") || code.starts_with("23") {
                let mut message = pg.message().to_string();
                if let Some(detail) = pg.detail() {
                    message = format!("{message}: {detail}");
                }
                // PostgreSQL names the column of a NOT NULL violation; a unique violation's
                // detail reads `Key (name)=(value) already exists.`
                let column = pg.column().map(str::to_string).or_else(|| {
                    pg.detail()
                        .and_then(|d| d.strip_prefix("Key ("))
                        .and_then(|d| d.split(')').next())
                        .map(str::to_string)
                });
                return TablesError::constraint(message, column);
            }
        } else if code.parse::<u32>().is_ok_and(|c| c & 0xff == 19) {
            // SQLITE_CONSTRAINT and its extended codes; the message names the column.
            // `UNIQUE constraint failed: Artist.Name` names table and column.
            let message = db.message().to_string();
            let column = message
                .rsplit_once(": ")
                .and_then(|(_, targets)| targets.split(", ").next())
                .and_then(|target| target.split_once('.'))
                .map(|(_, c)| c.to_string());
            return TablesError::constraint(message, column);
        }
    }
    TablesError::from(error)
}

/// A read refused because a caller's value does not fit a column (PostgreSQL class 22, such
/// as a malformed date in a filter) is the caller's mistake, not a fault.
pub fn read_error(error: TablesError) -> TablesError {
    if let TablesError::Domain(DomainError::Store(sqlx::Error::Database(db))) = &error {
        if db.code().is_some_and(|c| c.starts_with("22")) {
            return TablesError::BadParameter(format!(
                "a value does not fit its column: {}",
                db.message()
            ));
        }
    }
    error
}
