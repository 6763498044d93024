//! The stream processor. Ingest (webhook, NATS, MQTT) only appends batches to
//! `stream_batches` with consecutive record numbers; one node at a time per
//! stream (a lease in `stream_leases`, renewed every tick, taken over when it
//! lapses) reads them, closes windows and commits each window together with
//! the stream's offset (guarded by the expected offset), so a restart or a
//! fail-over resumes exactly where the last commit left: no record lost, none
//! counted twice. Alerts are appended before the window commits; the
//! aggregate ignores an alert for a window it has already alerted on.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
    time::Duration,
};

use commands::streams::window::{self, Record, Reference};
use domain::{
    stream::{StreamCommand, StreamSource, StreamSpec, Windowing},
    Metadata,
};
use serde_json::Value;
use sqlx::Row;
use tokio::sync::{watch, Notify};

use super::timed::Timed;
use crate::{
    error::{ApiError, ApiResult},
    state::AppState,
};

/// How long a lease lasts without renewal.
pub const LEASE: Duration = Duration::from_secs(3);
const TICK: Duration = Duration::from_millis(200);
/// Window rows older than this are deleted.
pub const RETENTION_DAYS: i64 = 30;
const SAMPLES_PER_WINDOW: usize = 5;

/// Shared processor handle: wake-ups and cached secrets.
#[derive(Debug)]
pub struct Streams {
    /// This process's lease-holder id.
    pub node: String,
    wake: Arc<Notify>,
    secrets: Mutex<HashMap<String, String>>,
}

impl Default for Streams {
    fn default() -> Self {
        Self {
            node: uuid::Uuid::now_v7().to_string(),
            wake: Arc::new(Notify::new()),
            secrets: Mutex::new(HashMap::new()),
        }
    }
}

impl Streams {
    /// Wakes the processor (after an ingest or a start).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The stream's ingest secret, opened once and cached.
    pub async fn secret(&self, state: &AppState, id: &str) -> ApiResult<String> {
        if let Some(s) = self.secrets.lock().ok().and_then(|m| m.get(id).cloned()) {
            return Ok(s);
        }
        let events = state
            .store
            .read_stream("data_stream", id, commands::Until::Now)
            .await?;
        let sealed = events
            .iter()
            .find(|e| e.event_type == "DataStreamCreated")
            .and_then(|e| e.payload_json().ok())
            .and_then(|p| p.get("secret").and_then(Value::as_str).map(str::to_owned))
            .ok_or_else(|| ApiError::not_found("data stream"))?;
        let secret = state
            .cipher
            .open(
                &commands::streams::subject(id),
                &domain::sealed::Sealed::from_ciphertext(sealed),
            )
            .await
            .map_err(ApiError::internal)?
            .ok_or_else(|| ApiError::internal("the stream's secret was erased"))?;
        if let Ok(mut m) = self.secrets.lock() {
            m.insert(id.to_owned(), secret.clone());
        }
        Ok(secret)
    }
}

/// Counts a rejected batch.
pub async fn count_rejected(state: &AppState, id: &str) -> ApiResult<()> {
    sqlx::query(
        "INSERT INTO stream_offsets (stream_id, next_record, next_window, good_records, bad_records, rejected_batches, updated_at) \
         VALUES ($1, 0, 0, 0, 0, 1, $2) ON CONFLICT (stream_id) DO UPDATE SET rejected_batches = stream_offsets.rejected_batches + 1",
    )
    .bind(id.to_owned())
    .bind(commands::sql_now())
    .execute(state.db.write())
    .await?;
    Ok(())
}

/// What an append did.
#[derive(Debug, Clone, Copy)]
pub struct Appended {
    /// Record number of the first record appended.
    pub first_record: i64,
    /// Records appended.
    pub records: i64,
    /// Whether the whole batch was seen before (its `source_id`).
    pub duplicate_batch: bool,
    /// Records dropped because their id was seen before.
    pub duplicate_records: i64,
}

