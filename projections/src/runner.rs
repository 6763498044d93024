//! The projection runner: catch up from the checkpoint, then wait for a wake-up.
//!
//! Each batch is one transaction that re-reads the checkpoint (locking its row on
//! PostgreSQL, so several server processes never apply the same event twice),
//! applies the events and advances the checkpoint. A crash therefore never
//! double-applies or skips an event.

use std::{collections::HashMap, sync::Arc, time::Duration};

use migrations::{events, Backend, Db};
use sqlx::Row;
use tokio::sync::{watch, Notify};

use crate::{error::ProjectionError, Projection};

const BATCH: i64 = 1000;

/// How far one projection trails the log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Lag {
    /// Projection name.
    pub name: String,
    /// Its checkpoint.
    pub position: i64,
    /// The log's head.
    pub head: i64,
    /// `head - position`.
    pub lag: i64,
}

/// Keeps a set of projections current.
pub struct Runner {
    db: Db,
    projections: Vec<Arc<dyn Projection>>,
    checkpoints: HashMap<&'static str, watch::Sender<i64>>,
    wake: Arc<Notify>,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("projections", &self.checkpoints.keys())
            .finish()
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

impl Runner {
    /// A runner over `projections`, woken by `wake` (the store's notifier).
    pub fn new(db: Db, projections: Vec<Arc<dyn Projection>>, wake: Arc<Notify>) -> Self {
        let checkpoints = projections
            .iter()
            .map(|p| (p.name(), watch::channel(0).0))
            .collect();
        Self {
            db,
            projections,
            checkpoints,
            wake,
        }
    }

    /// The projections it runs.
    pub fn names(&self) -> Vec<&'static str> {
        self.projections.iter().map(|p| p.name()).collect()
    }

    async fn checkpoint(&self, name: &str) -> Result<i64, ProjectionError> {
        let row = sqlx::query("SELECT position FROM projection_checkpoints WHERE name = $1")
            .bind(name.to_owned())
            .fetch_optional(self.db.read())
            .await?;
        Ok(match row {
            Some(r) => r.try_get(0)?,
            None => 0,
        })
    }

    /// Applies one batch to one projection; returns its checkpoint afterwards and
    /// whether anything was applied.
    async fn step(&self, p: &dyn Projection) -> Result<(i64, bool), ProjectionError> {
        sqlx::query(
            "INSERT INTO projection_checkpoints (name, position, updated_at) VALUES ($1, 0, $2) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(p.name())
        .bind(now())
        .execute(self.db.write())
        .await?;
        let mut tx = self.db.write().begin().await?;
        let lock = match self.db.backend() {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let sql = format!("SELECT position FROM projection_checkpoints WHERE name = $1{lock}");
        let from: i64 = sqlx::query(&sql)
            .bind(p.name())
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        let types = p.stream_types();
        let (batch, next) = if types.is_empty() {
            let batch = events::read_after(&mut *tx, from, BATCH).await?;
            let next = batch.last().map(|e| e.position);
            (batch, next)
        } else {
            // Positions commit in order, so every event up to this head is visible;
            // when the filtered page is short, the checkpoint moves to the head.
            let head = events::head_position(&mut *tx).await?;
            let batch = events::read_types_after(&mut *tx, from, head, types, BATCH).await?;
            let next = if (batch.len() as i64) < BATCH {
                Some(head)
            } else {
                batch.last().map(|e| e.position)
            };
            (batch, next.filter(|n| *n > from))
        };
        let Some(last) = next else {
            tx.rollback().await?;
            return Ok((from, false));
        };
        p.apply_batch(&mut tx, &batch).await?;
        sqlx::query(
            "UPDATE projection_checkpoints SET position = $1, updated_at = $2 WHERE name = $3",
        )
        .bind(last)
        .bind(now())
        .bind(p.name())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((last, true))
    }

    fn publish(&self, name: &str, position: i64) {
        if let Some(tx) = self.checkpoints.get(name) {
            tx.send_if_modified(|v| {
                let changed = *v != position;
                *v = position;
                changed
            });
        }
    }

    /// Brings every projection up to the current head.
    pub async fn catch_up(&self) -> Result<(), ProjectionError> {
        for p in &self.projections {
            loop {
                let (pos, applied) = self.step(p.as_ref()).await?;
                self.publish(p.name(), pos);
                if !applied {
                    break;
                }
            }
        }
        Ok(())
    }

    /// Runs until `stop` flips: catch up, then wait for a wake-up or a 1 s tick.
    pub async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        loop {
            if *stop.borrow() {
                return;
            }
            // Registered before catching up, so an append during the catch-up still wakes us.
            let notified = self.wake.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Err(e) = self.catch_up().await {
                tracing::error!(error = %e, "projection failed; retrying");
            }
            tokio::select! {
                _ = notified => {}
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                _ = stop.changed() => {}
            }
        }
    }

    /// Catches up now (in the caller's task) and returns once every projection
    /// has reached the head as it was on entry.
    pub async fn sync(&self) -> Result<i64, ProjectionError> {
        let head = events::head_position(self.db.read()).await?;
        self.catch_up().await?;
        Ok(head)
    }

    /// Each projection's checkpoint against the head.
    pub async fn lag(&self) -> Result<Vec<Lag>, ProjectionError> {
        let head = events::head_position(self.db.read()).await?;
        let mut out = Vec::new();
        for p in &self.projections {
            let position = self.checkpoint(p.name()).await?;
            out.push(Lag {
                name: p.name().to_owned(),
                position,
                head,
                lag: head - position,
            });
        }
        Ok(out)
    }

    /// Empties a projection's tables, resets its checkpoint and replays the log.
    pub async fn rebuild(&self, name: &str) -> Result<i64, ProjectionError> {
        let p = self
            .projections
            .iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| ProjectionError::Unknown(name.to_owned()))?;
        let mut tx = self.db.write().begin().await?;
        for t in p.tables() {
            sqlx::query(&format!("DELETE FROM {t}"))
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM projection_checkpoints WHERE name = $1")
            .bind(p.name())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.publish(p.name(), 0);
        loop {
            let (pos, applied) = self.step(p.as_ref()).await?;
            self.publish(p.name(), pos);
            if !applied {
                return Ok(pos);
            }
        }
    }
}

/// Listens on PostgreSQL's `raia_events` channel and wakes `wake` on every
/// append by any process. Reconnects on failure; runs until `stop` flips.
pub async fn listen_postgres(url: String, wake: Arc<Notify>, mut stop: watch::Receiver<bool>) {
    loop {
        match sqlx::postgres::PgListener::connect(&url).await {
            Ok(mut l) => {
                if let Err(e) = l.listen("raia_events").await {
                    tracing::warn!(error = %e, "LISTEN failed");
                } else {
                    loop {
                        tokio::select! {
                            n = l.recv() => match n {
                                Ok(_) => wake.notify_waiters(),
                                Err(e) => { tracing::warn!(error = %e, "listener dropped"); break; }
                            },
                            _ = stop.changed() => return,
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot LISTEN; retrying"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = stop.changed() => return,
        }
    }
}
