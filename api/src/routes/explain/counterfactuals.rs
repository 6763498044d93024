//! `POST /api/v1/explainability/counterfactuals/{modelId}`: the closest changes that flip
//! a classifier's decision, respecting immutable features and ranges.

use std::collections::BTreeMap;

use analysis::{
    explain::{counterfactuals, CounterfactualOptions, ExplainError},
    inference::Task,
};
use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use ndarray::Array2;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    bad, explain_err,
    input::prepare,
    record::{finish, pinned, ExplanationView},
    Computed, Target,
};
use crate::{
    error::{ApiError, ApiResult},
    extract::{ApiJson, Ctx},
    state::AppState,
};

/// The kind recorded for counterfactual runs.
pub const KIND: &str = "counterfactuals";

/// Rows one counterfactual request may search for.
pub const MAX_CF_ROWS: usize = 100;

/// A counterfactual request.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct CounterfactualRequest {
    /// Model version, rows, background (default ranges and scales), seed.
    #[serde(flatten)]
    pub target: Target,
    /// Features that must not change.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub immutable_features: Vec<String>,
    /// Allowed `[low, high]` per feature (default: the background's min and max).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ranges: BTreeMap<String, (f64, f64)>,
    /// Counterfactuals per row (default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_counterfactuals: Option<usize>,
    /// The class (probability column) wanted (default: any other than the predicted one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_class: Option<usize>,
    /// Random candidates per row (default 2000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub candidates: Option<usize>,
}

fn argmax(r: ndarray::ArrayView1<f64>) -> usize {
    (0..r.len()).fold(0, |b, k| if r[k] > r[b] { k } else { b })
}

/// Median absolute deviation per column, falling back to the standard deviation, then 1.
fn scales(bg: ndarray::ArrayView2<f64>) -> Vec<f64> {
    bg.columns()
        .into_iter()
        .map(|c| {
            let mut v = c.to_vec();
            v.sort_by(f64::total_cmp);
            let med = v[v.len() / 2];
            let mut dev: Vec<f64> = v.iter().map(|x| (x - med).abs()).collect();
            dev.sort_by(f64::total_cmp);
            let mad = dev[dev.len() / 2];
            let mean = v.iter().sum::<f64>() / v.len() as f64;
            let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
            [mad, sd, 1.0]
                .into_iter()
                .find(|s| s.is_finite() && *s > 0.0)
                .unwrap_or(1.0)
        })
        .collect()
}

