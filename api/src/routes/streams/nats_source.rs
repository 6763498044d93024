//! NATS sources: a JetStream durable pull consumer per stream, run only on the
//! node holding the stream's lease. Each fetched group of messages becomes one
//! batch, committed with the last JetStream sequence it holds; messages are
//! acknowledged after the commit, and a redelivered message at or below the
//! committed sequence is skipped: each message counts once, across restarts
//! and fail-overs. A message is one JSON record or an array of records.

use std::time::Duration;

use async_nats::jetstream::{self, consumer::pull, consumer::AckPolicy, stream::Config};
use futures::StreamExt;
use serde_json::Value;

use crate::state::AppState;

/// Appends records tagged with their JetStream sequence, skipping sequences
/// already ingested; returns how many records were appended.
async fn append(
    state: &AppState,
    id: &str,
    records: Vec<(u64, Value)>,
    id_field: Option<&str>,
) -> anyhow::Result<usize> {
    let mut tx = state.db.write().begin().await?;
    let seen: Option<i64> =
        sqlx::query_scalar("SELECT source_seq FROM stream_offsets WHERE stream_id = $1")
            .bind(id.to_owned())
            .fetch_optional(&mut *tx)
            .await?;
    let seen = seen.unwrap_or(0);
    let fresh: Vec<(u64, Value)> = records
        .into_iter()
        .filter(|(s, _)| *s as i64 > seen)
        .collect();
    let (Some(first), Some(last)) = (fresh.first().map(|f| f.0), fresh.last().map(|f| f.0)) else {
        return Ok(0);
    };
    let now = commands::sql_now();
    let values = fresh.into_iter().map(|(_, v)| v).collect();
    let (values, _) = super::dedupe::fresh(&mut tx, id, id_field, values, now).await?;
    let n = values.len() as i64;
    let next: i64 = sqlx::query_scalar(
        "INSERT INTO stream_offsets (stream_id, next_record, next_window, good_records, bad_records, rejected_batches, source_seq, updated_at) \
         VALUES ($1, $2, 0, 0, 0, 0, $3, $4) ON CONFLICT (stream_id) DO UPDATE SET next_record = stream_offsets.next_record + $2, \
         source_seq = $3, updated_at = $4 RETURNING next_record",
    )
    .bind(id.to_owned())
    .bind(n)
    .bind(last as i64)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    if n > 0 {
        sqlx::query(
            "INSERT INTO stream_batches (stream_id, first_record, n_records, records, source_id, received_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.to_owned())
        .bind(next - n)
        .bind(n)
        .bind(Value::Array(values).to_string())
        .bind(format!("nats:{first}-{last}"))
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(n as usize)
}

/// The records a message carries: one JSON record or an array of them; a
/// payload that is not JSON is kept as one bad record (counted and sampled).
pub(super) fn payload_records(payload: &[u8]) -> Vec<Value> {
    match serde_json::from_slice::<Value>(payload) {
        Ok(Value::Array(a)) => a,
        Ok(v) => vec![v],
        Err(_) => vec![Value::String(
            String::from_utf8_lossy(payload).chars().take(200).collect(),
        )],
    }
}

async fn consume_once(
    state: &AppState,
    id: &str,
    subject: &str,
    url: &str,
    id_field: Option<&str>,
) -> anyhow::Result<()> {
    let client = async_nats::connect(url).await?;
    let js = jetstream::new(client);
    let tag = id.replace('-', "");
    let stream = js
        .get_or_create_stream(Config {
            name: format!("RAIA_INGEST_{tag}"),
            subjects: vec![subject.to_owned()],
            ..Config::default()
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let consumer: jetstream::consumer::PullConsumer = stream
        .get_or_create_consumer(
            &format!("raia-{tag}"),
            pull::Config {
                durable_name: Some(format!("raia-{tag}")),
                ack_policy: AckPolicy::Explicit,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    loop {
        let mut msgs = consumer
            .fetch()
            .max_messages(1000)
            .expires(Duration::from_millis(500))
            .messages()
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut got = Vec::new();
        while let Some(m) = msgs.next().await {
            let m = m.map_err(|e| anyhow::anyhow!("{e}"))?;
            let seq = m
                .info()
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .stream_sequence;
            got.push((seq, m));
        }
        if got.is_empty() {
            continue;
        }
        let mut records = Vec::new();
        for (seq, m) in &got {
            records.extend(payload_records(&m.payload).into_iter().map(|v| (*seq, v)));
        }
        append(state, id, records, id_field).await?;
        for (_, m) in got {
            m.ack().await.map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        state.realtime.streams.wake();
    }
}

/// Consumes `subject` into stream `id` until aborted.
pub async fn consume(state: AppState, id: String, subject: String, id_field: Option<String>) {
    let Some(url) = state.config.nats_url.clone() else {
        tracing::warn!(stream = %id, "a NATS source needs RAIA_NATS_URL");
        return;
    };
    loop {
        if let Err(e) = consume_once(&state, &id, &subject, &url, id_field.as_deref()).await {
            tracing::warn!(stream = %id, error = %e, "NATS source failed; retrying");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
