//! Group fairness metrics (fairlearn and AIF360 semantics).
//!
//! Pure functions over per-row slices: labels and predictions (0/1, 1 favorable),
//! optional scores and sample weights, and group membership encoded once into a
//! [`GroupIndex`] (one attribute, or the intersection of several). A single pass builds a
//! per-group [`ConfusionTable`]; every metric, disparity, Theil index, reweighing weight
//! and bootstrap replicate is then computed from that table, which is what makes the
//! module fast on millions of rows.
//!
//! Conventions: fairlearn `MetricFrame` for per-group rates (a rate with a zero
//! denominator is 0) and between-groups aggregates; AIF360 for privileged vs
//! unprivileged quantities (plain IEEE division: NaN / inf); undefined values are NaN and
//! serialize as `null`, infinities as `"inf"` / `"-inf"`.
//!
//! Benchmark entry points: [`fairness_report`] (all point metrics) and
//! [`bootstrap_disparities`] (intervals).

mod binomial;
mod bootstrap;
mod confusion;
mod correlation_remover;
mod data_bias;
mod disparity;
mod error;
mod exponentiated_gradient;
mod four_fifths;
mod frame;
mod group;
mod lagrangian;
/// Dense simplex solver for small linear programs.
pub mod linprog;
mod logistic;
mod moments;
pub use crate::json_float;
mod privileged;
mod quantile;
mod reject_option;
mod report;
mod resample;
mod reweighing;
mod theil;
mod threshold;
mod threshold_eo;
mod tradeoff;

#[cfg(test)]
mod tests;

pub use bootstrap::{
    bootstrap_disparities, bootstrap_samples, BootstrapConfig, BootstrapResult, BootstrapSamples,
    DisparityInterval,
};
pub use confusion::{CellCounts, Confusion, ConfusionTable, Predictions};
pub use correlation_remover::CorrelationRemover;
pub use data_bias::{
    correlation_ratio, proxy_association, representation, FeatureValues, GroupRepresentation,
    ProxyAssociation,
};
pub use disparity::{Disparities, Disparity, PairDisparity};
pub use error::{FairnessError, Result};
pub use exponentiated_gradient::{
    fit_exponentiated_gradient, ExponentiatedGradientConfig, ExponentiatedGradientFit, Predictor,
};
pub use four_fifths::{four_fifths_rule, FourFifths, ImpactRatio, FOUR_FIFTHS};
pub use frame::{metric_frame, GroupMetrics, MetricFrame, Rates};
pub use group::{key_label, GroupIndex};
pub use logistic::LogisticModel;
pub use moments::ParityConstraint;
pub use privileged::{privileged_comparison, GroupVsPrivileged, PrivilegedComparison};
pub use reject_option::{
    fit_reject_option, RejectOptionConfig, RejectOptionFit, RejectOptionMetric,
};
pub use report::{
    fairness_report, small_group_warnings, FairnessReport, ReportOptions, SmallGroupWarning,
};
pub use reweighing::{reweighing, reweighing_privileged, Reweighing, ReweighingCell};
pub use theil::{between_group_theil_index, theil_index};
pub use threshold::{
    fit_threshold_optimizer, GroupThresholdRule, RuleOutcome, ThresholdOptimizerConfig,
    ThresholdOptimizerFit,
};
pub use threshold_eo::{fit_equalized_odds, EqualizedOddsFit, EqualizedOddsRule};
pub use tradeoff::{CurveMetric, Operator, ThresholdOperation};
