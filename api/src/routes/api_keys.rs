//! `/api/v1/auth/api-keys`: keys for machine clients (admins only). The key is
//! shown once, at creation.

use crate::routes::rfc3339;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use domain::{api_key::ApiKeyCommand, ids::UserId, Role};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use crate::{
    access::Caller,
    error::{ApiError, ApiResult},
    extract::{ApiJson, Ctx},
    state::AppState,
};

impl From<domain::api_key::ApiKeyError> for ApiError {
    fn from(e: domain::api_key::ApiKeyError) -> Self {
        use domain::api_key::ApiKeyError::*;
        match e {
            AlreadyExists => Self::conflict("api_key_exists", e.to_string()),
            NotFound => Self::not_found("API key"),
            Revoked => Self::conflict("api_key_revoked", e.to_string()),
        }
    }
}

/// A new key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKey {
    /// Label (what uses it).
    pub name: String,
    /// Role the key acts with.
    #[schema(value_type = String)]
    pub role: Role,
    /// The account it belongs to (a service account); default: the caller.
    pub owner_id: Option<String>,
    /// Lifetime in days; none = until revoked.
    pub expires_in_days: Option<u32>,
}

/// A key as listed (never the secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyInfo {
    /// Key id.
    pub id: String,
    /// Label.
    pub name: String,
    /// Role.
    pub role: String,
    /// Owner account.
    pub owner_id: String,
    /// Who created it.
    pub created_by: Option<String>,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Expiry (RFC 3339).
    pub expires_at: Option<String>,
    /// Revoked (RFC 3339).
    pub revoked_at: Option<String>,
    /// Last recorded use, to the minute (RFC 3339).
    pub last_used_at: Option<String>,
}

/// A created key: the only time the secret is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedKey {
    /// The key's details.
    #[serde(flatten)]
    pub info: KeyInfo,
    /// Use as `Authorization: Bearer <key>`; store it now, it is not shown again.
    pub key: String,
}

async fn info(state: &AppState, id: &str) -> ApiResult<KeyInfo> {
    let r = sqlx::query(
        "SELECT key_id, name, role, owner_id, created_by, created_at, expires_at, revoked_at, last_used_at \
         FROM api_keys WHERE key_id = $1",
    )
    .bind(id.to_owned())
    .fetch_optional(state.db.read())
    .await?
    .ok_or_else(|| ApiError::not_found("API key"))?;
    row_info(&r)
}

fn row_info(r: &sqlx::any::AnyRow) -> ApiResult<KeyInfo> {
    Ok(KeyInfo {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        role: r.try_get(2)?,
        owner_id: r.try_get(3)?,
        created_by: r.try_get(4)?,
        created_at: rfc3339(r.try_get(5)?),
        expires_at: r.try_get::<Option<i64>, _>(6)?.map(rfc3339),
        revoked_at: r.try_get::<Option<i64>, _>(7)?.map(rfc3339),
        last_used_at: r.try_get::<Option<i64>, _>(8)?.map(rfc3339),
    })
}

/// Creates a key; the answer holds the key, once.
#[utoipa::path(post, path = "/api/v1/auth/api-keys", tag = "auth", request_body = CreateKey,
    security(("bearer" = [])),
    responses((status = 201, body = CreatedKey), (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ctx: Ctx,
    ApiJson(b): ApiJson<CreateKey>,
) -> ApiResult<(StatusCode, Json<CreatedKey>)> {
    let name = b.name.trim().to_owned();
    if name.is_empty() || name.len() > 200 {
        return Err(ApiError::unprocessable(
            "invalid_name",
            "name must have 1 to 200 characters",
        ));
    }
    let owner = match &b.owner_id {
        Some(o) => UserId::parse(o)
            .ok_or_else(|| ApiError::unprocessable("invalid_owner", "owner_id is not a user id"))?,
        None => caller.user_id,
    };
    let active: Option<i64> = sqlx::query("SELECT is_active FROM users WHERE id = $1")
        .bind(owner.to_string())
        .fetch_optional(state.db.read())
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
    if active != Some(1) {
        return Err(ApiError::unprocessable(
            "invalid_owner",
            "owner_id must name an active user",
        ));
    }
    let expires_at = b
        .expires_in_days
        .map(|d| commands::sql_now() + i64::from(d) * 86_400 * 1_000_000);
    let created = commands::api_keys::create(
        state.store.as_ref(),
        owner,
        name,
        b.role,
        expires_at,
        ctx.metadata,
    )
    .await?;
    state.settle(&created.events).await;
    Ok((
        StatusCode::CREATED,
        Json(CreatedKey {
            info: info(&state, &created.key_id).await?,
            key: created.key,
        }),
    ))
}

/// Lists every key (never the secrets).
#[utoipa::path(get, path = "/api/v1/auth/api-keys", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = [KeyInfo])))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<KeyInfo>>> {
    let rows = sqlx::query(
        "SELECT key_id, name, role, owner_id, created_by, created_at, expires_at, revoked_at, last_used_at \
         FROM api_keys ORDER BY created_at, key_id",
    )
    .fetch_all(state.db.read())
    .await?;
    Ok(Json(rows.iter().map(row_info).collect::<ApiResult<_>>()?))
}

/// Revokes a key at once.
#[utoipa::path(delete, path = "/api/v1/auth/api-keys/{id}", tag = "auth", security(("bearer" = [])),
    params(("id" = String, Path, description = "key id")),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ctx: Ctx,
) -> ApiResult<StatusCode> {
    let events = commands::api_keys::command(
        state.store.as_ref(),
        &id,
        ApiKeyCommand::Revoke,
        ctx.metadata,
    )
    .await?;
    state.settle(&events).await;
    Ok(StatusCode::NO_CONTENT)
}
