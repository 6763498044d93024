//! `/api/v1/data-quality`: assess, report, issues, rules; and
//! `POST /api/v1/datasets/{id}/validate`.

use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
    Json,
};
use commands::datasets::{self, quality, rules};
use domain::{
    dataset::{QualityAssessment, QualityFinding, Rule, ValidationSummary},
    ids::DatasetId,
};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use crate::{
    error::{ApiError, ApiResult},
    extract::{ApiJson, Ctx, RespondAsync},
    routes::datasets::{file_ref, heavy, live_row, load_profiled, load_table},
    routes::rfc3339,
    state::AppState,
};

fn dataset_id(id: &str) -> ApiResult<DatasetId> {
    DatasetId::parse(id).ok_or_else(|| ApiError::not_found("dataset"))
}

/// A stored assessment.
#[derive(Debug, Serialize, ToSchema)]
pub struct QualityReportView {
    /// Dataset.
    pub dataset_id: String,
    /// Score in [0, 1] (also the dataset's `quality_score`).
    pub quality_score: f64,
    /// Components and issues.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub assessment: QualityAssessment,
    /// When.
    pub assessed_at: String,
    /// By whom.
    pub assessed_by: Option<String>,
}

async fn report_of(state: &AppState, id: &str) -> ApiResult<QualityReportView> {
    live_row(state, id).await?;
    let r = sqlx::query("SELECT * FROM data_quality_reports WHERE dataset_id = $1")
        .bind(id.to_owned())
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(|| ApiError::not_found("quality report (assess the dataset first)"))?;
    let assessment: QualityAssessment =
        serde_json::from_str(&r.try_get::<String, _>("assessment")?).map_err(ApiError::internal)?;
    Ok(QualityReportView {
        dataset_id: id.to_owned(),
        quality_score: r.try_get("score")?,
        assessment,
        assessed_at: rfc3339(r.try_get("assessed_at")?),
        assessed_by: r.try_get("assessed_by")?,
    })
}

/// Assesses a dataset's quality and records `DataQualityAssessed`. Large datasets
/// (`RAIA_DATASET_JOB_CELLS`) and calls with `Prefer: respond-async` run as a job and
/// answer 202.
#[utoipa::path(post, path = "/api/v1/data-quality/assess/{id}", tag = "data-quality", params(("id" = String, Path)),
    security(("bearer" = [])), responses((status = 200, body = QualityReportView),
        (status = 202, description = "queued as a job (large dataset or Prefer: respond-async); poll Location"),
        (status = 404, body = crate::error::Problem)))]
pub async fn assess(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ctx: Ctx,
    RespondAsync(respond_async): RespondAsync,
) -> ApiResult<Response> {
    // Check what can be checked before queueing, so a bad id is a 404 now.
    let (rows, cells) = heavy::size(&live_row(&state, &id).await?)?;
    if !heavy::as_job(&state, respond_async, cells) {
        return Ok(Json(run_assessment(&state, &id, ctx.metadata, None).await?).into_response());
    }
    let (job_state, metadata) = (state.clone(), ctx.metadata.clone());
    let params = serde_json::json!({ "dataset_id": id, "rows": rows });
    let job = crate::jobs::spawn(
        &state,
        &ctx,
        "data_quality.assess",
        params,
        move |job| async move {
            let report = run_assessment(&job_state, &id, metadata, Some(job))
                .await
                .map_err(|e| e.to_string())?;
            serde_json::to_value(report).map_err(|e| e.to_string())
        },
    )
    .await?;
    Ok(crate::jobs::accepted(job))
}

async fn run_assessment(
    state: &AppState,
    id: &str,
    metadata: domain::Metadata,
    job: Option<crate::jobs::JobHandle>,
) -> ApiResult<QualityReportView> {
    let did = dataset_id(id)?;
    let r = live_row(state, id).await?;
    let (rows, _) = heavy::size(&r)?;
    // Phases: read and profile, then assess.
    let mut progress = heavy::RowProgress::start(job, rows, 2).await;
    let (table, profile) = load_profiled(state, &file_ref(&r)?, true, false).await?;
    let table = table.ok_or_else(|| ApiError::internal("table not loaded"))?;
    progress.advance(rows).await;
    let assessment = tokio::task::spawn_blocking(move || quality::assess(&table, &profile))
        .await
        .map_err(ApiError::internal)?;
    let events = datasets::assess(state.store.as_ref(), did, assessment, metadata).await?;
    state.settle(&events).await;
    progress.finish().await;
    report_of(state, id).await
}

/// The latest assessment.
#[utoipa::path(get, path = "/api/v1/data-quality/report/{id}", tag = "data-quality", params(("id" = String, Path)),
    security(("bearer" = [])), responses((status = 200, body = QualityReportView), (status = 404, body = crate::error::Problem)))]
pub async fn report(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<QualityReportView>> {
    Ok(Json(report_of(&state, &id).await?))
}

/// Issue filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct IssuesQuery {
    /// Only this severity (`info`, `warning`, `critical`).
    pub severity: Option<String>,
    /// Only this column.
    pub column: Option<String>,
}

