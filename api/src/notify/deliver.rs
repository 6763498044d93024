//! Delivering notifications by e-mail and webhook: a side effect with its own
//! checkpoints, never touched by a projection rebuild or a replay.
//!
//! The runner follows the log from its own cursor (`relay_cursors.name =
//! 'notify_deliver'`) and queues one row in `notification_deliveries` per
//! notification and channel (`INSERT .. ON CONFLICT DO NOTHING`, so a
//! re-read queues nothing twice). Each row is its delivery's checkpoint:
//! `pending` rows are tried when due; a success marks the row `delivered`,
//! a failure schedules the next attempt with exponential backoff, and the
//! last allowed failure marks it `dead` (the dead-letter list). Delivered and
//! dead rows are never sent again. A stop is honoured only between
//! deliveries, so a restart never cuts one between its send and its record;
//! receivers can still deduplicate by `X-RAIA-Delivery-Id`. One node at a
//! time delivers (the `notification_delivery` lease in `stream_leases`).

use std::time::Duration;

use domain::{
    decode::decode,
    notification::{Channel, NotificationEvent},
    upcast::Upcasters,
};
use sqlx::Row;
use tokio::sync::watch;

use super::channels::{self, Delivery, Failure};
use crate::{export::name, state::AppState};

const CURSOR: &str = "notify_deliver";
const LEASE_KEY: &str = "notification_delivery";
const BATCH: i64 = 200;

async fn cursor(state: &AppState) -> Result<i64, sqlx::Error> {
    let p: Option<i64> = sqlx::query_scalar("SELECT position FROM relay_cursors WHERE name = $1")
        .bind(CURSOR)
        .fetch_optional(state.db.write())
        .await?;
    Ok(p.unwrap_or(0))
}

async fn advance(state: &AppState, position: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO relay_cursors (name, position, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at",
    )
    .bind(CURSOR)
    .bind(position)
    .bind(commands::sql_now())
    .execute(state.db.write())
    .await?;
    Ok(())
}

/// Queues the e-mail and webhook deliveries of notifications created after
/// the cursor; returns how many events were read.
async fn enqueue(state: &AppState) -> anyhow::Result<usize> {
    let from = cursor(state).await?;
    let head = migrations::events::head_position(state.db.read()).await?;
    let events =
        migrations::events::read_types_after(state.db.read(), from, head, &["notification"], BATCH)
            .await?;
    let now = commands::sql_now();
    for e in &events {
        let Ok(NotificationEvent::NotificationCreated(n)) =
            decode::<NotificationEvent>(e, &Upcasters::domain())
        else {
            continue;
        };
        for channel in n.channels.iter().filter(|c| **c != Channel::InApp) {
            sqlx::query(
                "INSERT INTO notification_deliveries (id, notification_id, channel, recipient_user_id, kind, title, body, link, \
                 status, attempts, next_attempt_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $9, $9, $9) ON CONFLICT (id) DO NOTHING",
            )
            .bind(format!("{}/{}", e.stream_id, channel.as_str()))
            .bind(e.stream_id.clone())
            .bind(channel.as_str())
            .bind(n.recipient_user_id.clone())
            .bind(name(&n.kind))
            .bind(n.title.clone())
            .bind(n.body.clone())
            .bind(n.link.clone())
            .bind(now)
            .execute(state.db.write())
            .await?;
        }
    }
    let done = match events.last() {
        Some(last) if events.len() as i64 == BATCH => last.position,
        _ => head,
    };
    if done > from {
        advance(state, done).await?;
    }
    Ok(events.len())
}

