//! Shared server state.

use std::{
    sync::{
        atomic::{AtomicI64, AtomicU64, Ordering},
        Arc,
    },
    time::Instant,
};

use commands::{
    blobs::Blobs, cipher::Cipher, model_cache::ModelCache, prediction_log::PredictionLog,
    EventStore,
};
use migrations::Db;
use projections::Runner;

use crate::{config::Config, datadir::Keys, token::Tokens};

/// Counters behind `/api/v1/metrics/application` (Prometheus gets the same via `metrics`).
#[derive(Debug, Default)]
pub struct Counters {
    /// Requests answered.
    pub requests: AtomicU64,
    /// Answers with 4xx.
    pub client_errors: AtomicU64,
    /// Answers with 5xx.
    pub server_errors: AtomicU64,
    /// Events appended by this process.
    pub events_appended: AtomicU64,
    /// Total request time, microseconds.
    pub request_micros: AtomicU64,
}

/// The NATS relay's last known state.
#[derive(Debug, Default)]
pub struct RelayStatus {
    /// Whether a relay is configured.
    pub configured: std::sync::atomic::AtomicBool,
    /// Whether the last attempt succeeded.
    pub connected: std::sync::atomic::AtomicBool,
    /// Last position acknowledged by JetStream.
    pub cursor: AtomicI64,
}

/// Everything a handler may need.
pub struct Inner {
    /// Loaded configuration.
    pub config: Config,
    /// The database.
    pub db: Db,
    /// The event log.
    pub store: Arc<dyn EventStore>,
    /// The projection runner.
    pub runner: Arc<Runner>,
    /// Crypto-shredding cipher.
    pub cipher: Cipher,
    /// Content-addressed file store (`<data dir>/blobs`).
    pub blobs: Blobs,
    /// Loaded models by artifact hash.
    pub models: ModelCache,
    /// The background writer of the prediction log.
    pub predictions: PredictionLog,
    /// Access tokens.
    pub tokens: Tokens,
    /// Data-dir keys.
    pub keys: Keys,
    /// Server start.
    pub started: Instant,
    /// Request and append counters.
    pub counters: Counters,
    /// NATS relay status.
    pub relay: RelayStatus,
    /// Outgoing mail.
    pub mailer: Arc<crate::mail::Mailer>,
    /// Per-client-address login throttling.
    pub throttle: crate::throttle::AddressThrottle,
    /// Single sign-on providers by name.
    pub sso: crate::sso::Providers,
    /// SAML identity providers by name.
    pub saml: crate::saml::SamlProviders,
    /// Background job slots on this node.
    pub jobs: crate::jobs::Jobs,
    /// The clock compliance freshness is judged by (tests move it).
    pub clock: crate::compliance::Clock,
    /// Prometheus renderer.
    pub prometheus: metrics_exporter_prometheus::PrometheusHandle,
    /// The event feed, stream processor and analytics subscriptions.
    pub realtime: crate::feed::Realtime,
    /// LLM clients, rate limits and the retrieval index.
    pub llm: crate::llm::LlmState,
    /// The read cache (in-process or Redis).
    pub cache: crate::cache::Cache,
    /// Trace export, when `RAIA_OTLP_ENDPOINT` is set.
    pub tracer: Option<Arc<crate::otlp::Exporter>>,
}

/// Cheap-to-clone handle on [`Inner`].
#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Records appended events and brings the read models up to them before the
    /// answer goes out, so a client can read its own write right away. Running
    /// the catch-up here (not only in the background runner) cannot miss a
    /// wake-up; each batch re-reads its checkpoint in its transaction, so a
    /// concurrent runner never applies an event twice.
    pub async fn settle(&self, events: &[domain::StoredEvent]) {
        if events.is_empty() {
            return;
        }
        self.counters
            .events_appended
            .fetch_add(events.len() as u64, Ordering::Relaxed);
        metrics::counter!("raia_events_appended_total").increment(events.len() as u64);
        // A batch can fail when it races another runner on PostgreSQL (the
        // failed transaction changes nothing); answering then would let the
        // client read the old value, so the catch-up is retried.
        for attempt in 1..=5u64 {
            match self.runner.catch_up().await {
                Ok(()) => return,
                Err(e) => {
                    tracing::warn!(error = %e, attempt, "read models could not catch up with the write");
                    tokio::time::sleep(std::time::Duration::from_millis(5 * attempt)).await;
                }
            }
        }
    }
}
