//! `Idempotency-Key` on writes: the first request with a key runs and its answer
//! is kept; a retry with the same key and the same request gets the same answer
//! without running again; the same key with a different request is refused.
//! The kept answers are a response cache, not facts: the events carry the facts.

use axum::{
    body::{to_bytes, Body},
    extract::{Request, State},
    http::{header, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::{error::ApiError, state::AppState};

const HEADER: &str = "idempotency-key";
const MAX_KEPT_BODY: usize = 1024 * 1024;

fn now() -> i64 {
    commands::sql_now()
}

/// The middleware.
pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    ) {
        return next.run(req).await;
    }
    // Streamed uploads (multipart) are not buffered here: they may be far larger
    // than any JSON body, and their content is deduplicated by hash anyway.
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("multipart/"));
    if multipart {
        return next.run(req).await;
    }
    let Some(key) = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
    else {
        return next.run(req).await;
    };
    match run(state, key, req, next).await {
        Ok(r) | Err(r) => r,
    }
}

async fn run(state: AppState, key: String, req: Request, next: Next) -> Result<Response, Response> {
    if key.is_empty() || key.len() > 255 {
        return Err(ApiError::bad_request(
            "invalid_idempotency_key",
            "Idempotency-Key must be 1 to 255 characters",
        )
        .into_response());
    }
    // Keys are per caller: scope by the credential presented.
    let auth = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes().to_vec())
        .unwrap_or_default();
    let scope = hex::encode(Sha256::digest(&auth));
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, state.config.body_limit_bytes)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the body exceeds the configured limit",
            )
            .into_response()
        })?;
    let mut h = Sha256::new();
    h.update(parts.method.as_str());
    h.update([0]);
    h.update(parts.uri.to_string());
    h.update([0]);
    h.update(&bytes);
    let fingerprint = hex::encode(h.finalize());
    let db = state.db.write();
    let claimed = sqlx::query(
        "INSERT INTO idempotency_keys (scope, key, fingerprint, status, created_at) VALUES ($1, $2, $3, 0, $4) \
         ON CONFLICT (scope, key) DO NOTHING",
    )
    .bind(scope.clone())
    .bind(key.clone())
    .bind(fingerprint.clone())
    .bind(now())
    .execute(db)
    .await
    .map_err(|e| ApiError::internal(e).into_response())?
    .rows_affected()
        == 1;
    if !claimed {
        let row = sqlx::query("SELECT fingerprint, status, content_type, body FROM idempotency_keys WHERE scope = $1 AND key = $2")
            .bind(scope)
            .bind(key)
            .fetch_one(db)
            .await
            .map_err(|e| ApiError::internal(e).into_response())?;
        let fp: String = row.try_get(0).unwrap_or_default();
        let status: i64 = row.try_get(1).unwrap_or(0);
        if fp != fingerprint {
            return Err(ApiError::unprocessable(
                "idempotency_key_reused",
                "this Idempotency-Key was used with a different request",
            )
            .into_response());
        }
        if status == 0 {
            return Err(ApiError::conflict(
                "idempotency_in_progress",
                "a request with this Idempotency-Key is still running",
            )
            .into_response());
        }
        let ct: Option<String> = row.try_get(2).unwrap_or(None);
        let body: Option<String> = row.try_get(3).unwrap_or(None);
        let mut r = Response::new(Body::from(body.unwrap_or_default()));
        *r.status_mut() = StatusCode::from_u16(status as u16).unwrap_or(StatusCode::OK);
        if let Some(ct) = ct.and_then(|c| HeaderValue::from_str(&c).ok()) {
            r.headers_mut().insert(header::CONTENT_TYPE, ct);
        }
        r.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
        return Ok(r);
    }
    let resp = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let status = resp.status();
    let (rparts, rbody) = resp.into_parts();
    // The answer goes back whole; only answers small enough are kept for replay.
    let rbytes = match to_bytes(rbody, usize::MAX).await {
        Ok(b) => b,
        Err(e) => return Err(ApiError::internal(e).into_response()),
    };
    // Server errors are not kept (the client may retry with the same key), nor
    // answers too large to keep (a retry runs the request again).
    let outcome = if status.is_server_error() || rbytes.len() > MAX_KEPT_BODY {
        sqlx::query("DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2")
            .bind(scope)
            .bind(key)
            .execute(db)
            .await
    } else {
        sqlx::query("UPDATE idempotency_keys SET status = $1, content_type = $2, body = $3 WHERE scope = $4 AND key = $5")
            .bind(i64::from(status.as_u16()))
            .bind(rparts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned))
            .bind(String::from_utf8_lossy(&rbytes).into_owned())
            .bind(scope)
            .bind(key)
            .execute(db)
            .await
    };
    if let Err(e) = outcome {
        tracing::warn!(error = %e, "could not record idempotent response");
    }
    Ok(Response::from_parts(rparts, Body::from(rbytes)))
}
