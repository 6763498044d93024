//! Makes every error answer a problem document: framework answers (unknown
//! route, wrong method, time-out, body limit) are rewritten, and every problem
//! gets the request id and path. Also counts requests for the metrics.

use std::{sync::atomic::Ordering, time::Instant};

use axum::{
    body::{to_bytes, Body},
    extract::{MatchedPath, Request, State},
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{
    error::{ApiError, PROBLEM_JSON},
    otlp::RequestSpan,
    state::AppState,
};

fn unix_nanos() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

fn code_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    }
}

/// The middleware.
pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    // The route template, not the path: ids would make the label unbounded.
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let traceparent = req
        .headers()
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let start_ns = unix_nanos();
    let resp = next.run(req).await;
    let status = resp.status();
    let micros = started.elapsed().as_micros() as u64;
    if let Some(t) = &state.tracer {
        t.record(RequestSpan {
            method: method.to_string(),
            route: route.clone(),
            path: path.clone(),
            status: status.as_u16(),
            request_id: request_id.clone(),
            traceparent,
            start_ns,
            end_ns: start_ns + micros * 1000,
        });
    }
    let c = &state.counters;
    c.requests.fetch_add(1, Ordering::Relaxed);
    c.request_micros.fetch_add(micros, Ordering::Relaxed);
    if status.is_client_error() {
        c.client_errors.fetch_add(1, Ordering::Relaxed);
    } else if status.is_server_error() {
        c.server_errors.fetch_add(1, Ordering::Relaxed);
    }
    metrics::counter!("raia_http_requests_total", "method" => method.to_string(), "route" => route.clone(), "status" => status.as_u16().to_string()).increment(1);
    metrics::histogram!("raia_http_request_duration_seconds", "method" => method.to_string(), "route" => route).record(micros as f64 / 1e6);
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let is_problem = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == PROBLEM_JSON.as_bytes());
    let (mut parts, body) = resp.into_parts();
    let mut doc = if is_problem {
        let bytes = to_bytes(body, 64 * 1024).await.unwrap_or_default();
        serde_json::from_slice::<serde_json::Value>(&bytes).unwrap_or_default()
    } else {
        let detail = match status {
            StatusCode::NOT_FOUND => format!("no route for {method} {path}"),
            StatusCode::METHOD_NOT_ALLOWED => format!("{method} is not allowed on {path}"),
            StatusCode::REQUEST_TIMEOUT => {
                "the request took longer than the configured limit".to_owned()
            }
            s => s.canonical_reason().unwrap_or("error").to_owned(),
        };
        serde_json::to_value(ApiError::new(status, code_for(status), detail).problem())
            .unwrap_or_default()
    };
    if let Some(obj) = doc.as_object_mut() {
        obj.insert("instance".into(), path.into());
        if let Some(id) = request_id {
            obj.insert("request_id".into(), id.into());
        }
    }
    parts
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    parts.headers.remove(header::CONTENT_LENGTH);
    let mut r = Response::from_parts(
        parts,
        Body::from(serde_json::to_vec(&doc).unwrap_or_default()),
    );
    *r.status_mut() = status;
    r.into_response()
}
