//! Reading an evaluation dataset (an uploaded JSON Lines or CSV dataset) into
//! items. Columns: `question` (required), `id`, `reference_answer`,
//! `relevant_ids` or `relevance` (object id -> grade), and for pre-recorded
//! outputs `generated_answer`, `retrieved_ids`, `contexts`, `latency_ms`,
//! `prompt_tokens`, `completion_tokens`, `cost_usd`. Lists are JSON arrays, or
//! in CSV also values separated by `|`.

use std::collections::HashMap;

use analysis::profile::{Column, ColumnData, Table};
use domain::evaluation::EvaluationMode;

use crate::{
    error::{ApiError, ApiResult},
    routes::datasets::{file_ref, live_row, load_table},
    state::AppState,
};

/// One question to score.
#[derive(Debug, Clone, Default)]
pub struct EvalItem {
    /// 0-based row.
    pub index: u64,
    /// Its id.
    pub id: String,
    /// The question.
    pub question: String,
    /// Reference answer.
    pub reference: Option<String>,
    /// Graded relevance judgements, if the item has any.
    pub relevance: Option<HashMap<String, u32>>,
    /// Recorded answer.
    pub generated: Option<String>,
    /// Recorded ranking.
    pub retrieved: Option<Vec<String>>,
    /// Recorded passages (for the judge).
    pub contexts: Option<Vec<String>>,
    /// Recorded latency, tokens and cost.
    pub usage: RecordedUsage,
}

/// Usage columns of a recorded item.
#[derive(Debug, Clone, Copy, Default)]
pub struct RecordedUsage {
    /// ms.
    pub latency_ms: Option<f64>,
    /// Prompt tokens.
    pub prompt_tokens: Option<f64>,
    /// Completion tokens.
    pub completion_tokens: Option<f64>,
    /// USD.
    pub cost_usd: Option<f64>,
}

/// A loaded dataset: its file hash and items.
#[derive(Debug, Clone)]
pub struct EvalSet {
    /// SHA-256 of the file.
    pub sha256: String,
    /// Items in file order.
    pub items: Vec<EvalItem>,
}

fn bad(detail: impl Into<String>) -> ApiError {
    ApiError::unprocessable("invalid_evaluation_dataset", detail)
}

fn cell(c: &Column, r: usize) -> Option<String> {
    if c.missing[r] {
        return None;
    }
    Some(match &c.data {
        ColumnData::Int64(v) => v[r].to_string(),
        ColumnData::Float64(v) => v[r].to_string(),
        ColumnData::Bool(v) => v[r].to_string(),
        ColumnData::Object(s) => s.get(r).unwrap_or_default().to_owned(),
    })
}

fn list(text: &str, row: usize, column: &str) -> ApiResult<Vec<String>> {
    let t = text.trim();
    if t.starts_with('[') {
        let values: Vec<serde_json::Value> = serde_json::from_str(t)
            .map_err(|e| bad(format!("row {row}: `{column}` is not a JSON array: {e}")))?;
        return Ok(values
            .into_iter()
            .map(|v| match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            })
            .collect());
    }
    Ok(t.split('|')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect())
}

fn relevance(text: &str, row: usize) -> ApiResult<HashMap<String, u32>> {
    serde_json::from_str(text.trim()).map_err(|e| {
        bad(format!(
            "row {row}: `relevance` must be a JSON object of id -> grade (0 to 3...): {e}"
        ))
    })
}

fn number(text: Option<String>, row: usize, column: &str) -> ApiResult<Option<f64>> {
    text.map(|t| {
        t.trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .ok_or_else(|| bad(format!("row {row}: `{column}` must be a number >= 0")))
    })
    .transpose()
}

/// Checks that the columns the mode needs are there; names the missing ones.
fn check_columns(table: &Table, mode: EvaluationMode) -> ApiResult<()> {
    let has = |n: &str| table.column(n).is_some();
    let judged = has("relevance") || has("relevant_ids");
    let mut missing: Vec<&str> = Vec::new();
    if !has("question") {
        missing.push("question");
    }
    match mode {
        EvaluationMode::Run if !has("reference_answer") && !judged => {
            missing.push("reference_answer or relevant_ids or relevance");
        }
        EvaluationMode::Recorded => {
            let answers = has("generated_answer") && has("reference_answer");
            let ranking = has("retrieved_ids") && judged;
            if !answers && !ranking {
                missing.push(
                    "generated_answer and reference_answer, or retrieved_ids and relevant_ids (or relevance)",
                );
            }
        }
        EvaluationMode::Run => {}
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(ApiError::unprocessable(
        "missing_columns",
        format!(
            "the evaluation dataset lacks the column(s): {}",
            missing.join("; ")
        ),
    ))
}

/// Turns a table into items.
pub fn items(table: &Table, mode: EvaluationMode) -> ApiResult<Vec<EvalItem>> {
    check_columns(table, mode)?;
    if table.rows == 0 {
        return Err(bad("the evaluation dataset has no rows"));
    }
    let get = |name: &str, r: usize| table.column(name).and_then(|c| cell(c, r));
    (0..table.rows)
        .map(|r| {
            let row = r + 1;
            let question = get("question", r).unwrap_or_default();
            if question.trim().is_empty() {
                return Err(bad(format!("row {row}: `question` is empty")));
            }
            let relevance = match (get("relevance", r), get("relevant_ids", r)) {
                (Some(t), _) => Some(relevance(&t, row)?),
                (None, Some(t)) => Some(
                    list(&t, row, "relevant_ids")?
                        .into_iter()
                        .map(|id| (id, 1))
                        .collect(),
                ),
                (None, None) => None,
            };
            Ok(EvalItem {
                index: r as u64,
                id: get("id", r).unwrap_or_else(|| row.to_string()),
                question,
                reference: get("reference_answer", r),
                relevance,
                generated: match mode {
                    EvaluationMode::Recorded => {
                        Some(get("generated_answer", r).unwrap_or_default())
                            .filter(|_| table.column("generated_answer").is_some())
                    }
                    EvaluationMode::Run => None,
                },
                retrieved: get("retrieved_ids", r)
                    .map(|t| list(&t, row, "retrieved_ids"))
                    .transpose()?,
                contexts: get("contexts", r)
                    .map(|t| list(&t, row, "contexts"))
                    .transpose()?,
                usage: RecordedUsage {
                    latency_ms: number(get("latency_ms", r), row, "latency_ms")?,
                    prompt_tokens: number(get("prompt_tokens", r), row, "prompt_tokens")?,
                    completion_tokens: number(
                        get("completion_tokens", r),
                        row,
                        "completion_tokens",
                    )?,
                    cost_usd: number(get("cost_usd", r), row, "cost_usd")?,
                },
            })
        })
        .collect()
}

/// Loads a live dataset's items (404 when the dataset does not exist).
pub async fn load(state: &AppState, dataset_id: &str, mode: EvaluationMode) -> ApiResult<EvalSet> {
    let row = live_row(state, dataset_id).await?;
    let f = file_ref(&row)?;
    let table = load_table(state, &f).await?;
    Ok(EvalSet {
        sha256: f.sha256,
        items: items(&table, mode)?,
    })
}
