//! `/api/v1/explainability`: SHAP, LIME, global importance, partial dependence and ICE,
//! what-if and counterfactuals on a registered model version. Every run is recorded as
//! `ExplanationGenerated` with its parameters, seed and data hashes, so it can be recomputed.

pub mod counterfactuals;
pub mod importance;
mod input;
pub mod lime;
pub(crate) mod model_fn;
pub mod pdp;
pub mod recompute;
pub mod record;
pub mod shap;
pub mod what_if;

use std::collections::BTreeMap;

use serde::{de::DeserializeOwned, Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;

pub use input::Prepared;

/// Rows one request explains at most (as a job above [`JOB_ROWS`]).
pub const MAX_ROWS: usize = 100_000;
/// Requests with more rows than this run as jobs (202 + `/api/v1/jobs/{id}`).
pub const JOB_ROWS: usize = 1_000;
/// Model evaluations one synchronous request may cost at most (rows x coalitions x background).
pub const MAX_EVALUATIONS: f64 = 2.0e8;
/// Features the exact method accepts at most (2^16 coalitions per row).
pub const MAX_EXACT_FEATURES: usize = 16;
/// Largest `nsamples` / `num_samples` / `max_evals` a request may ask for.
pub const MAX_SAMPLES: usize = 1_000_000;

/// What every explainer needs: the model version, the rows, the background, the output.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct Target {
    /// A version number, an alias, `latest` or `deployed` (the default).
    #[schema(value_type = Option<String>)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<serde_json::Value>,
    /// Rows inline: objects keyed by feature name, or arrays in feature order.
    #[schema(value_type = Option<Vec<Object>>)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<Vec<serde_json::Value>>,
    /// Or a dataset whose rows are explained...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset_id: Option<String>,
    /// ...at these (0-based) row indices (default: every row).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_indices: Option<Vec<usize>>,
    /// Background dataset (default: the training dataset on the model's card).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_dataset_id: Option<String>,
    /// Rows sampled from the background without replacement (default 100; all if fewer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_size: Option<usize>,
    /// Summarise the (sampled) background by this many weighted k-means centres (shap.kmeans).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_kmeans: Option<usize>,
    /// `probability` (of `class_index`), `log_odds` or `regression` (default: probability
    /// for classifiers, regression otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// Probability column explained (default 1 for binary classifiers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_index: Option<usize>,
    /// Seed of every random choice (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

/// A finished computation, ready to be recorded.
#[derive(Debug, Clone)]
pub struct Computed {
    /// What was run on what.
    pub prepared: input::Provenance,
    /// The method that ran.
    pub method: String,
    /// The results.
    pub results: serde_json::Value,
}

pub(crate) fn bad(code: &'static str, detail: impl Into<String>) -> ApiError {
    ApiError::unprocessable(code, detail)
}

/// Query keys whose value is a list (`1,2,3` or a JSON array).
const LIST_KEYS: &[&str] = &[
    "row_indices",
    "features",
    "immutable_features",
    "categorical_features",
];

/// Turns GET query parameters into the JSON body the POST form takes: each value is read
/// as JSON when it parses (numbers, arrays, objects), else as a string; list keys also
/// accept comma-separated values.
pub(crate) fn from_query<T: DeserializeOwned>(q: BTreeMap<String, String>) -> Result<T, ApiError> {
    let mut body = serde_json::Map::new();
    for (k, v) in q {
        let parsed = serde_json::from_str::<serde_json::Value>(&v).ok();
        let value = match parsed {
            Some(p) if LIST_KEYS.contains(&k.as_str()) && !p.is_array() => {
                serde_json::Value::Array(vec![p])
            }
            Some(p) => p,
            None if LIST_KEYS.contains(&k.as_str()) => serde_json::Value::Array(
                v.split(',')
                    .map(|s| {
                        serde_json::from_str(s.trim())
                            .unwrap_or_else(|_| serde_json::Value::String(s.trim().to_owned()))
                    })
                    .collect(),
            ),
            None => serde_json::Value::String(v),
        };
        body.insert(k, value);
    }
    serde_json::from_value(serde_json::Value::Object(body))
        .map_err(|e| ApiError::bad_request("invalid_query", e.to_string()))
}

/// Maps an explainer error to a problem (every one is a rejected input).
pub(crate) fn explain_err(e: analysis::explain::ExplainError) -> ApiError {
    use analysis::explain::ExplainError as E;
    match e {
        E::TooManyFeatures { .. } => bad("too_many_features", e.to_string()),
        E::Predictor(_) | E::PredictionLength { .. } => bad("prediction_failed", e.to_string()),
        E::Numerical(_) => bad("numerical_failure", e.to_string()),
        E::FeatureCount { .. }
        | E::EmptyBackground
        | E::InvalidWeights(_)
        | E::InvalidParameter { .. }
        | E::InvalidTree(_)
        | E::NonFinite(_) => bad("invalid_explanation_request", e.to_string()),
    }
}

/// The GET (query parameters) and POST (JSON body) handlers of one endpoint family; the
/// module provides `KIND` and `compute(state, model_id, &Request) -> ApiResult<Computed>`.
macro_rules! endpoints {
    ($req:ty, $path:tt, $what:tt) => {
        async fn run(
            state: crate::state::AppState,
            ctx: crate::extract::Ctx,
            model_id: String,
            b: $req,
            status: axum::http::StatusCode,
            respond_async: bool,
        ) -> crate::error::ApiResult<axum::response::Response> {
            use axum::response::IntoResponse;
            let rows = super::input::requested_rows(&state, &b.target).await?;
            if !respond_async && rows <= super::JOB_ROWS {
                let c = compute(&state, &model_id, &b).await?;
                let params = super::record::pinned(&b, &c)?;
                let view = super::record::finish(&state, ctx, KIND, params, c).await?;
                return Ok((status, axum::Json(view)).into_response());
            }
            let params = serde_json::json!({"model_id": model_id, "kind": KIND, "rows": rows});
            let (job_state, metadata) = (state.clone(), ctx.metadata.clone());
            let job = crate::jobs::spawn(&state, &ctx, concat!("explain.", stringify!($req)), params, move |job| async move {
                job.progress(0, 1).await;
                let id = async {
                    let c = compute(&job_state, &model_id, &b).await?;
                    let params = super::record::pinned(&b, &c)?;
                    super::record::record(&job_state, metadata, KIND, params, c).await
                }
                .await
                .map_err(|e| e.to_string())?;
                job.progress(1, 1).await;
                Ok(serde_json::json!({
                    "explanation_id": id.to_string(),
                    "location": format!("/api/v1/explainability/explanations/{id}"),
                }))
            })
            .await?;
            Ok(crate::jobs::accepted(job))
        }

        #[doc = concat!($what, " (query parameters; lists as `1,2,3`, rows as JSON). More than 1000 rows, or `Prefer: respond-async`, run as a job.")]
        #[utoipa::path(get, path = $path, tag = "explainability",
            params(("id" = String, Path)), security(("bearer" = [])),
            responses((status = 200, body = super::record::ExplanationView),
                (status = 202, description = "queued as a job; poll Location"),
                (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
        pub async fn get(
            axum::extract::State(state): axum::extract::State<crate::state::AppState>,
            axum::extract::Path(id): axum::extract::Path<String>,
            ctx: crate::extract::Ctx,
            crate::extract::RespondAsync(respond_async): crate::extract::RespondAsync,
            axum::extract::Query(q): axum::extract::Query<std::collections::BTreeMap<String, String>>,
        ) -> crate::error::ApiResult<axum::response::Response> {
            run(state, ctx, id, super::from_query(q)?, axum::http::StatusCode::OK, respond_async).await
        }

        #[doc = concat!($what, " (JSON body). More than 1000 rows, or `Prefer: respond-async`, run as a job.")]
        #[utoipa::path(post, path = $path, tag = "explainability", request_body = $req,
            params(("id" = String, Path)), security(("bearer" = [])),
            responses((status = 201, body = super::record::ExplanationView),
                (status = 202, description = "queued as a job; poll Location"),
                (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
        pub async fn post(
            axum::extract::State(state): axum::extract::State<crate::state::AppState>,
            axum::extract::Path(id): axum::extract::Path<String>,
            ctx: crate::extract::Ctx,
            crate::extract::RespondAsync(respond_async): crate::extract::RespondAsync,
            crate::extract::ApiJson(b): crate::extract::ApiJson<$req>,
        ) -> crate::error::ApiResult<axum::response::Response> {
            run(state, ctx, id, b, axum::http::StatusCode::CREATED, respond_async).await
        }
    };
}
pub(crate) use endpoints;
