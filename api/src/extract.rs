//! Extractors: JSON bodies with problem+json rejections, request metadata for
//! events, and `If-Match`.

use std::net::SocketAddr;

use axum::{
    extract::{rejection::JsonRejection, ConnectInfo, FromRequest, FromRequestParts, Request},
    http::{header, request::Parts, StatusCode},
};
use domain::Metadata;
use serde::de::DeserializeOwned;

use crate::{access::Caller, error::ApiError, state::AppState};

/// A JSON body whose every failure is a precise problem: 415 wrong content type,
/// 413 too large, 400 malformed JSON, 400 wrong shape (unknown or missing fields).
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as Content-Type: application/json",
            )),
            Err(JsonRejection::JsonSyntaxError(e)) => {
                Err(ApiError::bad_request("malformed_json", e.body_text()))
            }
            Err(JsonRejection::JsonDataError(e)) => {
                Err(ApiError::bad_request("invalid_body", e.body_text()))
            }
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the body exceeds the configured limit",
            )),
            Err(e) => Err(ApiError::bad_request("invalid_body", e.body_text())),
        }
    }
}

/// Who is acting and from where, for the metadata of every event a request causes.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The authenticated caller, if any.
    pub caller: Option<Caller>,
    /// Event metadata without the actor filled in for anonymous calls.
    pub metadata: Metadata,
}

fn header_str(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(256).collect())
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, ApiError> {
        let caller = parts.extensions.get::<Caller>().cloned();
        let request_id = header_str(parts, "x-request-id");
        let metadata = Metadata {
            actor_id: caller.as_ref().map(|c| c.user_id.to_string()),
            actor_role: caller.as_ref().map(|c| c.role),
            auth_method: Some(if caller.is_some() { "jwt" } else { "anonymous" }.into()),
            correlation_id: header_str(parts, "x-correlation-id").or_else(|| request_id.clone()),
            causation_id: None,
            request_id,
            client_ip: parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string()),
            user_agent: header_str(parts, header::USER_AGENT.as_str()),
        };
        Ok(Ctx { caller, metadata })
    }
}

/// The version a client last saw, from `If-Match: "<n>"` (quotes and `W/` optional).
#[derive(Debug, Clone, Copy)]
pub struct IfMatch(pub Option<i64>);

impl FromRequestParts<AppState> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, ApiError> {
        let Some(v) = parts.headers.get(header::IF_MATCH) else {
            return Ok(IfMatch(None));
        };
        let s = v.to_str().unwrap_or("").trim();
        let s = s.strip_prefix("W/").unwrap_or(s).trim_matches('"');
        s.parse::<i64>().map(|n| IfMatch(Some(n))).map_err(|_| {
            ApiError::bad_request(
                "invalid_if_match",
                "If-Match must be a stream version such as \"3\"",
            )
        })
    }
}

/// Whether the client sent `Prefer: respond-async` (RFC 7240): long work then
/// answers `202 Accepted` with a job to poll instead of holding the request.
#[derive(Debug, Clone, Copy)]
pub struct RespondAsync(pub bool);

impl FromRequestParts<AppState> for RespondAsync {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, ApiError> {
        let wanted = parts
            .headers
            .get_all("prefer")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|p| p.trim().eq_ignore_ascii_case("respond-async"));
        Ok(RespondAsync(wanted))
    }
}
