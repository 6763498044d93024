//! What one subscriber asked for, and what its role allows.

use std::sync::Arc;

use domain::{ids::UserId, Role};
use serde::Deserialize;

use super::{rbac, FeedItem};

/// Filters a client may pass (query parameters on every real-time endpoint).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FilterParams {
    /// Comma-separated stream types.
    pub stream_type: Option<String>,
    /// Comma-separated event types.
    pub event_type: Option<String>,
    /// One stream id.
    pub id: Option<String>,
    /// Resume after this position (also `Last-Event-ID` on SSE).
    pub after: Option<i64>,
    /// A WebSocket ticket from `POST /api/v1/ws/ticket`.
    pub ticket: Option<String>,
}

/// Which events one subscriber receives.
#[derive(Debug, Clone)]
pub struct Filter {
    /// The subscriber's role.
    pub role: Role,
    /// The subscriber.
    pub user_id: UserId,
    /// Endpoint scope: only these stream types (empty = any).
    pub scope: Vec<String>,
    /// Only notifications addressed to the subscriber.
    pub own_notifications: bool,
    stream_types: Vec<String>,
    event_types: Vec<String>,
    id: Option<String>,
}

fn list(s: &Option<String>) -> Vec<String> {
    s.as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Filter {
    /// A filter for `role` from the client's parameters.
    pub fn new(role: Role, user_id: UserId, p: &FilterParams) -> Self {
        Self {
            role,
            user_id,
            scope: Vec::new(),
            own_notifications: false,
            stream_types: list(&p.stream_type),
            event_types: list(&p.event_type),
            id: p.id.clone().filter(|s| !s.is_empty()),
        }
    }

    /// Restricts to the endpoint's stream types.
    pub fn scoped(mut self, scope: &[&str]) -> Self {
        self.scope = scope.iter().map(|s| (*s).to_owned()).collect();
        self
    }

    /// Only the subscriber's own `NotificationCreated` events.
    pub fn notifications(mut self) -> Self {
        self.own_notifications = true;
        self
    }

    /// Whether the subscriber receives `item`.
    pub fn admits(&self, item: &Arc<FeedItem>) -> bool {
        let e = &item.event;
        if self.own_notifications {
            return e.stream_type == "notification"
                && e.event_type == "NotificationCreated"
                && item
                    .payload
                    .get("recipient_user_id")
                    .and_then(|v| v.as_str())
                    == Some(self.user_id.to_string().as_str())
                // Kinds the recipient keeps out of the inbox are not pushed either.
                && item
                    .payload
                    .get("channels")
                    .and_then(|v| v.as_array())
                    .is_none_or(|c| c.iter().any(|x| x == "in_app"));
        }
        if !rbac::may_read(self.role, &e.stream_type) {
            return false;
        }
        let any = |l: &[String], v: &str| l.is_empty() || l.iter().any(|x| x == v);
        any(&self.scope, &e.stream_type)
            && any(&self.stream_types, &e.stream_type)
            && any(&self.event_types, &e.event_type)
            && self.id.as_deref().is_none_or(|id| id == e.stream_id)
    }
}
