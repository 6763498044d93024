//! `/api/v1/users`: the admin's view and controls over accounts.

use crate::routes::rfc3339;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    Json,
};
use commands::sessions;
use domain::{
    ids::{Email, UserId},
    sealed::Sealed,
    user::{RevokeReason, UserCommand},
    Role,
};
use serde::{Deserialize, Serialize};
use sqlx::{any::AnyRow, Row};
use utoipa::{IntoParams, ToSchema};

use crate::{
    error::{ApiError, ApiResult},
    extract::{ApiJson, Ctx},
    pagination::{self, Page, PageQuery},
    state::AppState,
};

/// A user as an admin sees it (personal fields decrypted; `[erased]` once erased).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    /// Id.
    pub id: String,
    /// Address.
    pub email: String,
    /// Display name.
    pub display_name: Option<String>,
    /// Role.
    pub role: String,
    /// Whether it may log in.
    pub is_active: bool,
    /// Last login (RFC 3339).
    pub last_login: Option<String>,
    /// Logins so far.
    pub login_count: i64,
    /// Created (RFC 3339).
    pub created_at: String,
}

/// Filters for the user list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UserQuery {
    /// Page size.
    pub limit: Option<i64>,
    /// Cursor.
    pub cursor: Option<String>,
    /// Only this role.
    pub role: Option<String>,
    /// Only active (`true`) or deactivated (`false`) users.
    pub active: Option<bool>,
    /// Exactly this e-mail address (addresses are stored sealed, so no partial match).
    pub email: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Cursor {
    c: i64,
    i: String,
}

async fn view(state: &AppState, r: &AnyRow) -> ApiResult<UserView> {
    let id: String = r.try_get("id")?;
    let open = |s: Option<String>| {
        let (cipher, id) = (state.cipher.clone(), id.clone());
        async move {
            match s {
                Some(s) => Ok::<_, ApiError>(Some(
                    cipher
                        .open(&id, &Sealed::from_ciphertext(s))
                        .await
                        .map_err(ApiError::internal)?
                        .unwrap_or_else(|| "[erased]".into()),
                )),
                None => Ok(None),
            }
        }
    };
    Ok(UserView {
        email: open(Some(r.try_get("email_sealed")?))
            .await?
            .unwrap_or_default(),
        display_name: open(r.try_get("display_name_sealed")?).await?,
        role: r.try_get("role")?,
        is_active: r.try_get::<i64, _>("is_active")? != 0,
        last_login: r.try_get::<Option<i64>, _>("last_login")?.map(rfc3339),
        login_count: r.try_get("login_count")?,
        created_at: rfc3339(r.try_get("created_at")?),
        id,
    })
}

/// Lists users, oldest first.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UserQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<UserView>)))]
pub async fn list(
    State(state): State<AppState>,
    Query(q): Query<UserQuery>,
) -> ApiResult<Json<Page<UserView>>> {
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor.clone(),
    };
    let limit = page.limit()?;
    let cursor: Option<Cursor> = page.cursor()?;
    let mut conds = Vec::new();
    let mut texts = Vec::new();
    if let Some(r) = &q.role {
        texts.push(r.clone());
        conds.push(format!("role = ${}", texts.len()));
    }
    if let Some(e) = &q.email {
        let e = Email::parse(e)
            .map_err(|_| ApiError::bad_request("invalid_email", "email must be an address"))?;
        texts.push(state.cipher.lookup(e.as_str()));
        conds.push(format!("email_lookup = ${}", texts.len()));
    }
    if let Some(a) = q.active {
        conds.push(format!("is_active = {}", i64::from(a)));
    }
    let n = texts.len();
    if cursor.is_some() {
        conds.push(format!(
            "(created_at > ${} OR (created_at = ${} AND id > ${}))",
            n + 1,
            n + 1,
            n + 2
        ));
    }
    let mut sql = String::from("SELECT * FROM users");
    if !conds.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&conds.join(" AND "));
    }
    sql.push_str(&format!(" ORDER BY created_at, id LIMIT {}", limit + 1));
    let mut query = sqlx::query(&sql);
    for t in texts {
        query = query.bind(t);
    }
    if let Some(c) = &cursor {
        query = query.bind(c.c).bind(c.i.clone());
    }
    let rows = query.fetch_all(state.db.read()).await?;
    let more = rows.len() as i64 > limit;
    let mut items = Vec::new();
    let mut last = None;
    for r in rows.iter().take(limit as usize) {
        last = Some(Cursor {
            c: r.try_get("created_at")?,
            i: r.try_get("id")?,
        });
        items.push(view(&state, r).await?);
    }
    Ok(Json(Page {
        items,
        next_cursor: if more {
            last.as_ref().map(pagination::encode)
        } else {
            None
        },
    }))
}

fn user_id(id: &str) -> ApiResult<UserId> {
    UserId::parse(id).ok_or_else(|| ApiError::not_found("user"))
}

/// A role change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    /// The new role.
    #[schema(value_type = String)]
    pub role: Role,
}

/// Changes a user's role (effective on their next request).
#[utoipa::path(put, path = "/api/v1/users/{id}/role", tag = "users", params(("id" = String, Path)), request_body = RoleChange,
    security(("bearer" = [])), responses((status = 204), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn change_role(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<RoleChange>,
) -> ApiResult<StatusCode> {
    admin(&state, ctx, &id, UserCommand::ChangeRole { role: b.role }).await
}

async fn admin(state: &AppState, ctx: Ctx, id: &str, cmd: UserCommand) -> ApiResult<StatusCode> {
    let events =
        sessions::administer(state.store.as_ref(), user_id(id)?, cmd, ctx.metadata).await?;
    state.settle(&events).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Blocks a user's logins and ends every session at once.
#[utoipa::path(post, path = "/api/v1/users/{id}/deactivate", tag = "users", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn deactivate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    admin(&state, ctx, &id, UserCommand::Deactivate).await
}

/// Lets a deactivated user log in again.
#[utoipa::path(post, path = "/api/v1/users/{id}/reactivate", tag = "users", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn reactivate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    admin(&state, ctx, &id, UserCommand::Reactivate).await
}

/// Ends every session of a user (force logout).
#[utoipa::path(post, path = "/api/v1/users/{id}/logout", tag = "users", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn force_logout(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let events = sessions::end_all(
        state.store.as_ref(),
        user_id(&id)?,
        RevokeReason::Admin,
        ctx.metadata,
    )
    .await?;
    state.settle(&events).await;
    Ok(StatusCode::NO_CONTENT)
}
