//! One-call fairness report for a grouping; also the entry point for benchmarks.

use serde::{Deserialize, Serialize};

use super::confusion::{ConfusionTable, Predictions};
use super::disparity::Disparities;
use super::error::Result;
use super::four_fifths::{four_fifths_rule, FourFifths, FOUR_FIFTHS};
use super::frame::{metric_frame, MetricFrame};
use super::group::GroupIndex;
use super::privileged::{privileged_comparison, PrivilegedComparison};
use super::reweighing::{reweighing, reweighing_privileged, Reweighing};

/// A group with too few rows for stable estimates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmallGroupWarning {
    /// Group key.
    pub key: Vec<String>,
    /// Rows in the group.
    pub count: u64,
    /// The configured minimum.
    pub min_group_size: u64,
}

/// Groups of `table` with fewer than `min_group_size` rows, in group order.
pub fn small_group_warnings(table: &ConfusionTable, min_group_size: u64) -> Vec<SmallGroupWarning> {
    table
        .keys
        .iter()
        .zip(&table.counts)
        .filter(|(_, c)| c.total() < min_group_size)
        .map(|(key, c)| SmallGroupWarning {
            key: key.clone(),
            count: c.total(),
            min_group_size,
        })
        .collect()
}

/// Options of [`fairness_report`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportOptions {
    /// Key of the privileged group (one part per attribute), enabling the AIF360
    /// comparisons and the two-group reweighing.
    pub privileged: Option<Vec<String>>,
    /// Groups with fewer rows are listed in the warnings.
    pub min_group_size: u64,
    /// Threshold of the four-fifths rule.
    pub four_fifths_threshold: f64,
}

impl Default for ReportOptions {
    fn default() -> Self {
        Self {
            privileged: None,
            min_group_size: 30,
            four_fifths_threshold: FOUR_FIFTHS,
        }
    }
}

/// Every point metric of one grouping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FairnessReport {
    /// Per-group and overall metrics with between-groups differences and ratios.
    pub frame: MetricFrame,
    /// Scalar disparities.
    pub disparities: Disparities,
    /// Four-fifths rule.
    pub four_fifths: FourFifths,
    /// Privileged vs unprivileged details, when a privileged group is given.
    pub privileged: Option<PrivilegedComparison>,
    /// Reweighing per (group, label).
    pub reweighing: Reweighing,
    /// Reweighing for privileged / unprivileged, when a privileged group is given.
    pub reweighing_privileged: Option<Reweighing>,
    /// Groups below the minimum size.
    pub warnings: Vec<SmallGroupWarning>,
}

/// Computes the full report: one pass over the rows, everything else on the per-group
/// confusion table. Suitable as the benchmark target for the MetricFrame comparison
/// (together with `bootstrap_disparities` for the bootstrap target).
pub fn fairness_report(
    data: &Predictions<'_>,
    groups: &GroupIndex,
    options: &ReportOptions,
) -> Result<FairnessReport> {
    let table = ConfusionTable::build(data, groups)?;
    let privileged = options
        .privileged
        .as_ref()
        .map(|key| groups.require(key))
        .transpose()?;
    Ok(FairnessReport {
        frame: metric_frame(&table),
        disparities: Disparities::compute(&table.groups, privileged),
        four_fifths: four_fifths_rule(&table, options.four_fifths_threshold),
        privileged: privileged
            .map(|p| privileged_comparison(&table, p))
            .transpose()?,
        reweighing: reweighing(&table),
        reweighing_privileged: privileged
            .map(|p| reweighing_privileged(&table, p))
            .transpose()?,
        warnings: small_group_warnings(&table, options.min_group_size),
    })
}
