//! `POST /api/v1/models/{id}/predict`: rows in, labels, probabilities or values
//! out, from the deployed version (or a version or alias named in the request);
//! every prediction goes to the prediction log.

use std::sync::Arc;

use analysis::inference::{Labels, Model, Prediction};
use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use domain::{ids::ModelId, model::PredictionRecord};
use ndarray::Array2;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use crate::{
    error::{ApiError, ApiResult},
    extract::{ApiJson, Ctx},
    remote::engine::Engine,
    routes::{model_versions::parse_version, models::parse_id},
    state::AppState,
};

/// Rows to predict.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PredictRequest {
    /// Objects keyed by feature name, or arrays in feature order (not mixed).
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<serde_json::Value>,
    /// A version number, an alias, `latest` or `deployed` (the default).
    #[schema(value_type = Option<String>)]
    pub version: Option<serde_json::Value>,
    /// Per row, the sensitive features a decision policy reads (when they are not model
    /// features).
    #[schema(value_type = Option<Vec<Object>>)]
    pub sensitive: Option<Vec<serde_json::Value>>,
}

/// One row's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowPrediction {
    /// Prediction id (in the prediction log).
    pub id: String,
    /// Predicted class.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub label: Option<serde_json::Value>,
    /// Class probabilities in `classes` order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probabilities: Option<Vec<f64>>,
    /// Highest class probability.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
    /// Regression value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// The decision policy that set `label`, with the model's own label.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub policy: Option<serde_json::Value>,
}

/// The answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct PredictResponse {
    /// Model id.
    pub model_id: String,
    /// Version that answered.
    pub version: i64,
    /// `classification` or `regression`.
    pub task: String,
    /// Class labels (classifiers).
    #[schema(value_type = Option<Object>)]
    pub classes: Option<serde_json::Value>,
    /// One per row, in order.
    pub predictions: Vec<RowPrediction>,
}

/// The version a request resolves to.
pub struct Resolved {
    /// Version number.
    pub version: i64,
    /// Artifact hash.
    pub sha256: String,
    /// Signature JSON.
    pub signature: serde_json::Value,
    /// The model's declared feature names.
    pub feature_names: Vec<String>,
    /// Artifact format (`onnx`, `xgboost_json`, `remote`).
    pub format: String,
}

fn not_found(code: &'static str, detail: String) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, code, detail)
}

/// Finds the version a request names (number, alias, `latest`, `deployed` or nothing).
pub async fn resolve(
    state: &AppState,
    id: &str,
    which: Option<&serde_json::Value>,
) -> ApiResult<Resolved> {
    let model = sqlx::query("SELECT feature_names FROM models WHERE id = $1")
        .bind(id.to_owned())
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(|| ApiError::not_found("model"))?;
    let feature_names: Vec<String> =
        serde_json::from_str(&model.try_get::<String, _>(0)?).map_err(ApiError::internal)?;
    let which = match which {
        None | Some(serde_json::Value::Null) => "deployed".to_owned(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(ApiError::bad_request(
                "invalid_body",
                format!("version must be a number or an alias, not {other}"),
            ))
        }
    };
    let base = "SELECT version, sha256, signature, format FROM model_versions WHERE model_id = $1";
    let (sql, by_number, missing) = if which == "deployed" {
        (
            format!("{base} AND status = 'deployed'"),
            None,
            ApiError::unprocessable(
                "no_deployed_version",
                "the model has no deployed version; name a version or alias",
            ),
        )
    } else if which == "latest" {
        (
            format!("{base} ORDER BY version DESC LIMIT 1"),
            None,
            not_found("version_not_found", "the model has no version".into()),
        )
    } else if which.starts_with(|c: char| c.is_ascii_digit()) {
        let n = parse_version(&which)?;
        (
            format!("{base} AND version = $2"),
            Some(n),
            not_found("version_not_found", format!("model version {n} not found")),
        )
    } else {
        (
            format!("{base} AND version = (SELECT version FROM model_aliases WHERE model_id = $1 AND alias = $2)"),
            None,
            not_found("alias_not_found", format!("alias {which} not found")),
        )
    };
    let mut q = sqlx::query(&sql).bind(id.to_owned());
    if let Some(n) = by_number {
        q = q.bind(n);
    } else if sql.contains("$2") {
        q = q.bind(which.clone());
    }
    let row = q.fetch_optional(state.db.read()).await?.ok_or(missing)?;
    Ok(Resolved {
        version: row.try_get(0)?,
        sha256: row.try_get(1)?,
        signature: serde_json::from_str(&row.try_get::<String, _>(2)?)
            .map_err(ApiError::internal)?,
        feature_names,
        format: row.try_get(3)?,
    })
}

fn bad_rows(detail: String) -> ApiError {
    ApiError::unprocessable("invalid_rows", detail)
}