/// Appends a batch with the next record numbers. A batch whose `source_id` was
/// seen before is not appended again; records whose id (`id_field`) was seen
/// before are dropped.
pub async fn append_batch(
    state: &AppState,
    id: &str,
    records: Vec<Value>,
    source_id: &str,
    id_field: Option<&str>,
) -> ApiResult<Appended> {
    let mut tx = state.db.write().begin().await?;
    let seen: Option<i64> = sqlx::query_scalar(
        "SELECT first_record FROM stream_batches WHERE stream_id = $1 AND source_id = $2",
    )
    .bind(id.to_owned())
    .bind(source_id.to_owned())
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(first) = seen {
        return Ok(Appended {
            first_record: first,
            records: 0,
            duplicate_batch: true,
            duplicate_records: 0,
        });
    }
    let now = commands::sql_now();
    let (records, duplicate_records) =
        super::dedupe::fresh(&mut tx, id, id_field, records, now).await?;
    let n = records.len() as i64;
    if n == 0 {
        tx.commit().await?;
        return Ok(Appended {
            first_record: -1,
            records: 0,
            duplicate_batch: false,
            duplicate_records,
        });
    }
    let next: i64 = sqlx::query_scalar(
        "INSERT INTO stream_offsets (stream_id, next_record, next_window, good_records, bad_records, rejected_batches, updated_at) \
         VALUES ($1, $2, 0, 0, 0, 0, $3) ON CONFLICT (stream_id) DO UPDATE SET next_record = stream_offsets.next_record + $2, \
         updated_at = $3 RETURNING next_record",
    )
    .bind(id.to_owned())
    .bind(n)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let first = next - n;
    sqlx::query(
        "INSERT INTO stream_batches (stream_id, first_record, n_records, records, source_id, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id.to_owned())
    .bind(first)
    .bind(n)
    .bind(Value::Array(records).to_string())
    .bind(source_id.to_owned())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Appended {
        first_record: first,
        records: n,
        duplicate_batch: false,
        duplicate_records,
    })
}

