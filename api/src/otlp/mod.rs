//! OpenTelemetry trace export over OTLP/HTTP (protobuf) when
//! `RAIA_OTLP_ENDPOINT` is set: one server span per request carrying the route,
//! method, status and request id, continuing a caller's W3C `traceparent`.
//! Spans are batched in the background and the last batch is sent on shutdown.

pub mod proto;

use std::{sync::Mutex, time::Duration};

use prost::Message;
use rand::RngCore;
use tokio::sync::{mpsc, watch};

use proto::{
    ExportTraceServiceRequest, InstrumentationScope, KeyValue, Resource, ResourceSpans, ScopeSpans,
    Span, Status,
};

const QUEUE: usize = 8192;
const BATCH: usize = 512;
const INTERVAL: Duration = Duration::from_millis(500);

/// One finished request, as the middleware hands it over.
#[derive(Debug)]
pub struct RequestSpan {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The route template (`/api/v1/models/{id}`), `unmatched` when none.
    pub route: String,
    /// The path requested.
    pub path: String,
    /// HTTP status.
    pub status: u16,
    /// The `x-request-id`.
    pub request_id: Option<String>,
    /// The caller's `traceparent` header, if any.
    pub traceparent: Option<String>,
    /// Start and end, nanoseconds since the epoch.
    pub start_ns: u64,
    /// End.
    pub end_ns: u64,
}

/// Hands spans to the background sender.
pub struct Exporter {
    tx: mpsc::Sender<Span>,
    rx: Mutex<Option<mpsc::Receiver<Span>>>,
    url: String,
    resource: Resource,
}

/// Trace and parent span ids from a W3C `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`).
pub fn parse_traceparent(h: &str) -> Option<(Vec<u8>, Vec<u8>)> {
    let parts: Vec<&str> = h.trim().split('-').collect();
    let [version, trace, parent, _flags] = parts.as_slice() else {
        return None;
    };
    if version.len() != 2 || *version == "ff" {
        return None;
    }
    let trace = hex::decode(trace).ok().filter(|t| t.len() == 16)?;
    let parent = hex::decode(parent).ok().filter(|p| p.len() == 8)?;
    if trace.iter().all(|b| *b == 0) || parent.iter().all(|b| *b == 0) {
        return None;
    }
    Some((trace, parent))
}

impl Exporter {
    /// An exporter to `<endpoint>/v1/traces`.
    pub fn new(endpoint: &str, service: &str, instance: &str) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        Self {
            tx,
            rx: Mutex::new(Some(rx)),
            url: format!("{}/v1/traces", endpoint.trim_end_matches('/')),
            resource: Resource {
                attributes: vec![
                    KeyValue::str("service.name", service),
                    KeyValue::str("service.version", env!("CARGO_PKG_VERSION")),
                    KeyValue::str("service.instance.id", instance),
                ],
            },
        }
    }

    /// Queues a request's span (dropped, and counted, when the queue is full).
    pub fn record(&self, r: RequestSpan) {
        let mut rng = rand::thread_rng();
        let (trace_id, parent) = match r.traceparent.as_deref().and_then(parse_traceparent) {
            Some((t, p)) => (t, p),
            None => {
                let mut t = vec![0u8; 16];
                rng.fill_bytes(&mut t);
                (t, Vec::new())
            }
        };
        let mut span_id = vec![0u8; 8];
        rng.fill_bytes(&mut span_id);
        let mut attributes = vec![
            KeyValue::str("http.request.method", r.method.clone()),
            KeyValue::str("http.route", r.route.clone()),
            KeyValue::str("url.path", r.path),
            KeyValue::int("http.response.status_code", i64::from(r.status)),
        ];
        if let Some(id) = r.request_id {
            attributes.push(KeyValue::str("raia.request_id", id));
        }
        let span = Span {
            trace_id,
            span_id,
            parent_span_id: parent,
            name: format!("{} {}", r.method, r.route),
            kind: 2,
            start_time_unix_nano: r.start_ns,
            end_time_unix_nano: r.end_ns,
            attributes,
            status: Some(Status {
                message: String::new(),
                code: if r.status >= 500 { 2 } else { 0 },
            }),
        };
        if self.tx.try_send(span).is_err() {
            metrics::counter!("raia_otlp_spans_dropped_total").increment(1);
        }
    }

    fn request(&self, spans: Vec<Span>) -> Vec<u8> {
        ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                resource: Some(self.resource.clone()),
                scope_spans: vec![ScopeSpans {
                    scope: Some(InstrumentationScope {
                        name: "raia".into(),
                        version: env!("CARGO_PKG_VERSION").into(),
                    }),
                    spans,
                }],
            }],
        }
        .encode_to_vec()
    }

    async fn send(&self, client: &reqwest::Client, spans: Vec<Span>) {
        let n = spans.len() as u64;
        let sent = client
            .post(&self.url)
            .header("content-type", "application/x-protobuf")
            .body(self.request(spans))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status);
        match sent {
            Ok(_) => metrics::counter!("raia_otlp_spans_exported_total").increment(n),
            Err(e) => {
                metrics::counter!("raia_otlp_spans_dropped_total").increment(n);
                tracing::warn!(error = %e, spans = n, "trace export failed");
            }
        }
    }

    /// Sends batches until `stop` flips, then sends what is left and returns.
    pub async fn run(self: std::sync::Arc<Self>, mut stop: watch::Receiver<bool>) {
        let Some(mut rx) = self.rx.lock().ok().and_then(|mut r| r.take()) else {
            return;
        };
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        let mut batch = Vec::new();
        let mut tick = tokio::time::interval(INTERVAL);
        enum Next {
            Span(Option<Span>),
            Tick,
            Stop,
        }
        loop {
            let next = tokio::select! {
                s = rx.recv() => Next::Span(s),
                _ = tick.tick() => Next::Tick,
                _ = stop.wait_for(|s| *s) => Next::Stop,
            };
            match next {
                Next::Span(Some(s)) => {
                    batch.push(s);
                    if batch.len() >= BATCH {
                        self.send(&client, std::mem::take(&mut batch)).await;
                    }
                }
                Next::Span(None) => return,
                Next::Tick => {
                    if !batch.is_empty() {
                        self.send(&client, std::mem::take(&mut batch)).await;
                    }
                }
                Next::Stop => {
                    while let Ok(s) = rx.try_recv() {
                        batch.push(s);
                    }
                    while !batch.is_empty() {
                        let rest = batch.split_off(batch.len().min(BATCH));
                        self.send(&client, std::mem::replace(&mut batch, rest))
                            .await;
                    }
                    return;
                }
            }
        }
    }
}
