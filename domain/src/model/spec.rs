//! A model's descriptive fields, validated.

use serde::{Deserialize, Serialize};

use super::card::ModelCard;

/// What a model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelType {
    /// Predicts a class.
    Classification,
    /// Predicts a number.
    Regression,
    /// A large language model.
    Llm,
}

/// Where a model stands in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelStatus {
    /// Being prepared (the default).
    Draft,
    /// In use.
    Active,
    /// Serving predictions.
    Deployed,
    /// No longer in use.
    Retired,
}

/// The fields the seed's `models` table holds, checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSpec {
    /// Display name, 1 to 255 characters.
    pub name: String,
    /// Kind of prediction.
    #[serde(rename = "type")]
    pub model_type: ModelType,
    /// e.g. `gradient_boosting`.
    pub algorithm: Option<String>,
    /// e.g. `xgboost`, `sklearn`.
    pub framework: Option<String>,
    /// Free-form version label, at most 20 characters.
    pub version: Option<String>,
    /// Life-cycle status.
    pub status: ModelStatus,
    /// Headline accuracy in [0, 1].
    pub accuracy: Option<f64>,
    /// Input feature names, unique and non-empty.
    pub feature_names: Vec<String>,
    /// Free JSON object.
    pub metadata: serde_json::Value,
    /// The model card (absent from events written before it existed).
    #[serde(flatten)]
    pub card: ModelCard,
}

/// Why a spec was refused; names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct InvalidSpec {
    /// The offending field.
    pub field: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

fn invalid(field: &'static str, reason: impl Into<String>) -> InvalidSpec {
    InvalidSpec {
        field,
        reason: reason.into(),
    }
}

fn bounded(field: &'static str, s: &Option<String>, max: usize) -> Result<(), InvalidSpec> {
    match s {
        Some(v) if v.trim().is_empty() => Err(invalid(field, "must not be blank")),
        Some(v) if v.chars().count() > max => {
            Err(invalid(field, format!("at most {max} characters")))
        }
        _ => Ok(()),
    }
}

impl ModelSpec {
    /// Checks every field; the first problem found is returned.
    pub fn validate(self) -> Result<Self, InvalidSpec> {
        if self.name.trim().is_empty() {
            return Err(invalid("name", "must not be blank"));
        }
        bounded("name", &Some(self.name.clone()), 255)?;
        bounded("algorithm", &self.algorithm, 100)?;
        bounded("framework", &self.framework, 50)?;
        bounded("version", &self.version, 20)?;
        if let Some(a) = self.accuracy {
            if !(0.0..=1.0).contains(&a) {
                return Err(invalid("accuracy", "must be between 0 and 1"));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for f in &self.feature_names {
            if f.trim().is_empty() {
                return Err(invalid("feature_names", "names must not be blank"));
            }
            if !seen.insert(f.as_str()) {
                return Err(invalid("feature_names", format!("duplicate name {f:?}")));
            }
        }
        if !self.metadata.is_object() {
            return Err(invalid("metadata", "must be a JSON object"));
        }
        self.card.validate(&self.feature_names)?;
        Ok(self)
    }
}
