//! `/api/v1/streams`: data streams (create, list, read, update, delete, start,
//! stop, metrics) and webhook ingest. Processing happens in [`processor`].

mod dedupe;
pub mod ingest;
mod mqtt_source;
mod nats_source;
pub mod processor;
mod reference;
mod timed;

pub use ingest::ingest;

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    Json,
};
use domain::stream::{DataStreamId, StreamCommand, StreamError, StreamSource, StreamSpec};
use serde::Deserialize;
use serde_json::{json, Value};
use sqlx::{any::AnyRow, Row};

use crate::{
    error::{ApiError, ApiResult},
    extract::{ApiJson, Ctx, IfMatch},
    routes::rfc3339,
    state::AppState,
};

impl From<StreamError> for ApiError {
    fn from(e: StreamError) -> Self {
        match e {
            StreamError::AlreadyExists => Self::conflict("stream_exists", e.to_string()),
            StreamError::NotFound => Self::not_found("data stream"),
            StreamError::Spec(_) => Self::unprocessable("invalid_stream", e.to_string()),
            StreamError::AlreadyInState(_) => Self::conflict("stream_state", e.to_string()),
        }
    }
}

fn view(r: &AnyRow) -> ApiResult<Value> {
    let spec: Value =
        serde_json::from_str(&r.try_get::<String, _>("spec")?).map_err(ApiError::internal)?;
    Ok(json!({
        "id": r.try_get::<String, _>("id")?,
        "name": r.try_get::<String, _>("name")?,
        "spec": spec,
        "status": r.try_get::<String, _>("status")?,
        "drift_alerts": r.try_get::<i64, _>("drift_alerts")?,
        "degraded_windows": r.try_get::<i64, _>("degraded")?,
        "created_by": r.try_get::<Option<String>, _>("created_by")?,
        "created_at": rfc3339(r.try_get("created_at")?),
        "updated_at": rfc3339(r.try_get("updated_at")?),
        "version": r.try_get::<i64, _>("stream_version")?,
    }))
}

async fn row(state: &AppState, id: &str) -> ApiResult<AnyRow> {
    if DataStreamId::parse(id).is_none() {
        return Err(ApiError::not_found("data stream"));
    }
    sqlx::query("SELECT * FROM data_streams WHERE id = $1")
        .bind(id.to_owned())
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(|| ApiError::not_found("data stream"))
}

async fn check_refs(state: &AppState, spec: &StreamSpec) -> ApiResult<()> {
    if let Some(d) = &spec.reference_dataset_id {
        crate::routes::datasets::live_row(state, d)
            .await
            .map_err(|_| {
                ApiError::unprocessable("unknown_dataset", "the reference dataset does not exist")
            })?;
    }
    Ok(())
}

/// `POST /api/v1/streams`: creates a stream; the answer carries the ingest
/// signing secret, shown only this once.
#[utoipa::path(post, path = "/api/v1/streams", tag = "realtime", security(("bearer" = [])), responses((status = 201, description = "The stream, with its ingest secret (shown once)")))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(spec): ApiJson<StreamSpec>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    spec.validate().map_err(StreamError::from)?;
    check_refs(&state, &spec).await?;
    let (id, secret, events) =
        commands::streams::create(state.store.as_ref(), &state.cipher, spec, ctx.metadata)
            .await
            .map_err(|e| match e {
                commands::streams::CreateError::Command(c) => ApiError::from(c),
                commands::streams::CreateError::Cipher(c) => ApiError::internal(c),
            })?;
    state.settle(&events).await;
    let mut v = view(&row(&state, &id.to_string()).await?)?;
    v["ingest_secret"] = json!(secret);
    Ok((StatusCode::CREATED, Json(v)))
}

/// `GET /api/v1/streams`.
#[utoipa::path(get, path = "/api/v1/streams", tag = "realtime", security(("bearer" = [])), responses((status = 200, description = "Data streams")))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<Value>>> {
    let rows = sqlx::query("SELECT * FROM data_streams ORDER BY created_at, id LIMIT 1000")
        .fetch_all(state.db.read())
        .await?;
    rows.iter()
        .map(view)
        .collect::<ApiResult<Vec<_>>>()
        .map(Json)
}

