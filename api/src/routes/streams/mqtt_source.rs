//! MQTT sources, run only on the node holding the stream's lease.
//!
//! Delivery: the consumer connects with a fixed client id per stream and a
//! persistent session (`clean_session = false`), subscribes with the stream's
//! QoS (default 1) and acknowledges each message only after the batch holding
//! it is committed. The broker keeps what arrives while no node is connected
//! (up to its `max_queued_messages`) and redelivers what was not acknowledged,
//! so with QoS 1 or 2 nothing is lost: **at least once**. A message committed
//! but not yet acknowledged when the node dies is delivered again; set the
//! stream's `record_id_field` and such a redelivery counts once (ids are
//! committed with the batch), which makes a restart or fail-over count each
//! record exactly once. Without it, only that last in-flight group (at most
//! the broker's in-flight window, 20 messages on Mosquitto's defaults) can be
//! counted twice. QoS 0 is at most once: what arrives while no node is
//! subscribed is lost.

use std::time::Duration;

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, Publish, QoS};
use tokio::sync::mpsc;

use crate::state::AppState;

/// Most messages committed as one batch.
const BATCH: usize = 1000;
/// How long a batch waits for one more message.
const LINGER: Duration = Duration::from_millis(5);

/// Aborts the event-loop task when the consumer ends (or is aborted).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn qos(q: u8) -> QoS {
    match q {
        0 => QoS::AtMostOnce,
        2 => QoS::ExactlyOnce,
        _ => QoS::AtLeastOnce,
    }
}

/// What an MQTT stream consumes.
#[derive(Debug, Clone)]
pub(super) struct MqttSource {
    /// Topic filter.
    pub topic: String,
    /// Broker URL (`mqtt://host:port`).
    pub url: String,
    /// Subscription QoS.
    pub qos: u8,
    /// Record-id field for deduplication.
    pub id_field: Option<String>,
}

async fn mark_subscribed(state: &AppState, id: &str) -> Result<(), sqlx::Error> {
    let now = commands::sql_now();
    sqlx::query(
        "INSERT INTO stream_offsets (stream_id, next_record, next_window, good_records, bad_records, rejected_batches, source_subscribed_at, updated_at) \
         VALUES ($1, 0, 0, 0, 0, 0, $2, $2) ON CONFLICT (stream_id) DO UPDATE SET source_subscribed_at = $2",
    )
    .bind(id.to_owned())
    .bind(now)
    .execute(state.db.write())
    .await?;
    Ok(())
}

/// The broker-side client id of stream `id`'s consumer (its persistent session).
fn client_id(id: &str) -> String {
    format!("raia-{}", id.replace('-', ""))
}

/// Ends a deleted stream's persistent session, so the broker stops queueing for it:
/// once the consumer has been stopped (the processor's next ticks), connects with
/// the stream's client id and a clean session, then disconnects. Retried a few times.
pub(crate) async fn forget_session(url: String, id: String) {
    tokio::time::sleep(Duration::from_secs(1)).await;
    for attempt in 0..5u32 {
        match clean_connect(&url, &id).await {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(stream = %id, attempt, error = %e, "could not end the MQTT session");
                tokio::time::sleep(Duration::from_secs(1 << attempt)).await;
            }
        }
    }
}

async fn clean_connect(url: &str, id: &str) -> anyhow::Result<()> {
    let (host, port) = domain::stream::mqtt::parse_url(url).map_err(anyhow::Error::msg)?;
    let mut opts = MqttOptions::new(client_id(id), host, port);
    opts.set_clean_session(true);
    let (client, events) = AsyncClient::new(opts, 10);
    tokio::time::timeout(Duration::from_secs(10), connect_then_leave(client, events)).await?
}

async fn connect_then_leave(
    client: AsyncClient,
    mut events: rumqttc::EventLoop,
) -> anyhow::Result<()> {
    loop {
        match events.poll().await? {
            Event::Incoming(Packet::ConnAck(_)) => client.disconnect().await?,
            Event::Outgoing(rumqttc::Outgoing::Disconnect) => return Ok(()),
            _ => {}
        }
    }
}

async fn consume_once(state: &AppState, id: &str, src: &MqttSource) -> anyhow::Result<()> {
    let (host, port) = domain::stream::mqtt::parse_url(&src.url).map_err(anyhow::Error::msg)?;
    let mut opts = MqttOptions::new(client_id(id), host, port);
    opts.set_clean_session(false)
        .set_manual_acks(true)
        .set_keep_alive(Duration::from_secs(30))
        .set_max_packet_size(4 << 20, 64 << 10);
    let (client, mut events) = AsyncClient::new(opts, BATCH);
    client.subscribe(src.topic.clone(), qos(src.qos)).await?;
    let (tx, mut rx) = mpsc::channel::<anyhow::Result<Option<Publish>>>(BATCH);
    let _driver = AbortOnDrop(tokio::spawn(async move {
        loop {
            let got = match events.poll().await {
                Ok(Event::Incoming(Packet::Publish(p))) => Ok(Some(p)),
                Ok(Event::Incoming(Packet::SubAck(_))) => Ok(None),
                Ok(_) => continue,
                Err(e) => Err(anyhow::Error::from(e)),
            };
            let failed = got.is_err();
            if tx.send(got).await.is_err() || failed {
                return;
            }
        }
    }));
    loop {
        let mut batch: Vec<Publish> = Vec::new();
        let mut next = rx.recv().await;
        loop {
            match next {
                None => anyhow::bail!("the MQTT event loop ended"),
                Some(Err(e)) => return Err(e),
                Some(Ok(None)) => mark_subscribed(state, id).await?,
                Some(Ok(Some(p))) => batch.push(p),
            }
            if batch.len() >= BATCH {
                break;
            }
            match tokio::time::timeout(LINGER, rx.recv()).await {
                Ok(n) => next = n,
                Err(_) => break,
            }
        }
        if batch.is_empty() {
            continue;
        }
        let records: Vec<serde_json::Value> = batch
            .iter()
            .flat_map(|p| super::nats_source::payload_records(&p.payload))
            .collect();
        let source_id = format!("mqtt:{}", uuid::Uuid::now_v7());
        super::processor::append_batch(state, id, records, &source_id, src.id_field.as_deref())
            .await
            .map_err(|e| anyhow::anyhow!("{:?}", e.problem().detail))?;
        // Acknowledged only once committed: a crash before this redelivers.
        for p in &batch {
            client.ack(p).await?;
        }
        state.realtime.streams.wake();
    }
}

/// Consumes `src` into stream `id` until aborted.
pub(super) async fn consume(state: AppState, id: String, src: MqttSource) {
    loop {
        if let Err(e) = consume_once(&state, &id, &src).await {
            tracing::warn!(stream = %id, error = %e, "MQTT source failed; retrying");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