/// Takes or renews the lease on `id` (a stream, or `webhooks`); whether this node holds it.
pub async fn lease(state: &AppState, id: &str) -> Result<bool, sqlx::Error> {
    let now = commands::sql_now();
    let done = sqlx::query(
        "INSERT INTO stream_leases (stream_id, holder, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (stream_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
         WHERE stream_leases.holder = excluded.holder OR stream_leases.expires_at < $4",
    )
    .bind(id.to_owned())
    .bind(state.realtime.streams.node.clone())
    .bind(now + LEASE.as_micros() as i64)
    .bind(now)
    .execute(state.db.write())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One stream's in-memory window buffer on the lease holder.
struct Buffer {
    spec: StreamSpec,
    version: i64,
    reference: Option<Arc<Reference>>,
    next_window: i64,
    /// Record number of `records[0]`.
    start: i64,
    records: VecDeque<Record>,
}

impl Buffer {
    fn loaded_until(&self) -> i64 {
        self.start + self.records.len() as i64
    }
}

async fn offsets(state: &AppState, id: &str) -> Result<Option<(i64, i64)>, sqlx::Error> {
    let r = sqlx::query("SELECT next_record, next_window FROM stream_offsets WHERE stream_id = $1")
        .bind(id.to_owned())
        .fetch_optional(state.db.write())
        .await?;
    r.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
}

/// Loads the stored records numbered `from` on, in order, into `push(value,
/// received_at)`; whether every stored record is now loaded.
pub(super) async fn load_records(
    state: &AppState,
    id: &str,
    from: i64,
    mut push: impl FnMut(Value, i64),
) -> ApiResult<bool> {
    const BATCHES: usize = 200;
    let rows = sqlx::query(
        "SELECT first_record, n_records, records, received_at FROM stream_batches \
         WHERE stream_id = $1 AND first_record + n_records > $2 ORDER BY first_record LIMIT 200",
    )
    .bind(id.to_owned())
    .bind(from)
    .fetch_all(state.db.write())
    .await?;
    let mut next = from;
    let exhausted = rows.len() < BATCHES;
    for r in rows {
        let first: i64 = r.try_get(0)?;
        let received_at: i64 = r.try_get(3)?;
        if first > next {
            return Ok(false); // a batch still committing below this one: wait for it
        }
        let values: Vec<Value> =
            serde_json::from_str(&r.try_get::<String, _>(2)?).map_err(ApiError::internal)?;
        for (i, v) in values.into_iter().enumerate() {
            if first + (i as i64) < next {
                continue;
            }
            push(v, received_at);
            next += 1;
        }
    }
    Ok(exhausted)
}

async fn load_batches(state: &AppState, id: &str, b: &mut Buffer) -> ApiResult<()> {
    let from = b.loaded_until();
    let schema = b.spec.schema.clone();
    load_records(state, id, from, |v, received_at| {
        let bad = window::validate(&schema, &v);
        b.records.push_back(Record {
            value: v,
            received_at,
            bad,
        });
    })
    .await?;
    Ok(())
}

/// Stores a closed window's row (time bounds for time windows).
pub(super) async fn insert_window(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    k: i64,
    first_record: i64,
    result: &window::WindowResult,
    bounds: Option<(i64, i64)>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO stream_windows (stream_id, window_no, first_record, n_records, bad_records, drift, metrics, closed_at, window_start, window_end) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id.to_owned())
    .bind(k)
    .bind(first_record)
    .bind(result.n_records as i64)
    .bind(result.bad_records as i64)
    .bind(i64::from(result.drift))
    .bind(result.metrics.to_string())
    .bind(commands::sql_now())
    .bind(bounds.map(|b| b.0))
    .bind(bounds.map(|b| b.1))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Keeps a sample of bad records (the first few of each window).
pub(super) async fn insert_samples<'r>(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    bad: impl Iterator<Item = (i64, &'r Record)>,
) -> Result<(), sqlx::Error> {
    for (record_no, r) in bad.take(SAMPLES_PER_WINDOW) {
        let Some(reason) = &r.bad else { continue };
        let mut text = r.value.to_string();
        text.truncate(2000);
        sqlx::query(
            "INSERT INTO stream_bad_samples (stream_id, record_no, reason, record) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (stream_id, record_no) DO NOTHING",
        )
        .bind(id.to_owned())
        .bind(record_no)
        .bind(reason.clone())
        .bind(text)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Empties the batches wholly before record `keep_from`; their ids stay so
/// that a retried batch still counts once.
pub(super) async fn release_batches(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    keep_from: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE stream_batches SET records = '[]' WHERE stream_id = $1 AND first_record + n_records <= $2 \
         AND records <> '[]'",
    )
    .bind(id.to_owned())
    .bind(keep_from)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Closes every complete window of one stream; returns how many.
async fn process(state: &AppState, id: &str, b: &mut Buffer) -> ApiResult<usize> {
    let Windowing::Count { size, slide } = b.spec.window.kind() else {
        return Ok(0);
    };
    let (size, slide) = (size as i64, slide as i64);
    load_batches(state, id, b).await?;
    let mut closed = 0;
    loop {
        let k = b.next_window;
        let (lo, hi) = (k * slide, k * slide + size);
        if b.start > lo || b.loaded_until() < hi {
            return Ok(closed);
        }
        let recs: Vec<Record> = b
            .records
            .iter()
            .skip((lo - b.start) as usize)
            .take(size as usize)
            .cloned()
            .collect();
        let spec = b.spec.clone();
        let reference = b.reference.clone();
        let result = tokio::task::spawn_blocking(move || {
            window::compute(&spec, &recs, reference.as_deref())
        })
        .await
        .map_err(ApiError::internal)?;
        alerts(state, id, k, &b.spec, &result).await?;
        // Totals count each record once: the ones the window slides past.
        let leaving: Vec<&Record> = b
            .records
            .iter()
            .skip((lo - b.start) as usize)
            .take(slide as usize)
            .collect();
        let bad_leaving = leaving.iter().filter(|r| r.bad.is_some()).count() as i64;
        let good_leaving = leaving.len() as i64 - bad_leaving;
        let mut tx = state.db.write().begin().await?;
        let moved = sqlx::query(
            "UPDATE stream_offsets SET next_window = $1, good_records = good_records + $2, \
             bad_records = bad_records + $3, updated_at = $4 WHERE stream_id = $5 AND next_window = $6",
        )
        .bind(k + 1)
        .bind(good_leaving)
        .bind(bad_leaving)
        .bind(commands::sql_now())
        .bind(id.to_owned())
        .bind(k)
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() != 1 {
            // Another node committed this window: drop the buffer and reload.
            return Err(ApiError::conflict(
                "lease_lost",
                "another node advanced the stream",
            ));
        }
        insert_window(&mut tx, id, k, lo, &result, None).await?;
        let bad = b
            .records
            .iter()
            .enumerate()
            .skip((lo - b.start) as usize)
            .take(slide as usize)
            .filter(|(_, r)| r.bad.is_some())
            .map(|(i, r)| (b.start + i as i64, r));
        insert_samples(&mut tx, id, bad).await?;
        release_batches(&mut tx, id, (k + 1) * slide).await?;
        tx.commit().await?;
        b.next_window = k + 1;
        while b.start < (k + 1) * slide && !b.records.is_empty() {
            b.records.pop_front();
            b.start += 1;
        }
        closed += 1;
    }
}

pub(super) async fn alerts(
    state: &AppState,
    id: &str,
    k: i64,
    spec: &StreamSpec,
    r: &window::WindowResult,
) -> ApiResult<()> {
    let bad_rate = if r.n_records == 0 {
        0.0
    } else {
        r.bad_records as f64 / r.n_records as f64
    };
    let mut cmds = Vec::new();
    if r.drift {
        cmds.push(StreamCommand::RaiseDrift {
            window: k as u64,
            drifted_columns: r.drifted_columns.clone(),
            share_of_drifted_columns: r.share_of_drifted_columns,
        });
    }
    if bad_rate > spec.max_bad_rate.unwrap_or(0.2) {
        cmds.push(StreamCommand::Degrade {
            window: k as u64,
            bad_rate,
        });
    }
    for cmd in cmds {
        let loaded = commands::streams::get(state.store.as_ref(), id).await?;
        let events = commands::streams::run(
            state.store.as_ref(),
            &loaded,
            None,
            cmd,
            Metadata::system("stream-processor"),
        )
        .await?;
        state.settle(&events).await;
    }
    Ok(())
}

async fn running(state: &AppState) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, spec, stream_version FROM data_streams WHERE status = 'running' ORDER BY id",
    )
    .fetch_all(state.db.read())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect()
}

