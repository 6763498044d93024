//! Per-group (weighted) confusion counts: the sufficient statistic of every metric here.
//!
//! All group metrics, disparities and Theil indices of a binary classifier depend on the
//! rows only through the four cells (TN, FP, FN, TP) of each group, so one pass over the
//! rows builds a small table and everything else works on that table. The bootstrap
//! exploits the same fact (see `bootstrap.rs`).

use serde::{Deserialize, Serialize};

use super::error::{FairnessError, Result};
use super::group::GroupIndex;
use super::json_float;

/// Cell position of a row: `2 * y_true + y_pred`, i.e. TN = 0, FP = 1, FN = 2, TP = 3.
pub(crate) const TN: usize = 0;
pub(crate) const FP: usize = 1;
pub(crate) const FN: usize = 2;
pub(crate) const TP: usize = 3;

/// Per-row inputs of the classification metrics. Labels and predictions are 0/1 with 1 the
/// favorable outcome; weights, when given, are finite and non-negative.
#[derive(Debug, Clone, Copy)]
pub struct Predictions<'a> {
    /// Ground-truth labels (0/1).
    pub y_true: &'a [u8],
    /// Predicted labels (0/1).
    pub y_pred: &'a [u8],
    /// Optional sample weights; `None` weighs every row 1.
    pub sample_weight: Option<&'a [f64]>,
}

impl<'a> Predictions<'a> {
    /// Unweighted predictions.
    pub fn new(y_true: &'a [u8], y_pred: &'a [u8]) -> Self {
        Self {
            y_true,
            y_pred,
            sample_weight: None,
        }
    }

    /// The same predictions with sample weights.
    pub fn with_weights(self, sample_weight: &'a [f64]) -> Self {
        Self {
            sample_weight: Some(sample_weight),
            ..self
        }
    }

    /// Checks lengths against `groups`, and that weights are finite and non-negative.
    /// Labels are checked while the table is accumulated (no extra pass).
    pub(crate) fn check_shape(&self, groups: &GroupIndex) -> Result<()> {
        let n = self.y_true.len();
        if n == 0 {
            return Err(FairnessError::Empty);
        }
        let mismatch = |what, got| FairnessError::LengthMismatch {
            what,
            expected: n,
            got,
        };
        if self.y_pred.len() != n {
            return Err(mismatch("y_pred", self.y_pred.len()));
        }
        if groups.n_rows() != n {
            return Err(mismatch("groups", groups.n_rows()));
        }
        if let Some(w) = self.sample_weight {
            if w.len() != n {
                return Err(mismatch("sample_weight", w.len()));
            }
            if let Some((row, &value)) = w
                .iter()
                .enumerate()
                .find(|(_, v)| !(v.is_finite() && **v >= 0.0))
            {
                return Err(FairnessError::InvalidWeight { row, value });
            }
        }
        Ok(())
    }
}

/// Row counts of the four confusion cells of one group (unweighted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellCounts {
    /// True positives.
    pub tp: u64,
    /// False positives.
    pub fp: u64,
    /// True negatives.
    pub tn: u64,
    /// False negatives.
    #[serde(rename = "fn")]
    pub fn_: u64,
}

impl CellCounts {
    /// Rows in the group.
    pub fn total(&self) -> u64 {
        self.tp + self.fp + self.tn + self.fn_
    }

    pub(crate) fn as_array(&self) -> [u64; 4] {
        let mut a = [0; 4];
        a[TN] = self.tn;
        a[FP] = self.fp;
        a[FN] = self.fn_;
        a[TP] = self.tp;
        a
    }
}

/// Weighted confusion cells of one group (equal to the counts when unweighted), plus the
/// number of rows behind them. Rates follow fairlearn/scikit-learn: a rate whose
/// denominator is zero is 0 (`confusion_matrix(normalize="true")` + `nan_to_num`,
/// `precision_score(zero_division=...)` default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Confusion {
    /// Number of rows (unweighted); a group with no rows is absent from aggregates.
    pub rows: u64,
    /// Weighted true positives.
    #[serde(with = "json_float")]
    pub tp: f64,
    /// Weighted false positives.
    #[serde(with = "json_float")]
    pub fp: f64,
    /// Weighted true negatives.
    #[serde(with = "json_float")]
    pub tn: f64,
    /// Weighted false negatives.
    #[serde(rename = "fn", with = "json_float")]
    pub fn_: f64,
}

/// `num / den`, or 0 when `den` is 0 (scikit-learn's zero-division convention).
fn ratio_or_zero(num: f64, den: f64) -> f64 {
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}

