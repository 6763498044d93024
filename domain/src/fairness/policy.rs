//! A post-processing decision policy attached to a model version: the predict endpoint
//! replaces the model's label by the policy's decision and records both.

use serde::{Deserialize, Serialize};

/// A versioned post-processing rule for one model version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionPolicy {
    /// Model version the policy applies to.
    pub version: u32,
    /// Policy number for this model version (1, 2, ...).
    pub policy_version: u32,
    /// The mitigation run that produced it.
    pub mitigation_id: String,
    /// `threshold_optimizer` or `reject_option`.
    pub method: String,
    /// Sensitive features the rule reads from each request row.
    pub sensitive_features: Vec<String>,
    /// Index of the favourable class in the model's probabilities.
    pub favourable_class_index: usize,
    /// The fitted rule (per-group thresholds, or threshold and margin).
    pub rule: serde_json::Value,
    /// Who attached it.
    pub attached_by: String,
}