/// Runs a counterfactual request.
pub async fn compute(
    state: &AppState,
    model_id: &str,
    b: &CounterfactualRequest,
) -> ApiResult<Computed> {
    let p = prepare(state, model_id, &b.target, true).await?;
    if p.model.signature().task != Task::Classification {
        return Err(bad(
            "not_a_classifier",
            "counterfactuals flip a classifier's decision; this model is a regressor",
        ));
    }
    if p.rows.nrows() > MAX_CF_ROWS {
        return Err(bad(
            "too_many_rows",
            format!("counterfactuals are searched for at most {MAX_CF_ROWS} rows per request"),
        ));
    }
    let bg = p
        .background
        .as_ref()
        .map(|b| b.data().to_owned())
        .ok_or_else(|| ApiError::internal("the background was not loaded"))?;
    let m = p.features.len();
    let index = |name: &String| p.feature_index(name);
    let mut mutable = vec![true; m];
    for f in &b.immutable_features {
        mutable[index(f)?] = false;
    }
    let mut ranges: Vec<(f64, f64)> = bg
        .columns()
        .into_iter()
        .map(|c| {
            c.iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                })
        })
        .collect();
    for (f, r) in &b.ranges {
        let j = index(f)?;
        if !(r.0.is_finite() && r.1.is_finite() && r.0 <= r.1) {
            return Err(bad(
                "invalid_range",
                format!("range of `{f}` needs finite low <= high"),
            ));
        }
        ranges[j] = *r;
    }
    let n_classes = p
        .model
        .signature()
        .classes
        .as_ref()
        .map(|c| c.len())
        .unwrap_or(0);
    if let Some(k) = b.desired_class.filter(|&k| k >= n_classes) {
        return Err(bad(
            "invalid_class_index",
            format!("desired_class {k}: the model has {n_classes} classes"),
        ));
    }
    let n_cf = b.n_counterfactuals.unwrap_or(3);
    let candidates = b.candidates.unwrap_or(2000);
    if !(1..=20).contains(&n_cf) || !(1..=100_000).contains(&candidates) {
        return Err(bad(
            "invalid_counterfactual_options",
            "n_counterfactuals must be 1..=20 and candidates 1..=100000",
        ));
    }
    let options = CounterfactualOptions {
        n_counterfactuals: n_cf,
        candidates,
        seed: p.provenance.seed,
        ..CounterfactualOptions::default()
    };
    let scale = scales(bg.view());
    let scale_out = scale.clone();
    let model = p.model.clone();
    let rows = p.rows.clone();
    let desired = b.desired_class;
    let features = p.features.clone();
    let out = tokio::task::spawn_blocking(
        move || -> analysis::explain::Result<Vec<serde_json::Value>> {
            let probs = |x: &Array2<f64>| {
                model
                    .predict_batch(x.view())
                    .map_err(|e| ExplainError::Predictor(e.to_string()))?
                    .probabilities
                    .ok_or_else(|| {
                        ExplainError::Predictor("the model returned no probabilities".into())
                    })
            };
            let mut answers = Vec::new();
            for i in 0..rows.nrows() {
                let x = rows.row(i).to_vec();
                let original =
                    argmax(probs(&rows.slice(ndarray::s![i..=i, ..]).to_owned())?.row(0));
                let wanted = |k: usize| desired.map_or(k != original, |d| k == d);
                let accept = |c: &Array2<f64>| -> analysis::explain::Result<Vec<bool>> {
                    Ok(probs(c)?
                        .rows()
                        .into_iter()
                        .map(|r| wanted(argmax(r)))
                        .collect())
                };
                let found = counterfactuals(&x, accept, &mutable, &ranges, &scale, &options)?;
                let mut list = Vec::new();
                for cf in found {
                    let cm = Array2::from_shape_vec((1, cf.row.len()), cf.row.clone())
                        .map_err(|e| ExplainError::Numerical(e.to_string()))?;
                    let pr = probs(&cm)?;
                    let changes: serde_json::Map<String, serde_json::Value> = cf
                        .changed
                        .iter()
                        .map(|&j| {
                            (
                                features[j].clone(),
                                serde_json::json!({"from": x[j], "to": cf.row[j]}),
                            )
                        })
                        .collect();
                    list.push(serde_json::json!({
                        "row": cf.row,
                        "changes": changes,
                        "distance": cf.distance,
                        "predicted_class_index": argmax(pr.row(0)),
                        "probabilities": pr.row(0).to_vec(),
                    }));
                }
                answers.push(serde_json::json!({
                    "original_class_index": original,
                    "counterfactuals": list,
                }));
            }
            Ok(answers)
        },
    )
    .await
    .map_err(ApiError::internal)?
    .map_err(explain_err)?;
    Ok(Computed {
        results: serde_json::json!({
            "features": p.features,
            "distance": "sum over features of |change| / median absolute deviation (background)",
            "scales": scale_out,
            "rows": out,
        }),
        prepared: p.provenance,
        method: "random_sparse_bisection".into(),
    })
}

/// Diverse closest counterfactuals of rows.
#[utoipa::path(post, path = "/api/v1/explainability/counterfactuals/{id}", tag = "explainability", request_body = CounterfactualRequest,
    params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 201, body = ExplanationView), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ctx: Ctx,
    ApiJson(b): ApiJson<CounterfactualRequest>,
) -> ApiResult<(StatusCode, Json<ExplanationView>)> {
    let c = compute(&state, &id, &b).await?;
    let params = pinned(&b, &c)?;
    Ok((
        StatusCode::CREATED,
        Json(finish(&state, ctx, KIND, params, c).await?),
    ))
}
