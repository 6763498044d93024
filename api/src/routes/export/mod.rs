//! `/api/v1/export`: render a report as PDF, Excel or CSV; list one's export
//! jobs; download (authorized like the data inside) and delete them.

use axum::{
    extract::{Path, Query, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use domain::{
    export::{ExportCommand, ExportContent, ExportFormat},
    Role,
};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

pub mod schedules;

use crate::{
    access::Caller,
    error::{ApiError, ApiResult},
    export::{may_read, record, start, Order, Requester},
    extract::{ApiJson, Ctx},
    routes::rfc3339,
    state::AppState,
};

/// What to export.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportBody {
    /// `model_card`, `data_quality`, `drift`, `fairness`, `explainability`,
    /// `compliance` or `audit_log`.
    #[schema(value_type = String)]
    pub content: ExportContent,
    /// The model (model_card, drift, fairness, explainability, optional for compliance), dataset
    /// (data_quality) or stream id (optional for audit_log).
    pub subject_id: Option<String>,
}

/// An export job.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportJobView {
    /// Job id.
    pub id: String,
    /// `pdf`, `excel` or `csv`.
    pub format: String,
    /// What it holds.
    pub content: String,
    /// The model, dataset or stream it is about.
    pub subject_id: Option<String>,
    /// Who asked.
    pub requested_by: String,
    /// `pending`, `completed` or `failed`.
    pub status: String,
    /// Why it failed.
    pub error: Option<String>,
    /// SHA-256 of the file.
    pub sha256: Option<String>,
    /// Size in bytes.
    pub size: Option<i64>,
    /// Suggested file name.
    pub filename: Option<String>,
    /// Downloads so far.
    pub downloads: i64,
    /// Where to download it.
    pub download_url: String,
    /// The background job rendering it (`/api/v1/jobs/{job_id}`: progress).
    pub job_id: Option<String>,
    /// The schedule that started it, for unattended runs.
    pub schedule_id: Option<String>,
    /// When it was requested.
    pub created_at: String,
}

fn view(r: &sqlx::any::AnyRow) -> ApiResult<ExportJobView> {
    let id: String = r.try_get("id")?;
    Ok(ExportJobView {
        download_url: format!("/api/v1/export/jobs/{id}/download"),
        id,
        format: r.try_get("format")?,
        content: r.try_get("content")?,
        subject_id: r.try_get("subject_id")?,
        requested_by: r.try_get("requested_by")?,
        status: r.try_get("status")?,
        error: r.try_get("error")?,
        sha256: r.try_get("sha256")?,
        size: r.try_get("size")?,
        filename: r.try_get("filename")?,
        downloads: r.try_get("downloads")?,
        job_id: r.try_get("job_id")?,
        schedule_id: r.try_get("schedule_id")?,
        created_at: rfc3339(r.try_get("created_at")?),
    })
}

async fn job(state: &AppState, id: &str) -> ApiResult<ExportJobView> {
    let r = sqlx::query("SELECT * FROM export_jobs WHERE id = $1")
        .bind(id.to_owned())
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(|| ApiError::not_found("export job"))?;
    view(&r)
}

async fn create(
    state: AppState,
    ctx: Ctx,
    caller: Caller,
    format: ExportFormat,
    b: ExportBody,
) -> ApiResult<Response> {
    let order = Order::new(format, b.content, b.subject_id);
    let id = order.export_id.clone();
    let job_id = start(&state, &ctx, &Requester::from(&caller), order).await?;
    let view = job(&state, &id).await?;
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, format!("/api/v1/jobs/{job_id}"))],
        Json(view),
    )
        .into_response())
}

/// Exports a report as PDF (title page, tables, bar charts, evidence hashes);
/// rendered by a background job (`Location` names it).
#[utoipa::path(post, path = "/api/v1/export/pdf", tag = "export", request_body = ExportBody,
    security(("bearer" = [])), responses((status = 202, body = ExportJobView)))]
pub async fn pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    ApiJson(b): ApiJson<ExportBody>,
) -> ApiResult<Response> {
    create(state, ctx, caller, ExportFormat::Pdf, b).await
}

/// Exports a report as an Excel workbook (one sheet per section, typed cells);
/// rendered by a background job.
#[utoipa::path(post, path = "/api/v1/export/excel", tag = "export", request_body = ExportBody,
    security(("bearer" = [])), responses((status = 202, body = ExportJobView)))]
pub async fn excel(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    ApiJson(b): ApiJson<ExportBody>,
) -> ApiResult<Response> {
    create(state, ctx, caller, ExportFormat::Excel, b).await
}

