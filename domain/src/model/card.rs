//! The model card: what a model is for, what it is not for, who answers for it,
//! its data, its features and its EU AI Act risk tier.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use super::spec::InvalidSpec;

/// Risk tier under the EU AI Act.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskTier {
    /// Minimal risk (no obligations).
    Minimal,
    /// Limited risk (transparency obligations).
    Limited,
    /// High risk (conformity assessment).
    High,
    /// Unacceptable risk (prohibited practice).
    Unacceptable,
}

/// What kind of values a feature holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeatureType {
    /// A number.
    Numeric,
    /// One of a set of categories (encoded as a number for the model).
    Categorical,
    /// True or false (encoded as 1 or 0).
    Boolean,
    /// Free text.
    Text,
}

/// The card fields; every one may be absent (old events decode with defaults).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelCard {
    /// What the model is meant to be used for.
    pub intended_use: Option<String>,
    /// Uses it must not be put to.
    pub out_of_scope_use: Option<String>,
    /// Known limitations.
    pub limitations: Option<String>,
    /// Ethical considerations.
    pub ethical_considerations: Option<String>,
    /// Who answers for it (user ids, e-mails or team names).
    pub owners: Vec<String>,
    /// The dataset it was trained on (a dataset id).
    pub training_dataset_id: Option<String>,
    /// Datasets it is evaluated on (dataset ids).
    pub evaluation_dataset_ids: Vec<String>,
    /// The column it predicts.
    pub target_column: Option<String>,
    /// Type of each feature, keyed by feature name.
    pub feature_types: BTreeMap<String, FeatureType>,
    /// EU AI Act risk tier.
    pub risk_tier: Option<RiskTier>,
    /// Free labels for search.
    pub tags: Vec<String>,
}

const LONG_TEXT: usize = 10_000;
const SHORT_TEXT: usize = 255;
const MAX_LIST: usize = 100;

fn invalid(field: &'static str, reason: impl Into<String>) -> InvalidSpec {
    InvalidSpec {
        field,
        reason: reason.into(),
    }
}

fn text(field: &'static str, s: &Option<String>, max: usize) -> Result<(), InvalidSpec> {
    match s {
        Some(v) if v.trim().is_empty() => Err(invalid(field, "must not be blank")),
        Some(v) if v.chars().count() > max => {
            Err(invalid(field, format!("at most {max} characters")))
        }
        _ => Ok(()),
    }
}

fn list(field: &'static str, items: &[String]) -> Result<(), InvalidSpec> {
    if items.len() > MAX_LIST {
        return Err(invalid(field, format!("at most {MAX_LIST} entries")));
    }
    let mut seen = HashSet::new();
    for i in items {
        text(field, &Some(i.clone()), SHORT_TEXT)?;
        if i.trim() != i {
            return Err(invalid(field, format!("{i:?} has surrounding blanks")));
        }
        if !seen.insert(i.as_str()) {
            return Err(invalid(field, format!("duplicate entry {i:?}")));
        }
    }
    Ok(())
}

impl ModelCard {
    /// Checks the card against the model's feature names.
    pub fn validate(&self, feature_names: &[String]) -> Result<(), InvalidSpec> {
        text("intended_use", &self.intended_use, LONG_TEXT)?;
        text("out_of_scope_use", &self.out_of_scope_use, LONG_TEXT)?;
        text("limitations", &self.limitations, LONG_TEXT)?;
        text(
            "ethical_considerations",
            &self.ethical_considerations,
            LONG_TEXT,
        )?;
        text("training_dataset_id", &self.training_dataset_id, SHORT_TEXT)?;
        text("target_column", &self.target_column, SHORT_TEXT)?;
        list("owners", &self.owners)?;
        list("evaluation_dataset_ids", &self.evaluation_dataset_ids)?;
        list("tags", &self.tags)?;
        if let Some(t) = self.tags.iter().find(|t| t.to_lowercase() != **t) {
            return Err(invalid("tags", format!("{t:?} must be lower case")));
        }
        if let Some(name) = self
            .feature_types
            .keys()
            .find(|k| !feature_names.contains(k))
        {
            return Err(invalid(
                "feature_types",
                format!("{name:?} is not one of feature_names"),
            ));
        }
        if let Some(target) = &self.target_column {
            if feature_names.contains(target) {
                return Err(invalid(
                    "target_column",
                    "the target must not also be a feature",
                ));
            }
        }
        Ok(())
    }
}
