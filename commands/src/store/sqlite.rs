//! SQLite: the embedded default. One writer connection serialises appends.

use std::sync::Arc;

use async_trait::async_trait;
use domain::{NewEvent, StoredEvent};
use migrations::Db;

use super::{sql, EventStore};
use crate::error::StoreError;

/// The event store on a SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    db: Db,
    notify: Arc<tokio::sync::Notify>,
}

impl SqliteStore {
    /// Wraps a SQLite database.
    pub fn new(db: Db) -> Self {
        Self {
            db,
            notify: Arc::new(tokio::sync::Notify::new()),
        }
    }
}

#[async_trait]
impl EventStore for SqliteStore {
    async fn append(&self, events: Vec<NewEvent>) -> Result<Vec<StoredEvent>, StoreError> {
        // The write pool holds one connection, so this transaction is the only writer.
        let mut tx = self.db.write().begin().await?;
        let stored = sql::append_in(&mut tx, events).await?;
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
