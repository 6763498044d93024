//! The figures behind each analytics topic.

use std::sync::atomic::Ordering;

use serde_json::{json, Value};
use sqlx::Row;

use crate::{error::ApiError, state::AppState};

const MINUTE: i64 = 60_000_000;

/// Predictions per minute (last five minutes) and mean confidence, per model.
pub async fn models(state: &AppState) -> Result<Value, ApiError> {
    let since = commands::sql_now() - 5 * MINUTE;
    let rows = sqlx::query(
        "SELECT model_id, COUNT(*), AVG(confidence) FROM model_predictions \
         WHERE created_at >= $1 GROUP BY model_id ORDER BY model_id",
    )
    .bind(since)
    .fetch_all(state.db.read())
    .await
    .map_err(ApiError::internal)?;
    let mut out = Vec::new();
    for r in rows {
        let id: String = r.try_get(0).map_err(ApiError::internal)?;
        let n: i64 = r.try_get(1).map_err(ApiError::internal)?;
        let conf: Option<f64> = r.try_get(2).map_err(ApiError::internal)?;
        out.push(json!({
            "model_id": id,
            "predictions_last_5_min": n,
            "predictions_per_minute": n as f64 / 5.0,
            "mean_confidence": conf,
        }));
    }
    Ok(json!({"window_minutes": 5, "models": out}))
}

/// Each data stream's state and its latest window.
pub async fn streams(state: &AppState) -> Result<Value, ApiError> {
    crate::routes::streams::analytics(state).await
}

/// Requests, latency, event rate, projection lag, connections.
pub async fn system(state: &AppState) -> Result<Value, ApiError> {
    let c = &state.counters;
    let requests = c.requests.load(Ordering::Relaxed);
    let micros = c.request_micros.load(Ordering::Relaxed);
    let since = commands::sql_now() - MINUTE;
    let events_last_minute: i64 =
        sqlx::query("SELECT COUNT(*) FROM events WHERE recorded_at >= $1")
            .bind(since)
            .fetch_one(state.db.read())
            .await
            .and_then(|r| r.try_get(0))
            .map_err(ApiError::internal)?;
    let lag = state.runner.lag().await.map_err(ApiError::internal)?;
    let max_lag = lag.iter().map(|l| l.lag).max().unwrap_or(0);
    let f = &state.realtime.feed.stats;
    Ok(json!({
        "uptime_secs": state.started.elapsed().as_secs(),
        "requests": requests,
        "client_errors": c.client_errors.load(Ordering::Relaxed),
        "server_errors": c.server_errors.load(Ordering::Relaxed),
        "mean_latency_ms": if requests == 0 { 0.0 } else { micros as f64 / requests as f64 / 1000.0 },
        "events_last_minute": events_last_minute,
        "events_per_second": events_last_minute as f64 / 60.0,
        "projection_lag": max_lag,
        "feed_position": state.realtime.feed.head(),
        "connections": f.connections.load(Ordering::Relaxed),
        "delivered": f.delivered.load(Ordering::Relaxed),
        "slow_closed": f.slow_closed.load(Ordering::Relaxed),
        "rejected_frames": f.rejected_frames.load(Ordering::Relaxed),
    }))
}
