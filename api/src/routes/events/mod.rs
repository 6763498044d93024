//! Events over HTTP: `POST /api/v1/events/publish` (custom application
//! events), `GET /api/v1/events/stream` (Server-Sent Events with
//! `Last-Event-ID` resume) and webhook subscriptions to topics
//! (`POST /api/v1/events/subscribe/{topic}`), delivered by [`webhooks`].

pub mod sse;
pub mod webhooks;

pub use sse::stream;

use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use domain::subscription::{valid_topic, SubscriptionError, TopicCommand, TopicError};
use serde::Deserialize;
use serde_json::{json, Value};
use sqlx::Row;

use crate::{
    error::{ApiError, ApiResult},
    extract::{ApiJson, Ctx},
    routes::rfc3339,
    state::AppState,
};

/// Largest `data` object a published event may carry, bytes.
pub const MAX_DATA_BYTES: usize = 64 * 1024;

impl From<TopicError> for ApiError {
    fn from(e: TopicError) -> Self {
        Self::unprocessable("invalid_event", e.to_string())
    }
}

impl From<SubscriptionError> for ApiError {
    fn from(e: SubscriptionError) -> Self {
        match e {
            SubscriptionError::AlreadyExists => {
                Self::conflict("subscription_exists", e.to_string())
            }
            SubscriptionError::NotFound => Self::not_found("subscription"),
            SubscriptionError::Invalid(_) => {
                Self::unprocessable("invalid_subscription", e.to_string())
            }
        }
    }
}

/// Body of `POST /api/v1/events/publish`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Publish {
    /// Application topic (letters, digits, `_`, `.`, `-`).
    pub topic: String,
    /// Event name, e.g. `InvoicePaid`.
    pub event_type: String,
    /// JSON object, at most 64 KiB.
    pub data: Value,
}

/// Records a custom application event with the caller as actor.
#[utoipa::path(post, path = "/api/v1/events/publish", tag = "realtime", security(("bearer" = [])), responses((status = 201, description = "Recorded")))]
pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(b): ApiJson<Publish>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    if !valid_topic(&b.topic) {
        return Err(ApiError::unprocessable(
            "invalid_topic",
            "topic: 1 to 128 of letters, digits, `_`, `.`, `-`",
        ));
    }
    if b.data.to_string().len() > MAX_DATA_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "event_too_large",
            "data must be at most 64 KiB",
        ));
    }
    let events = commands::streams::topics::publish(
        state.store.as_ref(),
        &b.topic,
        TopicCommand {
            name: b.event_type,
            data: b.data,
        },
        ctx.metadata,
    )
    .await?;
    state.settle(&events).await;
    let e = events
        .first()
        .ok_or_else(|| ApiError::internal("nothing appended"))?;
    Ok((
        StatusCode::CREATED,
        Json(
            json!({"position": e.position, "event_id": e.event_id, "topic": e.stream_id, "version": e.stream_version}),
        ),
    ))
}

/// Body of `POST /api/v1/events/subscribe/{topic}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subscribe {
    /// Where to POST each event.
    pub url: String,
}

/// Subscribes a webhook to a topic: a stream type (`model`), a stream type and
/// event type (`model.ModelRegistered`), or an application topic. Answers
/// with the signing secret, shown once.
#[utoipa::path(post, path = "/api/v1/events/subscribe/{topic}", tag = "realtime", security(("bearer" = [])), params(("topic" = String, Path, description = "stream type, stream_type.EventType, or application topic")), responses((status = 201, description = "The subscription, with its signing secret (shown once)")))]
pub async fn subscribe(
    State(state): State<AppState>,
    Path(topic): Path<String>,
    ctx: Ctx,
    ApiJson(b): ApiJson<Subscribe>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let role = ctx.caller.as_ref().map_or(domain::Role::Viewer, |c| c.role);
    let st = topic.split('.').next().unwrap_or("");
    let known = domain::registry::STREAM_TYPES.contains(&st)
        || crate::feed::rbac::GOVERNANCE.contains(&st)
        || crate::feed::rbac::WORK.contains(&st)
        || [
            "notification",
            "llm_configuration",
            "chat_session",
            "export_job",
        ]
        .contains(&st);
    if known && !crate::feed::rbac::may_read(role, st) {
        return Err(ApiError::forbidden("your role may not read this topic"));
    }
    let (id, secret, events) = commands::streams::topics::subscribe(
        state.store.as_ref(),
        &state.cipher,
        topic.clone(),
        b.url.clone(),
        ctx.metadata,
    )
    .await
    .map_err(|e| match e {
        commands::streams::topics::SubscribeError::Command(c) => ApiError::from(c),
        commands::streams::topics::SubscribeError::Cipher(c) => ApiError::internal(c),
    })?;
    state.settle(&events).await;
    Ok((
        StatusCode::CREATED,
        Json(
            json!({"id": id, "topic": topic, "url": b.url, "secret": secret,
            "signature": "X-RAIA-Signature: sha256=<hex HMAC-SHA256(secret, body)>"}),
        ),
    ))
}