async fn due(state: &AppState) -> anyhow::Result<Vec<(Delivery, String, i64)>> {
    let rows = sqlx::query(
        "SELECT * FROM notification_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 \
         ORDER BY created_at, id LIMIT 50",
    )
    .bind(commands::sql_now())
    .fetch_all(state.db.write())
    .await?;
    let mut out = Vec::new();
    for r in rows {
        out.push((
            Delivery {
                id: r.try_get("id")?,
                notification_id: r.try_get("notification_id")?,
                recipient: r.try_get("recipient_user_id")?,
                kind: r.try_get("kind")?,
                title: r.try_get("title")?,
                body: r.try_get("body")?,
                link: r.try_get("link")?,
            },
            r.try_get("channel")?,
            r.try_get("attempts")?,
        ));
    }
    Ok(out)
}

/// Records the outcome of attempt number `attempt` of `id`.
async fn settle(
    state: &AppState,
    id: &str,
    attempt: i64,
    outcome: Result<Option<i64>, Failure>,
) -> anyhow::Result<()> {
    let now = commands::sql_now();
    let (status, next, http, error) = match outcome {
        Ok(http) => ("delivered", now, http, None),
        Err(f) => {
            let limit = i64::from(state.config.delivery_max_attempts.max(1));
            if f.permanent || attempt >= limit {
                ("dead", now, f.http, Some(f.error))
            } else {
                let base = state.config.delivery_retry_base_ms as i64 * 1000;
                let backoff = base.saturating_mul(1_i64 << (attempt - 1).clamp(0, 20));
                ("pending", now + backoff, f.http, Some(f.error))
            }
        }
    };
    metrics::counter!("raia_notification_deliveries_total", "status" => status).increment(1);
    sqlx::query(
        "UPDATE notification_deliveries SET status = $2, attempts = $3, next_attempt_at = $4, http_status = $5, \
         last_error = $6, updated_at = $7 WHERE id = $1",
    )
    .bind(id.to_owned())
    .bind(status)
    .bind(attempt)
    .bind(next)
    .bind(http)
    .bind(error)
    .bind(now)
    .execute(state.db.write())
    .await?;
    Ok(())
}

/// Queues new deliveries and makes every due attempt, stopping early (between
/// deliveries) when `stop` is set; returns how many attempts were made.
pub async fn run_once(
    state: &AppState,
    client: &reqwest::Client,
    stop: Option<&watch::Receiver<bool>>,
) -> anyhow::Result<usize> {
    if !crate::routes::streams::processor::lease(state, LEASE_KEY).await? {
        return Ok(0);
    }
    while enqueue(state).await? as i64 == BATCH {}
    let mut attempts = 0;
    for (d, channel, tried) in due(state).await? {
        if stop.is_some_and(|s| *s.borrow()) {
            break;
        }
        let outcome = match channel.as_str() {
            "email" => channels::email(state, &d).await.map(|()| None),
            "webhook" => channels::webhook(state, client, &d).await.map(Some),
            other => Err(Failure {
                permanent: true,
                http: None,
                error: format!("unknown channel {other}"),
            }),
        };
        if let Err(f) = &outcome {
            tracing::warn!(delivery = %d.id, error = %f.error, "notification delivery failed");
        }
        settle(state, &d.id, tried + 1, outcome).await?;
        attempts += 1;
    }
    Ok(attempts)
}

/// An HTTP client for webhook deliveries.
pub fn client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
}

/// Delivers until `stop`, then gives the lease up for another node.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let client = match client() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "notification delivery client");
            return;
        }
    };
    let notify = state.store.notifier();
    let tick = Duration::from_millis(state.config.delivery_retry_base_ms.clamp(20, 500));
    loop {
        if *stop.borrow() {
            break;
        }
        let notified = notify.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        match run_once(&state, &client, Some(&stop)).await {
            Ok(n) if n > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "notification delivery paused"),
        }
        tokio::select! {
            _ = notified => {}
            _ = tokio::time::sleep(tick) => {}
            _ = stop.changed() => {}
        }
    }
    let _ = sqlx::query("DELETE FROM stream_leases WHERE stream_id = $1 AND holder = $2")
        .bind(LEASE_KEY)
        .bind(state.realtime.streams.node.clone())
        .execute(state.db.write())
        .await;
}
