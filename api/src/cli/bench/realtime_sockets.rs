//! The WebSocket half of `raia bench realtime`: the clients run in a child
//! process (`raia bench realtime-clients`), so the server's memory per
//! connection and the fan-out latency are measured across a process boundary,
//! as a real deployment sees them. Latency is the wall-clock time from just
//! before the append (stamped into the event) to the client's receipt.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use futures::StreamExt;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, http::HeaderValue, Message};

use super::realtime::{pct, rss_kib};
use crate::state::AppState;

/// The part of a frame the clients read (typed: parsing 10,000 frames per event
/// into `Value`s would make the clients, not the server, the bottleneck).
#[derive(serde::Deserialize)]
struct Frame<'a> {
    #[serde(rename = "type", borrow)]
    kind: &'a str,
    payload: Option<FramePayload>,
}

#[derive(serde::Deserialize)]
struct FramePayload {
    data: Option<FrameData>,
}

#[derive(serde::Deserialize)]
struct FrameData {
    i: Option<usize>,
    sent_us: Option<i64>,
}

fn now_us() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// Child side: opens `connections` sockets, says `ready <rss KiB>`, collects
/// `events` events on each and says `done <json>`.
pub async fn clients(url: &str, connections: usize, events: usize) -> anyhow::Result<()> {
    let token = std::env::var("RAIA_BENCH_TOKEN")?;
    let before = rss_kib();
    // (event index, latency ms) per delivery.
    let latencies: Arc<Mutex<Vec<(usize, f64)>>> = Arc::new(Mutex::new(Vec::new()));
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(connections.max(1));
    let handshakes = Arc::new(tokio::sync::Semaphore::new(256));
    // Sockets stay open until every client has its events: a client closing as soon
    // as it is served would put thousands of teardowns into the last event's fan-out.
    let (finished_tx, mut finished_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let (release_tx, release_rx) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let mut req = url.into_client_request()?;
        req.headers_mut().insert(
            "sec-websocket-protocol",
            HeaderValue::from_str(&format!("raia.v1, bearer.{token}"))?,
        );
        let (lat, ready, gate) = (latencies.clone(), ready_tx.clone(), handshakes.clone());
        let (finished, mut release) = (finished_tx.clone(), release_rx.clone());
        tasks.push(tokio::spawn(async move {
            let permit = gate.acquire_owned().await;
            // Small read chunks, as a browser's socket: the default 128 KiB per socket
            // would make the clients' memory, not the server's, the limit.
            let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
                .read_buffer_size(4096);
            let Ok((mut ws, _)) =
                tokio_tungstenite::connect_async_with_config(req, Some(config), true).await
            else {
                return;
            };
            drop(permit);
            let mut mine = Vec::with_capacity(events);
            while let Some(Ok(m)) = ws.next().await {
                let Message::Text(t) = m else { continue };
                let Ok(v) = serde_json::from_str::<Frame<'_>>(&t) else {
                    continue;
                };
                if v.kind == "hello" {
                    let _ = ready.send(()).await;
                    continue;
                }
                let Some(FrameData {
                    i: Some(i),
                    sent_us: Some(sent),
                }) = v.payload.and_then(|p| p.data)
                else {
                    continue;
                };
                mine.push((i, (now_us() - sent) as f64 / 1000.0));
                if mine.len() == events {
                    break;
                }
            }
            if let Ok(mut l) = lat.lock() {
                l.extend(mine);
            }
            let _ = finished.send(());
            let _ = release.wait_for(|go| *go).await;
            drop(ws);
        }));
    }
    drop(ready_tx);
    let mut open = 0;
    while open < connections && ready_rx.recv().await.is_some() {
        open += 1;
    }
    println!("ready {open} {}", rss_kib().saturating_sub(before));
    drop(finished_tx);
    let _ = tokio::time::timeout(Duration::from_secs(120), async {
        for _ in 0..open {
            if finished_rx.recv().await.is_none() {
                break;
            }
        }
    })
    .await;
    let _ = release_tx.send(true);
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(120), t).await;
    }
    let all = latencies.lock().map(|l| l.clone()).unwrap_or_default();
    let mut l: Vec<f64> = all.iter().map(|(_, ms)| *ms).collect();
    l.sort_by(f64::total_cmp);
    // The slowest delivery of each event shows whether the tail is steady or one event's.
    let mut slowest = vec![0.0f64; events];
    for (i, ms) in &all {
        if let Some(s) = slowest.get_mut(*i) {
            *s = s.max(*ms);
        }
    }
    let slowest: Vec<f64> = slowest.iter().map(|v| v.round()).collect();
    let done = json!({"deliveries": l.len(), "p50_ms": pct(&l, 0.5), "p99_ms": pct(&l, 0.99), "max_ms": l.last(), "slowest_per_event_ms": slowest});
    println!("done {done}");
    Ok(())
}

