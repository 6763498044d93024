//! `/api/v1/notifications`: the caller's in-app notifications; mark read
//! (one or all) and delete, each an event on the notification's stream.

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    Json,
};
use commands::{load, Batch, Until};
use domain::{
    notification::{Notification, NotificationCommand},
    upcast::Upcasters,
};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

pub mod preferences;

use crate::{
    access::Caller,
    error::{ApiError, ApiResult},
    extract::Ctx,
    notify::execute,
    routes::rfc3339,
    state::AppState,
};

/// One notification.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationView {
    /// Id.
    pub id: String,
    /// Kind (drift_alert, bias_found, version_awaiting_approval, evaluation_finished, export_ready, security_event).
    pub kind: String,
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// Where to look.
    pub link: String,
    /// Log position of the event that caused it.
    pub source_position: i64,
    /// Whether it was read.
    pub read: bool,
    /// When.
    pub created_at: String,
}

/// The caller's notifications.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationList {
    /// Newest first.
    pub items: Vec<NotificationView>,
    /// Unread in total.
    pub unread: i64,
}

/// Filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only unread ones.
    #[serde(default)]
    pub unread_only: bool,
    /// At most this many (default 50, at most 500).
    pub limit: Option<i64>,
}

fn view(r: &sqlx::any::AnyRow) -> ApiResult<NotificationView> {
    Ok(NotificationView {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        link: r.try_get("link")?,
        source_position: r.try_get("source_position")?,
        read: r.try_get::<i64, _>("is_read")? != 0,
        created_at: rfc3339(r.try_get("created_at")?),
    })
}

/// The caller's notifications, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", params(ListQuery),
    security(("bearer" = [])), responses((status = 200, body = NotificationList)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<NotificationList>> {
    let limit = match q.limit.unwrap_or(50) {
        l @ 1..=500 => l,
        _ => {
            return Err(ApiError::bad_request(
                "invalid_limit",
                "limit must be 1 to 500",
            ))
        }
    };
    let me = caller.user_id.to_string();
    let filter = if q.unread_only {
        " AND is_read = 0"
    } else {
        ""
    };
    let rows = sqlx::query(&format!(
        "SELECT * FROM notifications WHERE recipient_user_id = $1{filter} ORDER BY created_at DESC, id DESC LIMIT {limit}"
    ))
    .bind(me.clone())
    .fetch_all(state.db.read())
    .await?;
    let unread: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM notifications WHERE recipient_user_id = $1 AND is_read = 0",
    )
    .bind(me)
    .fetch_one(state.db.read())
    .await?
    .try_get("n")?;
    Ok(Json(NotificationList {
        items: rows.iter().map(view).collect::<ApiResult<_>>()?,
        unread,
    }))
}

/// The caller's own notification `id` (someone else's is 404).
async fn own(state: &AppState, caller: &Caller, id: &str) -> ApiResult<()> {
    let n: Option<String> =
        sqlx::query("SELECT recipient_user_id FROM notifications WHERE id = $1")
            .bind(id.to_owned())
            .fetch_optional(state.db.read())
            .await?
            .map(|r| r.try_get("recipient_user_id"))
            .transpose()?;
    match n {
        Some(r) if r == caller.user_id.to_string() => Ok(()),
        _ => Err(ApiError::not_found("notification")),
    }
}

/// Marks one notification read.
#[utoipa::path(post, path = "/api/v1/notifications/mark-read/{id}", tag = "notifications", params(("id" = String, Path, description = "notification id")),
    security(("bearer" = [])), responses((status = 204)))]
pub async fn mark_read(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    own(&state, &caller, &id).await?;
    execute(&state, ctx.metadata, &id, NotificationCommand::MarkRead).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes one notification.
#[utoipa::path(delete, path = "/api/v1/notifications/{id}", tag = "notifications", params(("id" = String, Path, description = "notification id")),
    security(("bearer" = [])), responses((status = 204)))]
pub async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    own(&state, &caller, &id).await?;
    execute(&state, ctx.metadata, &id, NotificationCommand::Delete).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How many were marked.
#[derive(Debug, Serialize, ToSchema)]
pub struct Marked {
    /// Notifications marked read.
    pub marked: usize,
}

/// Marks every unread notification of the caller read, in one append.
#[utoipa::path(post, path = "/api/v1/notifications/mark-all-read", tag = "notifications",
    security(("bearer" = [])), responses((status = 200, body = Marked)))]
pub async fn mark_all_read(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
) -> ApiResult<Json<Marked>> {
    let ids: Vec<String> = sqlx::query(
        "SELECT id FROM notifications WHERE recipient_user_id = $1 AND is_read = 0 ORDER BY id",
    )
    .bind(caller.user_id.to_string())
    .fetch_all(state.db.read())
    .await?
    .iter()
    .map(|r| r.try_get("id"))
    .collect::<Result<_, _>>()?;
    let mut batch = Batch::new(ctx.metadata);
    for id in &ids {
        let loaded =
            load::<Notification>(state.store.as_ref(), &Upcasters::domain(), id, Until::Now)
                .await?;
        batch.decide(&loaded, None, NotificationCommand::MarkRead)?;
    }
    if !batch.is_empty() {
        let stored = state.store.append(batch.into_events()).await?;
        state.settle(&stored).await;
    }
    Ok(Json(Marked { marked: ids.len() }))
}
