//! The `notifications` table: each recipient's in-app notifications.

use async_trait::async_trait;
use domain::{
    decode::decode,
    notification::{Notification, NotificationEvent},
    upcast::Upcasters,
    Aggregate, StoredEvent,
};
use sqlx::{Any, Transaction};

use crate::{error::ProjectionError, Projection};

pub mod preferences;

/// Projects notification events.
#[derive(Debug, Clone, Copy)]
pub struct Notifications;

#[async_trait]
impl Projection for Notifications {
    fn name(&self) -> &'static str {
        "notifications"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["notifications"]
    }

    fn stream_types(&self) -> &'static [&'static str] {
        &[Notification::STREAM_TYPE]
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'static, Any>,
        e: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if e.stream_type != Notification::STREAM_TYPE {
            return Ok(());
        }
        let event: NotificationEvent =
            decode(e, &Upcasters::domain()).map_err(|source| ProjectionError::Decode {
                position: e.position,
                source,
            })?;
        let q = match event {
            // Kinds the recipient keeps out of their inbox go only to other channels.
            NotificationEvent::NotificationCreated(n) if !n.in_app() => return Ok(()),
            NotificationEvent::NotificationCreated(n) => sqlx::query(
                "INSERT INTO notifications (id, recipient_user_id, kind, title, body, link, source_position, is_read, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8)",
            )
            .bind(e.stream_id.clone())
            .bind(n.recipient_user_id)
            .bind(serde_json::to_value(n.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default())
            .bind(n.title)
            .bind(n.body)
            .bind(n.link)
            .bind(n.source_position)
            .bind(e.recorded_at),
            NotificationEvent::NotificationRead {} => {
                sqlx::query("UPDATE notifications SET is_read = 1 WHERE id = $1").bind(e.stream_id.clone())
            }
            NotificationEvent::NotificationDeleted {} => {
                sqlx::query("DELETE FROM notifications WHERE id = $1").bind(e.stream_id.clone())
            }
        };
        q.execute(&mut **tx).await?;
        Ok(())
    }
}
