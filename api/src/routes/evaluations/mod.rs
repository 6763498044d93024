//! `/api/v1/evaluations`: evaluate an LLM/RAG configuration (or the recorded
//! outputs of an outside system) on a dataset of questions, as a job with
//! progress and stop; read the per-item and aggregated results; compare runs
//! with paired tests; run a named suite over several configurations.

pub mod compare;
pub mod dataset;
pub mod doc;
pub mod judge;
pub mod routes;
pub mod runner;
pub mod score;
pub mod suite;
mod views;

use axum::{
    extract::{Path, Query, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use domain::{
    evaluation::{
        EvaluationCommand, EvaluationError, EvaluationMode, EvaluationSpec, EvaluationStatus,
    },
    ids::{DatasetId, EvaluationId, JobId, LlmConfigurationId},
    job::JobCommand,
    llm::Provider,
};
use serde::Deserialize;
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

pub use views::{EvaluationResults, EvaluationView};

use crate::{
    error::{ApiError, ApiResult},
    extract::{ApiJson, Ctx},
    llm::configs::{self, Usable},
    state::AppState,
};

impl From<EvaluationError> for ApiError {
    fn from(e: EvaluationError) -> Self {
        match e {
            EvaluationError::NotFound => Self::not_found("evaluation"),
            EvaluationError::AlreadyExists => Self::conflict("evaluation_exists", e.to_string()),
            EvaluationError::WrongStatus(_) => {
                Self::conflict("evaluation_wrong_status", e.to_string())
            }
        }
    }
}

/// Default cut-offs of the @k retrieval metrics.
const CUTOFFS: [u32; 4] = [1, 3, 5, 10];

/// What to evaluate.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEvaluation {
    /// Display name.
    pub name: String,
    /// `run` (answer with a configuration) or `recorded` (score the dataset's
    /// own outputs, no LLM call). Default: `run` when a configuration is given.
    #[schema(value_type = Option<String>)]
    pub mode: Option<EvaluationMode>,
    /// The evaluation dataset (JSON Lines or CSV upload).
    pub dataset_id: String,
    /// The configuration that answers (run mode).
    pub configuration_id: Option<String>,
    /// The configuration that judges (faithfulness, answer relevancy, context precision and recall).
    pub judge_configuration_id: Option<String>,
    /// Passages retrieved per question in run mode (1 to 100, default 5).
    pub k: Option<u32>,
    /// Cut-offs of the @k retrieval metrics (default 1, 3, 5, 10).
    pub cutoffs: Option<Vec<u32>>,
    /// Seed of the bootstrap intervals (default 0).
    pub seed: Option<u64>,
    /// Bootstrap resamples (1 to 10,000, default 1,000).
    pub resamples: Option<u32>,
}

fn invalid(detail: impl Into<String>) -> ApiError {
    ApiError::unprocessable("invalid_evaluation", detail)
}

/// A usable configuration, or 404 / 422.
async fn configuration(state: &AppState, id: &str) -> ApiResult<Usable> {
    configs::usable(state, id).await
}

/// A judge: any usable configuration but the extractive `local` provider.
async fn judge(state: &AppState, id: &str) -> ApiResult<Usable> {
    let u = configuration(state, id).await?;
    if u.target.provider == Provider::Local {
        return Err(ApiError::unprocessable(
            "invalid_judge",
            "the local extractive provider cannot judge; name an LLM configuration",
        ));
    }
    Ok(u)
}

/// Checks a request against the store and the dataset; builds the spec.
pub async fn spec(
    state: &AppState,
    b: &CreateEvaluation,
    suite: Option<String>,
) -> ApiResult<EvaluationSpec> {
    if b.name.trim().is_empty() {
        return Err(invalid("name must not be empty"));
    }
    let mode = b.mode.unwrap_or(if b.configuration_id.is_some() {
        EvaluationMode::Run
    } else {
        EvaluationMode::Recorded
    });
    let configuration_id = match (mode, &b.configuration_id) {
        (EvaluationMode::Run, None) => {
            return Err(invalid("a run evaluation needs configuration_id"));
        }
        (EvaluationMode::Recorded, Some(_)) => {
            return Err(invalid(
                "a recorded evaluation scores the dataset's outputs; drop configuration_id",
            ));
        }
        (_, Some(c)) => Some(configuration(state, c).await?.id),
        (_, None) => None,
    };
    let judge_configuration_id = match &b.judge_configuration_id {
        Some(j) => Some(judge(state, j).await?.id),
        None => None,
    };
    let k = b.k.unwrap_or(5);
    if !(1..=100).contains(&k) {
        return Err(invalid("k must be 1 to 100"));
    }
    let cutoffs = b.cutoffs.clone().unwrap_or(CUTOFFS.to_vec());
    if cutoffs.is_empty() || cutoffs.iter().any(|c| *c == 0 || *c > 1000) {
        return Err(invalid("cutoffs must be 1 to 1000, at least one"));
    }
    let resamples = b.resamples.unwrap_or(1000);
    if !(1..=10_000).contains(&resamples) {
        return Err(invalid("resamples must be 1 to 10000"));
    }
    let dataset_id =
        DatasetId::parse(&b.dataset_id).ok_or_else(|| ApiError::not_found("dataset"))?;
    let set = dataset::load(state, &b.dataset_id, mode).await?;
    Ok(EvaluationSpec {
        name: b.name.trim().to_owned(),
        mode,
        dataset_id,
        dataset_sha256: set.sha256,
        items: set.items.len() as u64,
        configuration_id,
        judge_configuration_id,
        k,
        cutoffs,
        seed: b.seed.unwrap_or(0),
        resamples,
        suite,
    })
}

/// Records a checked spec and reads the new evaluation back.
pub async fn record(
    state: &AppState,
    ctx: &Ctx,
    spec: EvaluationSpec,
) -> ApiResult<EvaluationView> {
    let (id, events) =
        commands::evaluations::create(state.store.as_ref(), spec, ctx.metadata.clone()).await?;
    state.settle(&events).await;
    views::one(state, &id.to_string()).await
}

/// Defines an evaluation (`EvaluationCreated`); start it with `/start`.
#[utoipa::path(post, path = "/api/v1/evaluations", tag = "evaluations", request_body = CreateEvaluation,
    security(("bearer" = [])), responses((status = 201, body = EvaluationView), (status = 404, body = crate::error::Problem),
    (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(b): ApiJson<CreateEvaluation>,
) -> ApiResult<(StatusCode, Json<EvaluationView>)> {
    let spec = spec(&state, &b, None).await?;
    Ok((StatusCode::CREATED, Json(record(&state, &ctx, spec).await?)))
}

/// List filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only the runs of this benchmark suite.
    pub suite: Option<String>,
    /// At most this many, newest first (default 50, at most 500).
    pub limit: Option<i64>,
}

/// Evaluations, newest first.
#[utoipa::path(get, path = "/api/v1/evaluations", tag = "evaluations", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, body = [EvaluationView])))]
pub async fn list(
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<EvaluationView>>> {
    let limit = match q.limit.unwrap_or(50) {
        l @ 1..=500 => l,
        _ => {
            return Err(ApiError::bad_request(
                "invalid_limit",
                "limit must be 1 to 500",
            ))
        }
    };
    let filter = if q.suite.is_some() {
        "WHERE suite = $1 "
    } else {
        ""
    };
    let sql = format!(
        "SELECT * FROM evaluations {filter}ORDER BY created_at DESC, id DESC LIMIT {limit}"
    );
    let mut query = sqlx::query(&sql);
    if let Some(s) = q.suite {
        query = query.bind(s);
    }
    let rows = query.fetch_all(state.db.read()).await?;
    rows.iter()
        .map(views::view)
        .collect::<ApiResult<Vec<_>>>()
        .map(Json)
}

/// One evaluation: spec, status, progress and summary.
#[utoipa::path(get, path = "/api/v1/evaluations/{id}", tag = "evaluations", params(("id" = String, Path, description = "evaluation id")),
    security(("bearer" = [])), responses((status = 200, body = EvaluationView), (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<EvaluationView>> {
    views::one(&state, &id).await.map(Json)
}

/// Per-item results (metrics, outputs, judge prompts and verdicts) and the summary.
#[utoipa::path(get, path = "/api/v1/evaluations/{id}/results", tag = "evaluations", params(("id" = String, Path, description = "evaluation id")),
    security(("bearer" = [])), responses((status = 200, body = EvaluationResults), (status = 404, body = crate::error::Problem)))]
pub async fn results(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<EvaluationResults>> {
    views::results(&state, &id).await.map(Json)
}

fn evaluation_id(id: &str) -> ApiResult<EvaluationId> {
    EvaluationId::parse(id).ok_or_else(|| ApiError::not_found("evaluation"))
}

/// Builds the run's plan: the items and the configurations, opened.
async fn plan(
    state: &AppState,
    id: EvaluationId,
    spec: EvaluationSpec,
    ctx: &Ctx,
) -> ApiResult<runner::Plan> {
    let set = dataset::load(state, &spec.dataset_id.to_string(), spec.mode).await?;
    if set.sha256 != spec.dataset_sha256 {
        return Err(ApiError::conflict(
            "dataset_changed",
            "the dataset's file changed since the evaluation was defined",
        ));
    }
    let open = |c: Option<LlmConfigurationId>| async move {
        match c {
            Some(c) => configuration(state, &c.to_string()).await.map(Some),
            None => Ok(None),
        }
    };
    Ok(runner::Plan {
        id,
        answerer: open(spec.configuration_id).await?,
        judge: open(spec.judge_configuration_id).await?,
        spec,
        items: set.items,
        metadata: ctx.metadata.clone(),
    })
}

/// Queues the run as a job and records `EvaluationStarted` before the work begins.
async fn launch(state: &AppState, ctx: &Ctx, plan: runner::Plan) -> ApiResult<JobId> {
    let id = plan.id;
    let (go, ready) = tokio::sync::oneshot::channel::<()>();
    let st = state.clone();
    let job_id = crate::jobs::spawn(
        state,
        ctx,
        "evaluation.run",
        json!({"evaluation_id": id.to_string()}),
        move |h| async move {
            ready
                .await
                .map_err(|_| "the evaluation could not be started".to_owned())?;
            runner::run(st, h, plan).await
        },
    )
    .await?;
    let events = commands::evaluations::run(
        state.store.as_ref(),
        id,
        EvaluationCommand::Start { job_id },
        ctx.metadata.clone(),
    )
    .await?;
    state.settle(&events).await;
    let _ = go.send(());
    Ok(job_id)
}

/// `202 Accepted` naming the evaluation and its job.
fn accepted(id: EvaluationId, job_id: JobId) -> Response {
    let location = format!("/api/v1/jobs/{job_id}");
    (
        StatusCode::ACCEPTED,
        [(header::LOCATION, location.clone())],
        Json(json!({"evaluation_id": id.to_string(), "job_id": job_id.to_string(), "status": "running", "location": location})),
    )
        .into_response()
}

/// Starts a pending evaluation as a job (`EvaluationStarted`, then one
/// `EvaluationItemScored` per item, then `EvaluationFinished`).
#[utoipa::path(post, path = "/api/v1/evaluations/{id}/start", tag = "evaluations", params(("id" = String, Path, description = "evaluation id")),
    security(("bearer" = [])), responses((status = 202, description = "started; Location names the job"), (status = 404, body = crate::error::Problem),
    (status = 409, body = crate::error::Problem)))]
pub async fn start(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let eid = evaluation_id(&id)?;
    let loaded = commands::evaluations::state(state.store.as_ref(), eid).await?;
    let spec = match (loaded.state.status, loaded.state.spec) {
        (EvaluationStatus::Pending, Some(spec)) => spec,
        (EvaluationStatus::None, _) | (_, None) => return Err(ApiError::not_found("evaluation")),
        (s, _) => return Err(EvaluationError::WrongStatus(s.as_str()).into()),
    };
    let plan = plan(&state, eid, spec, &ctx).await?;
    let job_id = launch(&state, &ctx, plan).await?;
    Ok(accepted(eid, job_id))
}

/// Asks a running evaluation to stop after the current item
/// (`EvaluationStopRequested`, then `EvaluationStopped`).
#[utoipa::path(post, path = "/api/v1/evaluations/{id}/stop", tag = "evaluations", params(("id" = String, Path, description = "evaluation id")),
    security(("bearer" = [])), responses((status = 202, body = EvaluationView), (status = 404, body = crate::error::Problem),
    (status = 409, body = crate::error::Problem)))]
pub async fn stop(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<EvaluationView>)> {
    let eid = evaluation_id(&id)?;
    let events = commands::evaluations::run(
        state.store.as_ref(),
        eid,
        EvaluationCommand::RequestStop,
        ctx.metadata.clone(),
    )
    .await?;
    state.settle(&events).await;
    let loaded = commands::evaluations::state(state.store.as_ref(), eid).await?;
    if let Some(job_id) = loaded.state.job_id {
        let events = commands::jobs::run(
            state.store.as_ref(),
            job_id,
            JobCommand::RequestCancel,
            ctx.metadata.clone(),
        )
        .await;
        match events {
            Ok(events) => state.settle(&events).await,
            // The job already ended: the evaluation ends on its own.
            Err(commands::CommandError::Rejected(domain::job::JobError::Finished(_))) => {}
            Err(e) => return Err(e.into()),
        }
        crate::jobs::signal_cancel(job_id);
    }
    let view = views::one(&state, &id).await?;
    Ok((StatusCode::ACCEPTED, Json(view)))
}
