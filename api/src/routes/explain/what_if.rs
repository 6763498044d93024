//! `POST /api/v1/explainability/what-if-analysis`: change feature values of rows and see
//! the new prediction, the change, and the Shapley values of the new point.

use std::collections::BTreeMap;

use analysis::explain::Predictor;
use axum::{extract::State, http::StatusCode, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    bad, explain_err,
    input::{hash_matrix, prepare},
    model_fn::ModelFn,
    record::{finish, pinned, ExplanationView},
    shap::{explain_rows, ShapOptions},
    Computed, Target,
};
use crate::{
    error::ApiResult,
    extract::{ApiJson, Ctx},
    state::AppState,
};

/// The kind recorded for what-if runs.
pub const KIND: &str = "what_if";

/// A what-if request.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct WhatIfRequest {
    /// The model.
    pub model_id: String,
    /// Model version, rows, background, output, seed.
    #[serde(flatten)]
    pub target: Target,
    /// New values by feature name, applied to every row.
    #[serde(default)]
    pub changes: BTreeMap<String, f64>,
    /// Also explain the changed rows with SHAP (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explain: Option<bool>,
    /// SHAP method and options for the changed rows.
    #[serde(flatten)]
    pub shap: ShapOptions,
}

/// Runs a what-if request.
pub async fn compute(state: &AppState, _path_id: &str, b: &WhatIfRequest) -> ApiResult<Computed> {
    if b.changes.is_empty() {
        return Err(bad(
            "invalid_changes",
            "changes must name at least one feature and its new value",
        ));
    }
    let explain = b.explain.unwrap_or(true);
    let mut p = prepare(state, &b.model_id, &b.target, false).await?;
    let original = p.rows.clone();
    for (name, v) in &b.changes {
        let j = p.feature_index(name)?;
        if !v.is_finite() {
            return Err(bad(
                "invalid_changes",
                format!("the new value of `{name}` is not finite"),
            ));
        }
        p.rows.column_mut(j).fill(*v);
    }
    let model = ModelFn {
        model: p.model.clone(),
        output: p.output,
    };
    let before = model.predict(original.view()).map_err(explain_err)?;
    let after = model.predict(p.rows.view()).map_err(explain_err)?;
    let (method, shap) = if explain {
        let (m, rows) = explain_rows(state, &mut p, &b.target, &b.shap).await?;
        (m, Some(rows))
    } else {
        ("prediction".to_owned(), None)
    };
    let rows: Vec<serde_json::Value> = (0..original.nrows())
        .map(|i| {
            serde_json::json!({
                "original_output": before[i],
                "output": after[i],
                "delta": after[i] - before[i],
                "row": p.rows.row(i).to_vec(),
                "shap": shap.as_ref().map(|s| &s[i]),
            })
        })
        .collect();
    // The rows hash covers the original rows: the changes are parameters.
    let mut provenance = p.provenance;
    provenance.rows_sha256 = hash_matrix(&original.view(), None);
    Ok(Computed {
        results: serde_json::json!({
            "features": p.features,
            "output": p.output.name(),
            "rows": rows,
        }),
        prepared: provenance,
        method,
    })
}

/// Changes feature values of rows: new prediction, delta and SHAP values of the new point.
#[utoipa::path(post, path = "/api/v1/explainability/what-if-analysis", tag = "explainability", request_body = WhatIfRequest,
    security(("bearer" = [])),
    responses((status = 201, body = ExplanationView), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn post(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(b): ApiJson<WhatIfRequest>,
) -> ApiResult<(StatusCode, Json<ExplanationView>)> {
    let c = compute(&state, "", &b).await?;
    let params = pinned(&b, &c)?;
    Ok((
        StatusCode::CREATED,
        Json(finish(&state, ctx, KIND, params, c).await?),
    ))
}