/// `GET /api/v1/streams/{id}`.
#[utoipa::path(get, path = "/api/v1/streams/{id}", tag = "realtime", security(("bearer" = [])), params(("id" = String, Path, description = "id")), responses((status = 200, description = "A data stream")))]
pub async fn get(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    Ok(Json(view(&row(&state, &id).await?)?))
}

async fn command(
    state: &AppState,
    id: &str,
    if_match: Option<i64>,
    cmd: StreamCommand,
    ctx: Ctx,
) -> ApiResult<()> {
    row(state, id).await?;
    let loaded = commands::streams::get(state.store.as_ref(), id).await?;
    let events =
        commands::streams::run(state.store.as_ref(), &loaded, if_match, cmd, ctx.metadata).await?;
    state.settle(&events).await;
    state.realtime.streams.wake();
    Ok(())
}

/// `PUT /api/v1/streams/{id}` (`If-Match` optional).
#[utoipa::path(put, path = "/api/v1/streams/{id}", tag = "realtime", security(("bearer" = [])), params(("id" = String, Path, description = "id")), responses((status = 200, description = "The updated stream")))]
pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ctx: Ctx,
    IfMatch(if_match): IfMatch,
    ApiJson(spec): ApiJson<StreamSpec>,
) -> ApiResult<Json<Value>> {
    spec.validate().map_err(StreamError::from)?;
    check_refs(&state, &spec).await?;
    command(&state, &id, if_match, StreamCommand::Update { spec }, ctx).await?;
    Ok(Json(view(&row(&state, &id).await?)?))
}

