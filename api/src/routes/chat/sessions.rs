//! A user's chat sessions: list, history, delete, clear.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use commands::{load, Batch, Until};
use domain::{
    chat::{ChatCommand, ChatMessage, ChatSession},
    ids::ChatSessionId,
    upcast::Upcasters,
};
use serde::Serialize;
use sqlx::Row;
use utoipa::ToSchema;

use super::MessageView;
use crate::{
    access::Caller,
    error::{ApiError, ApiResult},
    extract::Ctx,
    llm::providers::Message,
    routes::rfc3339,
    state::AppState,
};

/// A session as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// Id.
    pub id: String,
    /// Title (the first question).
    pub title: String,
    /// Messages.
    pub messages: i64,
    /// Started.
    pub created_at: String,
    /// Last message.
    pub updated_at: String,
}

/// The caller's session row, or 404 (also for someone else's session).
pub async fn owned(state: &AppState, caller: &Caller, id: &str) -> ApiResult<sqlx::any::AnyRow> {
    sqlx::query("SELECT * FROM chat_sessions WHERE id = $1 AND user_id = $2")
        .bind(id.to_owned())
        .bind(caller.user_id.to_string())
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(|| ApiError::not_found("chat session"))
}

/// The last `n` messages of a session, oldest first, as provider history.
pub async fn recent(state: &AppState, id: &str, n: i64) -> ApiResult<Vec<Message>> {
    let rows = sqlx::query(&format!(
        "SELECT role, content FROM chat_messages WHERE session_id = $1 ORDER BY position DESC LIMIT {n}"
    ))
    .bind(id.to_owned())
    .fetch_all(state.db.read())
    .await?;
    let mut out = rows
        .iter()
        .map(|r| {
            Ok(Message {
                role: r.try_get("role")?,
                content: r.try_get("content")?,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    out.reverse();
    Ok(out)
}

/// The caller's sessions, latest first.
#[utoipa::path(get, path = "/api/v1/chat/sessions", tag = "chat", security(("bearer" = [])),
    responses((status = 200, body = [SessionView])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<SessionView>>> {
    let rows =
        sqlx::query("SELECT * FROM chat_sessions WHERE user_id = $1 ORDER BY updated_at DESC, id")
            .bind(caller.user_id.to_string())
            .fetch_all(state.db.read())
            .await?;
    rows.iter()
        .map(|r| {
            Ok(SessionView {
                id: r.try_get("id")?,
                title: r.try_get("title")?,
                messages: r.try_get("messages")?,
                created_at: rfc3339(r.try_get("created_at")?),
                updated_at: rfc3339(r.try_get("updated_at")?),
            })
        })
        .collect::<ApiResult<Vec<_>>>()
        .map(Json)
}

/// Every message of one of the caller's sessions, oldest first.
#[utoipa::path(get, path = "/api/v1/chat/sessions/{id}/history", tag = "chat",
    params(("id" = String, Path, description = "session id")), security(("bearer" = [])),
    responses((status = 200, body = [MessageView]), (status = 404, body = crate::error::Problem)))]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<MessageView>>> {
    owned(&state, &caller, &id).await?;
    let rows = sqlx::query("SELECT * FROM chat_messages WHERE session_id = $1 ORDER BY position")
        .bind(id)
        .fetch_all(state.db.read())
        .await?;
    rows.iter()
        .map(|r| {
            let cfg: Option<String> = r.try_get("configuration_id")?;
            Ok(MessageView {
                message: ChatMessage {
                    message_id: r.try_get("message_id")?,
                    role: r.try_get("role")?,
                    content: r.try_get("content")?,
                    citations: serde_json::from_str(&r.try_get::<String, _>("citations")?)
                        .map_err(ApiError::internal)?,
                    configuration_id: cfg
                        .as_deref()
                        .and_then(domain::ids::LlmConfigurationId::parse),
                    model: r.try_get("model")?,
                    prompt_tokens: r.try_get::<i64, _>("prompt_tokens")? as u64,
                    completion_tokens: r.try_get::<i64, _>("completion_tokens")? as u64,
                    latency_ms: r.try_get::<i64, _>("latency_ms")? as u64,
                    cost_usd: r.try_get("cost_usd")?,
                },
                created_at: rfc3339(r.try_get("created_at")?),
            })
        })
        .collect::<ApiResult<Vec<_>>>()
        .map(Json)
}

async fn delete_all(
    state: &AppState,
    caller: &Caller,
    ctx: Ctx,
    ids: &[String],
) -> ApiResult<usize> {
    let mut batch = Batch::new(ctx.metadata);
    for id in ids {
        let loaded =
            load::<ChatSession>(state.store.as_ref(), &Upcasters::domain(), id, Until::Now).await?;
        batch.decide(
            &loaded,
            None,
            ChatCommand::Delete {
                user_id: caller.user_id,
            },
        )?;
    }
    if batch.is_empty() {
        return Ok(0);
    }
    let events = state.store.append(batch.into_events()).await?;
    state.settle(&events).await;
    Ok(ids.len())
}

/// Deletes one of the caller's sessions.
#[utoipa::path(delete, path = "/api/v1/chat/sessions/{id}", tag = "chat",
    params(("id" = String, Path, description = "session id")), security(("bearer" = [])),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    ChatSessionId::parse(&id).ok_or_else(|| ApiError::not_found("chat session"))?;
    owned(&state, &caller, &id).await?;
    delete_all(&state, &caller, ctx, &[id]).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How many sessions were cleared.
#[derive(Debug, Serialize, ToSchema)]
pub struct Cleared {
    /// Sessions deleted.
    pub deleted: usize,
}

/// Deletes all of the caller's sessions.
#[utoipa::path(post, path = "/api/v1/chat/clear", tag = "chat", security(("bearer" = [])),
    responses((status = 200, body = Cleared)))]
pub async fn clear(
    State(state): State<AppState>,
    caller: Caller,
    ctx: Ctx,
) -> ApiResult<Json<Cleared>> {
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM chat_sessions WHERE user_id = $1")
        .bind(caller.user_id.to_string())
        .fetch_all(state.db.read())
        .await?;
    let deleted = delete_all(&state, &caller, ctx, &ids).await?;
    Ok(Json(Cleared { deleted }))
}
