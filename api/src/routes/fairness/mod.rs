//! Fairness and bias: group metrics matching fairlearn and AIF360 on a model version's
//! predictions (or a dataset's own), bias findings with thresholds, data-level bias,
//! stored reports, and mitigations measured before and after on a held-out split.

pub mod analyze;
mod data_bias;
mod derived;
mod errors;
mod findings;
pub mod input;
mod job;
mod methods;
pub mod metrics;
pub mod mitigation;
pub mod policy;
pub mod reports;
mod split;
