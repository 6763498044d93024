//! PostgreSQL: appends take a transaction-scoped advisory lock so that position
//! order is commit order (a plain sequence read by a catch-up reader would skip
//! events that commit late), then NOTIFY other processes.

use std::sync::Arc;

use async_trait::async_trait;
use domain::{NewEvent, StoredEvent};
use migrations::Db;

use super::{sql, EventStore};
use crate::error::StoreError;

/// The advisory lock key that serialises appends ("RAIA" in ASCII).
pub const APPEND_LOCK: i64 = 0x5241_4941;
/// The channel on which appends are announced.
pub const CHANNEL: &str = "raia_events";

/// The event store on PostgreSQL.
#[derive(Debug, Clone)]
pub struct PgStore {
    db: Db,
    notify: Arc<tokio::sync::Notify>,
}

impl PgStore {
    /// Wraps a PostgreSQL database.
    pub fn new(db: Db) -> Self {
        Self {
            db,
            notify: Arc::new(tokio::sync::Notify::new()),
        }
    }
}

#[async_trait]
impl EventStore for PgStore {
    async fn append(&self, events: Vec<NewEvent>) -> Result<Vec<StoredEvent>, StoreError> {
        let mut tx = self.db.write().begin().await?;
        // Wrapped in count(*): the Any driver cannot decode a `void` column.
        sqlx::query("SELECT count(*) FROM (SELECT pg_advisory_xact_lock($1)) AS l")
            .bind(APPEND_LOCK)
            .execute(&mut *tx)
            .await?;
        let stored = sql::append_in(&mut tx, events).await?;
        if let Some(last) = stored.last() {
            sqlx::query("SELECT count(*) FROM (SELECT pg_notify($1, $2)) AS n")
                .bind(CHANNEL)
                .bind(last.position.to_string())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.notify.notify_waiters();
        Ok(stored)
    }

    fn notifier(&self) -> Arc<tokio::sync::Notify> {
        self.notify.clone()
    }

    fn db(&self) -> &Db {
        &self.db
    }
}
