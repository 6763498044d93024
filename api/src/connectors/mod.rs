//! Fetching a connector's snapshot: SQL rows (PostgreSQL, MySQL/MariaDB) or HTTP pages
//! (CSV or JSON) are streamed, line by line, into the blob store under row, byte and
//! time limits. Credentials are opened only here and never logged or echoed: every
//! error text is scrubbed of them before it leaves.

mod http;
mod sql;

pub use sql::MAX_QUERY;

use std::{collections::BTreeMap, time::Duration};

use bytes::Bytes;
use commands::blobs::{BlobError, BlobRef, Blobs};
use domain::{connector::Source, dataset::DatasetFormat};
use futures::{channel::mpsc, SinkExt};
use serde::{Deserialize, Serialize};

/// A connector's secrets, sealed as one JSON document.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct Credentials {
    /// Database password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// HTTP header name -> value.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(..)")
    }
}

impl Credentials {
    /// Replaces every secret found in `text` by `***`.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        let secrets = self.password.iter().chain(self.headers.values());
        for s in secrets.filter(|s| s.len() >= 3) {
            out = out.replace(s.as_str(), "***");
        }
        out
    }
}

/// Why an import failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The source could not be reached or refused the credentials.
    #[error("cannot connect: {0}")]
    Connect(String),
    /// The database refused the query.
    #[error("query failed: {0}")]
    Query(String),
    /// The URL answered with an error status.
    #[error("the source answered HTTP {0}")]
    Status(u16),
    /// The data is not what the connector's format says.
    #[error("unreadable data: {0}")]
    Format(String),
    /// More rows than `max_rows`.
    #[error("more than {0} rows (max_rows)")]
    TooManyRows(u64),
    /// More bytes than `max_bytes`.
    #[error("more than {0} bytes (max_bytes)")]
    TooManyBytes(u64),
    /// Longer than `timeout_ms`.
    #[error("took longer than {0} ms")]
    Timeout(u64),
    /// The file store failed.
    #[error("file store: {0}")]
    Store(String),
}

/// Limits of one import.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most rows.
    pub max_rows: u64,
    /// Most bytes stored.
    pub max_bytes: u64,
    /// Statement timeout (SQL) and whole-import timeout.
    pub timeout: Duration,
}

/// Where fetched lines go: a channel feeding the blob store, with the row count.
pub(crate) struct Sink {
    tx: mpsc::Sender<Result<Bytes, String>>,
    rows: u64,
    bytes: u64,
    limits: Limits,
}

impl Sink {
    /// Sends raw bytes (counted against `max_bytes`).
    async fn bytes(&mut self, b: Vec<u8>) -> Result<(), FetchError> {
        self.bytes += b.len() as u64;
        if self.bytes > self.limits.max_bytes {
            return Err(FetchError::TooManyBytes(self.limits.max_bytes));
        }
        self.tx
            .send(Ok(Bytes::from(b)))
            .await
            .map_err(|_| FetchError::Store("the file store stopped reading".into()))
    }

    /// Counts `n` more data rows against `max_rows`.
    fn count(&mut self, n: u64) -> Result<(), FetchError> {
        self.rows += n;
        if self.rows > self.limits.max_rows {
            return Err(FetchError::TooManyRows(self.limits.max_rows));
        }
        Ok(())
    }

    /// Sends one JSON Lines record.
    async fn record(&mut self, mut line: Vec<u8>) -> Result<(), FetchError> {
        self.count(1)?;
        line.push(b'\n');
        self.bytes(line).await
    }
}

/// A stored snapshot.
#[derive(Debug)]
pub struct Snapshot {
    /// The file.
    pub blob: BlobRef,
    /// How to read it.
    pub format: DatasetFormat,
    /// Data rows.
    pub rows: u64,
}

/// Fetches `source` into the blob store. Nothing is kept when it fails.
pub async fn import(
    blobs: &Blobs,
    source: &Source,
    creds: &Credentials,
    limits: Limits,
) -> Result<Snapshot, FetchError> {
    let (tx, rx) = mpsc::channel::<Result<Bytes, String>>(16);
    let mut sink = Sink {
        tx,
        rows: 0,
        bytes: 0,
        limits,
    };
    let format = match source {
        Source::Http {
            format: domain::connector::HttpFormat::Csv,
            ..
        } => DatasetFormat::Csv,
        _ => DatasetFormat::Jsonl,
    };
    let producer = async {
        let fetched = tokio::time::timeout(limits.timeout, fetch(source, creds, &mut sink)).await;
        let outcome = match fetched {
            Ok(r) => r,
            Err(_) => Err(FetchError::Timeout(limits.timeout.as_millis() as u64)),
        };
        if let Err(e) = &outcome {
            // Make the store drop what it wrote so far.
            let _ = sink.tx.send(Err(e.to_string())).await;
        }
        sink.tx.close_channel();
        outcome.map(|()| sink.rows)
    };
    let (fetched, stored) = tokio::join!(producer, blobs.put_stream(rx, limits.max_bytes));
    let rows = fetched.map_err(|e| scrubbed(e, creds))?;
    let blob = stored.map_err(|e| match e {
        BlobError::TooLarge { limit } => FetchError::TooManyBytes(limit),
        other => FetchError::Store(other.to_string()),
    })?;
    Ok(Snapshot { blob, format, rows })
}

async fn fetch(source: &Source, creds: &Credentials, sink: &mut Sink) -> Result<(), FetchError> {
    match source {
        Source::Postgres { .. } => sql::postgres(source, creds, sink).await,
        Source::Mysql { .. } => sql::mysql(source, creds, sink).await,
        Source::Http { .. } => http::fetch(source, creds, sink).await,
    }
}

fn scrubbed(e: FetchError, creds: &Credentials) -> FetchError {
    match e {
        FetchError::Connect(m) => FetchError::Connect(creds.scrub(&m)),
        FetchError::Query(m) => FetchError::Query(creds.scrub(&m)),
        FetchError::Format(m) => FetchError::Format(creds.scrub(&m)),
        FetchError::Store(m) => FetchError::Store(creds.scrub(&m)),
        other => other,
    }
}
