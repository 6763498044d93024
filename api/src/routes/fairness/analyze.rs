//! `POST /api/v1/fairness/analyze/{modelId}` and `POST /api/v1/fairness/detect-bias`:
//! compute the metrics and findings, record `FairnessAssessed`, answer the report.

use std::collections::BTreeMap;

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use domain::fairness::Assessment;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{
    data_bias, findings,
    input::{self, Rows, Source},
    job,
    metrics::{self, MetricOptions},
    reports::{read_report, ReportView},
};
use crate::{
    error::{ApiError, ApiResult},
    extract::{ApiJson, Ctx, RespondAsync},
    jobs::JobHandle,
    routes::models::parse_id,
    state::AppState,
};

/// An analysis of a model version (or of predictions a dataset holds).
#[derive(Debug, Deserialize, ToSchema)]
pub struct AnalyzeRequest {
    /// Rows, labels, predictions and groups.
    #[serde(flatten)]
    pub source: Source,
    /// Metric settings.
    #[serde(flatten)]
    pub options: MetricOptions,
    /// Thresholds per metric (defaults: |difference| 0.1, ratios 0.8).
    #[serde(default)]
    pub thresholds: BTreeMap<String, f64>,
}

/// A bias check: model-level when predictions exist, always data-level.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DetectBiasRequest {
    /// Model the report is filed under (needed to run a version).
    pub model_id: Option<String>,
    /// The rest, as for an analysis.
    #[serde(flatten)]
    pub analyze: AnalyzeRequest,
}

pub(super) async fn model_exists(state: &AppState, id: &str) -> ApiResult<()> {
    parse_id(id)?;
    sqlx::query("SELECT 1 FROM models WHERE id = $1")
        .bind(id.to_owned())
        .fetch_optional(state.db.read())
        .await?
        .map(|_| ())
        .ok_or_else(|| ApiError::not_found("model"))
}

/// Metrics, findings and recommendations of loaded rows.
fn compute(
    rows: &Rows,
    options: &MetricOptions,
    thresholds: &BTreeMap<String, f64>,
) -> ApiResult<(
    serde_json::Value,
    Vec<domain::fairness::Finding>,
    Vec<String>,
)> {
    let t = findings::thresholds(thresholds)?;
    let mut all_findings = Vec::new();
    let mut small = Vec::new();
    let mut metrics_json = serde_json::Map::new();
    if rows.y_true.is_some() && rows.y_pred.is_some() {
        let (all, groupings) = metrics::all(rows, options)?;
        for g in &groupings {
            all_findings.extend(findings::model_findings(g, &t));
            small.extend(g.report.warnings.iter().map(|w| {
                format!(
                    "{} ({} rows)",
                    analysis::fairness::key_label(&w.key),
                    w.count
                )
            }));
        }
        if let Some(first) = groupings.first() {
            metrics_json.insert(
                "overall".into(),
                serde_json::to_value(&first.report.frame.overall).map_err(ApiError::internal)?,
            );
        }
        metrics_json.insert(
            "by_attribute".into(),
            serde_json::Value::Object(all.by_attribute),
        );
        if let Some(i) = all.intersectional {
            metrics_json.insert("intersectional".into(), i);
        }
    }
    let (data, data_findings) = data_bias::assess(rows, thresholds)?;
    all_findings.extend(data_findings);
    metrics_json.insert(
        "data".into(),
        serde_json::to_value(data).map_err(ApiError::internal)?,
    );
    metrics_json.insert(
        "thresholds".into(),
        serde_json::to_value(&t).map_err(ApiError::internal)?,
    );
    small.sort();
    small.dedup();
    let recs = findings::recommendations(&all_findings, &small);
    Ok((serde_json::Value::Object(metrics_json), all_findings, recs))
}

