//! Webhook delivery: a side effect with its own cursor per subscription.
//!
//! One node at a time delivers (the `webhooks` lease in `stream_leases`). Each
//! matching event is POSTed with `X-RAIA-Signature: sha256=<hex
//! HMAC-SHA256(secret, body)>`, `X-RAIA-Event-Id` and `X-RAIA-Position`; a
//! non-2xx answer or a network error is retried with exponential backoff
//! (0.2 s, 0.4 s, 0.8 s, ...) up to [`MAX_ATTEMPTS`], then the event goes to the
//! dead-letter list. Every attempt is logged in `webhook_deliveries`. The
//! cursor moves only after an event was delivered or dead-lettered, and
//! projection rebuilds never touch it, so nothing is sent twice by a replay
//! (a crash between a delivery and its cursor update re-sends that one event:
//! receivers deduplicate by `X-RAIA-Event-Id`).

use std::time::Duration;

use domain::subscription::topic_matches;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::Row;
use tokio::sync::watch;

use crate::{feed::FeedItem, state::AppState};

/// Attempts before an event is dead-lettered.
pub const MAX_ATTEMPTS: i64 = 4;
const BACKOFF: Duration = Duration::from_millis(200);
const LEASE_KEY: &str = "webhooks";

struct Sub {
    id: String,
    topic: String,
    url: String,
    secret: String,
    after: i64,
}

async fn subscriptions(state: &AppState) -> anyhow::Result<Vec<Sub>> {
    let rows = sqlx::query(
        "SELECT id, topic, url, secret, after FROM webhook_subscriptions WHERE active = 1 ORDER BY id",
    )
    .fetch_all(state.db.read())
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let id: String = r.try_get(0)?;
        let sealed = domain::sealed::Sealed::from_ciphertext(r.try_get(3)?);
        let Some(secret) = state
            .cipher
            .open(&commands::streams::topics::subject(&id), &sealed)
            .await?
        else {
            continue;
        };
        out.push(Sub {
            id,
            topic: r.try_get(1)?,
            url: r.try_get(2)?,
            secret,
            after: r.try_get(4)?,
        });
    }
    Ok(out)
}

async fn cursor(state: &AppState, s: &Sub) -> anyhow::Result<i64> {
    let p: Option<i64> =
        sqlx::query_scalar("SELECT position FROM webhook_cursors WHERE subscription_id = $1")
            .bind(s.id.clone())
            .fetch_optional(state.db.write())
            .await?;
    Ok(p.unwrap_or(s.after))
}

async fn advance(state: &AppState, id: &str, position: i64) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO webhook_cursors (subscription_id, position, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (subscription_id) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at",
    )
    .bind(id.to_owned())
    .bind(position)
    .bind(commands::sql_now())
    .execute(state.db.write())
    .await?;
    Ok(())
}

async fn log(
    state: &AppState,
    s: &Sub,
    position: i64,
    attempt: i64,
    status: &str,
    http: Option<i64>,
    error: Option<String>,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO webhook_deliveries (subscription_id, position, attempt, status, http_status, error, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (subscription_id, position, attempt) DO NOTHING",
    )
    .bind(s.id.clone())
    .bind(position)
    .bind(attempt)
    .bind(status.to_owned())
    .bind(http)
    .bind(error)
    .bind(commands::sql_now())
    .execute(state.db.write())
    .await?;
    Ok(())
}

/// The signature header value for `body`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn deliver(
    state: &AppState,
    client: &reqwest::Client,
    s: &Sub,
    item: &FeedItem,
) -> anyhow::Result<()> {
    let body = item.wire(domain::Role::Viewer).to_owned();
    let sig = signature(&s.secret, body.as_bytes());
    for attempt in 1..=MAX_ATTEMPTS {
        let r = client
            .post(&s.url)
            .header("content-type", "application/json")
            .header("x-raia-signature", &sig)
            .header("x-raia-event-id", &item.event.event_id)
            .header("x-raia-position", item.position().to_string())
            .body(body.clone())
            .send()
            .await;
        let (ok, http, err) = match r {
            Ok(r) => (
                r.status().is_success(),
                Some(i64::from(r.status().as_u16())),
                None,
            ),
            Err(e) => (false, None, Some(e.to_string())),
        };
        if ok {
            return log(state, s, item.position(), attempt, "delivered", http, None).await;
        }
        let last = attempt == MAX_ATTEMPTS;
        log(
            state,
            s,
            item.position(),
            attempt,
            if last { "dead" } else { "failed" },
            http,
            err,
        )
        .await?;
        if !last {
            tokio::time::sleep(BACKOFF * 2u32.pow((attempt - 1) as u32)).await;
        }
    }
    Ok(())
}

async fn tick(state: &AppState, client: &reqwest::Client) -> anyhow::Result<()> {
    if !crate::routes::streams::processor::lease(state, LEASE_KEY).await? {
        return Ok(());
    }
    for s in subscriptions(state).await? {
        let mut at = cursor(state, &s).await?;
        let events = state.store.read_all(at, 200).await?;
        for e in events {
            let position = e.position;
            if topic_matches(&s.topic, &e.stream_type, &e.event_type, &e.stream_id) {
                deliver(state, client, &s, &FeedItem::new(e)).await?;
            }
            at = position;
            advance(state, &s.id, at).await?;
        }
    }
    Ok(())
}

/// Delivers webhooks until `stop`.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "webhook client");
            return;
        }
    };
    let notify = state.store.notifier();
    loop {
        let notified = notify.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if let Err(e) = tick(&state, &client).await {
            tracing::warn!(error = %e, "webhook delivery failed");
        }
        tokio::select! {
            _ = notified => {}
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            _ = stop.changed() => return,
        }
    }
}
