//! The outbox relay: publishes every event, in position order and at least
//! once, to NATS JetStream subject `raia.events.<stream_type>.<event_type>` with
//! `Nats-Msg-Id = event_id`, from a cursor persisted after each acknowledged
//! batch. JetStream's duplicate window drops a re-publish after a restart, so
//! each event lands exactly once.

use std::{sync::Arc, time::Duration};

use async_nats::jetstream::{self, stream::Config};
use domain::StoredEvent;
use sqlx::Row;

use crate::store::{sql_now, EventStore};

/// The JetStream stream that receives RAIA's events.
pub const STREAM: &str = "RAIA_EVENTS";
/// Subject prefix of every event.
pub const SUBJECT_PREFIX: &str = "raia.events";

/// Why the relay stopped.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// NATS refused or dropped something.
    #[error("nats: {0}")]
    Nats(String),
    /// Reading events or the cursor failed.
    #[error(transparent)]
    Store(#[from] crate::error::StoreError),
    /// The cursor table failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// An event did not serialise.
    #[error("encoding: {0}")]
    Encoding(#[from] serde_json::Error),
}

fn nats<E: std::fmt::Display>(e: E) -> RelayError {
    RelayError::Nats(e.to_string())
}

/// A subject token: NATS forbids `.`, `*`, `>` and whitespace inside one.
fn token(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c == '.' || c == '*' || c == '>' || c.is_whitespace() {
                '_'
            } else {
                c
            }
        })
        .collect()
}

/// The subject an event is published on under `prefix`.
pub fn subject(prefix: &str, e: &StoredEvent) -> String {
    format!(
        "{prefix}.{}.{}",
        token(&e.stream_type),
        token(&e.event_type)
    )
}

/// Publishes the log to JetStream.
#[derive(Debug, Clone)]
pub struct NatsRelay {
    store: Arc<dyn EventStore>,
    js: jetstream::Context,
    name: String,
    prefix: String,
}

impl NatsRelay {
    /// Connects and makes sure the stream exists (duplicate window: 24 h).
    /// `stream` and `prefix` default to [`STREAM`] and [`SUBJECT_PREFIX`]; other
    /// values let several RAIA installations share one NATS server.
    pub async fn connect(
        store: Arc<dyn EventStore>,
        url: &str,
        stream: &str,
        prefix: &str,
    ) -> Result<Self, RelayError> {
        let client = async_nats::connect(url).await.map_err(nats)?;
        let js = jetstream::new(client);
        js.get_or_create_stream(Config {
            name: stream.to_owned(),
            subjects: vec![format!("{prefix}.>")],
            duplicate_window: Duration::from_secs(24 * 3600),
            ..Config::default()
        })
        .await
        .map_err(nats)?;
        Ok(Self {
            store,
            js,
            name: format!("nats:{stream}"),
            prefix: prefix.to_owned(),
        })
    }

    /// The persisted cursor: the last position acknowledged by JetStream.
    pub async fn cursor(&self) -> Result<i64, RelayError> {
        let row = sqlx::query("SELECT position FROM relay_cursors WHERE name = $1")
            .bind(self.name.clone())
            .fetch_optional(self.store.db().read())
            .await?;
        Ok(match row {
            Some(r) => r.try_get(0)?,
            None => 0,
        })
    }

    async fn save_cursor(&self, position: i64) -> Result<(), RelayError> {
        sqlx::query(
            "INSERT INTO relay_cursors (name, position, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at",
        )
        .bind(self.name.clone())
        .bind(position)
        .bind(sql_now())
        .execute(self.store.db().write())
        .await?;
        Ok(())
    }

    /// Publishes up to `limit` events after the cursor; returns how many.
    pub async fn run_once(&self, limit: i64) -> Result<usize, RelayError> {
        let after = self.cursor().await?;
        let events = self.store.read_all(after, limit).await?;
        let Some(last) = events.last().map(|e| e.position) else {
            return Ok(0);
        };
        // Publish the whole batch, then wait for every ack: one round trip per batch.
        let mut acks = Vec::with_capacity(events.len());
        for e in &events {
            let mut headers = async_nats::HeaderMap::new();
            headers.insert(async_nats::header::NATS_MESSAGE_ID, e.event_id.as_str());
            let body = serde_json::to_vec(e)?;
            acks.push(
                self.js
                    .publish_with_headers(subject(&self.prefix, e), headers, body.into())
                    .await
                    .map_err(nats)?,
            );
        }
        for ack in acks {
            ack.await.map_err(nats)?;
        }
        self.save_cursor(last).await?;
        Ok(events.len())
    }
}