type Consumers = HashMap<String, tokio::task::JoinHandle<()>>;

/// Runs a source consumer for `id` on this node while it holds the lease.
fn ensure_consumer(state: &AppState, consumers: &mut Consumers, id: &str, spec_text: &str) {
    let Ok(spec) = serde_json::from_str::<StreamSpec>(spec_text) else {
        return;
    };
    if consumers.get(id).is_some_and(|h| !h.is_finished()) {
        return;
    }
    let id_field = spec.record_id_field.clone();
    let task = match spec.source {
        StreamSource::Nats { subject } => tokio::spawn(super::nats_source::consume(
            state.clone(),
            id.to_owned(),
            subject,
            id_field,
        )),
        StreamSource::Mqtt { topic, url, qos } => {
            let src = super::mqtt_source::MqttSource {
                topic,
                url: url.unwrap_or_else(|| state.config.mqtt_url.clone()),
                qos: qos.unwrap_or(1),
                id_field,
            };
            tokio::spawn(super::mqtt_source::consume(
                state.clone(),
                id.to_owned(),
                src,
            ))
        }
        StreamSource::Webhook => return,
    };
    consumers.insert(id.to_owned(), task);
}

/// A stream's buffer: count or time windows.
#[allow(clippy::large_enum_variant)] // one per running stream; count windows are the common case, kept inline
enum Buf {
    Count(Buffer),
    Time(Box<Timed>),
}

