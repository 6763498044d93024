//! `/api/v1/jobs`: the status, progress and result of background work, and
//! cancelling it. A caller sees their own jobs; admins and auditors see all.

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    Json,
};
use domain::{ids::JobId, job::JobCommand, Role};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use crate::{
    error::{ApiError, ApiResult},
    extract::Ctx,
    routes::rfc3339,
    state::AppState,
};

/// A job as shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobView {
    /// Job id.
    pub id: String,
    /// Kind of work.
    pub kind: String,
    /// `queued`, `running`, `succeeded`, `failed` or `cancelled`.
    pub status: String,
    /// Parameters as submitted.
    #[schema(value_type = Object)]
    pub params: serde_json::Value,
    /// Units done.
    pub done: i64,
    /// Units in all (0 = not yet known).
    pub total: i64,
    /// `done / total` when known.
    pub fraction: Option<f64>,
    /// Whether a cancel was requested.
    pub cancel_requested: bool,
    /// The result, once succeeded.
    #[schema(value_type = Option<Object>)]
    pub result: Option<serde_json::Value>,
    /// The error, once failed.
    pub error: Option<String>,
    /// Who submitted it.
    pub submitted_by: Option<String>,
    /// When submitted.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
    /// When it ended.
    pub finished_at: Option<String>,
}

fn view(r: &sqlx::any::AnyRow) -> ApiResult<JobView> {
    let done: i64 = r.try_get("done")?;
    let total: i64 = r.try_get("total")?;
    let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    Ok(JobView {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        status: r.try_get("status")?,
        params: json(Some(r.try_get("params")?)).unwrap_or_default(),
        done,
        total,
        fraction: (total > 0).then(|| done as f64 / total as f64),
        cancel_requested: r.try_get::<i64, _>("cancel_requested")? != 0,
        result: json(r.try_get("result")?),
        error: r.try_get("error")?,
        submitted_by: r.try_get("submitted_by")?,
        created_at: rfc3339(r.try_get("created_at")?),
        updated_at: rfc3339(r.try_get("updated_at")?),
        finished_at: r.try_get::<Option<i64>, _>("finished_at")?.map(rfc3339),
    })
}

fn sees_all(ctx: &Ctx) -> bool {
    ctx.caller
        .as_ref()
        .is_some_and(|c| matches!(c.role, Role::Admin | Role::Auditor))
}

fn caller_id(ctx: &Ctx) -> ApiResult<String> {
    ctx.caller
        .as_ref()
        .map(|c| c.user_id.to_string())
        .ok_or_else(|| ApiError::forbidden("sign in to see jobs"))
}

/// Filters for the job list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct JobQuery {
    /// Only this status.
    pub status: Option<String>,
    /// Only this kind.
    pub kind: Option<String>,
    /// At most this many, newest first (default 50, at most 500).
    pub limit: Option<i64>,
}

/// Jobs the caller may see, newest first.
#[utoipa::path(get, path = "/api/v1/jobs", tag = "jobs", params(JobQuery), security(("bearer" = [])),
    responses((status = 200, body = [JobView])))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<JobQuery>,
) -> ApiResult<Json<Vec<JobView>>> {
    let limit = match q.limit.unwrap_or(50) {
        l @ 1..=500 => l,
        _ => {
            return Err(ApiError::bad_request(
                "invalid_limit",
                "limit must be 1 to 500",
            ))
        }
    };
    let owner = if sees_all(&ctx) {
        None
    } else {
        Some(caller_id(&ctx)?)
    };
    let rows = sqlx::query(
        "SELECT * FROM jobs WHERE ($1 IS NULL OR submitted_by = $1) AND ($2 IS NULL OR status = $2) \
         AND ($3 IS NULL OR kind = $3) ORDER BY created_at DESC, id DESC LIMIT $4",
    )
    .bind(owner)
    .bind(q.status)
    .bind(q.kind)
    .bind(limit)
    .fetch_all(state.db.read())
    .await?;
    Ok(Json(rows.iter().map(view).collect::<ApiResult<_>>()?))
}

async fn visible(state: &AppState, ctx: &Ctx, id: &str) -> ApiResult<sqlx::any::AnyRow> {
    let row = sqlx::query("SELECT * FROM jobs WHERE id = $1")
        .bind(id)
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(|| ApiError::not_found("job"))?;
    let mine = row.try_get::<Option<String>, _>("submitted_by")? == Some(caller_id(ctx)?);
    if mine || sees_all(ctx) {
        Ok(row)
    } else {
        // Another user's job is not acknowledged to exist.
        Err(ApiError::not_found("job"))
    }
}

/// One job with its progress and, once finished, its result or error.
#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "jobs", security(("bearer" = [])),
    responses((status = 200, body = JobView), (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<JobView>> {
    Ok(Json(view(&visible(&state, &ctx, &id).await?)?))
}

/// Asks a job to stop; it ends `cancelled` at its next check.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/cancel", tag = "jobs", security(("bearer" = [])),
    responses((status = 202, body = JobView), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
pub async fn cancel(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<JobView>)> {
    let row = visible(&state, &ctx, &id).await?;
    let mine = row.try_get::<Option<String>, _>("submitted_by")? == Some(caller_id(&ctx)?);
    let admin = ctx.caller.as_ref().is_some_and(|c| c.role == Role::Admin);
    if !mine && !admin {
        return Err(ApiError::forbidden(
            "only the submitter or an admin may cancel a job",
        ));
    }
    let job_id = JobId::parse(&id).ok_or_else(|| ApiError::not_found("job"))?;
    let events = commands::jobs::run(
        state.store.as_ref(),
        job_id,
        JobCommand::RequestCancel,
        ctx.metadata.clone(),
    )
    .await?;
    state.settle(&events).await;
    crate::jobs::signal_cancel(job_id);
    // A job still waiting for a slot ends here; a running one at its next check.
    let loaded = commands::jobs::state(state.store.as_ref(), job_id).await?;
    if loaded.state.status == domain::job::JobStatus::Queued {
        let events = commands::jobs::run(
            state.store.as_ref(),
            job_id,
            JobCommand::Cancelled,
            ctx.metadata.clone(),
        )
        .await?;
        state.settle(&events).await;
    }
    let row = visible(&state, &ctx, &id).await?;
    Ok((StatusCode::ACCEPTED, Json(view(&row)?)))
}
