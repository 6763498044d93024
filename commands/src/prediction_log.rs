//! Putting every served prediction on record without making callers wait for
//! the log: handlers hand their records to a background writer that appends one
//! `PredictionsLogged` event per model and caller every few milliseconds (or
//! sooner when many rows are waiting). Stopping the server flushes what waits;
//! readers call [`PredictionLog::flush`] first to read their own writes.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use domain::{
    ids::ModelId,
    model::{PredictionEvent, PredictionRecord, PREDICTION_STREAM},
    EventCodec, ExpectedVersion, Metadata, NewEvent,
};
use tokio::{
    sync::{mpsc, oneshot, watch, Mutex},
    task::JoinHandle,
    time::Instant,
};

use crate::{cipher::Cipher, retention, store::EventStore};

/// Where batches go: the log, with inputs sealed on the way.
struct Sink {
    store: Arc<dyn EventStore>,
    cipher: Cipher,
}

/// At most this many records per event.
pub const MAX_RECORDS_PER_EVENT: usize = 1000;
/// A record waits at most this long before it is appended.
pub const MAX_DELAY: Duration = Duration::from_millis(5);
/// Attempts to append a batch before giving up (and logging the loss loudly).
const ATTEMPTS: u32 = 5;

enum Msg {
    Records {
        model_id: ModelId,
        metadata: Box<Metadata>,
        records: Vec<PredictionRecord>,
    },
    Flush(oneshot::Sender<()>),
}

/// The handle handlers use; cheap to share.
#[derive(Debug)]
pub struct PredictionLog {
    tx: mpsc::Sender<Msg>,
    rx: Mutex<Option<mpsc::Receiver<Msg>>>,
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Msg")
    }
}

/// Records waiting for one event: same model, same caller.
type Key = (String, Option<String>);

impl Default for PredictionLog {
    fn default() -> Self {
        Self::new()
    }
}

impl PredictionLog {
    /// A log whose writer is not running yet (see [`PredictionLog::spawn`]).
    pub fn new() -> Self {
        let (tx, rx) = mpsc::channel(4096);
        Self {
            tx,
            rx: Mutex::new(Some(rx)),
        }
    }

    /// Starts the writer; it runs until `stop` turns true, then flushes and ends.
    /// Inputs are sealed with `cipher` under one key per model and day (see
    /// [`crate::retention`]). `None` when it was already started.
    pub async fn spawn(
        &self,
        store: Arc<dyn EventStore>,
        cipher: Cipher,
        stop: watch::Receiver<bool>,
    ) -> Option<JoinHandle<()>> {
        let rx = self.rx.lock().await.take()?;
        Some(tokio::spawn(writer(Sink { store, cipher }, rx, stop)))
    }

    /// Hands records over for logging (waits only when the writer is far behind).
    pub async fn record(
        &self,
        model_id: ModelId,
        metadata: Metadata,
        records: Vec<PredictionRecord>,
    ) {
        if records.is_empty() {
            return;
        }
        let msg = Msg::Records {
            model_id,
            metadata: Box::new(metadata),
            records,
        };
        if self.tx.send(msg).await.is_err() {
            tracing::error!("prediction log writer is gone; predictions were not recorded");
        }
    }

    /// Returns once everything handed over before the call is in the log.
    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Msg::Flush(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }
}

struct Pending {
    metadata: Metadata,
    model_id: ModelId,
    records: Vec<PredictionRecord>,
}

