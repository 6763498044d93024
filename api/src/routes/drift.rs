//! `/api/v1/drift`: compare two datasets column by column (Evidently's rules),
//! record `DriftDetected` (and `DriftAlertRaised`), list reports and alerts.

use std::collections::BTreeMap;

use analysis::{
    drift::{detect_all, ColumnSpec, StatTest, DEFAULT_DRIFT_SHARE},
    profile::{Column, ColumnData, Table},
};
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use domain::{
    drift::{ColumnDriftResult, DriftFindings},
    ids::DatasetId,
};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use crate::{
    error::{ApiError, ApiResult},
    extract::{ApiJson, Ctx, RespondAsync},
    routes::datasets::{file_ref, heavy, live_row, load_table},
    routes::{fairness::input::numbers, rfc3339},
    state::AppState,
};

/// What to compare.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DetectDrift {
    /// Reference (training) dataset.
    pub reference_dataset_id: Option<String>,
    /// Current (production) dataset.
    pub current_dataset_id: String,
    /// Model the report is filed under (any string id).
    pub model_id: Option<String>,
    /// Columns to compare (default: every column both datasets have).
    pub columns: Option<Vec<String>>,
    /// `numerical` or `categorical` per column (default: numeric dtype = numerical).
    #[serde(default)]
    pub column_kinds: BTreeMap<String, String>,
    /// Test per column: ks, chisquare, z, wasserstein, psi, jensenshannon, kl_div, hellinger.
    #[serde(default)]
    pub tests: BTreeMap<String, String>,
    /// Threshold per column.
    #[serde(default)]
    pub thresholds: BTreeMap<String, f64>,
    /// Share of drifted columns at or above which the dataset drifted (default 0.5).
    pub drift_share: Option<f64>,
}

/// A drift report as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct DriftReportView {
    /// Report id.
    pub id: String,
    /// Findings.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub findings: DriftFindings,
    /// When.
    pub created_at: String,
}

fn bad(detail: impl Into<String>) -> ApiError {
    ApiError::unprocessable("invalid_drift_request", detail)
}

/// Reference and current labels of one categorical column.
type LabelPair<'a> = (Vec<Option<&'a str>>, Vec<Option<&'a str>>);

enum Prepared {
    Num(Vec<f64>, Vec<f64>),
    Cat(Vec<Option<String>>, Vec<Option<String>>),
}

fn labels(c: &Column) -> Vec<Option<String>> {
    (0..c.len())
        .map(|r| {
            if c.missing[r] {
                return None;
            }
            Some(match &c.data {
                ColumnData::Int64(v) => v[r].to_string(),
                ColumnData::Float64(v) => v[r].to_string(),
                ColumnData::Bool(v) => if v[r] { "True" } else { "False" }.to_owned(),
                ColumnData::Object(s) => s.get(r).unwrap_or_default().to_owned(),
            })
        })
        .collect()
}

pub(crate) fn compute(
    b: &DetectDrift,
    reference: &Table,
    current: &Table,
) -> ApiResult<(Vec<ColumnDriftResult>, u64, f64, f64, bool)> {
    let columns: Vec<String> = match &b.columns {
        Some(c) => c.clone(),
        None => reference
            .columns
            .iter()
            .filter(|c| current.column(&c.name).is_some())
            .map(|c| c.name.clone())
            .collect(),
    };
    if columns.is_empty() {
        return Err(bad("the datasets have no column in common"));
    }
    for name in b
        .column_kinds
        .keys()
        .chain(b.tests.keys())
        .chain(b.thresholds.keys())
    {
        if !columns.contains(name) {
            return Err(bad(format!("`{name}` is not a compared column")));
        }
    }
    let mut prepared = Vec::new();
    for name in &columns {
        let (Some(r), Some(c)) = (reference.column(name), current.column(name)) else {
            return Err(bad(format!("column `{name}` is not in both datasets")));
        };
        let numerical = match b.column_kinds.get(name).map(String::as_str) {
            Some("numerical") => true,
            Some("categorical") => false,
            Some(k) => return Err(bad(format!("unknown column kind `{k}`"))),
            None => r.dtype.is_numeric() && c.dtype.is_numeric(),
        };
        prepared.push(if numerical {
            Prepared::Num(numbers(r), numbers(c))
        } else {
            Prepared::Cat(labels(r), labels(c))
        });
    }
    let cat_refs: Vec<LabelPair<'_>> = prepared
        .iter()
        .map(|p| match p {
            Prepared::Cat(r, c) => (
                r.iter().map(|x| x.as_deref()).collect(),
                c.iter().map(|x| x.as_deref()).collect(),
            ),
            Prepared::Num(..) => (Vec::new(), Vec::new()),
        })
        .collect();
    let mut specs = Vec::new();
    for ((name, p), (cr, cc)) in columns.iter().zip(&prepared).zip(&cat_refs) {
        let mut spec = match p {
            Prepared::Num(r, c) => ColumnSpec::numerical(name, r, c),
            Prepared::Cat(..) => ColumnSpec::categorical(name, cr, cc),
        };
        if let Some(t) = b.tests.get(name) {
            spec = spec.with_test(t.parse::<StatTest>().map_err(bad)?);
        }
        if let Some(t) = b.thresholds.get(name) {
            spec = spec.with_threshold(*t);
        }
        specs.push(spec);
    }
    let share = b.drift_share.unwrap_or(DEFAULT_DRIFT_SHARE);
    if !(share > 0.0 && share <= 1.0) {
        return Err(bad("drift_share must be in (0, 1]"));
    }
    let report = detect_all(&specs, share)?;
    let finite = |x: f64| x.is_finite().then_some(x);
    let results = report
        .columns
        .iter()
        .map(|d| ColumnDriftResult {
            column: d.column.clone(),
            kind: d.kind.to_string(),
            test: d.test.name().to_owned(),
            statistic: finite(d.statistic),
            p_value: d.p_value.and_then(finite),
            score: finite(d.score),
            threshold: d.threshold,
            drift_detected: d.drift_detected,
        })
        .collect();
    let ds = report.dataset;
    Ok((
        results,
        ds.number_of_drifted_columns as u64,
        ds.share_of_drifted_columns,
        share,
        ds.dataset_drift,
    ))
}

