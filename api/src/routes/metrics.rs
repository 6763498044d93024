//! Metrics: JSON for people, Prometheus text for scrapers.

use std::sync::atomic::Ordering;

use axum::{extract::State, http::header, response::IntoResponse, Json};
use serde_json::{json, Value};
use sqlx::Row;

use crate::{error::ApiResult, state::AppState};

fn proc_kv(path: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Host and process: memory, load, CPUs.
#[utoipa::path(get, path = "/api/v1/metrics/system", tag = "metrics", security(("bearer" = [])), responses((status = 200)))]
pub async fn system(State(state): State<AppState>) -> Json<Value> {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<f64> = load
        .split_whitespace()
        .take(3)
        .filter_map(|s| s.parse().ok())
        .collect();
    Json(json!({
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "load_average": load,
        "memory_total_kib": proc_kv("/proc/meminfo", "MemTotal:"),
        "memory_available_kib": proc_kv("/proc/meminfo", "MemAvailable:"),
        "process_rss_kib": proc_kv("/proc/self/status", "VmRSS:"),
        "process_threads": proc_kv("/proc/self/status", "Threads:"),
        "uptime_secs": state.started.elapsed().as_secs(),
    }))
}

/// Requests, errors, latency, appended events.
#[utoipa::path(get, path = "/api/v1/metrics/application", tag = "metrics", security(("bearer" = [])), responses((status = 200)))]
pub async fn application(State(state): State<AppState>) -> Json<Value> {
    let c = &state.counters;
    let requests = c.requests.load(Ordering::Relaxed);
    let micros = c.request_micros.load(Ordering::Relaxed);
    Json(json!({
        "requests_total": requests,
        "client_errors_total": c.client_errors.load(Ordering::Relaxed),
        "server_errors_total": c.server_errors.load(Ordering::Relaxed),
        "mean_latency_ms": if requests == 0 { 0.0 } else { micros as f64 / requests as f64 / 1e3 },
        "events_appended_total": c.events_appended.load(Ordering::Relaxed),
        "uptime_secs": state.started.elapsed().as_secs(),
        "version": env!("CARGO_PKG_VERSION"),
    }))
}

/// The log and the read models: sizes, head, lag.
#[utoipa::path(get, path = "/api/v1/metrics/database", tag = "metrics", security(("bearer" = [])), responses((status = 200)))]
pub async fn database(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let head = state.store.head().await?;
    let by_type = sqlx::query(
        "SELECT stream_type, COUNT(*) FROM events GROUP BY stream_type ORDER BY stream_type",
    )
    .fetch_all(state.db.read())
    .await?;
    let mut streams = serde_json::Map::new();
    for r in by_type {
        streams.insert(r.try_get::<String, _>(0)?, json!(r.try_get::<i64, _>(1)?));
    }
    let mut tables = serde_json::Map::new();
    for t in ["users", "sessions", "models"] {
        let n: i64 = sqlx::query(&format!("SELECT COUNT(*) FROM {t}"))
            .fetch_one(state.db.read())
            .await?
            .try_get(0)?;
        tables.insert(t.into(), json!(n));
    }
    let file_size = match state.db.backend() {
        migrations::Backend::Sqlite => std::fs::metadata(state.config.data_dir.join("raia.db"))
            .ok()
            .map(|m| m.len()),
        migrations::Backend::Postgres => None,
    };
    Ok(Json(json!({
        "backend": format!("{:?}", state.db.backend()).to_lowercase(),
        "events_total": head.position,
        "head_hash": head.hash,
        "events_by_stream_type": streams,
        "read_model_rows": tables,
        "projections": state.runner.lag().await?,
        "pool": { "read_size": state.db.read().size(), "read_idle": state.db.read().num_idle() },
        "sqlite_file_bytes": file_size,
    })))
}

/// Prometheus text exposition.
pub async fn prometheus(State(state): State<AppState>) -> impl IntoResponse {
    if let Ok(lag) = state.runner.lag().await {
        for l in lag {
            metrics::gauge!("raia_projection_lag_events", "projection" => l.name.clone())
                .set(l.lag as f64);
            metrics::gauge!("raia_projection_position", "projection" => l.name)
                .set(l.position as f64);
        }
    }
    if let Ok(h) = state.store.head().await {
        metrics::gauge!("raia_log_head_position").set(h.position as f64);
    }
    if let Err(e) = job_gauges(&state).await {
        tracing::warn!(error = %e, "job counts unavailable for /metrics");
    }
    metrics::gauge!("raia_websocket_connections").set(
        state
            .realtime
            .feed
            .stats
            .connections
            .load(Ordering::Relaxed) as f64,
    );
    // Refreshes the per-category entry gauges.
    let _ = state.cache.stats().await;
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.prometheus.render(),
    )
}

/// Jobs by kind and status across every node (the jobs table is shared).
async fn job_gauges(state: &AppState) -> Result<(), sqlx::Error> {
    const STATUSES: [&str; 5] = ["queued", "running", "succeeded", "failed", "cancelled"];
    let rows = sqlx::query("SELECT kind, status, COUNT(*) FROM jobs GROUP BY kind, status")
        .fetch_all(state.db.read())
        .await?;
    let mut counts = std::collections::BTreeMap::<String, [i64; 5]>::new();
    for r in rows {
        let kind: String = r.try_get(0)?;
        let status: String = r.try_get(1)?;
        let n: i64 = r.try_get(2)?;
        let slot = counts.entry(kind).or_default();
        if let Some(i) = STATUSES.iter().position(|s| *s == status) {
            slot[i] = n;
        }
    }
    // Every status of every kind is set, so a count that fell to zero shows zero.
    for (kind, n) in counts {
        for (status, n) in STATUSES.iter().zip(n) {
            metrics::gauge!("raia_jobs", "kind" => kind.clone(), "status" => *status).set(n as f64);
        }
    }
    Ok(())
}