async fn writer(store: Sink, mut rx: mpsc::Receiver<Msg>, mut stop: watch::Receiver<bool>) {
    let mut pending: BTreeMap<Key, Pending> = BTreeMap::new();
    let mut rows = 0usize;
    let mut deadline: Option<Instant> = None;
    loop {
        let timer = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            msg = rx.recv() => match msg {
                Some(Msg::Records { model_id, metadata, records }) => {
                    rows += records.len();
                    let key = (model_id.to_string(), metadata.actor_id.clone());
                    pending
                        .entry(key)
                        .or_insert_with(|| Pending { metadata: *metadata, model_id, records: Vec::new() })
                        .records
                        .extend(records);
                    deadline.get_or_insert_with(|| Instant::now() + MAX_DELAY);
                    if rows >= MAX_RECORDS_PER_EVENT {
                        append(&store, std::mem::take(&mut pending)).await;
                        rows = 0;
                        deadline = None;
                    }
                }
                Some(Msg::Flush(done)) => {
                    append(&store, std::mem::take(&mut pending)).await;
                    rows = 0;
                    deadline = None;
                    let _ = done.send(());
                }
                None => break,
            },
            _ = timer => {
                append(&store, std::mem::take(&mut pending)).await;
                rows = 0;
                deadline = None;
            }
            _ = stop.changed() => break,
        }
    }
    // Shutting down: take what is still queued, then write everything.
    rx.close();
    while let Some(msg) = rx.recv().await {
        match msg {
            Msg::Records {
                model_id,
                metadata,
                records,
            } => {
                let key = (model_id.to_string(), metadata.actor_id.clone());
                pending
                    .entry(key)
                    .or_insert_with(|| Pending {
                        metadata: *metadata,
                        model_id,
                        records: Vec::new(),
                    })
                    .records
                    .extend(records);
            }
            Msg::Flush(done) => {
                let _ = done.send(());
            }
        }
    }
    append(&store, pending).await;
}

fn events(pending: BTreeMap<Key, Pending>) -> Vec<NewEvent> {
    let mut out = Vec::new();
    for ((stream_id, _), p) in pending {
        for chunk in p.records.chunks(MAX_RECORDS_PER_EVENT) {
            let event = PredictionEvent::PredictionsLogged {
                model_id: p.model_id,
                records: chunk.to_vec(),
            };
            let Ok((event_type, payload)) = event.encode() else {
                tracing::error!("prediction event does not encode; records dropped");
                continue;
            };
            out.push(NewEvent {
                event_id: uuid::Uuid::now_v7().to_string(),
                stream_type: PREDICTION_STREAM.to_owned(),
                stream_id: stream_id.clone(),
                expected: ExpectedVersion::Any,
                event_type,
                schema_version: 1,
                payload,
                metadata: p.metadata.clone(),
            });
        }
    }
    out
}

/// Replaces each record's input by its sealed form. A failure to seal drops
/// the input (never the record): plaintext must not reach the log.
async fn seal(cipher: &Cipher, pending: &mut BTreeMap<Key, Pending>) {
    for p in pending.values_mut() {
        let model = p.model_id.to_string();
        let mut by_subject: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, r) in p.records.iter().enumerate() {
            by_subject
                .entry(retention::input_subject(&model, r.at))
                .or_default()
                .push(i);
        }
        for (subject, idx) in by_subject {
            let inputs: Vec<_> = idx.iter().map(|i| p.records[*i].input.clone()).collect();
            let sealed = match retention::seal_inputs(cipher, &subject, &inputs).await {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!(error = %e, "prediction inputs could not be sealed; dropped");
                    vec![serde_json::Value::Null; idx.len()]
                }
            };
            for (i, v) in idx.into_iter().zip(sealed) {
                p.records[i].input = v;
            }
        }
    }
}

async fn append(sink: &Sink, mut pending: BTreeMap<Key, Pending>) {
    if pending.is_empty() {
        return;
    }
    seal(&sink.cipher, &mut pending).await;
    let store = sink.store.as_ref();
    let batch = events(pending);
    let n: usize = batch.len();
    for attempt in 1..=ATTEMPTS {
        // The same event ids on a retry: a batch that did land is not written twice.
        match store.append(batch.clone()).await {
            Ok(_) => return,
            Err(e) if attempt < ATTEMPTS => {
                tracing::warn!(error = %e, attempt, "appending predictions failed; retrying");
                tokio::time::sleep(Duration::from_millis(50 * u64::from(attempt))).await;
            }
            Err(e) => {
                tracing::error!(error = %e, events = n, "predictions could not be recorded");
            }
        }
    }
}
