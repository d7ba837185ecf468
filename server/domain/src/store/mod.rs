//! The SQL store behind every surface: one sqlx pool, SQLite or PostgreSQL.
//!
//! Every difference between the two backends lives in this module ([`Backend`]); the rest of
//! the code writes portable SQL with `$1` placeholders and runs it through [`Store::pool`] or a
//! transaction from [`Store::begin_write`].

pub mod query;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Executor, Transaction};

use crate::error::{DomainError, DomainResult};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

pub type Tx = Transaction<'static, Any>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> DomainResult<Self> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            Err(DomainError::invalid(format!(
                "database URL must start with sqlite:// or postgres://, not {:?}",
                url.split(':').next().unwrap_or(url)
            )))
        }
    }

    fn migrator(self) -> &'static sqlx::migrate::Migrator {
        match self {
            Self::Sqlite => &SQLITE_MIGRATIONS,
            Self::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// The statement that opens a transaction which will write. SQLite must take the write
    /// lock up front: a deferred transaction that later upgrades fails at once with
    /// SQLITE_BUSY instead of waiting for the busy timeout.
    fn begin_write_statement(self) -> &'static str {
        match self {
            Self::Sqlite => "BEGIN IMMEDIATE",
            Self::Postgres => "BEGIN",
        }
    }

    /// The statement that opens a transaction whose reads all see one moment. PostgreSQL's
    /// default (READ COMMITTED) takes a new snapshot per statement; SQLite's deferred
    /// transaction keeps the one its first read took.
    fn begin_read_statement(self) -> &'static str {
        match self {
            Self::Sqlite => "BEGIN",
            Self::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Opens a pool on `url` (`sqlite://path` or `postgres://…`). A SQLite file and its folder
    /// are created when missing; SQLite runs in WAL mode with a busy timeout and foreign keys on.
    pub async fn connect(url: &str) -> DomainResult<Self> {
        let backend = Backend::from_url(url)?;
        Self::connect_with_pool(
            url,
            match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            },
        )
        .await
    }

    /// [`Store::connect`] with a pool of at most `max_connections` (a function instance wants
    /// few: every instance shares the database's connection limit).
    pub async fn connect_with_pool(url: &str, max_connections: u32) -> DomainResult<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let url = match backend {
            Backend::Sqlite => prepare_sqlite_url(url)?,
            Backend::Postgres => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url)
            .map_err(|e| DomainError::invalid(format!("bad database URL: {e}")))?;
        let pool_options = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10));
        let pool_options = match backend {
            Backend::Sqlite => pool_options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; \
                         PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
                    )
                    .await?;
                    Ok(())
                })
            }),
            Backend::Postgres => pool_options,
        };
        let pool = pool_options.connect_with(options).await?;
        Ok(Self { pool, backend })
    }

    /// Applies every pending migration of this backend. Safe to run from several processes at
    /// once: sqlx takes the migration lock (an advisory lock on PostgreSQL).
    pub async fn migrate(&self) -> DomainResult<()> {
        self.backend
            .migrator()
            .run(&self.pool)
            .await
            .map_err(|e| DomainError::Internal(format!("migration failed: {e}")))
    }

    /// How many of this backend's migrations the store has not applied, if any: for a process
    /// that must not migrate at start (a function instance).
    pub async fn pending_migrations(&self) -> DomainResult<Option<usize>> {
        // A store never migrated has no `_sqlx_migrations` table: everything is pending. Any
        // other error (the store is out of reach) is reported as such.
        let applied: Vec<i64> =
            match sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                .fetch_all(&self.pool)
                .await
            {
                Ok(applied) => applied,
                Err(sqlx::Error::Database(_)) => Vec::new(),
                Err(error) => return Err(error.into()),
            };
        let pending = self
            .backend
            .migrator()
            .iter()
            .filter(|m| !applied.contains(&m.version))
            .count();
        Ok((pending > 0).then_some(pending))
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A connection to read with, for a caller who may read: the check and the connection in
    /// one step, so that no read forgets the check.
    pub async fn reading_as(
        &self,
        actor: &crate::Actor,
    ) -> DomainResult<sqlx::pool::PoolConnection<Any>> {
        actor.require_read()?;
        Ok(self.pool.acquire().await?)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A transaction for work that writes: everything in it becomes visible at once on commit,
    /// or not at all.
    pub async fn begin_write(&self) -> DomainResult<Tx> {
        Ok(self
            .pool
            .begin_with(self.backend.begin_write_statement())
            .await?)
    }

    /// A transaction for reads that must agree with each other (a row and its children), so a
    /// write committed between two of them cannot show half of itself.
    pub async fn begin_read(&self) -> DomainResult<Tx> {
        Ok(self
            .pool
            .begin_with(self.backend.begin_read_statement())
            .await?)
    }

    /// Whether the store answers a trivial query (the readiness probe).
    pub async fn ping(&self) -> DomainResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A column holding JSON text that Depot wrote, read back as `T`; anything else there is a
/// fault of the store, not of the caller.
pub fn json_column<T: serde::de::DeserializeOwned>(
    row: &sqlx::any::AnyRow,
    column: &str,
) -> DomainResult<T> {
    use sqlx::Row;
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text)
        .map_err(|e| DomainError::Internal(format!("stored {column} is not what Depot wrote: {e}")))
}

/// Creates the SQLite file's folder and asks sqlx to create the file itself when it is missing.
fn prepare_sqlite_url(url: &str) -> DomainResult<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path != ":memory:" {
        if let Some(folder) = Path::new(path)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(folder).map_err(|e| {
                DomainError::invalid(format!(
                    "cannot create the data folder {}: {e}",
                    folder.display()
                ))
            })?;
        }
    }
    let query = if query.split('&').any(|pair| pair.starts_with("mode=")) {
        query.to_string()
    } else if query.is_empty() {
        "mode=rwc".to_string()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_is_chosen_by_url_scheme() {
        assert_eq!(
            Backend::from_url("sqlite://./data/depot.db").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(
            Backend::from_url("postgres://postgres@127.0.0.1/x").unwrap(),
            Backend::Postgres
        );
        let error = Backend::from_url("mysql://root@localhost/x").unwrap_err();
        assert!(error.to_string().contains("mysql"), "{error}");
    }

    #[test]
    fn sqlite_urls_get_create_mode_unless_one_is_given() {
        let dir = std::env::temp_dir().join("depot-url-test");
        let url = format!("sqlite://{}/sub/depot.db", dir.display());
        assert!(prepare_sqlite_url(&url)
            .unwrap()
            .ends_with("depot.db?mode=rwc"));
        assert!(dir.join("sub").is_dir());
        assert!(prepare_sqlite_url("sqlite://:memory:?mode=memory")
            .unwrap()
            .ends_with("?mode=memory"));
    }
}