/// Exports a report's main table as CSV; rendered by a background job.
#[utoipa::path(post, path = "/api/v1/export/csv", tag = "export", request_body = ExportBody,
    security(("bearer" = [])), responses((status = 202, body = ExportJobView)))]
pub async fn csv(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    ApiJson(b): ApiJson<ExportBody>,
) -> ApiResult<Response> {
    create(state, ctx, caller, ExportFormat::Csv, b).await
}

/// Page size.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct JobsQuery {
    /// At most this many, newest first (default 50, at most 500).
    pub limit: Option<i64>,
}

fn sees_all(role: Role) -> bool {
    crate::access::AUDIT.contains(&role)
}

/// The caller's export jobs, newest first (admins and auditors see everyone's).
#[utoipa::path(get, path = "/api/v1/export/jobs", tag = "export", params(JobsQuery),
    security(("bearer" = [])), responses((status = 200, body = [ExportJobView])))]
pub async fn jobs(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<JobsQuery>,
) -> ApiResult<Json<Vec<ExportJobView>>> {
    let limit = match q.limit.unwrap_or(50) {
        l @ 1..=500 => l,
        _ => {
            return Err(ApiError::bad_request(
                "invalid_limit",
                "limit must be 1 to 500",
            ))
        }
    };
    let rows = if sees_all(caller.role) {
        sqlx::query(&format!(
            "SELECT * FROM export_jobs ORDER BY created_at DESC, id DESC LIMIT {limit}"
        ))
        .fetch_all(state.db.read())
        .await?
    } else {
        sqlx::query(&format!(
            "SELECT * FROM export_jobs WHERE requested_by = $1 ORDER BY created_at DESC, id DESC LIMIT {limit}"
        ))
        .bind(caller.user_id.to_string())
        .fetch_all(state.db.read())
        .await?
    };
    rows.iter()
        .map(view)
        .collect::<ApiResult<Vec<_>>>()
        .map(Json)
}

/// Looks a job up for `caller`: someone else's job is 404 unless the caller sees all.
async fn visible(state: &AppState, caller: &Caller, id: &str) -> ApiResult<ExportJobView> {
    let j = job(state, id).await?;
    if j.requested_by != caller.user_id.to_string() && !sees_all(caller.role) {
        return Err(ApiError::not_found("export job"));
    }
    Ok(j)
}

/// One export job (the caller's own, or anyone's for admins and auditors).
#[utoipa::path(get, path = "/api/v1/export/jobs/{id}", tag = "export", params(("id" = String, Path, description = "job id")),
    security(("bearer" = [])), responses((status = 200, body = ExportJobView)))]
pub async fn get_job(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ExportJobView>> {
    visible(&state, &caller, &id).await.map(Json)
}

/// Downloads an export (recorded as an event: who took what).
#[utoipa::path(get, path = "/api/v1/export/jobs/{id}/download", tag = "export", params(("id" = String, Path, description = "job id")),
    security(("bearer" = [])), responses((status = 200, description = "the file")))]
pub async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let j = visible(&state, &caller, &id).await?;
    let content: ExportContent =
        serde_json::from_value(serde_json::Value::String(j.content.clone()))
            .map_err(ApiError::internal)?;
    let format: ExportFormat = serde_json::from_value(serde_json::Value::String(j.format.clone()))
        .map_err(ApiError::internal)?;
    if !may_read(caller.role, content) {
        return Err(ApiError::forbidden("your role may not read this content"));
    }
    let (Some(sha), Some(filename)) = (j.sha256, j.filename) else {
        return Err(ApiError::conflict(
            "export_not_ready",
            format!("export job is {}", j.status),
        ));
    };
    let bytes = state.blobs.read(&sha).await.map_err(ApiError::internal)?;
    record(&state, ctx.metadata, &id, ExportCommand::RecordDownload).await?;
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Deletes an export job and its file.
#[utoipa::path(delete, path = "/api/v1/export/jobs/{id}", tag = "export", params(("id" = String, Path, description = "job id")),
    security(("bearer" = [])), responses((status = 204)))]
pub async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let j = visible(&state, &caller, &id).await?;
    if j.requested_by != caller.user_id.to_string() && caller.role != Role::Admin {
        return Err(ApiError::forbidden(
            "only the requester or an admin may delete an export",
        ));
    }
    record(&state, ctx.metadata, &id, ExportCommand::Delete).await?;
    if let Some(sha) = j.sha256 {
        // Content-addressed: keep the file while any live record (another export, a
        // dataset, a model version, a document, an explanation) holds the same bytes.
        crate::retention::blobs::release(&state, &sha).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
