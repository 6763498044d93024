//! LLM and RAG evaluations: a dataset of questions scored either by running a
//! configuration (retrieval + answer) per item or from pre-recorded outputs,
//! with deterministic metrics and, when a judge is named, LLM-judged ones.
//! The whole run is on the stream: each scored item, how it ended, the summary.

mod item;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use item::{JudgeCall, ScoredItem};

use crate::{
    aggregate::Aggregate,
    ids::{DatasetId, EvaluationId, JobId, LlmConfigurationId},
};

/// How the items get their outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvaluationMode {
    /// Retrieve and answer each question with a configuration.
    Run,
    /// Score outputs an external system already produced; no LLM call.
    Recorded,
}

impl EvaluationMode {
    /// The mode as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Run => "run",
            Self::Recorded => "recorded",
        }
    }
}

/// What an evaluation runs, fixed at creation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationSpec {
    /// Display name.
    pub name: String,
    /// Run or recorded.
    pub mode: EvaluationMode,
    /// The evaluation dataset.
    pub dataset_id: DatasetId,
    /// SHA-256 of the dataset file when the evaluation was created.
    pub dataset_sha256: String,
    /// Items in the dataset.
    pub items: u64,
    /// The configuration that answers (run mode).
    pub configuration_id: Option<LlmConfigurationId>,
    /// The configuration that judges (LLM-judged metrics), if any.
    pub judge_configuration_id: Option<LlmConfigurationId>,
    /// Passages retrieved per question (run mode).
    pub k: u32,
    /// Cut-offs of the @k retrieval metrics.
    pub cutoffs: Vec<u32>,
    /// Seed of the bootstrap intervals.
    pub seed: u64,
    /// Bootstrap resamples.
    pub resamples: u32,
    /// The benchmark suite this run belongs to, if any.
    pub suite: Option<String>,
}

/// One aggregated metric: its mean with a bootstrap interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricSummary {
    /// Items that have the metric.
    pub n: u64,
    /// Mean over those items.
    pub mean: f64,
    /// Lower bound of the 95 % percentile bootstrap interval.
    pub ci_low: f64,
    /// Upper bound.
    pub ci_high: f64,
}

/// Corpus BLEU over every scored item (sacreBLEU `corpus_bleu`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorpusBleu {
    /// Score, 0 to 100.
    pub score: f64,
    /// Clipped matching n-grams, n = 1..4.
    pub counts: Vec<u64>,
    /// Total n-grams, n = 1..4.
    pub totals: Vec<u64>,
    /// Brevity penalty.
    pub bp: f64,
    /// Generated length in tokens.
    pub sys_len: u64,
    /// Reference length in tokens.
    pub ref_len: u64,
}

/// Aggregates over the scored items.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EvaluationSummary {
    /// Items scored.
    pub items: u64,
    /// Items that carry an error (not answered or not judged).
    pub failed_items: u64,
    /// Per metric: mean and bootstrap interval (`hit_rate@5`, `mrr`, `map`, `f1`, ...).
    pub metrics: BTreeMap<String, MetricSummary>,
    /// Corpus BLEU where answers and references exist.
    pub corpus_bleu: Option<CorpusBleu>,
}

/// Where an evaluation is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvaluationStatus {
    /// Not created.
    #[default]
    None,
    /// Created, never started.
    Pending,
    /// A job is scoring items.
    Running,
    /// Someone asked it to stop; it stops after the current item.
    Stopping,
    /// Stopped before the last item.
    Stopped,
    /// Every item scored.
    Completed,
    /// The run failed.
    Failed,
}

impl EvaluationStatus {
    /// The status as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Stopping => "stopping",
            Self::Stopped => "stopped",
            Self::Completed => "completed",
            Self::Failed => "failed",
        }
    }
}

/// The evaluation aggregate's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Evaluation {
    /// Set once created.
    pub id: Option<EvaluationId>,
    /// What it runs.
    pub spec: Option<EvaluationSpec>,
    /// Where it is.
    pub status: EvaluationStatus,
    /// The job of the run.
    pub job_id: Option<JobId>,
    /// Items scored.
    pub done: u64,
}

