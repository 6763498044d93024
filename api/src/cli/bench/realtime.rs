//! `raia bench realtime`: N concurrent WebSocket connections (memory per
//! connection, fan-out latency p50/p99 from append to receipt) and data-stream
//! ingest (records/s through the signed webhook with windows closed, and the
//! window analytics with drift against a reference on their own).

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use commands::streams::window::{self, Record, RefColumn, Reference};
use domain::{
    stream::{FieldKind, FieldSpec, StreamSource, StreamSpec, WindowSpec},
    Metadata, NewEvent, Role,
};
use futures::StreamExt;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, http::HeaderValue, Message};

use crate::config::Config;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn spread(i: usize, offset: f64) -> f64 {
    (i as f64 * 0.618_033_988_749_895 + offset).fract()
}

fn spec(fields: usize, size: u64) -> StreamSpec {
    StreamSpec {
        name: "bench".into(),
        source: StreamSource::Webhook,
        schema: (0..fields)
            .map(|f| FieldSpec {
                name: format!("f{f}"),
                kind: FieldKind::Number,
                required: true,
            })
            .collect(),
        model_id: None,
        reference_dataset_id: None,
        prediction_field: None,
        timestamp_field: None,
        window: WindowSpec { size, slide: None },
        drift_share: None,
        max_bad_rate: None,
    }
}

fn record(i: usize, fields: usize) -> Value {
    Value::Object(
        (0..fields)
            .map(|f| (format!("f{f}"), json!(spread(i * fields + f, 0.3))))
            .collect(),
    )
}

