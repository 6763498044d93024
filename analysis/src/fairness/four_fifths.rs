//! The four-fifths (80 %) rule of the US EEOC Uniform Guidelines: a group whose selection
//! rate is below four fifths of the highest group's rate shows adverse impact.

use serde::{Deserialize, Serialize};

use super::confusion::ConfusionTable;
use super::frame::nan_min_max;
use super::json_float;

/// Default threshold of the rule.
pub const FOUR_FIFTHS: f64 = 0.8;

/// One group's impact ratio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImpactRatio {
    /// Group key.
    pub key: Vec<String>,
    /// Selection rate of the group.
    #[serde(with = "json_float")]
    pub selection_rate: f64,
    /// Selection rate divided by the highest group selection rate.
    #[serde(with = "json_float")]
    pub impact_ratio: f64,
    /// `impact_ratio >= threshold`. An undefined ratio (nobody selected anywhere) fails,
    /// so that the case is surfaced for review rather than silently passed.
    pub passes: bool,
}

/// Outcome of the four-fifths rule over all groups with rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FourFifths {
    /// Threshold used (0.8 for the classic rule).
    #[serde(with = "json_float")]
    pub threshold: f64,
    /// Lowest impact ratio, i.e. min SR / max SR.
    #[serde(with = "json_float")]
    pub min_impact_ratio: f64,
    /// True when every group passes.
    pub passes: bool,
    /// Per-group ratios in group order.
    pub groups: Vec<ImpactRatio>,
}

/// Applies the rule with the given threshold (use [`FOUR_FIFTHS`] for the classic rule).
pub fn four_fifths_rule(table: &ConfusionTable, threshold: f64) -> FourFifths {
    let present = || {
        table
            .groups
            .iter()
            .zip(&table.keys)
            .filter(|(g, _)| g.rows > 0)
    };
    let (lo, hi) = nan_min_max(present().map(|(g, _)| g.selection_rate()));
    let groups: Vec<ImpactRatio> = present()
        .map(|(g, key)| {
            let impact_ratio = g.selection_rate() / hi;
            ImpactRatio {
                key: key.clone(),
                selection_rate: g.selection_rate(),
                impact_ratio,
                passes: impact_ratio >= threshold,
            }
        })
        .collect();
    FourFifths {
        threshold,
        min_impact_ratio: lo / hi,
        passes: groups.iter().all(|g| g.passes),
        groups,
    }
}