/// The issues of the latest assessment.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuesView {
    /// Dataset.
    pub dataset_id: String,
    /// Issues, most severe first.
    #[schema(value_type = Vec<Object>)]
    pub issues: Vec<QualityFinding>,
}

/// Issues found by the latest assessment, filterable by severity and column.
#[utoipa::path(get, path = "/api/v1/data-quality/issues/{id}", tag = "data-quality", params(("id" = String, Path), IssuesQuery),
    security(("bearer" = [])), responses((status = 200, body = IssuesView), (status = 404, body = crate::error::Problem)))]
pub async fn issues(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<IssuesQuery>,
) -> ApiResult<Json<IssuesView>> {
    let r = report_of(&state, &id).await?;
    let issues = r
        .assessment
        .issues
        .into_iter()
        .filter(|i| q.severity.as_ref().is_none_or(|s| &i.severity == s))
        .filter(|i| {
            q.column
                .as_ref()
                .is_none_or(|c| i.column.as_ref() == Some(c))
        })
        .collect();
    Ok(Json(IssuesView {
        dataset_id: id,
        issues,
    }))
}

/// A rule set for a dataset.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetRules {
    /// Dataset.
    pub dataset_id: String,
    /// Rules, e.g. `{"rule": "range", "column": "age", "min": 0, "max": 120}`.
    #[schema(value_type = Vec<Object>)]
    pub rules: Vec<Rule>,
}

/// A dataset's rule set.
#[derive(Debug, Serialize, ToSchema)]
pub struct RulesView {
    /// Dataset.
    pub dataset_id: String,
    /// How many times the rule set was replaced.
    pub rules_version: i64,
    /// Rules.
    #[schema(value_type = Vec<Object>)]
    pub rules: Vec<Rule>,
}

fn columns_of(r: &sqlx::any::AnyRow) -> ApiResult<Vec<String>> {
    let schema: Vec<domain::dataset::ColumnSchema> =
        serde_json::from_str(&r.try_get::<String, _>("schema_json")?)
            .map_err(ApiError::internal)?;
    Ok(schema.into_iter().map(|c| c.name).collect())
}

/// Replaces a dataset's rule set (checked against its columns) with `DataQualityRulesSet`.
#[utoipa::path(post, path = "/api/v1/data-quality/rules", tag = "data-quality", request_body = SetRules,
    security(("bearer" = [])), responses((status = 200, body = RulesView), (status = 404, body = crate::error::Problem),
    (status = 422, body = crate::error::Problem)))]
pub async fn set_rules(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(b): ApiJson<SetRules>,
) -> ApiResult<Json<RulesView>> {
    let did = dataset_id(&b.dataset_id)?;
    let r = live_row(&state, &b.dataset_id).await?;
    let columns = columns_of(&r)?;
    let names: Vec<&str> = columns.iter().map(String::as_str).collect();
    rules::check(&b.rules, &names)
        .map_err(|e| ApiError::unprocessable("invalid_rules", e.to_string()))?;
    let events = datasets::set_rules(state.store.as_ref(), did, b.rules, ctx.metadata).await?;
    state.settle(&events).await;
    let r = live_row(&state, &b.dataset_id).await?;
    Ok(Json(RulesView {
        dataset_id: b.dataset_id,
        rules_version: r.try_get("rules_version")?,
        rules: serde_json::from_str(&r.try_get::<String, _>("rules_json")?)
            .map_err(ApiError::internal)?,
    }))
}

/// A validation's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValidationView {
    /// Dataset.
    pub dataset_id: String,
    /// Rule set version used.
    pub rules_version: i64,
    /// Whether every rule held.
    pub passed: bool,
    /// Per rule.
    #[schema(value_type = Vec<Object>)]
    pub results: Vec<rules::RuleOutcome>,
}

/// Runs the dataset's rules on its data; records `DatasetValidated`.
#[utoipa::path(post, path = "/api/v1/datasets/{id}/validate", tag = "data-quality", params(("id" = String, Path)),
    security(("bearer" = [])), responses((status = 200, body = ValidationView), (status = 404, body = crate::error::Problem),
    (status = 422, body = crate::error::Problem)))]
pub async fn validate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ctx: Ctx,
) -> ApiResult<Json<ValidationView>> {
    let did = dataset_id(&id)?;
    let r = live_row(&state, &id).await?;
    let set: Vec<Rule> =
        serde_json::from_str(&r.try_get::<String, _>("rules_json")?).map_err(ApiError::internal)?;
    let version: i64 = r.try_get("rules_version")?;
    if set.is_empty() {
        return Err(domain::dataset::DatasetError::NoRules.into());
    }
    let table = load_table(&state, &file_ref(&r)?).await?;
    let results = tokio::task::spawn_blocking(move || rules::validate(&table, &set))
        .await
        .map_err(ApiError::internal)?;
    let failed = results.iter().filter(|o| !o.passed).count() as u64;
    let summary = ValidationSummary {
        rules_version: version as u64,
        rules: results.len() as u64,
        failed,
        passed: failed == 0,
    };
    let events =
        datasets::record_validation(state.store.as_ref(), did, summary, ctx.metadata).await?;
    state.settle(&events).await;
    Ok(Json(ValidationView {
        dataset_id: id,
        rules_version: version,
        passed: failed == 0,
        results,
    }))
}