/// Runs an assessment now (201 with the report) or, for large data or on request, as a
/// job (202).
async fn assess(
    state: AppState,
    ctx: Ctx,
    model_id: Option<String>,
    b: AnalyzeRequest,
    need_predictions: bool,
    respond_async: bool,
) -> ApiResult<Response> {
    if let Some(m) = &model_id {
        model_exists(&state, m).await?;
    }
    if !job::wanted(&state, &b.source.dataset_id, respond_async).await? {
        let view = assess_now(&state, ctx, model_id, b, need_predictions, None).await?;
        return Ok((StatusCode::CREATED, Json(view)).into_response());
    }
    let params = serde_json::json!({
        "model_id": model_id, "dataset_id": b.source.dataset_id,
        "sensitive_features": b.source.sensitive_features,
    });
    let job_state = state.clone();
    let job_ctx = ctx.clone();
    job::queue(
        &state,
        &ctx,
        "fairness.analyze",
        params,
        move |job| async move {
            assess_now(
                &job_state,
                job_ctx,
                model_id,
                b,
                need_predictions,
                Some(&job),
            )
            .await
        },
    )
    .await
}

/// Loads, computes and records; answers the stored report.
async fn assess_now(
    state: &AppState,
    ctx: Ctx,
    model_id: Option<String>,
    b: AnalyzeRequest,
    need_predictions: bool,
    progress: Option<&JobHandle>,
) -> ApiResult<ReportView> {
    let rows = input::load(state, model_id.as_deref(), &b.source, need_predictions).await?;
    job::phase(progress, 1).await;
    let (options, thresholds) = (b.options.clone(), b.thresholds.clone());
    let (rows, (metrics, found, recs)) = tokio::task::spawn_blocking(move || {
        let out = compute(&rows, &options, &thresholds);
        out.map(|o| (rows, o))
    })
    .await
    .map_err(ApiError::internal)??;
    job::phase(progress, 2).await;
    let kind = if rows.y_pred.is_some() {
        "model"
    } else {
        "data"
    };
    let assessment = Assessment {
        model_id,
        version: rows.version,
        dataset_id: Some(b.source.dataset_id.clone()),
        dataset_hash: Some(rows.dataset_hash.clone()),
        kind: kind.to_owned(),
        protected_attributes: b.source.sensitive_features.clone(),
        metrics,
        bias_detected: !found.is_empty(),
        findings: found,
        recommendations: recs,
        seed: b.options.bootstrap.map(|o| o.seed.unwrap_or(0)),
        actor: ctx
            .metadata
            .actor_id
            .clone()
            .unwrap_or_else(|| "system".into()),
    };
    let (id, events) =
        commands::fairness::assess(state.store.as_ref(), assessment, ctx.metadata).await?;
    state.settle(&events).await;
    read_report(state, &id.to_string()).await
}

/// Assesses a model version (RAIA predicts the dataset) or the predictions a dataset
/// holds; records `FairnessAssessed`.
#[utoipa::path(post, path = "/api/v1/fairness/analyze/{modelId}", tag = "fairness", request_body = AnalyzeRequest,
    params(("modelId" = String, Path)), security(("bearer" = [])),
    responses((status = 201, body = ReportView),
        (status = 202, description = "queued as a job (large dataset, or Prefer: respond-async); poll Location"),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn analyze(
    State(state): State<AppState>,
    Path(model_id): Path<String>,
    ctx: Ctx,
    RespondAsync(respond_async): RespondAsync,
    ApiJson(b): ApiJson<AnalyzeRequest>,
) -> ApiResult<Response> {
    assess(state, ctx, Some(model_id), b, true, respond_async).await
}

/// Bias detection with thresholds per metric: model-level findings when predictions
/// exist (a version or a prediction column), data-level findings always.
#[utoipa::path(post, path = "/api/v1/fairness/detect-bias", tag = "fairness", request_body = DetectBiasRequest,
    security(("bearer" = [])),
    responses((status = 201, body = ReportView),
        (status = 202, description = "queued as a job (large dataset, or Prefer: respond-async); poll Location"),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn detect_bias(
    State(state): State<AppState>,
    ctx: Ctx,
    RespondAsync(respond_async): RespondAsync,
    ApiJson(b): ApiJson<DetectBiasRequest>,
) -> ApiResult<Response> {
    if b.model_id.is_none() && b.analyze.source.version.is_some() {
        return Err(ApiError::unprocessable(
            "model_required",
            "`version` needs `model_id`",
        ));
    }
    assess(state, ctx, b.model_id, b.analyze, false, respond_async).await
}
