//! `POST /api/v1/evaluations/suites/{name}/run`: the benchmark runner. One
//! evaluation per configuration on the same dataset, all filed under the suite
//! name and started at once; compare them with `{"suite": name}`.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{launch, plan, record, spec, CreateEvaluation};
use crate::{
    error::{ApiError, ApiResult},
    extract::{ApiJson, Ctx},
    state::AppState,
};

/// A suite run.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuiteRun {
    /// The evaluation dataset.
    pub dataset_id: String,
    /// The configurations to evaluate (one evaluation each).
    pub configuration_ids: Vec<String>,
    /// The judge, if any.
    pub judge_configuration_id: Option<String>,
    /// Passages per question (default 5).
    pub k: Option<u32>,
    /// Cut-offs of the @k metrics.
    pub cutoffs: Option<Vec<u32>>,
    /// Bootstrap seed.
    pub seed: Option<u64>,
    /// Bootstrap resamples.
    pub resamples: Option<u32>,
}

/// One started run of the suite.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuiteMember {
    /// The evaluation.
    pub evaluation_id: String,
    /// Its configuration.
    pub configuration_id: String,
    /// Its job.
    pub job_id: String,
}

/// The started suite.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuiteStarted {
    /// Suite name.
    pub suite: String,
    /// One run per configuration, in the order given.
    pub runs: Vec<SuiteMember>,
}

/// Runs a named suite against several configurations; every run is checked
/// before any is recorded.
#[utoipa::path(post, path = "/api/v1/evaluations/suites/{name}/run", tag = "evaluations", request_body = SuiteRun,
    params(("name" = String, Path, description = "suite name")), security(("bearer" = [])),
    responses((status = 202, body = SuiteStarted), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn run(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(name): Path<String>,
    ApiJson(b): ApiJson<SuiteRun>,
) -> ApiResult<(StatusCode, Json<SuiteStarted>)> {
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::unprocessable(
            "invalid_suite",
            "the suite name must be 1 to 100 characters",
        ));
    }
    if b.configuration_ids.is_empty() {
        return Err(ApiError::unprocessable(
            "invalid_suite",
            "name at least one configuration",
        ));
    }
    let mut specs = Vec::with_capacity(b.configuration_ids.len());
    for c in &b.configuration_ids {
        let req = CreateEvaluation {
            name: format!("{name}: {c}"),
            mode: None,
            dataset_id: b.dataset_id.clone(),
            configuration_id: Some(c.clone()),
            judge_configuration_id: b.judge_configuration_id.clone(),
            k: b.k,
            cutoffs: b.cutoffs.clone(),
            seed: b.seed,
            resamples: b.resamples,
        };
        specs.push(spec(&state, &req, Some(name.clone())).await?);
    }
    let mut runs = Vec::with_capacity(specs.len());
    for (s, c) in specs.into_iter().zip(&b.configuration_ids) {
        let view = record(&state, &ctx, s.clone()).await?;
        let id = super::evaluation_id(&view.id)?;
        let p = plan(&state, id, s, &ctx).await?;
        let job_id = launch(&state, &ctx, p).await?;
        runs.push(SuiteMember {
            evaluation_id: view.id,
            configuration_id: c.clone(),
            job_id: job_id.to_string(),
        });
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(SuiteStarted { suite: name, runs }),
    ))
}
