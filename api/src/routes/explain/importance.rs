//! `/api/v1/explainability/feature-importance/{modelId}`: global importance as mean |SHAP|
//! over rows, or scikit-learn's permutation importance against labels.

use analysis::{
    explain::{permutation_importance, ExplainError},
    inference::Task,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    bad, explain_err,
    input::{dataset_labels, prepare, Prepared},
    model_fn::Output,
    shap::{explain_rows, ShapOptions},
    Computed, Target, MAX_EVALUATIONS,
};
use crate::{
    error::{ApiError, ApiResult},
    state::AppState,
};

/// The kind recorded for importance runs.
pub const KIND: &str = "feature_importance";

/// A global importance request.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ImportanceRequest {
    /// Model version, rows, background, output, seed.
    #[serde(flatten)]
    pub target: Target,
    /// `mean_abs_shap` (default) or `permutation`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub importance: Option<String>,
    /// SHAP method and options (mean |SHAP|).
    #[serde(flatten)]
    pub shap: ShapOptions,
    /// Permutation: the label column of `dataset_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_column: Option<String>,
    /// Permutation: `accuracy` (classifiers' default), `roc_auc`, `r2` (regressors'
    /// default), `neg_mean_squared_error` or `neg_mean_absolute_error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scoring: Option<String>,
    /// Permutation: shuffles per feature (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_repeats: Option<usize>,
}

fn ranked(features: &[String], values: &[f64]) -> Vec<serde_json::Value> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
    order
        .into_iter()
        .map(|j| serde_json::json!({"feature": features[j], "importance": values[j]}))
        .collect()
}

/// A scorer over the model's predictions of a batch.
fn score(
    p: &Prepared,
    scoring: &str,
    labels: &[String],
    values: &[f64],
    x: ndarray::ArrayView2<f64>,
) -> analysis::explain::Result<f64> {
    let fail = |e: analysis::inference::InferenceError| ExplainError::Predictor(e.to_string());
    let pred = p.model.predict_batch(x).map_err(fail)?;
    let n = x.nrows() as f64;
    match scoring {
        "accuracy" | "roc_auc" => {
            let probs = pred
                .probabilities
                .ok_or_else(|| ExplainError::Predictor("no probabilities".into()))?;
            let classes: Vec<String> = match &p.model.signature().classes {
                Some(analysis::inference::ClassLabels::Int(c)) => {
                    c.iter().map(|v| v.to_string()).collect()
                }
                Some(analysis::inference::ClassLabels::Str(c)) => c.clone(),
                None => (0..probs.ncols()).map(|k| k.to_string()).collect(),
            };
            if scoring == "roc_auc" {
                let k = match p.output {
                    Output::Probability(k) | Output::LogOdds(k) => k,
                    Output::Regression => 1,
                };
                let pos: Vec<bool> = labels.iter().map(|l| *l == classes[k]).collect();
                let s: Vec<f64> = probs.column(k).to_vec();
                return analysis::metrics::roc_auc(&pos, &s)
                    .ok_or_else(|| ExplainError::Numerical("roc_auc needs both classes".into()));
            }
            let hits = probs
                .rows()
                .into_iter()
                .zip(labels)
                .filter(|(r, l)| {
                    let best = (0..r.len()).fold(0, |b, k| if r[k] > r[b] { k } else { b });
                    classes[best] == **l
                })
                .count();
            Ok(hits as f64 / n)
        }
        _ => {
            let y = pred
                .values
                .ok_or_else(|| ExplainError::Predictor("no regression values".into()))?;
            let mean = values.iter().sum::<f64>() / n;
            let sse: f64 = y.iter().zip(values).map(|(a, b)| (a - b).powi(2)).sum();
            Ok(match scoring {
                "neg_mean_squared_error" => -sse / n,
                "neg_mean_absolute_error" => {
                    -y.iter()
                        .zip(values)
                        .map(|(a, b)| (a - b).abs())
                        .sum::<f64>()
                        / n
                }
                _ => 1.0 - sse / values.iter().map(|v| (v - mean).powi(2)).sum::<f64>(),
            })
        }
    }
}