impl Confusion {
    /// Builds from cells indexed TN, FP, FN, TP.
    pub(crate) fn from_cells(rows: u64, cells: [f64; 4]) -> Self {
        Self {
            rows,
            tp: cells[TP],
            fp: cells[FP],
            tn: cells[TN],
            fn_: cells[FN],
        }
    }

    /// Cell-wise sum (used for "overall" and for AIF360's "unprivileged = all others").
    pub fn add(&self, other: &Self) -> Self {
        Self {
            rows: self.rows + other.rows,
            tp: self.tp + other.tp,
            fp: self.fp + other.fp,
            tn: self.tn + other.tn,
            fn_: self.fn_ + other.fn_,
        }
    }

    /// Total weight of the group.
    pub fn total(&self) -> f64 {
        self.tp + self.fp + self.tn + self.fn_
    }
    /// Mean of `y_pred` (NaN for an empty group).
    pub fn selection_rate(&self) -> f64 {
        (self.tp + self.fp) / self.total()
    }
    /// Mean of `y_true` (NaN for an empty group).
    pub fn base_rate(&self) -> f64 {
        (self.tp + self.fn_) / self.total()
    }
    /// (TP + TN) / n (NaN for an empty group).
    pub fn accuracy(&self) -> f64 {
        (self.tp + self.tn) / self.total()
    }
    /// TP / (TP + FN), 0 without positives.
    pub fn tpr(&self) -> f64 {
        ratio_or_zero(self.tp, self.tp + self.fn_)
    }
    /// FP / (FP + TN), 0 without negatives.
    pub fn fpr(&self) -> f64 {
        ratio_or_zero(self.fp, self.fp + self.tn)
    }
    /// FN / (TP + FN), 0 without positives.
    pub fn fnr(&self) -> f64 {
        ratio_or_zero(self.fn_, self.tp + self.fn_)
    }
    /// TN / (TN + FP), 0 without negatives.
    pub fn tnr(&self) -> f64 {
        ratio_or_zero(self.tn, self.tn + self.fp)
    }
    /// TP / (TP + FP), 0 without predicted positives.
    pub fn precision(&self) -> f64 {
        ratio_or_zero(self.tp, self.tp + self.fp)
    }
}

/// Confusion cells of every group, from one pass over the rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfusionTable {
    /// Group keys, indexed like `groups`.
    pub keys: Vec<Vec<String>>,
    /// Weighted cells per group.
    pub groups: Vec<Confusion>,
    /// Unweighted row counts per group.
    pub counts: Vec<CellCounts>,
    /// Whether sample weights were applied.
    pub weighted: bool,
}

impl ConfusionTable {
    /// Accumulates the table in a single pass over the rows.
    pub fn build(data: &Predictions<'_>, groups: &GroupIndex) -> Result<Self> {
        data.check_shape(groups)?;
        let k = groups.n_groups();
        let mut counts = vec![[0u64; 4]; k];
        let mut sums = data.sample_weight.map(|_| vec![[0f64; 4]; k]);
        let rows = data.y_true.iter().zip(data.y_pred).zip(groups.codes());
        for (row, ((&t, &p), &g)) in rows.enumerate() {
            if t > 1 || p > 1 {
                let (what, value) = if t > 1 { ("y_true", t) } else { ("y_pred", p) };
                return Err(FairnessError::NonBinary { what, row, value });
            }
            let cell = usize::from(2 * t + p);
            counts[g as usize][cell] += 1;
            if let (Some(sums), Some(w)) = (sums.as_mut(), data.sample_weight) {
                sums[g as usize][cell] += w[row];
            }
        }
        let confusion = counts
            .iter()
            .enumerate()
            .map(|(g, c)| {
                let cells = match &sums {
                    Some(s) => s[g],
                    None => c.map(|v| v as f64),
                };
                Confusion::from_cells(c.iter().sum(), cells)
            })
            .collect();
        let counts = counts
            .iter()
            .map(|c| CellCounts {
                tp: c[TP],
                fp: c[FP],
                tn: c[TN],
                fn_: c[FN],
            })
            .collect();
        Ok(Self {
            keys: groups.keys().to_vec(),
            groups: confusion,
            counts,
            weighted: sums.is_some(),
        })
    }

    /// Cells summed over all groups.
    pub fn overall(&self) -> Confusion {
        self.groups
            .iter()
            .fold(Confusion::default(), |acc, g| acc.add(g))
    }

    /// Row counts summed over all groups.
    pub fn overall_counts(&self) -> CellCounts {
        self.counts
            .iter()
            .fold(CellCounts::default(), |a, c| CellCounts {
                tp: a.tp + c.tp,
                fp: a.fp + c.fp,
                tn: a.tn + c.tn,
                fn_: a.fn_ + c.fn_,
            })
    }
}
