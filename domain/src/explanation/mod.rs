//! Explanations: one recorded run of an explainer (SHAP, LIME, importance, partial
//! dependence, what-if, counterfactuals) with everything needed to recompute it.

mod id;

pub use id::ExplanationId;

use serde::{Deserialize, Serialize};

use crate::aggregate::Aggregate;

/// What was explained, how, and what came out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExplanationRecord {
    /// The model (its id as text).
    pub model_id: String,
    /// The model version that was run.
    pub version: i64,
    /// SHA-256 of the version's artifact, so a recompute can tell a changed model.
    pub artifact_sha256: String,
    /// Endpoint family: `shap`, `lime`, `feature_importance`, `partial_dependence`,
    /// `what_if` or `counterfactuals`.
    pub kind: String,
    /// The method that ran, e.g. `exact`, `kernel`, `tree_path_dependent`.
    pub method: String,
    /// Every parameter of the request, resolved (rows source, background, output, options).
    pub parameters: serde_json::Value,
    /// Seed of every random choice.
    pub seed: u64,
    /// SHA-256 of the explained rows (f64 bits, row-major).
    pub rows_sha256: String,
    /// SHA-256 of the background rows and weights, when a background was used.
    pub background_sha256: Option<String>,
    /// The results as returned to the caller.
    pub results: serde_json::Value,
}

/// The explanation aggregate's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Explanation {
    /// Set once recorded.
    pub id: Option<ExplanationId>,
    /// The record.
    pub record: Option<ExplanationRecord>,
}

/// What a caller may ask of an explanation.
#[derive(Debug, Clone, PartialEq)]
pub enum ExplanationCommand {
    /// Record a finished run.
    Record {
        /// New id.
        explanation_id: ExplanationId,
        /// What ran and what came out.
        record: Box<ExplanationRecord>,
    },
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum ExplanationEvent {
    /// An explainer ran on a model version.
    ExplanationGenerated {
        /// The id.
        explanation_id: ExplanationId,
        /// The run.
        #[serde(flatten)]
        record: Box<ExplanationRecord>,
    },
}

/// Why an explanation command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExplanationError {
    /// Record on an existing stream.
    #[error("explanation already exists")]
    AlreadyExists,
}

impl Aggregate for Explanation {
    const STREAM_TYPE: &'static str = "explanation";
    type Command = ExplanationCommand;
    type Event = ExplanationEvent;
    type Error = ExplanationError;

    fn decide(&self, cmd: ExplanationCommand) -> Result<Vec<ExplanationEvent>, ExplanationError> {
        let ExplanationCommand::Record {
            explanation_id,
            record,
        } = cmd;
        if self.id.is_some() {
            return Err(ExplanationError::AlreadyExists);
        }
        Ok(vec![ExplanationEvent::ExplanationGenerated {
            explanation_id,
            record,
        }])
    }

    fn apply(&mut self, event: &ExplanationEvent) {
        match event {
            ExplanationEvent::ExplanationGenerated {
                explanation_id,
                record,
            } => {
                self.id = Some(*explanation_id);
                self.record = Some((**record).clone());
            }
        }
    }
}

#[cfg(test)]
mod tests;
