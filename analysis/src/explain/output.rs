//! What every Shapley explainer returns per explained row.

use serde::{Deserialize, Serialize};

/// The output scale in which Shapley values are additive (shap's `link`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Link {
    /// Values add up to the raw model output.
    #[default]
    Identity,
    /// Values add up to `logit(output)`: for probability outputs explained in log-odds.
    Logit,
}

impl Link {
    /// Maps a model output onto the additive scale.
    pub fn apply(self, v: f64) -> f64 {
        match self {
            Link::Identity => v,
            Link::Logit => (v / (1.0 - v)).ln(),
        }
    }
}

/// Shapley values of one row: `base_value + sum(values) = output` up to `additivity_gap`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowExplanation {
    /// Expected model output with every feature "absent" (on the link scale).
    pub base_value: f64,
    /// One attribution per input feature, in input order.
    pub values: Vec<f64>,
    /// Model output f(x) for the row (on the link scale).
    pub output: f64,
    /// `base_value + sum(values) - output`: zero for exact methods up to rounding.
    pub additivity_gap: f64,
}

impl RowExplanation {
    /// Builds a row and computes its additivity gap.
    pub fn new(base_value: f64, values: Vec<f64>, output: f64) -> Self {
        let additivity_gap = base_value + values.iter().sum::<f64>() - output;
        Self {
            base_value,
            values,
            output,
            additivity_gap,
        }
    }
}

/// A batch of explanations with the feature names they refer to, ready to serialise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExplanationSet {
    /// Name of the method, e.g. `"exact"`, `"kernel"`, `"tree_path_dependent"`.
    pub method: String,
    /// Feature names in input order (the order of every `values` vector).
    pub features: Vec<String>,
    /// One entry per explained row.
    pub rows: Vec<RowExplanation>,
}