/// Parent side: spawns the clients, measures the server's memory per
/// connection, appends `events` events 100 ms apart and prints the latencies.
pub async fn run(
    s: &AppState,
    ws_url: &str,
    token: &str,
    connections: usize,
    events: usize,
) -> anyhow::Result<()> {
    let before = rss_kib();
    let mut child = tokio::process::Command::new(std::env::current_exe()?)
        .args(["bench", "realtime-clients", "--url", ws_url])
        .args(["--connections", &connections.to_string()])
        .args(["--events", &events.to_string()])
        .env("RAIA_BENCH_TOKEN", token)
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdout from the clients"))?;
    let mut lines = BufReader::new(stdout).lines();
    let t_open = std::time::Instant::now();
    let ready = lines.next_line().await?.unwrap_or_default();
    let mut parts = ready.split_whitespace().skip(1);
    let open: usize = parts.next().and_then(|v| v.parse().ok()).unwrap_or(0);
    let client_kib: u64 = parts.next().and_then(|v| v.parse().ok()).unwrap_or(0);
    let opened = t_open.elapsed();
    // Let the sessions settle (hello sent, buffers allocated) before measuring.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let server_kib = rss_kib().saturating_sub(before);
    println!(
        "sqlite    {open} of {connections} WebSocket connections (clients in a child process) open in {:.1} s; \
         server RSS +{server_kib} KiB = {:.1} KiB per connection; client RSS {:.1} KiB per connection",
        opened.as_secs_f64(),
        server_kib as f64 / open.max(1) as f64,
        client_kib as f64 / open.max(1) as f64,
    );
    for i in 0..events {
        let e = domain::NewEvent {
            event_id: uuid::Uuid::now_v7().to_string(),
            stream_type: "topic".into(),
            stream_id: format!("bench-{i}"),
            expected: domain::ExpectedVersion::NoStream,
            event_type: "ApplicationEventPublished".into(),
            schema_version: 1,
            payload: json!({"name": "Tick", "data": {"i": i, "sent_us": now_us()}}),
            metadata: domain::Metadata::system("bench"),
        };
        s.store.append(vec![e]).await?;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut done = Value::Null;
    while let Some(line) = tokio::time::timeout(Duration::from_secs(180), lines.next_line())
        .await
        .ok()
        .and_then(Result::ok)
        .flatten()
    {
        if let Some(j) = line.strip_prefix("done ") {
            done = serde_json::from_str(j)?;
            break;
        }
    }
    let _ = child.wait().await;
    println!(
        "sqlite    fan-out of {events} events to {open} sockets: {} deliveries of {}, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        done["deliveries"],
        open * events,
        done["p50_ms"].as_f64().unwrap_or(f64::NAN),
        done["p99_ms"].as_f64().unwrap_or(f64::NAN),
        done["max_ms"].as_f64().unwrap_or(f64::NAN),
    );
    println!(
        "sqlite    slowest delivery of each event (ms, in order): {}",
        done["slowest_per_event_ms"]
    );
    Ok(())
}
