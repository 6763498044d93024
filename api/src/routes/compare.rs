//! `POST /api/v1/models/compare`: two versions (of one model or two) on the
//! same labelled rows, with a paired significance test: McNemar for
//! classifiers, a paired bootstrap of the MAE difference for regressors.

use analysis::metrics;
use axum::{extract::State, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    error::{ApiError, ApiResult},
    extract::ApiJson,
    routes::{
        evaluate::{score, Input},
        models::parse_id,
    },
    state::AppState,
};

/// One side of a comparison.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Side {
    /// Model id.
    pub model_id: String,
    /// Version number or alias (default: deployed).
    #[schema(value_type = Option<String>)]
    pub version: Option<serde_json::Value>,
}

/// What to compare on.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompareRequest {
    /// First model/version.
    pub a: Side,
    /// Second model/version.
    pub b: Side,
    /// Feature rows (or give `dataset_id`).
    #[schema(value_type = Vec<Object>)]
    #[serde(default)]
    pub rows: Vec<serde_json::Value>,
    /// True labels or values (or under the card's target column in each row).
    #[schema(value_type = Option<Vec<Object>>)]
    pub labels: Option<Vec<serde_json::Value>>,
    /// A registered labelled dataset instead of inline rows.
    pub dataset_id: Option<String>,
    /// The dataset's label column (default: each model card's `target_column`).
    pub label_column: Option<String>,
    /// Bootstrap resamples (regression; default 2000, at most 20000).
    pub resamples: Option<usize>,
    /// Bootstrap seed (default 0).
    pub seed: Option<u64>,
    /// Confidence level (default 0.95).
    pub confidence: Option<f64>,
}

/// One side's result.
#[derive(Debug, Serialize, ToSchema)]
pub struct SideResult {
    /// Model id.
    pub model_id: String,
    /// Version scored.
    pub version: i64,
    /// Its metrics.
    #[schema(value_type = Object)]
    pub metrics: serde_json::Value,
}

/// The comparison.
#[derive(Debug, Serialize, ToSchema)]
pub struct CompareResponse {
    /// `classification` or `regression`.
    pub task: String,
    /// First side.
    pub a: SideResult,
    /// Second side.
    pub b: SideResult,
    /// `mcnemar` or `paired_bootstrap_mae`.
    pub test: String,
    /// The test's result.
    #[schema(value_type = Object)]
    pub result: serde_json::Value,
}

/// Compares two versions on the same rows.
#[utoipa::path(post, path = "/api/v1/models/compare", tag = "performance", request_body = CompareRequest,
    security(("bearer" = [])),
    responses((status = 200, body = CompareResponse), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn compare(
    State(state): State<AppState>,
    ApiJson(b): ApiJson<CompareRequest>,
) -> ApiResult<Json<CompareResponse>> {
    parse_id(&b.a.model_id)?;
    parse_id(&b.b.model_id)?;
    let resamples = b.resamples.unwrap_or(2000);
    if !(1..=20_000).contains(&resamples) {
        return Err(ApiError::unprocessable(
            "invalid_compare",
            "resamples must be 1 to 20000",
        ));
    }
    let input = || {
        Input::from_request(
            &state,
            b.rows.clone(),
            b.labels.clone(),
            b.dataset_id.as_deref(),
            b.label_column.clone(),
        )
    };
    let sa = score(&state, &b.a.model_id, b.a.version.as_ref(), input().await?).await?;
    let sb = score(&state, &b.b.model_id, b.b.version.as_ref(), input().await?).await?;
    if sa.task != sb.task {
        return Err(ApiError::unprocessable(
            "invalid_compare",
            format!(
                "cannot compare a {} model with a {} model",
                sa.task, sb.task
            ),
        ));
    }
    let invalid =
        |e: metrics::MetricsError| ApiError::unprocessable("invalid_compare", e.to_string());
    let (test, result) = match (&sa.correct, &sb.correct, &sa.values, &sb.values) {
        (Some(ca), Some(cb), _, _) => (
            "mcnemar",
            serde_json::to_value(metrics::mcnemar(ca, cb).map_err(invalid)?),
        ),
        (_, _, Some((t, pa)), Some((_, pb))) => (
            "paired_bootstrap_mae",
            serde_json::to_value(
                metrics::paired_bootstrap(
                    t,
                    pa,
                    pb,
                    metrics::mae,
                    resamples,
                    b.confidence.unwrap_or(0.95),
                    b.seed.unwrap_or(0),
                )
                .map_err(invalid)?,
            ),
        ),
        _ => return Err(ApiError::internal("scored sides without outcomes")),
    };
    Ok(Json(CompareResponse {
        task: sa.task,
        a: SideResult {
            model_id: b.a.model_id,
            version: sa.version,
            metrics: sa.metrics,
        },
        b: SideResult {
            model_id: b.b.model_id,
            version: sb.version,
            metrics: sb.metrics,
        },
        test: test.into(),
        result: result.map_err(ApiError::internal)?,
    }))
}
