//! The `notification_preferences` table: each person's channels per kind and
//! their webhook (the signing secret stays sealed).

use async_trait::async_trait;
use domain::{
    decode::decode,
    notification::{
        preferences::{NotificationPreferences, PreferencesEvent},
        Kind,
    },
    upcast::Upcasters,
    Aggregate, StoredEvent,
};
use sqlx::{Any, Transaction};

use crate::{error::ProjectionError, exports::name, Projection};

/// Projects notification preference events.
#[derive(Debug, Clone, Copy)]
pub struct NotificationPreferencesView;

fn kinds(k: &[Kind]) -> String {
    serde_json::to_string(k).unwrap_or_else(|_| "[]".into())
}

#[async_trait]
impl Projection for NotificationPreferencesView {
    fn name(&self) -> &'static str {
        "notification_preferences"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["notification_preferences"]
    }

    fn stream_types(&self) -> &'static [&'static str] {
        &[NotificationPreferences::STREAM_TYPE]
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'static, Any>,
        e: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if e.stream_type != NotificationPreferences::STREAM_TYPE {
            return Ok(());
        }
        let PreferencesEvent::NotificationPreferencesSet(p) = decode(e, &Upcasters::domain())
            .map_err(|source| ProjectionError::Decode {
                position: e.position,
                source,
            })?;
        let target = p.webhook_target;
        sqlx::query(
            "INSERT INTO notification_preferences (user_id, in_app, email, webhook, webhook_url, webhook_format, webhook_secret, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (user_id) DO UPDATE SET in_app = excluded.in_app, email = excluded.email, webhook = excluded.webhook, \
             webhook_url = excluded.webhook_url, webhook_format = excluded.webhook_format, webhook_secret = excluded.webhook_secret, \
             updated_at = excluded.updated_at",
        )
        .bind(e.stream_id.clone())
        .bind(kinds(&p.in_app))
        .bind(kinds(&p.email))
        .bind(kinds(&p.webhook))
        .bind(target.as_ref().map(|t| t.url.clone()))
        .bind(target.as_ref().map(|t| name(&t.format)))
        .bind(target.and_then(|t| t.secret.map(|s| s.as_str().to_owned())))
        .bind(e.recorded_at)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}
