//! `/api/v1/compliance`: the checklist status per model version and overall,
//! and generated reports recorded as events (who took which report, its hash).

use axum::{
    extract::{Query, State},
    http::StatusCode,
    Json,
};
use commands::{load, Batch, Until};
use domain::{
    compliance::{ComplianceCommand, ComplianceReport, ReportRecord},
    upcast::Upcasters,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use crate::{
    compliance::{status as compute, ComplianceStatus},
    error::{ApiError, ApiResult},
    extract::{ApiJson, Ctx},
    state::AppState,
};

/// Which models, and how old fairness and drift evidence may be.
#[derive(Debug, Default, Deserialize, IntoParams, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusQuery {
    /// One model (default: every model).
    pub model_id: Option<String>,
    /// Greatest allowed age of fairness and drift evidence, days (default: the
    /// server's `compliance_max_age_days`).
    pub max_age_days: Option<u32>,
}

fn max_age(state: &AppState, q: Option<u32>) -> ApiResult<u32> {
    match q.unwrap_or(state.config.compliance_max_age_days) {
        d @ 1..=3650 => Ok(d),
        _ => Err(ApiError::bad_request(
            "invalid_max_age",
            "max_age_days must be 1 to 3650",
        )),
    }
}

/// Computes the status for a query, answering 404 for an unknown model.
pub async fn status_for(state: &AppState, q: &StatusQuery) -> ApiResult<ComplianceStatus> {
    let s = compute(
        state,
        q.model_id.as_deref(),
        max_age(state, q.max_age_days)?,
    )
    .await?;
    if q.model_id.is_some() && s.models.is_empty() {
        return Err(ApiError::not_found("model"));
    }
    Ok(s)
}

/// The compliance checklist of every model version (or of one model), each item
/// met, stale or missing with the events that prove it.
#[utoipa::path(get, path = "/api/v1/compliance/status", tag = "compliance", params(StatusQuery),
    security(("bearer" = [])), responses((status = 200, body = ComplianceStatus)))]
pub async fn status(
    State(state): State<AppState>,
    Query(q): Query<StatusQuery>,
) -> ApiResult<Json<ComplianceStatus>> {
    status_for(&state, &q).await.map(Json)
}

/// A generated report and the event that records it.
#[derive(Debug, Serialize, ToSchema)]
pub struct GeneratedReport {
    /// Report id.
    pub report_id: String,
    /// SHA-256 of `report` serialized as compact JSON.
    pub sha256: String,
    /// Log position of the `ComplianceReportGenerated` event.
    pub position: i64,
    /// Its chain hash.
    pub hash: String,
    /// The report.
    pub report: ComplianceStatus,
}

/// Generates a compliance report of one model or of all and records who took it.
#[utoipa::path(post, path = "/api/v1/compliance/generate-report", tag = "compliance", request_body = StatusQuery,
    security(("bearer" = [])), responses((status = 201, body = GeneratedReport)))]
pub async fn generate_report(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(q): ApiJson<StatusQuery>,
) -> ApiResult<(StatusCode, Json<GeneratedReport>)> {
    let report = status_for(&state, &q).await?;
    let bytes = serde_json::to_vec(&report).map_err(ApiError::internal)?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let (report_id, stored) =
        record(&state, &ctx, q.model_id.clone(), sha256.clone(), &report).await?;
    let last = stored
        .last()
        .ok_or_else(|| ApiError::internal("append returned no event"))?;
    Ok((
        StatusCode::CREATED,
        Json(GeneratedReport {
            report_id,
            sha256,
            position: last.position,
            hash: last.hash.clone(),
            report,
        }),
    ))
}

/// Appends `ComplianceReportGenerated` for a report whose bytes hash to `sha256`.
pub async fn record(
    state: &AppState,
    ctx: &Ctx,
    model_id: Option<String>,
    sha256: String,
    report: &ComplianceStatus,
) -> ApiResult<(String, Vec<domain::StoredEvent>)> {
    let report_id = uuid::Uuid::now_v7().to_string();
    let loaded = load::<ComplianceReport>(
        state.store.as_ref(),
        &Upcasters::domain(),
        &report_id,
        Until::Now,
    )
    .await?;
    let mut batch = Batch::new(ctx.metadata.clone());
    batch.decide(
        &loaded,
        None,
        ComplianceCommand::Generate(ReportRecord {
            report_id: report_id.clone(),
            model_id,
            sha256,
            head_position: report.head_position,
            met: report.overall.summary.met,
            stale: report.overall.summary.stale,
            missing: report.overall.summary.missing,
        }),
    )?;
    let stored = state.store.append(batch.into_events()).await?;
    state.settle(&stored).await;
    Ok((report_id, stored))
}

/// Who may generate (and so record) a compliance report: everyone but viewers.
pub const REPORTERS: &[domain::Role] = &[
    domain::Role::Admin,
    domain::Role::Auditor,
    domain::Role::MlEngineer,
    domain::Role::DataScientist,
];
