//! `raia bench realtime`: N concurrent WebSocket connections from a child
//! process (memory per connection, fan-out latency p50/p99 from append to
//! receipt, see [`super::realtime_sockets`]) and data-stream ingest (records/s
//! through the signed webhook and through NATS JetStream, with windows of 1000
//! closed and drift checked against a 10,000-row reference dataset, and the
//! window analytics with drift on their own).

use std::time::{Duration, Instant};

use commands::streams::window::{self, Record, RefColumn, Reference};
use domain::{
    stream::{FieldKind, FieldSpec, StreamSource, StreamSpec, WindowSpec},
    Metadata, Role,
};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::config::Config;

/// This process's resident memory (KiB).
pub(super) fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// The `p` quantile of sorted values.
pub(super) fn pct(sorted: &[f64], p: f64) -> f64 {
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
        window: WindowSpec::count(size),
        drift_share: None,
        max_bad_rate: None,
        record_id_field: None,
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
    let ws_url = format!("ws://{}/ws/real-time?stream_type=topic", server.addr);
    super::realtime_sockets::run(&s, &ws_url, &token, connections, events).await?;
    // Ingest with windows of 1000 and drift against a 10,000-row reference.
    let fields = 10;
    let mut csv = (0..fields)
        .map(|f| format!("f{f}"))
        .collect::<Vec<_>>()
        .join(",");
    csv.push('\n');
    for i in 0..10_000 {
        let row: Vec<String> = (0..fields)
            .map(|f| spread(i * fields + f, 0.0).to_string())
            .collect();
        csv.push_str(&row.join(","));
        csv.push('\n');
    }
    let reference = super::explain::upload_csv(
        &http,
        &base_url,
        &token,
        "bench-reference",
        csv.into_bytes(),
    )
    .await?;
    let mut sp = spec(fields, 1000);
    sp.reference_dataset_id = Some(reference);
    let (id, secret) = started(&s, sp.clone()).await?;
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
    let processed = windows_closed(&s, &id, (sent_n / 1000) as i64, t0).await?;
    println!(
        "sqlite    webhook ingest, {sent_n} records x {fields} fields in batches of {batch}: accepted {:.0} records/s, \
         windows of 1000 with drift closed {:.0} records/s",
        sent_n as f64 / accepted.as_secs_f64(),
        sent_n as f64 / processed.as_secs_f64()
    );
    if let Some(nats) = config.nats_url.clone() {
        let subject = format!("raia.bench.ingest.{}", uuid::Uuid::new_v4().simple());
        sp.source = StreamSource::Nats {
            subject: subject.clone(),
        };
        let (id, _) = started(&s, sp.clone()).await?;
        let js = async_nats::jetstream::new(async_nats::connect(&nats).await?);
        js.get_or_create_stream(async_nats::jetstream::stream::Config {
            name: format!("RAIA_INGEST_{}", id.replace('-', "")),
            subjects: vec![subject.clone()],
            ..Default::default()
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        let t0 = Instant::now();
        let mut acks = Vec::new();
        for start in (0..records).step_by(batch) {
            let body = Value::Array((start..start + batch).map(|i| record(i, fields)).collect());
            acks.push(
                js.publish(subject.clone(), serde_json::to_vec(&body)?.into())
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?,
            );
        }
        for a in acks {
            a.await.map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        let published = t0.elapsed();
        let processed = windows_closed(&s, &id, (records / 1000) as i64, t0).await?;
        println!(
            "sqlite    NATS ingest, {records} records x {fields} fields in messages of {batch}: published {:.0} records/s, \
             windows of 1000 with drift closed {:.0} records/s",
            records as f64 / published.as_secs_f64(),
            records as f64 / processed.as_secs_f64()
        );
    } else {
        println!("          NATS ingest skipped: set RAIA_NATS_URL");
    }
    // Window analytics with drift against a 10,000-row reference, in process.
    let sp = spec(fields, 1000);
    let reference: Reference = (0..fields)
        .map(|f| {
            (
                format!("f{f}"),
                RefColumn::Num((0..10_000).map(|i| spread(i * fields + f, 0.0)).collect()),
            )
        })
        .collect();
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

/// Creates and starts a stream; its id and ingest secret.
async fn started(s: &crate::state::AppState, sp: StreamSpec) -> anyhow::Result<(String, String)> {
    let (id, secret, ev) =
        commands::streams::create(s.store.as_ref(), &s.cipher, sp, Metadata::system("bench"))
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
    Ok((id.to_string(), secret))
}

/// Waits until `windows` windows of `id` closed (10 minutes at most); the time since `t0`.
async fn windows_closed(
    s: &crate::state::AppState,
    id: &str,
    windows: i64,
    t0: Instant,
) -> anyhow::Result<Duration> {
    loop {
        let n: Option<i64> =
            sqlx::query_scalar("SELECT next_window FROM stream_offsets WHERE stream_id = $1")
                .bind(id.to_owned())
                .fetch_optional(s.db.read())
                .await?;
        if n.unwrap_or(0) >= windows || t0.elapsed() > Duration::from_secs(600) {
            return Ok(t0.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
