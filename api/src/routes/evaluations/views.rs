//! The evaluation read model as the API shows it: one evaluation, and its
//! per-item results with the summary (the shape governance exports read).

use domain::evaluation::ScoredItem;
use serde::Serialize;
use sqlx::Row;
use utoipa::ToSchema;

use crate::{
    error::{ApiError, ApiResult},
    routes::rfc3339,
    state::AppState,
};

/// An evaluation.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `run` or `recorded`.
    pub mode: String,
    /// Dataset.
    pub dataset_id: String,
    /// Answering configuration.
    pub configuration_id: Option<String>,
    /// Judge configuration.
    pub judge_configuration_id: Option<String>,
    /// Benchmark suite.
    pub suite: Option<String>,
    /// `pending`, `running`, `stopping`, `stopped`, `completed` or `failed`.
    pub status: String,
    /// The run's job.
    pub job_id: Option<String>,
    /// Items in the dataset.
    pub items_total: i64,
    /// Items scored.
    pub items_done: i64,
    /// Everything it was created with.
    #[schema(value_type = Object)]
    pub spec: serde_json::Value,
    /// Aggregates (means with bootstrap intervals, corpus BLEU) once ended.
    #[schema(value_type = Option<Object>)]
    pub summary: Option<serde_json::Value>,
    /// Why it failed.
    pub error: Option<String>,
    /// Creator.
    pub created_by: Option<String>,
    /// Created.
    pub created_at: String,
    /// Started.
    pub started_at: Option<String>,
    /// Ended.
    pub completed_at: Option<String>,
}

/// An evaluation's results.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationResults {
    /// The evaluation.
    pub evaluation: EvaluationView,
    /// Every scored item in dataset order.
    #[schema(value_type = [Object])]
    pub items: Vec<ScoredItem>,
}

fn json_column(r: &sqlx::any::AnyRow, column: &str) -> ApiResult<Option<serde_json::Value>> {
    r.try_get::<Option<String>, _>(column)?
        .map(|s| serde_json::from_str(&s).map_err(ApiError::internal))
        .transpose()
}

/// Builds a view from an `evaluations` row.
pub fn view(r: &sqlx::any::AnyRow) -> ApiResult<EvaluationView> {
    Ok(EvaluationView {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        mode: r.try_get("mode")?,
        dataset_id: r.try_get("dataset_id")?,
        configuration_id: r.try_get("configuration_id")?,
        judge_configuration_id: r.try_get("judge_configuration_id")?,
        suite: r.try_get("suite")?,
        status: r.try_get("status")?,
        job_id: r.try_get("job_id")?,
        items_total: r.try_get("items_total")?,
        items_done: r.try_get("items_done")?,
        spec: json_column(r, "spec")?.unwrap_or_default(),
        summary: json_column(r, "summary")?,
        error: r.try_get("error")?,
        created_by: r.try_get("created_by")?,
        created_at: rfc3339(r.try_get("created_at")?),
        started_at: r.try_get::<Option<i64>, _>("started_at")?.map(rfc3339),
        completed_at: r.try_get::<Option<i64>, _>("completed_at")?.map(rfc3339),
    })
}

/// One evaluation, or 404.
pub async fn one(state: &AppState, id: &str) -> ApiResult<EvaluationView> {
    let r = sqlx::query("SELECT * FROM evaluations WHERE id = $1")
        .bind(id.to_owned())
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(|| ApiError::not_found("evaluation"))?;
    view(&r)
}

/// The scored items of an evaluation, in dataset order.
pub async fn items(state: &AppState, id: &str) -> ApiResult<Vec<ScoredItem>> {
    sqlx::query("SELECT result FROM evaluation_results WHERE evaluation_id = $1 ORDER BY idx")
        .bind(id.to_owned())
        .fetch_all(state.db.read())
        .await?
        .iter()
        .map(|r| {
            serde_json::from_str(&r.try_get::<String, _>("result")?).map_err(ApiError::internal)
        })
        .collect()
}

/// An evaluation with its items.
pub async fn results(state: &AppState, id: &str) -> ApiResult<EvaluationResults> {
    Ok(EvaluationResults {
        evaluation: one(state, id).await?,
        items: items(state, id).await?,
    })
}
