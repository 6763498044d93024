//! `POST /api/v1/streams/{id}/ingest`: a batch of JSON records, signed with the
//! stream's ingest secret: `X-RAIA-Signature: sha256=<hex HMAC-SHA256(secret, body)>`.
//! An optional `X-RAIA-Batch-Id` makes a retried batch count once.

use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    Json,
};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use sqlx::Row;

use super::{processor, row};
use crate::{
    error::{ApiError, ApiResult},
    state::AppState,
};

/// Most records one batch may carry.
pub const MAX_BATCH: usize = 10_000;

fn signed(secret: &str, body: &[u8], header: Option<&str>) -> bool {
    let Some(hex_sig) = header.and_then(|h| h.trim().strip_prefix("sha256=")) else {
        return false;
    };
    let Ok(sig) = hex::decode(hex_sig) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&sig).is_ok()
}

/// Accepts a signed batch into the stream's queue; `202` with the record numbers.
#[utoipa::path(post, path = "/api/v1/streams/{id}/ingest", tag = "realtime", request_body(content = String, content_type = "application/json", description = "a JSON array of records, signed"), params(("id" = String, Path, description = "id")), responses((status = 202, description = "Accepted; record numbers")))]
pub async fn ingest(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let r = row(&state, &id).await?;
    let spec: domain::stream::StreamSpec =
        serde_json::from_str(&r.try_get::<String, _>("spec")?).map_err(ApiError::internal)?;
    if spec.source != domain::stream::StreamSource::Webhook {
        return Err(ApiError::conflict(
            "wrong_source",
            "this stream does not ingest over HTTP",
        ));
    }
    let secret = state.realtime.streams.secret(&state, &id).await?;
    let sig = headers
        .get("x-raia-signature")
        .and_then(|v| v.to_str().ok());
    if !signed(&secret, &body, sig) {
        processor::count_rejected(&state, &id).await?;
        return Err(ApiError::unauthorized(
            "X-RAIA-Signature must be sha256=<hex HMAC-SHA256 of the body under the stream's ingest secret>",
        ));
    }
    if r.try_get::<String, _>("status")? != "running" {
        return Err(ApiError::conflict(
            "stream_stopped",
            "start the stream before ingesting",
        ));
    }
    let records = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Array(a)) => a,
        Ok(Value::Object(mut o)) => match o.remove("records") {
            Some(Value::Array(a)) => a,
            _ => Vec::new(),
        },
        _ => {
            processor::count_rejected(&state, &id).await?;
            return Err(ApiError::bad_request(
                "invalid_batch",
                "the body must be a JSON array of records or {\"records\": [...]}",
            ));
        }
    };
    if records.is_empty() {
        processor::count_rejected(&state, &id).await?;
        return Err(ApiError::unprocessable(
            "empty_batch",
            "the batch has no records",
        ));
    }
    if records.len() > MAX_BATCH {
        processor::count_rejected(&state, &id).await?;
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            format!("at most {MAX_BATCH} records per batch"),
        ));
    }
    let batch_id = match headers.get("x-raia-batch-id").and_then(|v| v.to_str().ok()) {
        Some(b) if !b.is_empty() && b.len() <= 128 => format!("http:{b}"),
        Some(_) => {
            return Err(ApiError::bad_request(
                "invalid_batch_id",
                "X-RAIA-Batch-Id must be 1 to 128 characters",
            ))
        }
        None => format!("http:{}", uuid::Uuid::now_v7()),
    };
    let n = records.len();
    let a = processor::append_batch(
        &state,
        &id,
        records,
        &batch_id,
        spec.record_id_field.as_deref(),
    )
    .await?;
    state.realtime.streams.wake();
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({
            "accepted": n,
            "appended": a.records,
            "first_record": a.first_record,
            "duplicate": a.duplicate_batch,
            "duplicate_records": a.duplicate_records,
        })),
    ))
}
