//! Real-time analytics: `GET /api/v1/analytics/real-time/{models,streams,system}`,
//! and `POST /api/v1/analytics/subscribe|unsubscribe`, which push the same
//! documents every second over the caller's `/ws/real-time` sockets.

mod figures;

use axum::{extract::State, Json};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{access::Caller, error::ApiError, state::AppState};

/// The analytics topics a socket may subscribe to.
pub const TOPICS: [&str; 3] = ["models", "streams", "system"];

/// Whether `role` may have `topic` pushed (system figures are for admins,
/// as `GET /api/v1/analytics/real-time/system` is).
pub fn may_see(role: domain::Role, topic: &str) -> bool {
    topic != "system" || role == domain::Role::Admin
}

/// The current document of `topic` (an error becomes `{"error": ...}`).
pub async fn snapshot(state: &AppState, topic: &str) -> Value {
    let doc = match topic {
        "models" => figures::models(state).await,
        "streams" => figures::streams(state).await,
        "system" => figures::system(state).await,
        other => Err(ApiError::not_found(&format!("analytics topic {other}"))),
    };
    doc.unwrap_or_else(|e| json!({"error": e.problem().detail}))
}

/// `GET /api/v1/analytics/real-time/models`.
#[utoipa::path(get, path = "/api/v1/analytics/real-time/models", tag = "realtime", security(("bearer" = [])), responses((status = 200, description = "Predictions per minute per model")))]
pub async fn models(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    figures::models(&state).await.map(Json)
}

/// `GET /api/v1/analytics/real-time/streams`.
#[utoipa::path(get, path = "/api/v1/analytics/real-time/streams", tag = "realtime", security(("bearer" = [])), responses((status = 200, description = "Each stream and its last window")))]
pub async fn streams(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    figures::streams(&state).await.map(Json)
}

/// `GET /api/v1/analytics/real-time/system`.
#[utoipa::path(get, path = "/api/v1/analytics/real-time/system", tag = "realtime", security(("bearer" = [])), responses((status = 200, description = "Requests, latency, event rate, projection lag, connections")))]
pub async fn system(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    figures::system(&state).await.map(Json)
}

/// Body of subscribe/unsubscribe.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TopicBody {
    /// `models`, `streams` or `system`.
    pub topic: String,
}

fn topic(body: &TopicBody) -> Result<&'static str, ApiError> {
    TOPICS
        .iter()
        .copied()
        .find(|t| *t == body.topic)
        .ok_or_else(|| {
            ApiError::unprocessable(
                "unknown_topic",
                "topic must be `models`, `streams` or `system`",
            )
        })
}

/// `POST /api/v1/analytics/subscribe`: push `topic` to the caller's sockets.
#[utoipa::path(post, path = "/api/v1/analytics/subscribe", tag = "realtime", security(("bearer" = [])), responses((status = 200, description = "The caller's pushed topics")))]
pub async fn subscribe(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<TopicBody>,
) -> Result<Json<Value>, ApiError> {
    let t = topic(&body)?;
    if !may_see(caller.role, t) {
        return Err(ApiError::forbidden("system analytics are for admins"));
    }
    let topics = state
        .realtime
        .analytics_subscribe(&caller.user_id.to_string(), t, true);
    Ok(Json(json!({"topics": topics})))
}

/// `POST /api/v1/analytics/unsubscribe`.
#[utoipa::path(post, path = "/api/v1/analytics/unsubscribe", tag = "realtime", security(("bearer" = [])), responses((status = 200, description = "The caller's pushed topics")))]
pub async fn unsubscribe(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<TopicBody>,
) -> Result<Json<Value>, ApiError> {
    let t = topic(&body)?;
    let topics = state
        .realtime
        .analytics_subscribe(&caller.user_id.to_string(), t, false);
    Ok(Json(json!({"topics": topics})))
}