/// What a caller may ask of an evaluation.
#[derive(Debug, Clone, PartialEq)]
pub enum EvaluationCommand {
    /// Create it.
    Create {
        /// New id.
        id: EvaluationId,
        /// What it runs.
        spec: Box<EvaluationSpec>,
    },
    /// A job starts scoring.
    Start {
        /// The job.
        job_id: JobId,
    },
    /// Record one scored item.
    Score(Box<ScoredItem>),
    /// Ask the run to stop after the current item.
    RequestStop,
    /// The run honoured a stop request.
    Stopped {
        /// Aggregates over the items scored so far.
        summary: Box<EvaluationSummary>,
    },
    /// Every item scored.
    Finish {
        /// Aggregates.
        summary: Box<EvaluationSummary>,
    },
    /// The run failed.
    Fail {
        /// Why.
        error: String,
    },
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum EvaluationEvent {
    /// An evaluation was defined.
    EvaluationCreated {
        /// Id.
        id: EvaluationId,
        /// What it runs.
        #[serde(flatten)]
        spec: Box<EvaluationSpec>,
    },
    /// A job started scoring.
    EvaluationStarted {
        /// The job.
        job_id: JobId,
        /// Items to score.
        total: u64,
    },
    /// One item scored (also the run's progress: `done` of `total`).
    EvaluationItemScored {
        /// The item's results.
        #[serde(flatten)]
        item: Box<ScoredItem>,
        /// Items scored so far, this one included.
        done: u64,
        /// Items in all.
        total: u64,
    },
    /// Someone asked the run to stop.
    EvaluationStopRequested,
    /// The run stopped between items.
    EvaluationStopped {
        /// Items scored.
        done: u64,
        /// Aggregates over them.
        summary: Box<EvaluationSummary>,
    },
    /// Every item scored.
    EvaluationFinished {
        /// Aggregates.
        summary: Box<EvaluationSummary>,
    },
    /// The run failed.
    EvaluationFailed {
        /// Why.
        error: String,
    },
}

/// Why an evaluation command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvaluationError {
    /// No such evaluation.
    #[error("evaluation not found")]
    NotFound,
    /// Create on an existing stream.
    #[error("evaluation already exists")]
    AlreadyExists,
    /// The command does not fit the current status.
    #[error("the evaluation is {0}")]
    WrongStatus(&'static str),
}

impl Aggregate for Evaluation {
    const STREAM_TYPE: &'static str = "evaluation";
    type Command = EvaluationCommand;
    type Event = EvaluationEvent;
    type Error = EvaluationError;

    fn decide(&self, cmd: EvaluationCommand) -> Result<Vec<EvaluationEvent>, EvaluationError> {
        use EvaluationStatus as S;
        let total = self.spec.as_ref().map_or(0, |s| s.items);
        let live = matches!(self.status, S::Running | S::Stopping);
        let events = match (cmd, self.status) {
            (EvaluationCommand::Create { id, spec }, S::None) => {
                vec![EvaluationEvent::EvaluationCreated { id, spec }]
            }
            (EvaluationCommand::Create { .. }, _) => return Err(EvaluationError::AlreadyExists),
            (_, S::None) => return Err(EvaluationError::NotFound),
            (EvaluationCommand::Start { job_id }, S::Pending) => {
                vec![EvaluationEvent::EvaluationStarted { job_id, total }]
            }
            (EvaluationCommand::Score(item), _) if live => {
                vec![EvaluationEvent::EvaluationItemScored {
                    item,
                    done: self.done + 1,
                    total,
                }]
            }
            (EvaluationCommand::RequestStop, S::Running) => {
                vec![EvaluationEvent::EvaluationStopRequested]
            }
            // Asking twice changes nothing.
            (EvaluationCommand::RequestStop, S::Stopping) => Vec::new(),
            (EvaluationCommand::Stopped { summary }, _) if live => {
                vec![EvaluationEvent::EvaluationStopped {
                    done: self.done,
                    summary,
                }]
            }
            (EvaluationCommand::Finish { summary }, _) if live => {
                vec![EvaluationEvent::EvaluationFinished { summary }]
            }
            (EvaluationCommand::Fail { error }, _) if live => {
                vec![EvaluationEvent::EvaluationFailed { error }]
            }
            (_, s) => return Err(EvaluationError::WrongStatus(s.as_str())),
        };
        Ok(events)
    }

    fn apply(&mut self, event: &EvaluationEvent) {
        match event {
            EvaluationEvent::EvaluationCreated { id, spec } => {
                self.id = Some(*id);
                self.spec = Some((**spec).clone());
                self.status = EvaluationStatus::Pending;
            }
            EvaluationEvent::EvaluationStarted { job_id, .. } => {
                self.job_id = Some(*job_id);
                self.status = EvaluationStatus::Running;
            }
            EvaluationEvent::EvaluationItemScored { done, .. } => self.done = *done,
            EvaluationEvent::EvaluationStopRequested => self.status = EvaluationStatus::Stopping,
            EvaluationEvent::EvaluationStopped { .. } => self.status = EvaluationStatus::Stopped,
            EvaluationEvent::EvaluationFinished { .. } => {
                self.status = EvaluationStatus::Completed;
            }
            EvaluationEvent::EvaluationFailed { .. } => self.status = EvaluationStatus::Failed,
        }
    }
}
