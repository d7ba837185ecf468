//! What the attached databases contain, found by introspection at start-up and on reload.
//! Every identifier Depot ever puts into SQL comes from here.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock, RwLock};

use super::backend::{CellKind, Connection};
use super::error::{TablesError, TablesResult};
use crate::error::DomainError;

#[derive(Clone, Debug)]
pub struct Column {
    pub name: String,
    /// The type as declared (`NVARCHAR(120)`, `numeric(10,2)`), shown by `/meta`.
    pub declared_type: String,
    pub not_null: bool,
    pub has_default: bool,
    /// Filled in by the database when omitted (SQLite's INTEGER PRIMARY KEY, a PostgreSQL
    /// sequence or identity). sandman2 refuses such a column in a POST body.
    pub autoincrement: bool,
    pub kind: CellKind,
}

impl Column {
    /// The type as sandman2 shows it in `/meta`: SQLAlchemy's spelling — upper case,
    /// parameters separated by ", ", PostgreSQL's long names shortened (`character varying(120)`
    /// is `VARCHAR(120)`).
    pub fn meta_type(&self) -> String {
        let declared = self.declared_type.trim();
        let (name, params) = match declared.find('(') {
            Some(open) => (
                &declared[..open],
                declared[open + 1..].trim_end_matches([')', ' ']),
            ),
            None => (declared, ""),
        };
        let name = name.trim().to_ascii_uppercase();
        let name = match name.as_str() {
            "CHARACTER VARYING" => "VARCHAR",
            "CHARACTER" | "BPCHAR" => "CHAR",
            "TIMESTAMP WITHOUT TIME ZONE" | "TIMESTAMP WITH TIME ZONE" => "TIMESTAMP",
            "TIME WITHOUT TIME ZONE" | "TIME WITH TIME ZONE" => "TIME",
            other => other,
        };
        if params.is_empty() {
            name.to_string()
        } else {
            let params: Vec<&str> = params.split(',').map(str::trim).collect();
            format!("{name}({})", params.join(", "))
        }
    }

    /// NOT NULL without a default and not filled in by the database: a POST must give it.
    pub fn required(&self) -> bool {
        self.not_null && !self.has_default && !self.autoincrement
    }
}

#[derive(Clone, Debug)]
pub struct ForeignKey {
    pub columns: Vec<String>,
    /// The referenced table's real name.
    pub table: String,
    pub referenced: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Table {
    /// The table's real name, as the database spells it.
    pub name: String,
    /// The URL name: the real name in lower case.
    pub resource: String,
    pub columns: Vec<Column>,
    /// Indexes into `columns`, in key order. Empty: the table has no primary key.
    pub primary_key: Vec<usize>,
    pub foreign_keys: Vec<ForeignKey>,
    /// Why this table may not be written here, if it may not.
    pub read_only: Option<String>,
    /// The statement reading one row by its key (`service::get`), made on first use.
    pub row_statement: OnceLock<String>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    pub fn key_columns(&self) -> impl Iterator<Item = &Column> {
        self.primary_key.iter().map(|&i| &self.columns[i])
    }

    pub fn check_writable(&self) -> TablesResult<()> {
        if self.primary_key.is_empty() {
            return Err(TablesError::ReadOnly(format!(
                "table {} has no primary key, so its rows cannot be addressed for writing",
                self.name
            )));
        }
        match &self.read_only {
            Some(reason) => Err(TablesError::ReadOnly(reason.clone())),
            None => Ok(()),
        }
    }

    /// The label column of this table: its first text column that is not part of the key.
    pub fn label_column(&self) -> Option<&Column> {
        self.columns
            .iter()
            .enumerate()
            .find(|(i, c)| c.kind.is_text() && !self.primary_key.contains(i))
            .map(|(_, c)| c)
    }
}

/// One attached database and its tables by resource name.
pub struct Database {
    pub name: String,
    pub connection: Connection,
    pub tables: BTreeMap<String, Arc<Table>>,
}

impl Database {
    pub fn table(&self, resource: &str) -> TablesResult<Arc<Table>> {
        self.tables
            .get(resource)
            .cloned()
            .ok_or(TablesError::NotFound)
    }