/// `DELETE /api/v1/streams/{id}`.
#[utoipa::path(delete, path = "/api/v1/streams/{id}", tag = "realtime", security(("bearer" = [])), params(("id" = String, Path, description = "id")), responses((status = 204, description = "Deleted")))]
pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ctx: Ctx,
) -> ApiResult<StatusCode> {
    let spec = row(&state, &id)
        .await
        .ok()
        .and_then(|r| r.try_get::<String, _>("spec").ok())
        .and_then(|s| serde_json::from_str::<StreamSpec>(&s).ok());
    command(&state, &id, None, StreamCommand::Delete, ctx).await?;
    if let Some(StreamSource::Mqtt { url, .. }) = spec.map(|s| s.source) {
        let url = url.unwrap_or_else(|| state.config.mqtt_url.clone());
        tokio::spawn(mqtt_source::forget_session(url, id));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/streams/{id}/start`.
#[utoipa::path(post, path = "/api/v1/streams/{id}/start", tag = "realtime", security(("bearer" = [])), params(("id" = String, Path, description = "id")), responses((status = 200, description = "Started")))]
pub async fn start(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ctx: Ctx,
) -> ApiResult<Json<Value>> {
    command(&state, &id, None, StreamCommand::Start, ctx).await?;
    Ok(Json(view(&row(&state, &id).await?)?))
}

/// `POST /api/v1/streams/{id}/stop`.
#[utoipa::path(post, path = "/api/v1/streams/{id}/stop", tag = "realtime", security(("bearer" = [])), params(("id" = String, Path, description = "id")), responses((status = 200, description = "Stopped")))]
pub async fn stop(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ctx: Ctx,
) -> ApiResult<Json<Value>> {
    command(&state, &id, None, StreamCommand::Stop, ctx).await?;
    Ok(Json(view(&row(&state, &id).await?)?))
}

/// Query of the metrics route.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsQuery {
    /// Newest windows to return (default 100, at most 1000).
    pub limit: Option<i64>,
}

/// `GET /api/v1/streams/{id}/metrics`: totals, bad-record samples and the
/// newest windows (a time series for charts).
#[utoipa::path(get, path = "/api/v1/streams/{id}/metrics", tag = "realtime", security(("bearer" = [])), params(("id" = String, Path, description = "id")), responses((status = 200, description = "Totals, bad-record samples and windows")))]
pub async fn metrics(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<MetricsQuery>,
) -> ApiResult<Json<Value>> {
    let r = row(&state, &id).await?;
    let limit = match q.limit.unwrap_or(100) {
        l @ 1..=1000 => l,
        _ => {
            return Err(ApiError::bad_request(
                "invalid_limit",
                "limit must be 1 to 1000",
            ))
        }
    };
    let totals = sqlx::query("SELECT * FROM stream_offsets WHERE stream_id = $1")
        .bind(id.clone())
        .fetch_optional(state.db.read())
        .await?;
    let totals = match totals {
        Some(t) => json!({
            "records_received": t.try_get::<i64, _>("next_record")?,
            // A time-windowed stream's next_window is a window number in time.
            "windows_closed": match t.try_get::<Option<String>, _>("time_state")? {
                Some(_) => t.try_get::<i64, _>("windows_closed")?,
                None => t.try_get::<i64, _>("next_window")?,
            },
            "good_records": t.try_get::<i64, _>("good_records")?,
            "bad_records": t.try_get::<i64, _>("bad_records")?,
            "rejected_batches": t.try_get::<i64, _>("rejected_batches")?,
            "duplicate_records": t.try_get::<i64, _>("duplicate_records")?,
            "late_records": t
                .try_get::<Option<String>, _>("time_state")?
                .and_then(|s| serde_json::from_str::<Value>(&s).ok())
                .and_then(|s| s["late_records"].as_i64())
                .unwrap_or(0),
            "source_subscribed_at": t.try_get::<Option<i64>, _>("source_subscribed_at")?.map(rfc3339),
        }),
        None => {
            json!({"records_received": 0, "windows_closed": 0, "good_records": 0, "bad_records": 0, "rejected_batches": 0, "duplicate_records": 0, "late_records": 0, "source_subscribed_at": null})
        }
    };
    let windows = sqlx::query(&format!(
        "SELECT * FROM stream_windows WHERE stream_id = $1 ORDER BY window_no DESC LIMIT {limit}"
    ))
    .bind(id.clone())
    .fetch_all(state.db.read())
    .await?;
    let mut ws = Vec::new();
    for w in windows.iter().rev() {
        ws.push(json!({
            "window": w.try_get::<i64, _>("window_no")?,
            "first_record": w.try_get::<i64, _>("first_record")?,
            "n_records": w.try_get::<i64, _>("n_records")?,
            "bad_records": w.try_get::<i64, _>("bad_records")?,
            "drift": w.try_get::<i64, _>("drift")? != 0,
            "start_ms": w.try_get::<Option<i64>, _>("window_start")?,
            "end_ms": w.try_get::<Option<i64>, _>("window_end")?,
            "closed_at": rfc3339(w.try_get("closed_at")?),
            "metrics": serde_json::from_str::<Value>(&w.try_get::<String, _>("metrics")?).map_err(ApiError::internal)?,
        }));
    }
    let samples = sqlx::query(
        "SELECT record_no, reason, record FROM stream_bad_samples WHERE stream_id = $1 ORDER BY record_no LIMIT 20",
    )
    .bind(id.clone())
    .fetch_all(state.db.read())
    .await?;
    let samples = samples
        .iter()
        .map(|s| {
            Ok(json!({
                "record": s.try_get::<i64, _>(0)?,
                "reason": s.try_get::<String, _>(1)?,
                "value": serde_json::from_str::<Value>(&s.try_get::<String, _>(2)?).unwrap_or(Value::Null),
            }))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Json(json!({
        "stream": view(&r)?,
        "totals": totals,
        "bad_samples": samples,
        "windows": ws,
    })))
}

/// Each stream's status, totals and last window (for the analytics topic).
pub async fn analytics(state: &AppState) -> ApiResult<Value> {
    let rows = sqlx::query(
        "SELECT d.id, d.name, d.status, d.drift_alerts, d.degraded, o.next_record, o.bad_records, \
         (SELECT metrics FROM stream_windows w WHERE w.stream_id = d.id ORDER BY window_no DESC LIMIT 1) \
         FROM data_streams d LEFT JOIN stream_offsets o ON o.stream_id = d.id ORDER BY d.created_at, d.id",
    )
    .fetch_all(state.db.read())
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let last: Option<String> = r.try_get(7)?;
        out.push(json!({
            "id": r.try_get::<String, _>(0)?,
            "name": r.try_get::<String, _>(1)?,
            "status": r.try_get::<String, _>(2)?,
            "drift_alerts": r.try_get::<i64, _>(3)?,
            "degraded_windows": r.try_get::<i64, _>(4)?,
            "records_received": r.try_get::<Option<i64>, _>(5)?.unwrap_or(0),
            "bad_records": r.try_get::<Option<i64>, _>(6)?.unwrap_or(0),
            "last_window": last.and_then(|m| serde_json::from_str::<Value>(&m).ok()),
        }));
    }
    Ok(json!({"streams": out}))
}
