//! Health: liveness, and a detailed report of every dependency.

use std::sync::atomic::Ordering;

use axum::{extract::State, http::StatusCode, Json};
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;

/// Liveness answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Live {
    /// Always `ok` while the process serves.
    pub status: String,
}

/// Liveness: the process is up and serving.
#[utoipa::path(get, path = "/api/v1/health", tag = "health", responses((status = 200, body = Live)))]
pub async fn live() -> Json<Live> {
    Json(Live {
        status: "ok".into(),
    })
}

/// One dependency's state.
#[derive(Debug, Serialize, ToSchema)]
pub struct Check {
    /// `ok`, `degraded`, `down` or `disabled`.
    pub status: String,
    /// Details.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// Every dependency's state.
#[derive(Debug, Serialize, ToSchema)]
pub struct Detailed {
    /// `ok` when everything is, else `degraded`.
    pub status: String,
    /// Server version.
    pub version: String,
    /// Seconds since start.
    pub uptime_secs: u64,
    /// Database.
    pub database: Check,
    /// NATS relay.
    pub nats: Check,
    /// File store.
    pub file_store: Check,
    /// Projection lag.
    pub projections: Check,
    /// The mail side effect: transport and how far behind the log it is.
    pub mail: Check,
}

fn check(ok: bool, detail: serde_json::Value) -> Check {
    Check {
        status: if ok { "ok" } else { "down" }.into(),
        detail,
    }
}

/// Database, NATS, file store and projection lag; 503 if anything is down.
#[utoipa::path(get, path = "/api/v1/health/detailed", tag = "health", security(("bearer" = [])),
    responses((status = 200, body = Detailed), (status = 503, body = Detailed)))]
pub async fn detailed(State(state): State<AppState>) -> (StatusCode, Json<Detailed>) {
    let started = std::time::Instant::now();
    let db_ok = sqlx::query("SELECT 1").execute(state.db.read()).await;
    let database = check(
        db_ok.is_ok(),
        serde_json::json!({
            "backend": format!("{:?}", state.db.backend()).to_lowercase(),
            "latency_ms": started.elapsed().as_secs_f64() * 1e3,
            "error": db_ok.err().map(|e| e.to_string()),
        }),
    );
    let relay = &state.relay;
    let nats = if relay.configured.load(Ordering::Relaxed) {
        let head = state.store.head().await.map(|h| h.position).unwrap_or(0);
        let cursor = relay.cursor.load(Ordering::Relaxed);
        check(
            relay.connected.load(Ordering::Relaxed),
            serde_json::json!({ "cursor": cursor, "lag": head - cursor }),
        )
    } else {
        Check {
            status: "disabled".into(),
            detail: serde_json::json!({ "reason": "RAIA_NATS_URL not set; events are delivered in-process" }),
        }
    };
    let files = state.config.data_dir.join("files");
    let probe = files.join(format!(".probe-{}", uuid::Uuid::new_v4()));
    let writable = std::fs::write(&probe, b"ok").and_then(|_| std::fs::remove_file(&probe));
    let file_store = check(
        writable.is_ok(),
        serde_json::json!({ "path": files.display().to_string(), "error": writable.err().map(|e| e.to_string()) }),
    );
    let projections = match state.runner.lag().await {
        Ok(lag) => {
            let max = lag.iter().map(|l| l.lag).max().unwrap_or(0);
            Check {
                status: if max < 10_000 { "ok" } else { "degraded" }.into(),
                detail: serde_json::json!({ "max_lag": max, "projections": lag }),
            }
        }
        Err(e) => check(false, serde_json::json!({ "error": e.to_string() })),
    };
    let head = state.store.head().await.map(|h| h.position).unwrap_or(0);
    let mail_cursor: Option<i64> =
        sqlx::query_scalar("SELECT position FROM relay_cursors WHERE name = 'mail'")
            .fetch_optional(state.db.read())
            .await
            .ok()
            .flatten();
    let mail = Check {
        status: "ok".into(),
        detail: serde_json::json!({
            "transport": state.mailer.transport(),
            "cursor": mail_cursor.unwrap_or(0),
            "lag": head - mail_cursor.unwrap_or(0),
        }),
    };
    let all_ok = [&database, &file_store, &projections]
        .iter()
        .all(|c| c.status == "ok")
        && nats.status != "down";
    let body = Detailed {
        status: if all_ok { "ok" } else { "degraded" }.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        uptime_secs: state.started.elapsed().as_secs(),
        database,
        nats,
        file_store,
        projections,
        mail,
    };
    (
        if all_ok {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
        Json(body),
    )
}
