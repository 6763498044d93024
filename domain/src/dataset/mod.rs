//! Datasets: uploads (with versions and lineage), deletion, quality assessments,
//! rule sets and validations.

mod quality;
mod spec;
#[cfg(test)]
mod tests;

pub use quality::{QualityAssessment, QualityFinding, Rule, ValidationSummary};
pub use spec::{ColumnSchema, ColumnType, DatasetFormat, DatasetSpec, Origin};

use serde::{Deserialize, Serialize};

use crate::{aggregate::Aggregate, ids::DatasetId};

/// The dataset aggregate's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Dataset {
    /// Set once uploaded.
    pub id: Option<DatasetId>,
    /// The upload's facts.
    pub spec: Option<DatasetSpec>,
    /// Who uploaded it.
    pub uploaded_by: Option<String>,
    /// Latest assessment's score in [0, 1].
    pub quality_score: Option<f64>,
    /// The rule set in force.
    pub rules: Vec<Rule>,
    /// How many times the rule set was set (0 = never).
    pub rules_version: u64,
    /// Set once deleted; a deleted dataset accepts no command.
    pub deleted: bool,
}

/// What a caller may ask of a dataset.
#[derive(Debug, Clone, PartialEq)]
pub enum DatasetCommand {
    /// Record an upload.
    Upload {
        /// New id.
        dataset_id: DatasetId,
        /// Facts of the upload (computed by the handler).
        spec: Box<DatasetSpec>,
        /// Actor id.
        uploaded_by: String,
    },
    /// Record a quality assessment.
    Assess(Box<QualityAssessment>),
    /// Replace the rule set.
    SetRules(Vec<Rule>),
    /// Record a validation against the current rule set.
    RecordValidation(ValidationSummary),
    /// Remove the dataset (its history stays).
    Delete,
}

/// What happened to a dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum DatasetEvent {
    /// A file was uploaded and read.
    DatasetUploaded {
        /// The id.
        dataset_id: DatasetId,
        /// The facts.
        #[serde(flatten)]
        spec: Box<DatasetSpec>,
        /// Actor id.
        uploaded_by: String,
    },
    /// Its quality was assessed.
    DataQualityAssessed(Box<QualityAssessment>),
    /// Its rule set was replaced.
    DataQualityRulesSet {
        /// The new rules.
        rules: Vec<Rule>,
    },
    /// It was validated against its rules.
    DatasetValidated(ValidationSummary),
    /// It was deleted (the file is removed when no live dataset shares it).
    DatasetDeleted {},
}

/// Why a dataset command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DatasetError {
    /// Upload on an existing stream.
    #[error("dataset already exists")]
    AlreadyExists,
    /// Command on a missing or deleted dataset.
    #[error("dataset not found")]
    NotFound,
    /// Validation without rules.
    #[error("the dataset has no rules; POST /api/v1/data-quality/rules first")]
    NoRules,
    /// A score outside [0, 1].
    #[error("quality score must be in [0, 1]")]
    BadScore,
}

impl Aggregate for Dataset {
    const STREAM_TYPE: &'static str = "dataset";
    type Command = DatasetCommand;
    type Event = DatasetEvent;
    type Error = DatasetError;

    fn decide(&self, cmd: DatasetCommand) -> Result<Vec<DatasetEvent>, DatasetError> {
        if let DatasetCommand::Upload {
            dataset_id,
            spec,
            uploaded_by,
        } = cmd
        {
            return match self.id {
                Some(_) => Err(DatasetError::AlreadyExists),
                None => Ok(vec![DatasetEvent::DatasetUploaded {
                    dataset_id,
                    spec,
                    uploaded_by,
                }]),
            };
        }
        if self.id.is_none() || self.deleted {
            return Err(DatasetError::NotFound);
        }
        match cmd {
            DatasetCommand::Upload { .. } => Err(DatasetError::AlreadyExists),
            DatasetCommand::Assess(a) if !(0.0..=1.0).contains(&a.score) => {
                Err(DatasetError::BadScore)
            }
            DatasetCommand::Assess(a) => Ok(vec![DatasetEvent::DataQualityAssessed(a)]),
            DatasetCommand::SetRules(rules) => {
                Ok(vec![DatasetEvent::DataQualityRulesSet { rules }])
            }
            DatasetCommand::RecordValidation(_) if self.rules.is_empty() => {
                Err(DatasetError::NoRules)
            }
            DatasetCommand::RecordValidation(v) => Ok(vec![DatasetEvent::DatasetValidated(v)]),
            DatasetCommand::Delete => Ok(vec![DatasetEvent::DatasetDeleted {}]),
        }
    }

    fn apply(&mut self, event: &DatasetEvent) {
        match event {
            DatasetEvent::DatasetUploaded {
                dataset_id,
                spec,
                uploaded_by,
            } => {
                self.id = Some(*dataset_id);
                self.spec = Some((**spec).clone());
                self.uploaded_by = Some(uploaded_by.clone());
            }
            DatasetEvent::DataQualityAssessed(a) => self.quality_score = Some(a.score),
            DatasetEvent::DataQualityRulesSet { rules } => {
                self.rules = rules.clone();
                self.rules_version += 1;
            }
            DatasetEvent::DatasetValidated(_) => {}
            DatasetEvent::DatasetDeleted {} => self.deleted = true,
        }
    }
}
