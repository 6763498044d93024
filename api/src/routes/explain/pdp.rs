//! `/api/v1/explainability/partial-dependence/{modelId}`: partial dependence and ICE of
//! one or two features over the given rows (scikit-learn's brute method and grid).

use analysis::explain::{
    feature_grid, partial_dependence_2, partial_dependence_on_grid, PdpOptions,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    bad, explain_err, input::prepare, model_fn::ModelFn, Computed, Target, MAX_EVALUATIONS,
};
use crate::{
    error::{ApiError, ApiResult},
    state::AppState,
};

/// The kind recorded for partial dependence runs.
pub const KIND: &str = "partial_dependence";

/// A partial dependence request; the rows are the data averaged over.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct PdpRequest {
    /// Model version, rows (the data averaged over), output, seed.
    #[serde(flatten)]
    pub target: Target,
    /// One feature, or two for a two-way dependence.
    #[serde(default)]
    pub features: Vec<String>,
    /// Grid points per numeric feature (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid_resolution: Option<usize>,
    /// Grid range as probabilities of `mquantiles` (default [0.05, 0.95]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentiles: Option<(f64, f64)>,
    /// `average` (default), `individual` (ICE) or `both`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Features whose grid is their levels (every distinct value).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categorical_features: Vec<String>,
}

/// Runs a partial dependence request.
pub async fn compute(state: &AppState, model_id: &str, b: &PdpRequest) -> ApiResult<Computed> {
    let p = prepare(state, model_id, &b.target, false).await?;
    let index = |name: &String| p.feature_index(name);
    let idx: Vec<usize> = b.features.iter().map(index).collect::<ApiResult<_>>()?;
    for c in &b.categorical_features {
        index(c)?;
    }
    if idx.is_empty() || idx.len() > 2 || (idx.len() == 2 && idx[0] == idx[1]) {
        return Err(bad(
            "invalid_features",
            "name one feature, or two distinct features",
        ));
    }
    let (individual, average) = match b.kind.as_deref() {
        None | Some("average") => (false, true),
        Some("individual") => (true, false),
        Some("both") => (true, true),
        Some(other) => {
            return Err(bad(
                "invalid_kind",
                format!("kind `{other}`: average, individual or both"),
            ))
        }
    };
    let defaults = PdpOptions::default();
    let options = PdpOptions {
        grid_resolution: b.grid_resolution.unwrap_or(defaults.grid_resolution),
        percentiles: b.percentiles.unwrap_or(defaults.percentiles),
    };
    if options.grid_resolution > 10_000 {
        return Err(bad(
            "invalid_grid_resolution",
            "grid_resolution is at most 10000",
        ));
    }
    let grids = idx
        .iter()
        .map(|&j| {
            let cat = b.categorical_features.contains(&p.features[j]);
            feature_grid(&p.rows.column(j).to_vec(), &options, cat).map_err(explain_err)
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let points: usize = grids.iter().map(Vec::len).product();
    let cost = (points * p.rows.nrows()) as f64;
    if cost > MAX_EVALUATIONS {
        return Err(bad(
            "too_expensive",
            format!("partial dependence would cost {cost:.3e} model evaluations; at most {MAX_EVALUATIONS:.0e}"),
        ));
    }
    let model = ModelFn {
        model: p.model.clone(),
        output: p.output,
    };
    let rows = p.rows.clone();
    let names: Vec<String> = idx.iter().map(|&j| p.features[j].clone()).collect();
    let results =
        tokio::task::spawn_blocking(move || -> analysis::explain::Result<serde_json::Value> {
            let mut grids = grids.into_iter();
            let g0 = grids.next().unwrap_or_default();
            match grids.next() {
                None => {
                    let r = partial_dependence_on_grid(&model, rows.view(), idx[0], g0)?;
                    Ok(serde_json::json!({
                        "grid_values": [r.grid_values],
                        "average": average.then_some(r.average),
                        "individual": individual.then_some(r.individual),
                    }))
                }
                Some(g1) => {
                    let r = partial_dependence_2(
                        &model,
                        rows.view(),
                        (idx[0], idx[1]),
                        (g0, g1),
                        individual,
                    )?;
                    Ok(serde_json::json!({
                        "grid_values": [r.grid_values_0, r.grid_values_1],
                        "average": average.then_some(r.average),
                        "individual": r.individual,
                    }))
                }
            }
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(explain_err)?;
    let mut results = results;
    results["features"] = serde_json::json!(names);
    results["output"] = serde_json::json!(p.output.name());
    Ok(Computed {
        results,
        prepared: p.provenance,
        method: "brute".into(),
    })
}

super::endpoints!(
    PdpRequest,
    "/api/v1/explainability/partial-dependence/{id}",
    "Partial dependence and ICE"
);
