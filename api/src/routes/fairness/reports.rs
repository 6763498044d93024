//! Stored fairness reports: history per model (and version), one report, a comparison
//! of two, and the latest metrics of a model.

use axum::{
    extract::{Path, Query, State},
    Json,
};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use super::analyze::model_exists;
use crate::{
    cache::{CachedJson, Category, Dep},
    error::{ApiError, ApiResult},
    routes::rfc3339,
    state::AppState,
};

/// A fairness report as stored (the seed's `fairness_reports`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportView {
    /// Report id.
    pub id: String,
    /// Model, if any.
    pub model_id: Option<String>,
    /// Version RAIA ran, if any.
    pub version: Option<i64>,
    /// Dataset.
    pub dataset_id: Option<String>,
    /// Dataset file hash.
    pub dataset_hash: Option<String>,
    /// `model` or `data`.
    pub kind: String,
    /// Sensitive features.
    pub protected_attributes: Vec<String>,
    /// Every metric.
    #[schema(value_type = Object)]
    pub fairness_metrics: serde_json::Value,
    /// Whether any finding was raised.
    pub bias_detected: bool,
    /// Findings.
    #[schema(value_type = Vec<Object>)]
    pub findings: serde_json::Value,
    /// Recommendations.
    pub recommendations: Vec<String>,
    /// Bootstrap seed.
    pub seed: Option<String>,
    /// Who asked.
    pub created_by: Option<String>,
    /// When.
    pub created_at: String,
}

fn parse<T: serde::de::DeserializeOwned>(r: &sqlx::any::AnyRow, col: &str) -> ApiResult<T> {
    serde_json::from_str(&r.try_get::<String, _>(col)?).map_err(ApiError::internal)
}

fn view(r: &sqlx::any::AnyRow) -> ApiResult<ReportView> {
    Ok(ReportView {
        id: r.try_get("id")?,
        model_id: r.try_get("model_id")?,
        version: r.try_get("version")?,
        dataset_id: r.try_get("dataset_id")?,
        dataset_hash: r.try_get("dataset_hash")?,
        kind: r.try_get("kind")?,
        protected_attributes: parse(r, "protected_attributes")?,
        fairness_metrics: parse(r, "fairness_metrics")?,
        bias_detected: r.try_get::<i64, _>("bias_detected")? != 0,
        findings: parse(r, "findings")?,
        recommendations: parse(r, "recommendations")?,
        seed: r.try_get("seed")?,
        created_by: r.try_get("created_by")?,
        created_at: rfc3339(r.try_get("created_at")?),
    })
}

/// One report by id, or 404.
pub(super) async fn read_report(state: &AppState, id: &str) -> ApiResult<ReportView> {
    let r = sqlx::query("SELECT * FROM fairness_reports WHERE id = $1")
        .bind(id.to_owned())
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(|| ApiError::not_found("fairness report"))?;
    view(&r)
}

/// Filters of the history.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    /// Only this model version.
    pub version: Option<i64>,
    /// At most this many, newest first (default 50, at most 500).
    pub limit: Option<i64>,
}

