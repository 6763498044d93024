//! fairlearn `MetricFrame` equivalent: per-group and overall metrics, and the
//! between-groups `.group_min()`, `.group_max()`, `.difference()` and `.ratio()`.

use serde::{Deserialize, Serialize};

use super::confusion::{CellCounts, Confusion, ConfusionTable};
use super::json_float;
use super::theil::theil_index;

/// The rate metrics fairlearn aggregates across groups.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rates {
    /// Mean of `y_pred`.
    #[serde(with = "json_float")]
    pub selection_rate: f64,
    /// True positive rate (recall).
    #[serde(with = "json_float")]
    pub tpr: f64,
    /// False positive rate.
    #[serde(with = "json_float")]
    pub fpr: f64,
    /// False negative rate.
    #[serde(with = "json_float")]
    pub fnr: f64,
    /// True negative rate.
    #[serde(with = "json_float")]
    pub tnr: f64,
    /// Precision (0 without predicted positives).
    #[serde(with = "json_float")]
    pub precision: f64,
    /// Accuracy.
    #[serde(with = "json_float")]
    pub accuracy: f64,
}

impl Rates {
    /// Rates of one group's confusion cells.
    pub fn of(c: &Confusion) -> Self {
        Self {
            selection_rate: c.selection_rate(),
            tpr: c.tpr(),
            fpr: c.fpr(),
            fnr: c.fnr(),
            tnr: c.tnr(),
            precision: c.precision(),
            accuracy: c.accuracy(),
        }
    }

    fn to_array(self) -> [f64; 7] {
        [
            self.selection_rate,
            self.tpr,
            self.fpr,
            self.fnr,
            self.tnr,
            self.precision,
            self.accuracy,
        ]
    }

    fn from_array(a: [f64; 7]) -> Self {
        Self {
            selection_rate: a[0],
            tpr: a[1],
            fpr: a[2],
            fnr: a[3],
            tnr: a[4],
            precision: a[5],
            accuracy: a[6],
        }
    }

    fn zip(self, other: Self, f: impl Fn(f64, f64) -> f64) -> Self {
        let (a, b) = (self.to_array(), other.to_array());
        Self::from_array(std::array::from_fn(|i| f(a[i], b[i])))
    }
}

/// Smallest and largest non-NaN value (pandas `min`/`max` skip NaN); NaN if none.
pub(crate) fn nan_min_max(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    values
        .into_iter()
        .filter(|v| !v.is_nan())
        .fold((f64::NAN, f64::NAN), |(lo, hi), v| {
            (
                if lo.is_nan() || v < lo { v } else { lo },
                if hi.is_nan() || v > hi { v } else { hi },
            )
        })
}

/// Metrics of one group (or of all rows, with an empty key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupMetrics {
    /// Group key, one part per protected attribute; empty for "overall".
    pub key: Vec<String>,
    /// Rows in the group (fairlearn `count`, unweighted).
    pub count: u64,
    /// Unweighted confusion counts.
    pub counts: CellCounts,
    /// Total sample weight (equals `count` when unweighted).
    #[serde(with = "json_float")]
    pub weight: f64,
    /// Rate metrics (weighted when sample weights are given).
    pub rates: Rates,
    /// Mean of `y_true`.
    #[serde(with = "json_float")]
    pub base_rate: f64,
    /// Theil index of the group's own rows (AIF360 formula).
    #[serde(with = "json_float")]
    pub theil_index: f64,
}

impl GroupMetrics {
    /// Metrics from a group's cells and counts.
    pub fn new(key: Vec<String>, confusion: &Confusion, counts: CellCounts) -> Self {
        Self {
            key,
            count: counts.total(),
            counts,
            weight: confusion.total(),
            rates: Rates::of(confusion),
            base_rate: confusion.base_rate(),
            theil_index: theil_index(confusion),
        }
    }
}

/// `MetricFrame.by_group` / `.overall` plus the between-groups aggregates of every rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricFrame {
    /// Metrics on all rows.
    pub overall: GroupMetrics,
    /// Metrics per group, in group (lexicographic) order.
    pub by_group: Vec<GroupMetrics>,
    /// `group_min()` of each rate over groups with rows.
    pub group_min: Rates,
    /// `group_max()` of each rate over groups with rows.
    pub group_max: Rates,
    /// `difference()` (between_groups): max - min.
    pub difference: Rates,
    /// `ratio()` (between_groups): min / max (NaN when 0 / 0).
    pub ratio: Rates,
}

/// Builds the metric frame from a confusion table.
pub fn metric_frame(table: &ConfusionTable) -> MetricFrame {
    let by_group: Vec<GroupMetrics> = table
        .keys
        .iter()
        .zip(&table.groups)
        .zip(&table.counts)
        .map(|((key, c), counts)| GroupMetrics::new(key.clone(), c, *counts))
        .collect();
    let present: Vec<[f64; 7]> = by_group
        .iter()
        .filter(|g| g.count > 0)
        .map(|g| g.rates.to_array())
        .collect();
    let bounds: [(f64, f64); 7] =
        std::array::from_fn(|i| nan_min_max(present.iter().map(|r| r[i])));
    let group_min = Rates::from_array(bounds.map(|b| b.0));
    let group_max = Rates::from_array(bounds.map(|b| b.1));
    MetricFrame {
        overall: GroupMetrics::new(Vec::new(), &table.overall(), table.overall_counts()),
        by_group,
        group_min,
        group_max,
        difference: group_max.zip(group_min, |hi, lo| hi - lo),
        ratio: group_min.zip(group_max, |lo, hi| lo / hi),
    }
}