impl Buf {
    fn next_window(&self) -> i64 {
        match self {
            Self::Count(b) => b.next_window,
            Self::Time(t) => t.committed,
        }
    }
    fn version(&self) -> i64 {
        match self {
            Self::Count(b) => b.version,
            Self::Time(t) => t.version,
        }
    }
}

async fn tick(
    state: &AppState,
    buffers: &mut HashMap<String, Buf>,
    consumers: &mut Consumers,
) -> ApiResult<()> {
    let streams = running(state).await?;
    buffers.retain(|id, _| streams.iter().any(|(s, _, _)| s == id));
    consumers.retain(|id, h| {
        let keep = streams.iter().any(|(s, _, _)| s == id);
        if !keep {
            h.abort();
        }
        keep
    });
    for (id, spec_text, version) in streams {
        if !lease(state, &id).await? {
            buffers.remove(&id);
            if let Some(h) = consumers.remove(&id) {
                h.abort();
            }
            continue;
        }
        ensure_consumer(state, consumers, &id, &spec_text);
        let Some((_, next_window)) = offsets(state, &id).await? else {
            continue; // nothing ingested yet
        };
        let stale = buffers
            .get(&id)
            .is_none_or(|b| b.next_window() != next_window || b.version() != version);
        if stale {
            let spec: StreamSpec = serde_json::from_str(&spec_text).map_err(ApiError::internal)?;
            let reference = super::reference::load(state, &spec).await?.map(Arc::new);
            let buf = match spec.window.kind() {
                Windowing::Count { slide, .. } => Buf::Count(Buffer {
                    start: next_window * slide as i64,
                    spec,
                    version,
                    reference,
                    next_window,
                    records: VecDeque::new(),
                }),
                Windowing::Time { .. } => {
                    match Timed::resume(state, &id, spec, version, reference).await? {
                        Some(t) => Buf::Time(Box::new(t)),
                        None => continue,
                    }
                }
            };
            buffers.insert(id.clone(), buf);
        }
        if let Some(b) = buffers.get_mut(&id) {
            let done = match b {
                Buf::Count(b) => process(state, &id, b).await,
                Buf::Time(t) => super::timed::process(state, &id, t).await,
            };
            if let Err(e) = done {
                tracing::warn!(stream = %id, error = ?e.problem().detail, "stream processing failed");
                buffers.remove(&id);
            }
        }
    }
    Ok(())
}

async fn retention(state: &AppState) -> Result<(), sqlx::Error> {
    let before = commands::sql_now() - RETENTION_DAYS * 86_400_000_000;
    sqlx::query("DELETE FROM stream_windows WHERE closed_at < $1")
        .bind(before)
        .execute(state.db.write())
        .await?;
    // Batch ids are kept for deduplication as long as the windows.
    sqlx::query("DELETE FROM stream_batches WHERE received_at < $1 AND records = '[]'")
        .bind(before)
        .execute(state.db.write())
        .await?;
    Ok(())
}

/// Runs the processor until `stop`.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let wake = state.realtime.streams.wake.clone();
    let mut buffers = HashMap::new();
    let mut consumers = Consumers::new();
    let mut ticks: u64 = 0;
    loop {
        if let Err(e) = tick(&state, &mut buffers, &mut consumers).await {
            tracing::warn!(error = ?e.problem().detail, "stream processor tick failed");
        }
        ticks += 1;
        if ticks % 3000 == 1 {
            if let Err(e) = retention(&state).await {
                tracing::warn!(error = %e, "stream window retention failed");
            }
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(TICK) => {}
            _ = stop.changed() => {
                for h in consumers.values() {
                    h.abort();
                }
                return;
            }
        }
    }
}
