//! Fairness reports: a model version (or a dataset's own predictions) assessed for group
//! fairness, and mitigation runs with their before/after metrics.

mod policy;
#[cfg(test)]
mod tests;

pub use policy::DecisionPolicy;

use serde::{Deserialize, Serialize};

use crate::{aggregate::Aggregate, ids::FairnessReportId};

/// One bias finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Metric that crossed its threshold (e.g. `demographic_parity_difference`).
    pub metric: String,
    /// Protected attribute(s) the metric is over (joined with ` x ` for intersections).
    pub attribute: String,
    /// `low`, `medium`, `high` or `critical`.
    pub severity: String,
    /// The value measured (None when undefined).
    pub value: Option<f64>,
    /// The threshold it was compared with.
    pub threshold: f64,
    /// Groups concerned.
    pub affected_groups: Vec<String>,
    /// Human-readable evidence.
    pub evidence: String,
}

/// What an assessment found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    /// Model assessed (None for a dataset-only check).
    pub model_id: Option<String>,
    /// Version assessed (None when the dataset carried its own predictions).
    pub version: Option<u32>,
    /// Dataset the rows came from.
    pub dataset_id: Option<String>,
    /// SHA-256 of the dataset file.
    pub dataset_hash: Option<String>,
    /// `model` (performance fairness) or `data` (data-level bias).
    pub kind: String,
    /// Sensitive features.
    pub protected_attributes: Vec<String>,
    /// All metrics, as computed.
    pub metrics: serde_json::Value,
    /// Whether any finding was raised.
    pub bias_detected: bool,
    /// The findings.
    pub findings: Vec<Finding>,
    /// What to do about them.
    pub recommendations: Vec<String>,
    /// Bootstrap seed, when intervals were computed.
    pub seed: Option<u64>,
    /// Who asked.
    pub actor: String,
}

/// A mitigation run and its measured effect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mitigation {
    /// Model concerned.
    pub model_id: String,
    /// Version concerned, if RAIA ran it.
    pub version: Option<u32>,
    /// Dataset used.
    pub dataset_id: Option<String>,
    /// `reweighing`, `correlation_remover`, `threshold_optimizer`, `reject_option` or
    /// `exponentiated_gradient`.
    pub method: String,
    /// Settings and fitted parameters.
    pub parameters: serde_json::Value,
    /// Metrics on the held-out split before.
    pub before: serde_json::Value,
    /// Metrics on the held-out split after.
    pub after: serde_json::Value,
    /// Accuracy after minus accuracy before on the held-out split.
    pub accuracy_cost: Option<f64>,
    /// A dataset the mitigation produced (reweighing weights), if any.
    pub output_dataset_id: Option<String>,
    /// Who asked.
    pub actor: String,
}

/// The fairness report aggregate's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FairnessReport {
    /// Set once recorded.
    pub id: Option<FairnessReportId>,
    /// The assessment, for an assessment stream.
    pub assessment: Option<Assessment>,
    /// The mitigation, for a mitigation stream.
    pub mitigation: Option<Mitigation>,
}

/// What a caller may ask of a fairness report stream.
#[derive(Debug, Clone, PartialEq)]
pub enum FairnessCommand {
    /// Record a finished assessment.
    Assess {
        /// New id.
        report_id: FairnessReportId,
        /// What it found.
        assessment: Box<Assessment>,
    },
    /// Record a mitigation run.
    Mitigate {
        /// New id.
        report_id: FairnessReportId,
        /// What it did.
        mitigation: Box<Mitigation>,
    },
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum FairnessEvent {
    /// A model version or dataset was assessed for fairness.
    FairnessAssessed {
        /// The id.
        report_id: FairnessReportId,
        /// What it found.
        #[serde(flatten)]
        assessment: Box<Assessment>,
    },
    /// A mitigation was run and measured.
    BiasMitigationApplied {
        /// The id.
        report_id: FairnessReportId,
        /// What it did.
        #[serde(flatten)]
        mitigation: Box<Mitigation>,
    },
}

/// Why a fairness command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FairnessReportError {
    /// Record on an existing stream.
    #[error("fairness report already exists")]
    AlreadyExists,
}

impl Aggregate for FairnessReport {
    const STREAM_TYPE: &'static str = "fairness_report";
    type Command = FairnessCommand;
    type Event = FairnessEvent;
    type Error = FairnessReportError;

    fn decide(&self, cmd: FairnessCommand) -> Result<Vec<FairnessEvent>, FairnessReportError> {
        if self.id.is_some() {
            return Err(FairnessReportError::AlreadyExists);
        }
        Ok(vec![match cmd {
            FairnessCommand::Assess {
                report_id,
                assessment,
            } => FairnessEvent::FairnessAssessed {
                report_id,
                assessment,
            },
            FairnessCommand::Mitigate {
                report_id,
                mitigation,
            } => FairnessEvent::BiasMitigationApplied {
                report_id,
                mitigation,
            },
        }])
    }

    fn apply(&mut self, event: &FairnessEvent) {
        match event {
            FairnessEvent::FairnessAssessed {
                report_id,
                assessment,
            } => {
                self.id = Some(*report_id);
                self.assessment = Some((**assessment).clone());
            }
            FairnessEvent::BiasMitigationApplied {
                report_id,
                mitigation,
            } => {
                self.id = Some(*report_id);
                self.mitigation = Some((**mitigation).clone());
            }
        }
    }
}