/// A model's fairness reports, newest first.
#[utoipa::path(get, path = "/api/v1/fairness/reports/{modelId}", tag = "fairness",
    params(("modelId" = String, Path), HistoryQuery), security(("bearer" = [])),
    responses((status = 200, body = [ReportView]), (status = 404, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Path(model_id): Path<String>,
    Query(q): Query<HistoryQuery>,
) -> ApiResult<CachedJson> {
    let limit = match q.limit.unwrap_or(50) {
        l @ 1..=500 => l,
        _ => {
            return Err(ApiError::bad_request(
                "invalid_limit",
                "limit must be 1 to 500",
            ))
        }
    };
    let key = format!("{model_id}:{limit}:{:?}", q.version);
    let deps = [
        Dep::every("fairness_report"),
        Dep::stream("model", &model_id),
    ];
    state
        .cache
        .json(Category::FairnessReports, &key, &deps, || {
            history(&state, &model_id, limit, q.version)
        })
        .await
}

async fn history(
    state: &AppState,
    model_id: &str,
    limit: i64,
    version: Option<i64>,
) -> ApiResult<Vec<ReportView>> {
    model_exists(state, model_id).await?;
    let mut sql = String::from("SELECT * FROM fairness_reports WHERE model_id = $1");
    if version.is_some() {
        sql.push_str(" AND version = $2");
    }
    sql.push_str(&format!(" ORDER BY created_at DESC, id DESC LIMIT {limit}"));
    let mut query = sqlx::query(&sql).bind(model_id.to_owned());
    if let Some(v) = version {
        query = query.bind(v);
    }
    let rows = query.fetch_all(state.db.read()).await?;
    rows.iter().map(view).collect()
}

/// One report of a model.
#[utoipa::path(get, path = "/api/v1/fairness/reports/{modelId}/{reportId}", tag = "fairness",
    params(("modelId" = String, Path), ("reportId" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = ReportView), (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    Path((model_id, report_id)): Path<(String, String)>,
) -> ApiResult<Json<ReportView>> {
    let r = read_report(&state, &report_id).await?;
    if r.model_id.as_deref() != Some(model_id.as_str()) {
        return Err(ApiError::not_found("fairness report"));
    }
    Ok(Json(r))
}

/// The two reports to compare.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CompareQuery {
    /// The earlier (baseline) report.
    pub a: String,
    /// The later report.
    pub b: String,
}

/// One metric in both reports.
#[derive(Debug, Serialize, ToSchema)]
pub struct MetricChange {
    /// Grouping (a sensitive feature, or `intersectional`).
    pub grouping: String,
    /// Disparity name.
    pub metric: String,
    /// Value in report a.
    pub a: Option<f64>,
    /// Value in report b.
    pub b: Option<f64>,
    /// b - a.
    pub change: Option<f64>,
}

/// Two reports side by side.
#[derive(Debug, Serialize, ToSchema)]
pub struct Comparison {
    /// Report a.
    pub a: String,
    /// Report b.
    pub b: String,
    /// Bias detected in a / b.
    pub bias_detected: [bool; 2],
    /// Every disparity present in either report.
    pub metrics: Vec<MetricChange>,
    /// Findings (metric over attribute) only in a: resolved.
    pub resolved_findings: Vec<String>,
    /// Findings only in b: new.
    pub new_findings: Vec<String>,
}

fn disparities(r: &ReportView) -> Vec<(String, String, Option<f64>)> {
    let m = &r.fairness_metrics;
    let mut out = Vec::new();
    let mut add = |grouping: &str, v: &serde_json::Value| {
        if let Some(o) = v["disparities"].as_object() {
            for (k, x) in o {
                out.push((grouping.to_owned(), k.clone(), x.as_f64()));
            }
        }
    };
    if let Some(by) = m["by_attribute"].as_object() {
        for (attr, v) in by {
            add(attr, v);
        }
    }
    add("intersectional", &m["intersectional"]);
    out
}

fn finding_keys(r: &ReportView) -> Vec<String> {
    r.findings
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    format!(
                        "{} over {}",
                        f["metric"].as_str().unwrap_or_default(),
                        f["attribute"].as_str().unwrap_or_default()
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Compares two reports of one model: every disparity's change, findings resolved and new.
#[utoipa::path(get, path = "/api/v1/fairness/reports/{modelId}/compare", tag = "fairness",
    params(("modelId" = String, Path), CompareQuery), security(("bearer" = [])),
    responses((status = 200, body = Comparison), (status = 404, body = crate::error::Problem)))]
pub async fn compare(
    State(state): State<AppState>,
    Path(model_id): Path<String>,
    Query(q): Query<CompareQuery>,
) -> ApiResult<Json<Comparison>> {
    let a = read_report(&state, &q.a).await?;
    let b = read_report(&state, &q.b).await?;
    for r in [&a, &b] {
        if r.model_id.as_deref() != Some(model_id.as_str()) {
            return Err(ApiError::not_found("fairness report"));
        }
    }
    let da = disparities(&a);
    let db = disparities(&b);
    let mut metrics: Vec<MetricChange> = da
        .iter()
        .map(|(g, m, va)| {
            let vb = db
                .iter()
                .find(|(g2, m2, _)| g2 == g && m2 == m)
                .and_then(|x| x.2);
            MetricChange {
                grouping: g.clone(),
                metric: m.clone(),
                a: *va,
                b: vb,
                change: va.zip(vb).map(|(x, y)| y - x),
            }
        })
        .collect();
    for (g, m, vb) in &db {
        if !da.iter().any(|(g2, m2, _)| g2 == g && m2 == m) {
            metrics.push(MetricChange {
                grouping: g.clone(),
                metric: m.clone(),
                a: None,
                b: *vb,
                change: None,
            });
        }
    }
    let (fa, fb) = (finding_keys(&a), finding_keys(&b));
    Ok(Json(Comparison {
        bias_detected: [a.bias_detected, b.bias_detected],
        resolved_findings: fa.iter().filter(|f| !fb.contains(f)).cloned().collect(),
        new_findings: fb.iter().filter(|f| !fa.contains(f)).cloned().collect(),
        a: a.id,
        b: b.id,
        metrics,
    }))
}

/// The latest metrics of a model.
#[derive(Debug, Serialize, ToSchema)]
pub struct BiasMetrics {
    /// Report they come from.
    pub report_id: String,
    /// Version assessed.
    pub version: Option<i64>,
    /// When.
    pub created_at: String,
    /// Whether bias was detected.
    pub bias_detected: bool,
    /// The metrics.
    #[schema(value_type = Object)]
    pub metrics: serde_json::Value,
}

/// The metrics of a model's latest fairness report (optionally of one version).
#[utoipa::path(get, path = "/api/v1/bias/metrics/{modelId}", tag = "fairness",
    params(("modelId" = String, Path), HistoryQuery), security(("bearer" = [])),
    responses((status = 200, body = BiasMetrics), (status = 404, body = crate::error::Problem)))]
pub async fn bias_metrics(
    State(state): State<AppState>,
    Path(model_id): Path<String>,
    Query(q): Query<HistoryQuery>,
) -> ApiResult<Json<BiasMetrics>> {
    let list = history(&state, &model_id, 1, q.version).await?;
    let r = list.into_iter().next().ok_or_else(|| {
        ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "no_fairness_report",
            "the model has no fairness report yet; POST /api/v1/fairness/analyze/{modelId} first",
        )
    })?;
    Ok(Json(BiasMetrics {
        report_id: r.id,
        version: r.version,
        created_at: r.created_at,
        bias_detected: r.bias_detected,
        metrics: r.fairness_metrics,
    }))
}
