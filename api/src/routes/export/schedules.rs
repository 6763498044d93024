//! `/api/v1/export/schedules`: exports run unattended at each occurrence of a
//! cron expression; create, list and delete, each an event.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use domain::{
    export::{
        schedule::{ExportSchedule, ScheduleCommand, ScheduleSpec},
        ExportContent, ExportFormat,
    },
    Role,
};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use crate::{
    access::Caller,
    error::{ApiError, ApiResult},
    export::{content, may_read, schedule},
    extract::{ApiJson, Ctx},
    routes::rfc3339,
    state::AppState,
};

/// A schedule to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleBody {
    /// A name for people (1 to 200 characters).
    pub name: String,
    /// Cron expression in UTC: 5 fields (`0 6 * * MON`), or 6 with seconds first.
    pub cron: String,
    /// `pdf`, `excel` or `csv`.
    #[schema(value_type = String)]
    pub format: ExportFormat,
    /// What to export (as for `POST /api/v1/export/pdf`).
    #[schema(value_type = String)]
    pub content: ExportContent,
    /// The model, dataset or stream it is about.
    pub subject_id: Option<String>,
}

/// An export schedule.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Cron expression (UTC).
    pub cron: String,
    /// Format.
    pub format: String,
    /// Content.
    pub content: String,
    /// Subject.
    pub subject_id: Option<String>,
    /// Owner (the exports are theirs).
    pub owner: String,
    /// Runs so far.
    pub runs: i64,
    /// The occurrence last run.
    pub last_run_at: Option<String>,
    /// The export the last run started.
    pub last_export_id: Option<String>,
    /// The next occurrence.
    pub next_run_at: Option<String>,
    /// When it was created.
    pub created_at: String,
}

fn view(r: &sqlx::any::AnyRow) -> ApiResult<ScheduleView> {
    let cron: String = r.try_get("cron")?;
    let last: Option<i64> = r.try_get("last_due_at")?;
    let after = last.unwrap_or(r.try_get("starts_after")?);
    Ok(ScheduleView {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        next_run_at: schedule::parse(&cron)
            .ok()
            .and_then(|c| schedule::next_after(&c, after))
            .map(rfc3339),
        cron,
        format: r.try_get("format")?,
        content: r.try_get("content")?,
        subject_id: r.try_get("subject_id")?,
        owner: r.try_get("owner")?,
        runs: r.try_get("runs")?,
        last_run_at: last.map(rfc3339),
        last_export_id: r.try_get("last_export_id")?,
        created_at: rfc3339(r.try_get("created_at")?),
    })
}

async fn one(state: &AppState, id: &str) -> ApiResult<ScheduleView> {
    let r = sqlx::query("SELECT * FROM export_schedules WHERE id = $1")
        .bind(id.to_owned())
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(|| ApiError::not_found("export schedule"))?;
    view(&r)
}

fn sees_all(role: Role) -> bool {
    crate::access::AUDIT.contains(&role)
}

/// Creates a schedule; its first run is the first occurrence after now.
#[utoipa::path(post, path = "/api/v1/export/schedules", tag = "export", request_body = ScheduleBody,
    security(("bearer" = [])), responses((status = 201, body = ScheduleView)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    ApiJson(b): ApiJson<ScheduleBody>,
) -> ApiResult<(StatusCode, Json<ScheduleView>)> {
    let name = b.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::bad_request(
            "invalid_name",
            "name must be 1 to 200 characters",
        ));
    }
    schedule::parse(&b.cron)?;
    if !may_read(caller.role, b.content) {
        return Err(ApiError::forbidden("your role may not read this content"));
    }
    // The content must build now (subject present and existing), or the
    // schedule would only ever fail.
    content::build(&state, b.content, b.subject_id.as_deref()).await?;
    let id = uuid::Uuid::now_v7().to_string();
    let spec = ScheduleSpec {
        name,
        cron: b.cron.trim().to_owned(),
        format: b.format,
        content: b.content,
        subject_id: b.subject_id,
        owner: caller.user_id.to_string(),
        starts_after: state.clock.now_micros(),
    };
    let stored = commands::handle::create::<ExportSchedule>(
        state.store.as_ref(),
        &id,
        ScheduleCommand::Create(spec),
        ctx.metadata,
    )
    .await?;
    state.settle(&stored).await;
    Ok((StatusCode::CREATED, Json(one(&state, &id).await?)))
}

/// The caller's schedules (admins and auditors see everyone's).
#[utoipa::path(get, path = "/api/v1/export/schedules", tag = "export",
    security(("bearer" = [])), responses((status = 200, body = [ScheduleView])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<ScheduleView>>> {
    let rows = if sees_all(caller.role) {
        sqlx::query("SELECT * FROM export_schedules ORDER BY created_at DESC, id DESC")
            .fetch_all(state.db.read())
            .await?
    } else {
        sqlx::query(
            "SELECT * FROM export_schedules WHERE owner = $1 ORDER BY created_at DESC, id DESC",
        )
        .bind(caller.user_id.to_string())
        .fetch_all(state.db.read())
        .await?
    };
    rows.iter()
        .map(view)
        .collect::<ApiResult<Vec<_>>>()
        .map(Json)
}

/// Deletes a schedule (its owner or an admin); no further runs.
#[utoipa::path(delete, path = "/api/v1/export/schedules/{id}", tag = "export",
    params(("id" = String, Path, description = "schedule id")),
    security(("bearer" = [])), responses((status = 204)))]
pub async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let s = one(&state, &id).await?;
    let mine = s.owner == caller.user_id.to_string();
    if !mine && !sees_all(caller.role) {
        return Err(ApiError::not_found("export schedule"));
    }
    if !mine && caller.role != Role::Admin {
        return Err(ApiError::forbidden(
            "only the owner or an admin may delete a schedule",
        ));
    }
    let loaded = commands::load::<ExportSchedule>(
        state.store.as_ref(),
        &domain::upcast::Upcasters::domain(),
        &id,
        commands::Until::Now,
    )
    .await?;
    let mut batch = commands::Batch::new(ctx.metadata);
    batch.decide(&loaded, None, ScheduleCommand::Delete)?;
    let stored = state.store.append(batch.into_events()).await?;
    state.settle(&stored).await;
    Ok(StatusCode::NO_CONTENT)
}
