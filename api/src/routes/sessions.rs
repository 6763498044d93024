//! `/api/v1/auth`: refresh, logout, sessions, change-password.

use crate::routes::rfc3339;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use commands::sessions;
use domain::user::RevokeReason;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use crate::{
    access::Caller,
    error::{ApiError, ApiResult},
    extract::{ApiJson, Ctx},
    routes::auth::TokenResponse,
    state::AppState,
};

/// A refresh request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from login or the previous refresh.
    pub refresh_token: String,
}

/// Exchanges a refresh token for a new pair; the old refresh token stops working,
/// and presenting it again revokes the session (stolen-token defence).
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = crate::error::Problem)))]
pub async fn refresh(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(b): ApiJson<RefreshRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let ttl = state.config.refresh_token_ttl_secs * 1_000_000;
    let r = match sessions::refresh(state.store.as_ref(), &b.refresh_token, ttl, ctx.metadata).await
    {
        Ok(r) => r,
        Err(e) => {
            // The reuse is recorded; let the read models see the revocation before answering.
            state.runner.sync().await.ok();
            return Err(e.into());
        }
    };
    state.settle(&r.events).await;
    let access_token = state
        .tokens
        .issue(r.user_id, r.role, &r.session_id)
        .map_err(ApiError::internal)?;
    Ok(Json(TokenResponse {
        access_token,
        refresh_token: r.refresh_token,
        token_type: "Bearer".into(),
        expires_in: state.tokens.ttl_secs(),
    }))
}

/// Ends the caller's session: its access and refresh tokens stop working.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])), responses((status = 204)))]
pub async fn logout(
    State(state): State<AppState>,
    caller: Caller,
    ctx: Ctx,
) -> ApiResult<StatusCode> {
    let events = sessions::end_session(
        state.store.as_ref(),
        caller.user_id,
        &caller.session_id,
        RevokeReason::Logout,
        ctx.metadata,
    )
    .await?;
    state.settle(&events).await;
    Ok(StatusCode::NO_CONTENT)
}

/// One of the caller's sessions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// Session id.
    pub id: String,
    /// How it was opened.
    pub method: String,
    /// Client address at login.
    pub client_ip: Option<String>,
    /// Client at login.
    pub user_agent: Option<String>,
    /// Opened (RFC 3339).
    pub created_at: String,
    /// Last refresh (RFC 3339).
    pub last_refreshed_at: Option<String>,
    /// Refresh expiry (RFC 3339).
    pub expires_at: String,
    /// Ended (RFC 3339).
    pub revoked_at: Option<String>,
    /// Why it ended.
    pub revoke_reason: Option<String>,
    /// Whether this is the session of the token making the call.
    pub current: bool,
}

/// Lists the caller's sessions, newest first.
#[utoipa::path(get, path = "/api/v1/auth/sessions", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = [SessionView])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<SessionView>>> {
    let rows = sqlx::query(
        "SELECT session_id, method, client_ip, user_agent, created_at, last_refreshed_at, expires_at, revoked_at, revoke_reason \
         FROM sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 200",
    )
    .bind(caller.user_id.to_string())
    .fetch_all(state.db.read())
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let id: String = r.try_get(0)?;
        out.push(SessionView {
            current: id == caller.session_id,
            id,
            method: r.try_get(1)?,
            client_ip: r.try_get(2)?,
            user_agent: r.try_get(3)?,
            created_at: rfc3339(r.try_get(4)?),
            last_refreshed_at: r.try_get::<Option<i64>, _>(5)?.map(rfc3339),
            expires_at: rfc3339(r.try_get(6)?),
            revoked_at: r.try_get::<Option<i64>, _>(7)?.map(rfc3339),
            revoke_reason: r.try_get(8)?,
        });
    }
    Ok(Json(out))
}

/// Ends one of the caller's sessions.
#[utoipa::path(delete, path = "/api/v1/auth/sessions/{id}", tag = "auth", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn end(
    State(state): State<AppState>,
    caller: Caller,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let events = sessions::end_session(
        state.store.as_ref(),
        caller.user_id,
        &id,
        RevokeReason::Logout,
        ctx.metadata,
    )
    .await?;
    state.settle(&events).await;
    Ok(StatusCode::NO_CONTENT)
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    /// The password now.
    pub current_password: String,
    /// The new password (at least 12 characters).
    pub new_password: String,
}

/// Changes the caller's password; every other session ends.
#[utoipa::path(put, path = "/api/v1/auth/change-password", tag = "auth", request_body = ChangePassword, security(("bearer" = [])),
    responses((status = 204), (status = 401, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    ctx: Ctx,
    ApiJson(b): ApiJson<ChangePassword>,
) -> ApiResult<StatusCode> {
    let events = sessions::change_password(
        state.store.as_ref(),
        &state.cipher,
        state.config.password,
        caller.user_id,
        &b.current_password,
        &b.new_password,
        &caller.session_id,
        ctx.metadata,
    )
    .await?;
    state.settle(&events).await;
    Ok(StatusCode::NO_CONTENT)
}
