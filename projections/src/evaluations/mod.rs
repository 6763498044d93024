//! The `evaluations` and `evaluation_results` tables: one row per evaluation
//! (status, progress, summary) and one per scored item.

use async_trait::async_trait;
use domain::{
    decode::decode,
    evaluation::{Evaluation, EvaluationEvent, ScoredItem},
    upcast::Upcasters,
    Aggregate, StoredEvent,
};
use sqlx::{Any, Row, Transaction};

use crate::{chat::utc_day, error::ProjectionError, Projection};

/// Projects evaluation events.
#[derive(Debug, Clone, Copy)]
pub struct Evaluations;

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

/// Sets the status of one evaluation, and its summary, error and end time when given.
async fn set(
    tx: &mut Transaction<'static, Any>,
    id: &str,
    status: &str,
    summary: Option<String>,
    error: Option<String>,
    completed_at: Option<i64>,
) -> Result<(), ProjectionError> {
    sqlx::query(
        "UPDATE evaluations SET status = $1, summary = COALESCE($2, summary), \
         error = COALESCE($3, error), completed_at = COALESCE($4, completed_at) WHERE id = $5",
    )
    .bind(status.to_owned())
    .bind(summary)
    .bind(error)
    .bind(completed_at)
    .bind(id.to_owned())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One LLM call of a run, for usage and cost.
struct Call {
    id: String,
    configuration: Option<String>,
    prompt: u64,
    completion: u64,
    latency_ms: u64,
    cost: f64,
}

/// Records the item's LLM calls: its answer in run mode, then every judge call that answered.
async fn usage(
    tx: &mut Transaction<'static, Any>,
    id: &str,
    item: &ScoredItem,
    at: i64,
) -> Result<(), ProjectionError> {
    let row = sqlx::query(
        "SELECT mode, configuration_id, judge_configuration_id, created_by FROM evaluations WHERE id = $1",
    )
    .bind(id.to_owned())
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(()) };
    let mode: String = row.try_get("mode")?;
    let by: Option<String> = row.try_get("created_by")?;
    let mut calls = Vec::new();
    if mode == "run" && item.answer.is_some() {
        calls.push(Call {
            id: format!("{id}:{}:answer", item.index),
            configuration: row.try_get("configuration_id")?,
            prompt: item.prompt_tokens,
            completion: item.completion_tokens,
            latency_ms: item.latency_ms,
            cost: item.cost_usd,
        });
    }
    let judge: Option<String> = row.try_get("judge_configuration_id")?;
    for (k, j) in item.judge.iter().enumerate().filter(|(_, j)| !j.failed) {
        calls.push(Call {
            id: format!("{id}:{}:judge:{k}", item.index),
            configuration: judge.clone(),
            prompt: j.prompt_tokens,
            completion: j.completion_tokens,
            latency_ms: j.latency_ms,
            cost: j.cost_usd,
        });
    }
    for c in calls {
        sqlx::query(
            "INSERT INTO evaluation_llm_calls (call_id, evaluation_id, configuration_id, user_id, day, \
             prompt_tokens, completion_tokens, latency_ms, cost_usd, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(c.id)
        .bind(id.to_owned())
        .bind(c.configuration)
        .bind(by.clone().unwrap_or_default())
        .bind(utc_day(at))
        .bind(c.prompt as i64)
        .bind(c.completion as i64)
        .bind(c.latency_ms as i64)
        .bind(c.cost)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

#[async_trait]
impl Projection for Evaluations {
    fn name(&self) -> &'static str {
        "evaluations"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["evaluations", "evaluation_results", "evaluation_llm_calls"]
    }

    fn stream_types(&self) -> &'static [&'static str] {
        &[Evaluation::STREAM_TYPE]
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'static, Any>,
        e: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if e.stream_type != Evaluation::STREAM_TYPE {
            return Ok(());
        }
        let event: EvaluationEvent =
            decode(e, &Upcasters::domain()).map_err(|source| ProjectionError::Decode {
                position: e.position,
                source,
            })?;
        let id = e.stream_id.as_str();
        match event {
            EvaluationEvent::EvaluationCreated { id: eid, spec } => {
                let by = e.metadata().unwrap_or_default().actor_id;
                sqlx::query(
                    "INSERT INTO evaluations (id, name, mode, dataset_id, configuration_id, judge_configuration_id, \
                     suite, status, items_total, items_done, spec, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, 0, $9, $10, $11)",
                )
                .bind(eid.to_string())
                .bind(spec.name.clone())
                .bind(spec.mode.as_str())
                .bind(spec.dataset_id.to_string())
                .bind(spec.configuration_id.map(|c| c.to_string()))
                .bind(spec.judge_configuration_id.map(|c| c.to_string()))
                .bind(spec.suite.clone())
                .bind(spec.items as i64)
                .bind(json(&spec))
                .bind(by)
                .bind(e.recorded_at)
                .execute(&mut **tx)
                .await?;
            }
            EvaluationEvent::EvaluationStarted { job_id, .. } => {
                sqlx::query(
                    "UPDATE evaluations SET status = 'running', job_id = $1, started_at = $2 WHERE id = $3",
                )
                .bind(job_id.to_string())
                .bind(e.recorded_at)
                .bind(id.to_owned())
                .execute(&mut **tx)
                .await?;
            }
            EvaluationEvent::EvaluationItemScored { item, done, .. } => {
                sqlx::query(
                    "INSERT INTO evaluation_results (evaluation_id, idx, item_id, result, created_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id.to_owned())
                .bind(item.index as i64)
                .bind(item.item_id.clone())
                .bind(json(&item))
                .bind(e.recorded_at)
                .execute(&mut **tx)
                .await?;
                sqlx::query("UPDATE evaluations SET items_done = $1 WHERE id = $2")
                    .bind(done as i64)
                    .bind(id.to_owned())
                    .execute(&mut **tx)
                    .await?;
                usage(tx, id, &item, e.recorded_at).await?;
            }
            EvaluationEvent::EvaluationStopRequested => {
                set(tx, id, "stopping", None, None, None).await?;
            }
            EvaluationEvent::EvaluationStopped { summary, .. } => {
                let at = Some(e.recorded_at);
                set(tx, id, "stopped", Some(json(&summary)), None, at).await?;
            }
            EvaluationEvent::EvaluationFinished { summary } => {
                let at = Some(e.recorded_at);
                set(tx, id, "completed", Some(json(&summary)), None, at).await?;
            }
            EvaluationEvent::EvaluationFailed { error } => {
                set(tx, id, "failed", None, Some(error), Some(e.recorded_at)).await?;
            }
        }
        Ok(())
    }
}