    pub fn table_by_name(&self, name: &str) -> Option<Arc<Table>> {
        self.tables.values().find(|t| t.name == name).cloned()
    }
}

/// How one database is attached: `--attach NAME=URL`, `--read-only NAME`, `--exclude NAME.TABLE`.
#[derive(Clone, Debug)]
pub struct Attachment {
    pub name: String,
    pub url: String,
    pub read_only: bool,
    pub excluded: Vec<String>,
}

impl Attachment {
    /// Parses `NAME=URL`.
    pub fn parse(spec: &str) -> Result<Self, DomainError> {
        let (name, url) = spec.split_once('=').ok_or_else(|| {
            DomainError::invalid(format!("--attach takes NAME=URL, not {spec:?}"))
        })?;
        let valid_name = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid_name {
            return Err(DomainError::invalid(format!(
                "database name must be 1 to 64 letters, digits, '_' or '-', not {name:?}"
            )));
        }
        if name == MAIN {
            return Err(DomainError::invalid(
                "the name main is Depot's own store; attach under another name",
            ));
        }
        Ok(Self {
            name: name.to_string(),
            url: url.to_string(),
            read_only: false,
            excluded: Vec::new(),
        })
    }
}

/// The name of Depot's own store on this surface.
pub const MAIN: &str = "main";

/// What of Depot's own store this surface shows, and how: the history and account tables are
/// read-only (they change only through their services), secrets are never shown, and
/// bookkeeping tables are not listed at all.
pub(crate) fn main_policy(table: &str) -> MainPolicy {
    match table {
        "_sqlx_migrations" | "sessions" => MainPolicy::Hidden,
        "users" => MainPolicy::ReadOnly {
            reason: "users are managed through /api/users, which enforces their rules",
            hidden_columns: &["password_hash"],
        },
        "api_keys" => MainPolicy::ReadOnly {
            reason: "API keys are managed through /api/keys, which enforces their rules",
            hidden_columns: &["key_hash"],
        },
        "audit_log" => MainPolicy::ReadOnly {
            reason: "the audit log is history and cannot be edited",
            hidden_columns: &[],
        },
        _ => MainPolicy::ReadOnly {
            reason: "Depot's own tables change only through their services",
            hidden_columns: &[],
        },
    }
}

pub(crate) enum MainPolicy {
    Hidden,
    ReadOnly {
        reason: &'static str,
        hidden_columns: &'static [&'static str],
    },
}

/// Every attached database, shared by all requests; [`Catalog::reload`] swaps one in place.
#[derive(Clone)]
pub struct Catalog {
    databases: Arc<RwLock<BTreeMap<String, Arc<Database>>>>,
    attachments: Arc<RwLock<BTreeMap<String, Attachment>>>,
    exact_count_limit: i64,
    /// The reload generation of each database this process has caught up with (see
    /// [`super::reloads`]).
    reloads_seen: Arc<RwLock<BTreeMap<String, i64>>>,
}

/// Tables with more rows than this are not counted on every page; their size is estimated.
pub const DEFAULT_EXACT_COUNT_LIMIT: i64 = 100_000;

impl Default for Catalog {
    fn default() -> Self {
        Self {
            databases: Default::default(),
            attachments: Default::default(),
            exact_count_limit: DEFAULT_EXACT_COUNT_LIMIT,
            reloads_seen: Default::default(),
        }
    }
}

impl Catalog {
    /// Opens and introspects `main` (Depot's store at `main_url`) and every attachment.
    pub async fn open(main_url: &str, attachments: Vec<Attachment>) -> TablesResult<Self> {
        let catalog = Catalog::default();
        let main = Attachment {
            name: MAIN.into(),
            url: main_url.into(),
            read_only: true,
            excluded: Vec::new(),
        };
        for attachment in std::iter::once(main).chain(attachments) {
            catalog
                .attachments
                .write()
                .unwrap()
                .insert(attachment.name.clone(), attachment.clone());
            let database = load(&attachment).await?;
            catalog
                .databases
                .write()
                .unwrap()
                .insert(attachment.name.clone(), Arc::new(database));
        }
        Ok(catalog)
    }

