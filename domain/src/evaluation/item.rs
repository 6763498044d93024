//! One scored item: its inputs, outputs, metric values and judge record.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One call to the judge: the prompt sent and the raw text it answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgeCall {
    /// The metric step (`faithfulness.statements`, `faithfulness.verdicts`, ...).
    pub step: String,
    /// The prompt as sent.
    pub prompt: String,
    /// The judge's raw answer.
    pub verdict: String,
    /// Prompt tokens the provider counted (0 when it failed).
    #[serde(default)]
    pub prompt_tokens: u64,
    /// Completion tokens.
    #[serde(default)]
    pub completion_tokens: u64,
    /// Time to the verdict, ms.
    #[serde(default)]
    pub latency_ms: u64,
    /// Cost from the price table, USD.
    #[serde(default)]
    pub cost_usd: f64,
    /// Whether the provider failed (no verdict, no usage).
    #[serde(default)]
    pub failed: bool,
}

/// An item's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredItem {
    /// 0-based line of the item in the dataset.
    pub index: u64,
    /// The item's id (its `id` column, else its line number).
    pub item_id: String,
    /// The question.
    pub question: String,
    /// The generated (or recorded) answer.
    pub answer: Option<String>,
    /// The reference answer.
    pub reference: Option<String>,
    /// Retrieved document ids, rank 1 first.
    pub retrieved_ids: Vec<String>,
    /// Metric values by name (`hit@5`, `f1`, `rougeL_fmeasure`, `faithfulness`, ...).
    pub metrics: BTreeMap<String, f64>,
    /// Prompt tokens (run mode or recorded).
    pub prompt_tokens: u64,
    /// Completion tokens.
    pub completion_tokens: u64,
    /// Cost from the price table, USD.
    pub cost_usd: f64,
    /// Time to the answer, ms.
    pub latency_ms: u64,
    /// The judge's prompts and raw verdicts.
    pub judge: Vec<JudgeCall>,
    /// Why the item could not be answered or judged, if it could not.
    pub error: Option<String>,
}