/// The training dataset named on a model's card (the default drift reference).
async fn training_dataset(state: &AppState, model_id: &str) -> ApiResult<String> {
    let card: Option<String> = sqlx::query_scalar("SELECT card FROM models WHERE id = $1")
        .bind(model_id.to_owned())
        .fetch_optional(state.db.read())
        .await?;
    let card = card.ok_or_else(|| ApiError::not_found("model"))?;
    let card: serde_json::Value = serde_json::from_str(&card).map_err(ApiError::internal)?;
    card["training_dataset_id"]
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| bad("the model's card names no training dataset; give reference_dataset_id"))
}

/// Compares a current dataset with a reference; records `DriftDetected`, and
/// `DriftAlertRaised` when the share of drifted columns reaches `drift_share`. Large
/// pairs (`RAIA_DATASET_JOB_CELLS`, both datasets' cells) and calls with
/// `Prefer: respond-async` run as a job and answer 202.
#[utoipa::path(post, path = "/api/v1/drift/detect", tag = "drift", request_body = DetectDrift, security(("bearer" = [])),
    responses((status = 201, body = DriftReportView),
        (status = 202, description = "queued as a job (large datasets or Prefer: respond-async); poll Location"),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn detect(
    State(state): State<AppState>,
    ctx: Ctx,
    RespondAsync(respond_async): RespondAsync,
    ApiJson(b): ApiJson<DetectDrift>,
) -> ApiResult<Response> {
    let (reference_id, rid, cid) = resolve(&state, &b).await?;
    let (ref_rows, ref_cells) = heavy::size(&live_row(&state, &reference_id).await?)?;
    let (cur_rows, cur_cells) = heavy::size(&live_row(&state, &b.current_dataset_id).await?)?;
    if !heavy::as_job(&state, respond_async, ref_cells.saturating_add(cur_cells)) {
        let view = run_detect(&state, ctx.metadata, b, &reference_id, rid, cid, None).await?;
        return Ok((StatusCode::CREATED, Json(view)).into_response());
    }
    let (job_state, metadata) = (state.clone(), ctx.metadata.clone());
    let params = serde_json::json!({
        "reference_dataset_id": reference_id,
        "current_dataset_id": b.current_dataset_id,
        "model_id": b.model_id,
        "rows": ref_rows + cur_rows,
    });
    let job = crate::jobs::spawn(
        &state,
        &ctx,
        "drift.detect",
        params,
        move |job| async move {
            let view = run_detect(&job_state, metadata, b, &reference_id, rid, cid, Some(job))
                .await
                .map_err(|e| e.to_string())?;
            serde_json::to_value(view).map_err(|e| e.to_string())
        },
    )
    .await?;
    Ok(crate::jobs::accepted(job))
}

/// The reference dataset (given, or the model card's training dataset) and both
/// ids, checked to name live datasets.
async fn resolve(state: &AppState, b: &DetectDrift) -> ApiResult<(String, DatasetId, DatasetId)> {
    let reference_id =
        match (&b.reference_dataset_id, &b.model_id) {
            (Some(r), _) => r.clone(),
            (None, Some(m)) => training_dataset(state, m).await?,
            (None, None) => return Err(bad(
                "give reference_dataset_id, or a model_id whose card names its training dataset",
            )),
        };
    let (rid, cid) = match (
        DatasetId::parse(&reference_id),
        DatasetId::parse(&b.current_dataset_id),
    ) {
        (Some(r), Some(c)) => (r, c),
        _ => return Err(ApiError::not_found("dataset")),
    };
    live_row(state, &reference_id).await?;
    live_row(state, &b.current_dataset_id).await?;
    Ok((reference_id, rid, cid))
}

async fn run_detect(
    state: &AppState,
    metadata: domain::Metadata,
    b: DetectDrift,
    reference_id: &str,
    rid: DatasetId,
    cid: DatasetId,
    job: Option<crate::jobs::JobHandle>,
) -> ApiResult<DriftReportView> {
    let (ref_row, cur_row) = (
        live_row(state, reference_id).await?,
        live_row(state, &b.current_dataset_id).await?,
    );
    let (ref_rows, cur_rows) = (heavy::size(&ref_row)?.0, heavy::size(&cur_row)?.0);
    // Phases: read both tables, then test every column.
    let mut progress = heavy::RowProgress::start(job, ref_rows + cur_rows, 2).await;
    let reference = load_table(state, &file_ref(&ref_row)?).await?;
    progress.advance(ref_rows).await;
    let current = load_table(state, &file_ref(&cur_row)?).await?;
    progress.advance(cur_rows).await;
    let model_id = b.model_id.clone();
    let (columns, drifted, share_of, share, dataset_drift) =
        tokio::task::spawn_blocking(move || compute(&b, &reference, &current))
            .await
            .map_err(ApiError::internal)??;
    let findings = DriftFindings {
        model_id,
        reference_dataset_id: rid,
        current_dataset_id: cid,
        columns,
        drifted_columns: drifted,
        share_of_drifted_columns: share_of,
        drift_share: share,
        dataset_drift,
    };
    let (id, events) = commands::drift::record(state.store.as_ref(), findings, metadata).await?;
    state.settle(&events).await;
    progress.finish().await;
    let r = sqlx::query("SELECT * FROM drift_reports WHERE id = $1")
        .bind(id.to_string())
        .fetch_one(state.db.read())
        .await?;
    report_view(&r)
}

fn report_view(r: &sqlx::any::AnyRow) -> ApiResult<DriftReportView> {
    Ok(DriftReportView {
        id: r.try_get("id")?,
        findings: serde_json::from_str(&r.try_get::<String, _>("findings")?)
            .map_err(ApiError::internal)?,
        created_at: rfc3339(r.try_get("created_at")?),
    })
}

/// Page size for report and alert lists.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    /// At most this many, newest first (default 50, at most 500).
    pub limit: Option<i64>,
}

