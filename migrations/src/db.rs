//! Connection pools for SQLite (embedded default) and PostgreSQL.

use std::{str::FromStr, time::Duration};

use sqlx::{
    any::{AnyConnectOptions, AnyPoolOptions},
    migrate::Migrator,
    AnyPool, Executor,
};

static SQLITE: Migrator = sqlx::migrate!("./sqlite");
static POSTGRES: Migrator = sqlx::migrate!("./postgres");

/// Which database RAIA runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A file in the data directory.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// What went wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The URL names no supported backend.
    #[error("unsupported database URL (use sqlite://PATH or postgres://...): {0}")]
    UnsupportedUrl(String),
    /// A query or connection failed.
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    /// Applying the schema failed.
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Pools for one database. SQLite has a single writer, so writes go through a
/// one-connection pool and never fight over the lock; reads use the other pool.
#[derive(Debug, Clone)]
pub struct Db {
    backend: Backend,
    url: String,
    read: AnyPool,
    write: AnyPool,
}

impl Db {
    /// Connects to `url` (`sqlite://path` creates the file; `postgres://...`).
    pub async fn connect(url: &str) -> Result<Self, DbError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(DbError::UnsupportedUrl(url.to_owned()));
        };
        let db = match backend {
            Backend::Sqlite => {
                let url = if url.contains('?') {
                    url.to_owned()
                } else {
                    format!("{url}?mode=rwc")
                };
                let opts = AnyConnectOptions::from_str(&url)?;
                let write = sqlite_pool(1).connect_with(opts.clone()).await?;
                let read = sqlite_pool(4).connect_with(opts).await?;
                Db {
                    backend,
                    url,
                    read,
                    write,
                }
            }
            Backend::Postgres => {
                let opts = AnyConnectOptions::from_str(url)?;
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(opts)
                    .await?;
                Db {
                    backend,
                    url: url.to_owned(),
                    read: pool.clone(),
                    write: pool,
                }
            }
        };
        Ok(db)
    }

    /// Applies every pending migration of this backend.
    pub async fn migrate(&self) -> Result<(), DbError> {
        match self.backend {
            Backend::Sqlite => SQLITE.run(&self.write).await?,
            Backend::Postgres => POSTGRES.run(&self.write).await?,
        }
        Ok(())
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL it was opened with.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Pool for reads.
    pub fn read(&self) -> &AnyPool {
        &self.read
    }

    /// Pool for writes (one connection on SQLite).
    pub fn write(&self) -> &AnyPool {
        &self.write
    }

    /// Closes both pools.
    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

fn sqlite_pool(max: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(|conn, _| {
            Box::pin(async move {
                // WAL lets readers run beside the writer; FULL sync makes every
                // acknowledged append durable, which an audit log promises;
                // secure_delete zeroes deleted content, so an erased person's
                // scrubbed rows do not linger in free pages of the file.
                conn.execute(
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; \
                     PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;",
                )
                .await?;
                Ok(())
            })
        })
}
