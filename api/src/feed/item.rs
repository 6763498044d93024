//! One event as the feed sends it, serialized once for every subscriber.

use axum::extract::ws::Utf8Bytes;
use domain::{Role, StoredEvent};
use serde_json::{json, Value};

use super::rbac;

/// An event on the feed with its two wire forms precomputed.
#[derive(Debug)]
pub struct FeedItem {
    /// The event as stored.
    pub event: StoredEvent,
    /// Its payload, parsed.
    pub payload: Value,
    /// When the tail fanned it out (`None`: read back from the store).
    pub fanned_at: Option<std::time::Instant>,
    /// Shared, reference-counted texts: a socket's copy is a counter increment.
    full: Utf8Bytes,
    reduced: Utf8Bytes,
}

impl FeedItem {
    /// Parses and serializes `event` for the wire.
    pub fn new(event: StoredEvent) -> Self {
        let payload = event.payload_json().unwrap_or(Value::Null);
        let metadata: Value = serde_json::from_str(&event.metadata).unwrap_or(Value::Null);
        let reduced_meta = json!({
            "actor_id": metadata.get("actor_id"),
            "actor_role": metadata.get("actor_role"),
        });
        let wire = |meta: &Value| {
            json!({
                "type": "event",
                "position": event.position,
                "event_id": event.event_id,
                "stream_type": event.stream_type,
                "stream_id": event.stream_id,
                "stream_version": event.stream_version,
                "event_type": event.event_type,
                "payload": payload,
                "metadata": meta,
                "recorded_at": crate::routes::rfc3339(event.recorded_at),
            })
            .to_string()
        };
        let full = Utf8Bytes::from(wire(&metadata));
        let reduced = Utf8Bytes::from(wire(&reduced_meta));
        Self {
            event,
            payload,
            fanned_at: None,
            full,
            reduced,
        }
    }

    /// Bytes held by its wire forms.
    pub fn size(&self) -> usize {
        self.full.len() + self.reduced.len()
    }

    /// The global position.
    pub fn position(&self) -> i64 {
        self.event.position
    }

    /// The JSON text `role` receives.
    pub fn wire(&self, role: Role) -> &str {
        self.wire_text(role).as_str()
    }

    /// The same as a WebSocket text, shared rather than copied.
    pub fn wire_text(&self, role: Role) -> &Utf8Bytes {
        if rbac::sees_request_metadata(role) {
            &self.full
        } else {
            &self.reduced
        }
    }
}