async fn permutation(
    state: &AppState,
    model_id: &str,
    b: &ImportanceRequest,
) -> ApiResult<Computed> {
    let (Some(ds), Some(col)) = (&b.target.dataset_id, &b.target_column) else {
        return Err(bad(
            "labels_required",
            "permutation importance scores against labels: give dataset_id and target_column",
        ));
    };
    let p = prepare(state, model_id, &b.target, false).await?;
    let classifier = p.model.signature().task == Task::Classification;
    let scoring = b
        .scoring
        .clone()
        .unwrap_or_else(|| if classifier { "accuracy" } else { "r2" }.to_owned());
    let fits = match scoring.as_str() {
        "accuracy" | "roc_auc" => classifier,
        "r2" | "neg_mean_squared_error" | "neg_mean_absolute_error" => !classifier,
        other => {
            return Err(bad(
                "invalid_scoring",
                format!("unknown scoring `{other}`: accuracy, roc_auc, r2, neg_mean_squared_error, neg_mean_absolute_error"),
            ))
        }
    };
    if !fits {
        return Err(bad(
            "invalid_scoring",
            format!("scoring `{scoring}` does not fit this model's task"),
        ));
    }
    let n_repeats = b.n_repeats.unwrap_or(5);
    let cost = (p.rows.nrows() * n_repeats * p.features.len()) as f64;
    if n_repeats == 0 || cost > MAX_EVALUATIONS {
        return Err(bad(
            "too_expensive",
            format!("n_repeats must be at least 1 and rows x repeats x features at most {MAX_EVALUATIONS:.0e}"),
        ));
    }
    let (labels, values) = dataset_labels(state, ds, col, b.target.row_indices.as_deref()).await?;
    let seed = p.provenance.seed;
    let (features, provenance) = (p.features.clone(), p.provenance.clone());
    let result = tokio::task::spawn_blocking(move || {
        let x = p.rows.clone();
        permutation_importance(
            |v| score(&p, &scoring, &labels, &values, v),
            x.view(),
            n_repeats,
            seed,
        )
        .map(|r| (r, scoring))
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(explain_err)?;
    let (r, scoring) = result;
    Ok(Computed {
        results: serde_json::json!({
            "features": features,
            "scoring": scoring,
            "n_repeats": n_repeats,
            "baseline_score": r.baseline_score,
            "importances_mean": r.importances_mean,
            "importances_std": r.importances_std,
            "importances": r.importances,
            "ranking": ranked(&features, &r.importances_mean),
        }),
        prepared: provenance,
        method: "permutation_importance".into(),
    })
}

/// Runs an importance request.
pub async fn compute(
    state: &AppState,
    model_id: &str,
    b: &ImportanceRequest,
) -> ApiResult<Computed> {
    match b.importance.as_deref() {
        Some("permutation") => permutation(state, model_id, b).await,
        None | Some("mean_abs_shap") => {
            let mut p = prepare(state, model_id, &b.target, false).await?;
            let (method, rows) = explain_rows(state, &mut p, &b.target, &b.shap).await?;
            let m = p.features.len();
            let mean: Vec<f64> = (0..m)
                .map(|j| rows.iter().map(|r| r.values[j].abs()).sum::<f64>() / rows.len() as f64)
                .collect();
            Ok(Computed {
                results: serde_json::json!({
                    "features": p.features,
                    "output": p.output.name(),
                    "rows_explained": rows.len(),
                    "mean_abs_shap": mean,
                    "ranking": ranked(&p.features, &mean),
                }),
                prepared: p.provenance,
                method: format!("mean_abs_shap_{method}"),
            })
        }
        Some(other) => Err(bad(
            "invalid_importance",
            format!("unknown importance `{other}`: mean_abs_shap or permutation"),
        )),
    }
}

super::endpoints!(
    ImportanceRequest,
    "/api/v1/explainability/feature-importance/{id}",
    "Global feature importance"
);
