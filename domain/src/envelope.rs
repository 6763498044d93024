//! The event envelope: what the log stores around each domain event.

use serde::{Deserialize, Serialize};

use crate::role::Role;

/// Who did something, from where, and why: recorded with every event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// The acting user's id, or `system` for the server itself.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub actor_id: Option<String>,
    /// The actor's role when acting.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub actor_role: Option<Role>,
    /// How the actor authenticated (`password`, `jwt`, `cli`, ...).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub auth_method: Option<String>,
    /// The HTTP request that caused the append.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub request_id: Option<String>,
    /// Groups events of one business transaction.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub correlation_id: Option<String>,
    /// The event or command that caused this one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub causation_id: Option<String>,
    /// The client's address as the server saw it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub client_ip: Option<String>,
    /// The client's `User-Agent`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub user_agent: Option<String>,
}

impl Metadata {
    /// Metadata for actions the server or the CLI takes on its own.
    pub fn system(method: &str) -> Self {
        Self {
            actor_id: Some("system".into()),
            auth_method: Some(method.into()),
            ..Self::default()
        }
    }
}

/// The stream version an append expects to find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedVersion {
    /// No check (only for streams nobody races on, e.g. login records).
    Any,
    /// The stream must not exist yet.
    NoStream,
    /// The stream's last version must be exactly this.
    Exact(i64),
}

impl ExpectedVersion {
    /// Whether a stream currently at `current` (0 = absent) satisfies this expectation.
    pub fn admits(self, current: i64) -> bool {
        match self {
            Self::Any => true,
            Self::NoStream => current == 0,
            Self::Exact(v) => current == v,
        }
    }
}

/// An event about to be appended.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// Idempotency key: re-appending the same id is a no-op.
    pub event_id: String,
    /// Aggregate kind, e.g. `model`.
    pub stream_type: String,
    /// Aggregate id.
    pub stream_id: String,
    /// Version the stream must be at before the first event of this stream in a batch.
    pub expected: ExpectedVersion,
    /// Past-tense type name, e.g. `ModelRegistered`.
    pub event_type: String,
    /// Payload schema version.
    pub schema_version: i64,
    /// The payload as JSON.
    pub payload: serde_json::Value,
    /// Actor and request metadata.
    pub metadata: Metadata,
}

/// An event as stored in the log, with its place in the chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    /// Global, gap-free, commit-ordered position (first is 1).
    pub position: i64,
    /// Unique event id.
    pub event_id: String,
    /// Aggregate kind.
    pub stream_type: String,
    /// Aggregate id.
    pub stream_id: String,
    /// Version within the stream (first is 1).
    pub stream_version: i64,
    /// Event type name.
    pub event_type: String,
    /// Payload schema version as stored.
    pub schema_version: i64,
    /// Payload JSON text exactly as stored and hashed.
    pub payload: String,
    /// Metadata JSON text exactly as stored and hashed.
    pub metadata: String,
    /// Server time of the append, microseconds since the Unix epoch (UTC).
    pub recorded_at: i64,
    /// Hash of the previous event (64 zeros before the first).
    pub prev_hash: String,
    /// `SHA-256(prev_hash || canonical(envelope))`, hex.
    pub hash: String,
}

impl StoredEvent {
    /// The payload parsed as JSON.
    pub fn payload_json(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_str(&self.payload)
    }

    /// The metadata parsed.
    pub fn metadata(&self) -> Result<Metadata, serde_json::Error> {
        serde_json::from_str(&self.metadata)
    }

    /// `recorded_at` as a UTC timestamp.
    pub fn recorded_at_utc(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp_micros(self.recorded_at).unwrap_or_default()
    }
}
