//! `/api/v1/explainability/lime/{modelId}`: LIME tabular explanations.

use analysis::explain::{FeatureSelection, LimeOptions, LimeTabular};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    bad, explain_err, input::prepare, model_fn::ModelFn, Computed, Target, MAX_EVALUATIONS,
    MAX_SAMPLES,
};
use crate::{
    error::{ApiError, ApiResult},
    state::AppState,
};

/// The kind recorded for LIME runs.
pub const KIND: &str = "lime";

/// A LIME request; the background is LIME's training data (bins and their statistics).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct LimeRequest {
    /// Model version, rows, background (training data), output, seed.
    #[serde(flatten)]
    pub target: Target,
    /// Neighbourhood size (default 5000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_samples: Option<usize>,
    /// Features in the explanation (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_features: Option<usize>,
    /// Kernel width (default 0.75 * sqrt(features)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel_width: Option<f64>,
    /// `auto` (default), `forward_selection`, `highest_weights` or `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_selection: Option<String>,
}

/// Runs a LIME request.
pub async fn compute(state: &AppState, model_id: &str, b: &LimeRequest) -> ApiResult<Computed> {
    let p = prepare(state, model_id, &b.target, true).await?;
    let defaults = LimeOptions::default();
    let num_samples = b.num_samples.unwrap_or(defaults.num_samples);
    if !(2..=MAX_SAMPLES).contains(&num_samples) {
        return Err(bad(
            "too_many_samples",
            format!("num_samples = {num_samples}; it must be between 2 and {MAX_SAMPLES}"),
        ));
    }
    let cost = p.rows.nrows() as f64 * num_samples as f64;
    if cost > MAX_EVALUATIONS {
        return Err(bad(
            "too_expensive",
            format!("LIME would cost {cost:.3e} model evaluations; at most {MAX_EVALUATIONS:.0e} per request"),
        ));
    }
    let feature_selection = match b.feature_selection.as_deref() {
        None | Some("auto") => FeatureSelection::Auto,
        Some("forward_selection") => FeatureSelection::ForwardSelection,
        Some("highest_weights") => FeatureSelection::HighestWeights,
        Some("none") => FeatureSelection::None,
        Some(other) => {
            return Err(bad(
                "invalid_feature_selection",
                format!("`{other}`: auto, forward_selection, highest_weights or none"),
            ))
        }
    };
    if b.kernel_width.is_some_and(|w| !(w.is_finite() && w > 0.0)) {
        return Err(bad(
            "invalid_kernel_width",
            "kernel_width must be a positive number",
        ));
    }
    let options = LimeOptions {
        num_samples,
        num_features: b.num_features.unwrap_or(defaults.num_features),
        kernel_width: b.kernel_width,
        feature_selection,
        seed: p.provenance.seed,
        ..defaults
    };
    let training = p
        .background
        .as_ref()
        .map(|bg| bg.data().to_owned())
        .ok_or_else(|| ApiError::internal("the background was not loaded"))?;
    let model = ModelFn {
        model: p.model.clone(),
        output: p.output,
    };
    let rows = p.rows.clone();
    let exps = tokio::task::spawn_blocking(move || {
        LimeTabular::new(training.view(), options).and_then(|l| l.explain(&model, rows.view()))
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(explain_err)?;
    let named: Vec<serde_json::Value> = exps
        .iter()
        .map(|e| {
            serde_json::json!({
                "intercept": e.intercept,
                "score": e.score,
                "local_prediction": e.local_prediction,
                "model_output": e.model_output,
                "weights": e.weights.iter().map(|w| serde_json::json!({
                    "feature": p.features[w.feature],
                    "weight": w.weight,
                    "lower": w.lower,
                    "upper": w.upper,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Computed {
        results: serde_json::json!({
            "features": p.features,
            "output": p.output.name(),
            "kernel_width": options.kernel_width.unwrap_or(0.75 * (p.features.len() as f64).sqrt()),
            "rows": named,
        }),
        prepared: p.provenance,
        method: "lime_tabular".into(),
    })
}

super::endpoints!(
    LimeRequest,
    "/api/v1/explainability/lime/{id}",
    "LIME explanations of rows"
);