/// `DELETE /api/v1/events/subscriptions/{id}`.
#[utoipa::path(delete, path = "/api/v1/events/subscriptions/{id}", tag = "realtime", security(("bearer" = [])), params(("id" = String, Path, description = "id")), responses((status = 204, description = "Cancelled")))]
pub async fn unsubscribe(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ctx: Ctx,
) -> ApiResult<StatusCode> {
    let events =
        commands::streams::topics::unsubscribe(state.store.as_ref(), &id, ctx.metadata).await?;
    state.settle(&events).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/events/subscriptions`: subscriptions with delivery counts.
#[utoipa::path(get, path = "/api/v1/events/subscriptions", tag = "realtime", security(("bearer" = [])), responses((status = 200, description = "Subscriptions with delivery counts")))]
pub async fn subscriptions(State(state): State<AppState>) -> ApiResult<Json<Vec<Value>>> {
    let rows = sqlx::query(
        "SELECT s.id, s.topic, s.url, s.active, s.created_at, c.position, \
         (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.subscription_id = s.id AND d.status = 'delivered'), \
         (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.subscription_id = s.id AND d.status = 'dead') \
         FROM webhook_subscriptions s LEFT JOIN webhook_cursors c ON c.subscription_id = s.id ORDER BY s.created_at, s.id",
    )
    .fetch_all(state.db.read())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(json!({
                "id": r.try_get::<String, _>(0)?,
                "topic": r.try_get::<String, _>(1)?,
                "url": r.try_get::<String, _>(2)?,
                "active": r.try_get::<i64, _>(3)? != 0,
                "created_at": rfc3339(r.try_get(4)?),
                "cursor": r.try_get::<Option<i64>, _>(5)?,
                "delivered": r.try_get::<i64, _>(6)?,
                "dead_letters": r.try_get::<i64, _>(7)?,
            }))
        })
        .collect::<ApiResult<Vec<_>>>()
        .map(Json)
}

/// `GET /api/v1/events/subscriptions/{id}/deliveries`: the delivery log, newest first.
#[utoipa::path(get, path = "/api/v1/events/subscriptions/{id}/deliveries", tag = "realtime", security(("bearer" = [])), params(("id" = String, Path, description = "id")), responses((status = 200, description = "Delivery log, newest first")))]
pub async fn deliveries(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<Value>>> {
    let rows = sqlx::query(
        "SELECT position, attempt, status, http_status, error, at FROM webhook_deliveries \
         WHERE subscription_id = $1 ORDER BY at DESC, position DESC, attempt DESC LIMIT 500",
    )
    .bind(id)
    .fetch_all(state.db.read())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(json!({
                "position": r.try_get::<i64, _>(0)?,
                "attempt": r.try_get::<i64, _>(1)?,
                "status": r.try_get::<String, _>(2)?,
                "http_status": r.try_get::<Option<i64>, _>(3)?,
                "error": r.try_get::<Option<String>, _>(4)?,
                "at": rfc3339(r.try_get(5)?),
            }))
        })
        .collect::<ApiResult<Vec<_>>>()
        .map(Json)
}