    /// Counts above this many rows are estimated (`X-Total-Count-Estimate`).
    pub fn with_exact_count_limit(mut self, limit: i64) -> Self {
        self.exact_count_limit = limit;
        self
    }

    pub fn exact_count_limit(&self) -> i64 {
        self.exact_count_limit
    }

    pub fn database(&self, name: &str) -> TablesResult<Arc<Database>> {
        self.databases
            .read()
            .unwrap()
            .get(name)
            .cloned()
            .ok_or(TablesError::NotFound)
    }

    pub fn names(&self) -> Vec<String> {
        self.databases.read().unwrap().keys().cloned().collect()
    }

    pub(super) fn reload_seen(&self, name: &str) -> i64 {
        self.reloads_seen
            .read()
            .unwrap()
            .get(name)
            .copied()
            .unwrap_or(0)
    }

    pub(super) fn saw_reload(&self, name: &str, generation: i64) {
        let mut seen = self.reloads_seen.write().unwrap();
        let entry = seen.entry(name.to_string()).or_insert(0);
        *entry = (*entry).max(generation);
    }

    /// Introspects `name` again, so tables created or changed since are seen.
    pub async fn reload(&self, name: &str) -> TablesResult<Arc<Database>> {
        let attachment = self
            .attachments
            .read()
            .unwrap()
            .get(name)
            .cloned()
            .ok_or(TablesError::NotFound)?;
        let database = Arc::new(load(&attachment).await?);
        self.databases
            .write()
            .unwrap()
            .insert(name.to_string(), database.clone());
        Ok(database)
    }
}

async fn load(attachment: &Attachment) -> TablesResult<Database> {
    let (connection, file_read_only) =
        Connection::open(&attachment.url)
            .await
            .map_err(|e| match e {
                TablesError::Domain(DomainError::Store(error)) => {
                    TablesError::Domain(DomainError::invalid(format!(
                        "cannot open database {}: {error}",
                        attachment.name
                    )))
                }
                other => other,
            })?;
    let mut tables = BTreeMap::new();
    for mut table in connection.introspect().await? {
        if attachment
            .excluded
            .iter()
            .any(|t| t.eq_ignore_ascii_case(&table.name))
        {
            continue;
        }
        if attachment.name == MAIN {
            match main_policy(&table.name) {
                MainPolicy::Hidden => continue,
                MainPolicy::ReadOnly {
                    reason,
                    hidden_columns,
                } => {
                    let key: Vec<String> = table.key_columns().map(|c| c.name.clone()).collect();
                    table
                        .columns
                        .retain(|c| !hidden_columns.contains(&c.name.as_str()));
                    table.primary_key = key.iter().filter_map(|k| table.column(k)).collect();
                    table.read_only = Some(reason.to_string());
                }
            }
        } else if attachment.read_only {
            table.read_only = Some(format!(
                "database {} is attached read-only",
                attachment.name
            ));
        } else if file_read_only {
            table.read_only = Some(format!("database {} is a read-only file", attachment.name));
        }
        tables.insert(table.resource.clone(), Arc::new(table));
    }
    Ok(Database {
        name: attachment.name.clone(),
        connection,
        tables,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(declared: &str) -> Column {
        Column {
            name: "c".into(),
            declared_type: declared.into(),
            not_null: false,
            has_default: false,
            autoincrement: false,
            kind: CellKind::PgJson,
        }
    }

    #[test]
    fn meta_types_are_spelled_as_sqlalchemy_does() {
        for (declared, shown) in [
            ("NUMERIC(10,2)", "NUMERIC(10, 2)"),
            ("nvarchar(120)", "NVARCHAR(120)"),
            ("INTEGER", "INTEGER"),
            ("character varying(120)", "VARCHAR(120)"),
            ("numeric(10,2)", "NUMERIC(10, 2)"),
            ("timestamp without time zone", "TIMESTAMP"),
            ("integer", "INTEGER"),
        ] {
            assert_eq!(column(declared).meta_type(), shown, "{declared}");
        }
    }
}