/// Runs the benchmark on SQLite (embedded default).
pub async fn run(
    base: &Config,
    connections: usize,
    events: usize,
    records: usize,
) -> anyhow::Result<()> {
    let scratch = super::scratch("sqlite").await?;
    let dir = tempfile::tempdir()?;
    let mut config = base.clone();
    config.listen = "127.0.0.1:0".parse()?;
    config.data_dir = dir.path().to_path_buf();
    config.database_url = Some(scratch.db.url().to_owned());
    config.nats_url = None;
    config.ws_queue_len = config.ws_queue_len.max(events + 16);
    let server = crate::startup::start(config.clone()).await?;
    let s = server.state.clone();
    let email = format!("bench-{}@example.org", uuid::Uuid::new_v4().simple());
    let (user, _) = commands::users::register(
        s.store.as_ref(),
        &s.cipher,
        config.password,
        commands::users::NewUser {
            email: domain::ids::Email::parse(&email)?,
            password: "bench passphrase for sockets".into(),
            display_name: None,
            role: Role::Admin,
        },
        Metadata::system("bench"),
    )
    .await?;
    let _ = user;
    s.runner.sync().await?;
    let http = reqwest::Client::new();
    let base_url = format!("http://{}", server.addr);
    let token = http
        .post(format!("{base_url}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": "bench passphrase for sockets"}))
        .send()
        .await?
        .json::<Value>()
        .await?["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    // Sockets.
    let before = rss_kib();
    let sent: Arc<Mutex<Vec<Option<Instant>>>> = Arc::new(Mutex::new(vec![None; events]));
    let first_pos = s.store.head().await?.position + 1;
    let latencies: Arc<Mutex<Vec<f64>>> = Arc::new(Mutex::new(Vec::new()));
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(connections.max(1));
    let url = format!("ws://{}/ws/real-time?stream_type=topic", server.addr);
    let t_open = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let mut req = url.as_str().into_client_request()?;
        req.headers_mut().insert(
            "sec-websocket-protocol",
            HeaderValue::from_str(&format!("raia.v1, bearer.{token}"))?,
        );
        let (ws, _) = tokio_tungstenite::connect_async(req).await?;
        let (sent, lat, ready) = (sent.clone(), latencies.clone(), ready_tx.clone());
        tasks.push(tokio::spawn(async move {
            let mut ws = ws;
            let mut got = 0;
            while let Some(Ok(m)) = ws.next().await {
                let Message::Text(t) = m else { continue };
                let v: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
                if v["type"] == "hello" {
                    let _ = ready.send(()).await;
                    continue;
                }
                let Some(p) = v["position"].as_i64() else {
                    continue;
                };
                let i = (p - first_pos) as usize;
                let at = sent.lock().ok().and_then(|s| s.get(i).copied().flatten());
                if let (Some(at), Ok(mut l)) = (at, lat.lock()) {
                    l.push(at.elapsed().as_secs_f64() * 1000.0);
                }
                got += 1;
                if got == events {
                    break;
                }
            }
        }));
    }
    for _ in 0..connections {
        ready_rx.recv().await;
    }
    let opened = t_open.elapsed();
    let after = rss_kib();
    println!(
        "sqlite    {connections} WebSocket connections open in {:.1} s; RSS +{} KiB = {:.1} KiB per connection (server and client in one process)",
        opened.as_secs_f64(),
        after.saturating_sub(before),
        after.saturating_sub(before) as f64 / connections.max(1) as f64
    );
    for i in 0..events {
        let e = NewEvent {
            event_id: uuid::Uuid::now_v7().to_string(),
            stream_type: "topic".into(),
            stream_id: format!("bench-{i}"),
            expected: domain::ExpectedVersion::NoStream,
            event_type: "ApplicationEventPublished".into(),
            schema_version: 1,
            payload: json!({"name": "Tick", "data": {"i": i}}),
            metadata: Metadata::system("bench"),
        };
        if let Ok(mut s) = sent.lock() {
            s[i] = Some(Instant::now());
        }
        s.store.append(vec![e]).await?;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(120), t).await;
    }
    let mut l = latencies.lock().map(|l| l.clone()).unwrap_or_default();
    l.sort_by(f64::total_cmp);
    println!(
        "sqlite    fan-out of {events} events to {connections} sockets: {} deliveries, p50 {:.1} ms, p99 {:.1} ms",
        l.len(),
        pct(&l, 0.5),
        pct(&l, 0.99)
    );
    // Webhook ingest with windows (no reference: drift is measured below).
    let fields = 10;
    let (id, secret, ev) = commands::streams::create(
        s.store.as_ref(),
        &s.cipher,
        spec(fields, 1000),
        Metadata::system("bench"),
    )
    .await?;
    s.settle(&ev).await;
    let loaded = commands::streams::get(s.store.as_ref(), &id.to_string()).await?;
    let ev = commands::streams::run(
        s.store.as_ref(),
        &loaded,
        None,
        domain::stream::StreamCommand::Start,
        Metadata::system("bench"),
    )
    .await?;
    s.settle(&ev).await;
    let batch = 1000;
    let t0 = Instant::now();
    let mut sent_n = 0;
    while sent_n < records {
        let body = Value::Array(
            (sent_n..sent_n + batch)
                .map(|i| record(i, fields))
                .collect(),
        )
        .to_string();
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())?;
        mac.update(body.as_bytes());
        let sig = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        let r = http
            .post(format!("{base_url}/api/v1/streams/{id}/ingest"))
            .header("x-raia-signature", sig)
            .body(body)
            .send()
            .await?;
        anyhow::ensure!(r.status().as_u16() == 202, "ingest: {}", r.status());
        sent_n += batch;
    }
    let accepted = t0.elapsed();
    let windows = (sent_n / 1000) as i64;
    loop {
        let n: Option<i64> =
            sqlx::query_scalar("SELECT next_window FROM stream_offsets WHERE stream_id = $1")
                .bind(id.to_string())
                .fetch_optional(s.db.read())
                .await?;
        if n.unwrap_or(0) >= windows || t0.elapsed() > Duration::from_secs(600) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let processed = t0.elapsed();
    println!(
        "sqlite    webhook ingest, {sent_n} records x {fields} fields in batches of {batch}: accepted {:.0} records/s, windows of 1000 closed {:.0} records/s",
        sent_n as f64 / accepted.as_secs_f64(),
        sent_n as f64 / processed.as_secs_f64()
    );
    // Window analytics with drift against a 10,000-row reference, in process.
    let reference: Reference = (0..fields)
        .map(|f| {
            (
                format!("f{f}"),
                RefColumn::Num((0..10_000).map(|i| spread(i * fields + f, 0.0)).collect()),
            )
        })
        .collect();
    let sp = spec(fields, 1000);
    let recs: Vec<Record> = (0..1000)
        .map(|i| Record {
            value: record(i, fields),
            received_at: 0,
            bad: None,
        })
        .collect();
    let t0 = Instant::now();
    let mut n = 0;
    while t0.elapsed() < Duration::from_secs(3) {
        let r = window::compute(&sp, &recs, Some(&reference));
        n += r.n_records as usize;
    }
    println!(
        "          window statistics + drift ({fields} columns vs 10,000 reference rows), windows of 1000: {:.0} records/s",
        n as f64 / t0.elapsed().as_secs_f64()
    );
    server.shutdown().await;
    scratch.drop_it().await
}
