//! The `webhook_subscriptions` table.

use async_trait::async_trait;
use domain::{
    decode::decode,
    subscription::{Subscription, SubscriptionEvent},
    upcast::Upcasters,
    Aggregate, StoredEvent,
};
use sqlx::{Any, Transaction};

use crate::{error::ProjectionError, Projection};

/// Projects webhook subscriptions.
#[derive(Debug, Clone, Copy)]
pub struct Subscriptions;

#[async_trait]
impl Projection for Subscriptions {
    fn name(&self) -> &'static str {
        "webhook_subscriptions"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["webhook_subscriptions"]
    }

    fn stream_types(&self) -> &'static [&'static str] {
        &["subscription"]
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'static, Any>,
        e: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if e.stream_type != Subscription::STREAM_TYPE {
            return Ok(());
        }
        let event: SubscriptionEvent =
            decode(e, &Upcasters::domain()).map_err(|source| ProjectionError::Decode {
                position: e.position,
                source,
            })?;
        match event {
            SubscriptionEvent::WebhookSubscribed {
                topic,
                url,
                secret,
                after,
            } => {
                sqlx::query(
                    "INSERT INTO webhook_subscriptions (id, topic, url, secret, after, active, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, 1, $6, $7)",
                )
                .bind(e.stream_id.clone())
                .bind(topic)
                .bind(url)
                .bind(secret.as_str().to_owned())
                .bind(after)
                .bind(e.metadata().unwrap_or_default().actor_id)
                .bind(e.recorded_at)
                .execute(&mut **tx)
                .await?;
            }
            SubscriptionEvent::WebhookUnsubscribed {} => {
                sqlx::query("UPDATE webhook_subscriptions SET active = 0 WHERE id = $1")
                    .bind(e.stream_id.clone())
                    .execute(&mut **tx)
                    .await?;
            }
        }
        Ok(())
    }
}