fn limit(q: &Limit) -> ApiResult<i64> {
    match q.limit.unwrap_or(50) {
        l @ 1..=500 => Ok(l),
        _ => Err(ApiError::bad_request(
            "invalid_limit",
            "limit must be 1 to 500",
        )),
    }
}

/// Drift reports filed under a model id, newest first.
#[utoipa::path(get, path = "/api/v1/drift/reports/{id}", tag = "drift", params(("id" = String, Path, description = "model id"), Limit),
    security(("bearer" = [])), responses((status = 200, body = [DriftReportView])))]
pub async fn reports(
    State(state): State<AppState>,
    Path(model_id): Path<String>,
    Query(q): Query<Limit>,
) -> ApiResult<Json<Vec<DriftReportView>>> {
    let rows = sqlx::query(&format!(
        "SELECT * FROM drift_reports WHERE model_id = $1 ORDER BY created_at DESC, id DESC LIMIT {}",
        limit(&q)?
    ))
    .bind(model_id)
    .fetch_all(state.db.read())
    .await?;
    rows.iter()
        .map(report_view)
        .collect::<ApiResult<Vec<_>>>()
        .map(Json)
}

/// One alert.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertView {
    /// The report that raised it.
    pub report_id: String,
    /// Model, if any.
    pub model_id: Option<String>,
    /// Drifted columns.
    pub drifted_columns: Vec<String>,
    /// Their share.
    pub share_of_drifted_columns: f64,
    /// When.
    pub created_at: String,
}

/// Drift alerts, newest first.
#[utoipa::path(get, path = "/api/v1/drift/alerts", tag = "drift", params(Limit), security(("bearer" = [])),
    responses((status = 200, body = [AlertView])))]
pub async fn alerts(
    State(state): State<AppState>,
    Query(q): Query<Limit>,
) -> ApiResult<Json<Vec<AlertView>>> {
    let rows = sqlx::query(&format!(
        "SELECT * FROM drift_alerts ORDER BY created_at DESC, report_id DESC LIMIT {}",
        limit(&q)?
    ))
    .fetch_all(state.db.read())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AlertView {
                report_id: r.try_get("report_id")?,
                model_id: r.try_get("model_id")?,
                drifted_columns: serde_json::from_str(&r.try_get::<String, _>("drifted_columns")?)
                    .map_err(ApiError::internal)?,
                share_of_drifted_columns: r.try_get("share")?,
                created_at: rfc3339(r.try_get("created_at")?),
            })
        })
        .collect::<ApiResult<Vec<_>>>()
        .map(Json)
}
