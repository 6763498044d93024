//! The event store: one trait, a SQLite and a PostgreSQL implementation.

mod postgres;
mod sql;
mod sqlite;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

use std::sync::Arc;

use async_trait::async_trait;
use domain::{NewEvent, StoredEvent};
use migrations::{Backend, Db};

use crate::error::StoreError;

/// The last event of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// Its position (0 when the log is empty).
    pub position: i64,
    /// Its hash (the genesis hash when empty).
    pub hash: String,
}

/// How far into a stream's history to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// Everything.
    Now,
    /// Events at or before this global position.
    Position(i64),
    /// Events recorded at or before this time (microseconds since the epoch).
    Time(i64),
}

/// An append-only, hash-chained event log.
#[async_trait]
pub trait EventStore: Send + Sync + std::fmt::Debug {
    /// Appends a batch atomically. Each stream's first event in the batch carries
    /// the expected version; positions are gap-free and in commit order.
    /// Re-appending a batch whose event ids are all stored returns the stored events.
    async fn append(&self, events: Vec<NewEvent>) -> Result<Vec<StoredEvent>, StoreError>;
    /// One stream's events in version order, up to `until`.
    async fn read_stream(
        &self,
        stream_type: &str,
        stream_id: &str,
        until: Until,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        sql::read_stream(self.db().read(), stream_type, stream_id, until).await
    }
    /// Up to `limit` events with position greater than `after`, in order.
    async fn read_all(&self, after: i64, limit: i64) -> Result<Vec<StoredEvent>, StoreError> {
        sql::read_all(self.db().read(), after, limit).await
    }
    /// Up to `limit` events recorded in `[from, to)` (microseconds), after position `after`.
    async fn read_time_range(
        &self,
        from: i64,
        to: i64,
        after: i64,
        limit: i64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        sql::read_time_range(self.db().read(), from, to, after, limit).await
    }
    /// The last event's position and hash.
    async fn head(&self) -> Result<Head, StoreError> {
        sql::head(self.db().read()).await
    }
    /// Wakes when a local append commits (a hint; the table is the truth).
    fn notifier(&self) -> Arc<tokio::sync::Notify>;
    /// The database underneath.
    fn db(&self) -> &Db;
}

/// Opens the store matching the database's backend.
pub fn open_store(db: Db) -> Arc<dyn EventStore> {
    match db.backend() {
        Backend::Sqlite => Arc::new(SqliteStore::new(db)),
        Backend::Postgres => Arc::new(PgStore::new(db)),
    }
}

/// Inserts already-chained rows verbatim (replay tools and tests that simulate
/// a database administrator; appends go through [`EventStore::append`]).
pub async fn insert_rows(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    rows: &[StoredEvent],
) -> Result<(), StoreError> {
    sql::insert(tx, rows).await
}

/// Microseconds since the epoch, as stored in every time column.
pub fn sql_now() -> i64 {
    sql::now_micros()
}