/// Turns JSON rows into a matrix the model reads; `missing_ok`: null is a missing value.
pub fn matrix(
    rows: &[serde_json::Value],
    names: Option<&[String]>,
    n_features: usize,
    missing_ok: bool,
) -> ApiResult<Array2<f64>> {
    if rows.is_empty() {
        return Err(bad_rows("rows must hold at least one row".into()));
    }
    let mut flat = Vec::with_capacity(rows.len() * n_features);
    let cell = |v: &serde_json::Value, row: usize, col: &str| -> ApiResult<f64> {
        match v {
            serde_json::Value::Number(n) => n
                .as_f64()
                .ok_or_else(|| bad_rows(format!("row {row}, feature {col}: not a finite number"))),
            serde_json::Value::Null if missing_ok => Ok(f64::NAN),
            serde_json::Value::Null => Err(bad_rows(format!(
                "row {row}, feature {col}: missing value (null or NaN), which this model does not accept"
            ))),
            other => Err(bad_rows(format!(
                "row {row}, feature {col}: {other} is not a number"
            ))),
        }
    };
    for (i, r) in rows.iter().enumerate() {
        match r {
            serde_json::Value::Array(a) => {
                if a.len() != n_features {
                    return Err(bad_rows(format!(
                        "row {i} has {} values; the model reads {n_features} features",
                        a.len()
                    )));
                }
                for (j, v) in a.iter().enumerate() {
                    flat.push(cell(v, i, &j.to_string())?);
                }
            }
            serde_json::Value::Object(o) => {
                let names = names.ok_or_else(|| {
                    bad_rows("this model has no feature names; send rows as arrays".into())
                })?;
                if let Some(k) = o.keys().find(|k| !names.contains(k)) {
                    return Err(bad_rows(format!("row {i}: unknown feature {k:?}")));
                }
                for n in names {
                    let v = o
                        .get(n)
                        .ok_or_else(|| bad_rows(format!("row {i}: feature {n:?} is missing")))?;
                    flat.push(cell(v, i, n)?);
                }
            }
            other => {
                return Err(bad_rows(format!(
                    "row {i} is {other}; send an object or an array"
                )))
            }
        }
    }
    Array2::from_shape_vec((rows.len(), n_features), flat).map_err(ApiError::internal)
}

/// Runs a model on a matrix (large batches off the async threads).
pub async fn run(model: Arc<Model>, x: Array2<f64>) -> ApiResult<Prediction> {
    let result = if x.nrows() <= 64 {
        model.predict_batch(x.view())
    } else {
        tokio::task::spawn_blocking(move || model.predict_batch(x.view()))
            .await
            .map_err(ApiError::internal)?
    };
    result.map_err(|e| ApiError::unprocessable("prediction_failed", e.to_string()))
}

fn label_at(l: &Labels, i: usize) -> serde_json::Value {
    match l {
        Labels::Int(v) => serde_json::json!(v[i]),
        Labels::Str(v) => serde_json::json!(v[i]),
    }
}

/// Rows of a prediction as JSON answers (ids filled in by the caller).
pub fn answers(p: &Prediction, n: usize) -> Vec<RowPrediction> {
    (0..n)
        .map(|i| {
            let probabilities = p.probabilities.as_ref().map(|m| m.row(i).to_vec());
            let confidence = probabilities
                .as_ref()
                .and_then(|ps| ps.iter().copied().reduce(f64::max));
            RowPrediction {
                id: String::new(),
                label: p
                    .labels
                    .as_ref()
                    .filter(|l| i < l.len())
                    .map(|l| label_at(l, i)),
                probabilities,
                confidence,
                value: p.values.as_ref().and_then(|v| v.get(i).copied()),
                policy: None,
            }
        })
        .collect()
}

/// The model cache's answer for a resolved version.
pub async fn loaded(state: &AppState, sha256: &str) -> ApiResult<Arc<Model>> {
    state.models.get(sha256).await.map_err(ApiError::internal)
}

/// Predicts rows with the deployed version, or the version or alias named.
#[utoipa::path(post, path = "/api/v1/models/{id}/predict", tag = "predictions", request_body = PredictRequest,
    params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = PredictResponse), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn predict(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ctx: Ctx,
    ApiJson(b): ApiJson<PredictRequest>,
) -> ApiResult<Json<PredictResponse>> {
    let model_id: ModelId = parse_id(&id)?;
    let r = resolve(&state, &id, b.version.as_ref()).await?;
    let engine = Engine::of(&state, &id, &r).await?;
    let names: Option<Vec<String>> = if r.feature_names.is_empty() {
        engine.own_feature_names()
    } else {
        Some(r.feature_names.clone())
    };
    let x = matrix(
        &b.rows,
        names.as_deref(),
        engine.n_features(&r),
        engine.missing_ok(),
    )?;
    let n = x.nrows();
    let p = engine.predict(&r, x, names.as_deref()).await?;
    let mut out = answers(&p, n);
    for ans in out.iter_mut() {
        ans.id = uuid::Uuid::now_v7().to_string();
    }
    let decisions = crate::routes::fairness::policy::apply(
        &state,
        &id,
        r.version,
        &r.signature,
        &b.rows,
        b.sensitive.as_deref(),
        &mut out,
    )
    .await?;
    if let Some(d) = &decisions {
        for (ans, d) in out.iter_mut().zip(d) {
            ans.policy = serde_json::to_value(d).ok();
        }
    }
    let at = commands::sql_now();
    let mut records = Vec::with_capacity(n);
    for (input, ans) in b.rows.into_iter().zip(out.iter_mut()) {
        let mut output = serde_json::json!({
            "label": ans.label, "probabilities": ans.probabilities, "value": ans.value
        });
        if let Some(policy) = &ans.policy {
            output["policy"] = policy.clone();
        }
        records.push(PredictionRecord {
            id: ans.id.clone(),
            version: u32::try_from(r.version).unwrap_or(0),
            input,
            output,
            confidence: ans.confidence,
            at,
            request_id: ctx.metadata.request_id.clone(),
        });
    }
    metrics::counter!("raia_predictions_total", "model_id" => id.clone())
        .increment(records.len() as u64);
    state
        .predictions
        .record(model_id, ctx.metadata, records)
        .await;
    Ok(Json(PredictResponse {
        model_id: id,
        version: r.version,
        task: r.signature["task"].as_str().unwrap_or_default().to_owned(),
        classes: r.signature.get("classes").cloned().filter(|c| !c.is_null()),
        predictions: out,
    }))
}
