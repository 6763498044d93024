//! AIF360 `RejectOptionClassification`: inside a band of width `2 * margin` around a
//! classification threshold, unprivileged rows get the favourable outcome and privileged
//! rows the unfavourable one; the (threshold, margin) pair with the best balanced accuracy
//! among those meeting the fairness bound is chosen by AIF360's grid search.
//!
//! Rule (AIF360 `predict`): favourable iff `score > t`, except in the critical region
//! `t - m < score <= t + m`. That is: privileged favourable iff `score > t + m`,
//! unprivileged favourable iff `score > t - m`. With scores sorted per (group, label),
//! each grid point costs four binary searches instead of a pass over the rows.

use serde::{Deserialize, Serialize};

use super::error::{FairnessError, Result};
use super::json_float;

/// The fairness metric the search bounds (AIF360 `metric_name`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectOptionMetric {
    /// SR_u - SR_p ("Statistical parity difference").
    StatisticalParityDifference,
    /// ((FPR_u - FPR_p) + (TPR_u - TPR_p)) / 2 ("Average odds difference").
    AverageOddsDifference,
    /// TPR_u - TPR_p ("Equal opportunity difference").
    EqualOpportunityDifference,
}

/// AIF360's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RejectOptionConfig {
    /// Lowest classification threshold (0.01).
    pub low_class_thresh: f64,
    /// Highest classification threshold (0.99).
    pub high_class_thresh: f64,
    /// Thresholds on the grid (100).
    pub num_class_thresh: usize,
    /// Margins per threshold (50).
    pub num_roc_margin: usize,
    /// Metric to bound.
    pub metric: RejectOptionMetric,
    /// Upper bound (0.05).
    pub metric_ub: f64,
    /// Lower bound (-0.05).
    pub metric_lb: f64,
}

impl Default for RejectOptionConfig {
    fn default() -> Self {
        Self {
            low_class_thresh: 0.01,
            high_class_thresh: 0.99,
            num_class_thresh: 100,
            num_roc_margin: 50,
            metric: RejectOptionMetric::StatisticalParityDifference,
            metric_ub: 0.05,
            metric_lb: -0.05,
        }
    }
}

/// The fitted rule.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RejectOptionFit {
    /// Settings used.
    pub config: RejectOptionConfig,
    /// Chosen classification threshold.
    #[serde(with = "json_float")]
    pub classification_threshold: f64,
    /// Chosen margin.
    #[serde(with = "json_float")]
    pub roc_margin: f64,
    /// Balanced accuracy at the chosen point.
    #[serde(with = "json_float")]
    pub balanced_accuracy: f64,
    /// Bounded metric at the chosen point.
    #[serde(with = "json_float")]
    pub metric_value: f64,
    /// False when no grid point met the bounds (AIF360 then warns and takes the best
    /// balanced accuracy overall).
    pub constraint_satisfied: bool,
}

impl RejectOptionFit {
    /// Favourable (1) or not (0) for one row.
    pub fn predict_one(&self, score: f64, privileged: bool) -> u8 {
        let (t, m) = (self.classification_threshold, self.roc_margin);
        u8::from(if privileged {
            score > t + m
        } else {
            score > t - m
        })
    }

    /// Predictions for many rows.
    pub fn predict(&self, score: &[f64], privileged: &[bool]) -> Vec<u8> {
        score
            .iter()
            .zip(privileged)
            .map(|(&s, &p)| self.predict_one(s, p))
            .collect()
    }
}

/// numpy `linspace(start, stop, num)`.
fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    if num == 1 {
        return vec![start];
    }
    let step = (stop - start) / (num - 1) as f64;
    let mut v: Vec<f64> = (0..num).map(|i| i as f64 * step + start).collect();
    if let Some(last) = v.last_mut() {
        *last = stop;
    }
    v
}

/// Rows of one (privileged?, label) cell, scores sorted ascending.
struct Cell(Vec<f64>);

impl Cell {
    fn above(&self, c: f64) -> f64 {
        (self.0.len() - self.0.partition_point(|&s| s <= c)) as f64
    }
}

/// Searches AIF360's grid on `score` (probability of the favourable label), labels
/// `y_true` (0/1) and the privileged-row mask.
pub fn fit_reject_option(
    score: &[f64],
    y_true: &[u8],
    privileged: &[bool],
    config: &RejectOptionConfig,
) -> Result<RejectOptionFit> {
    let n = score.len();
    if n == 0 {
        return Err(FairnessError::Empty);
    }
    for (what, got) in [("y_true", y_true.len()), ("privileged", privileged.len())] {
        if got != n {
            return Err(FairnessError::LengthMismatch {
                what,
                expected: n,
                got,
            });
        }
    }
    if let Some(row) = score.iter().position(|s| !s.is_finite()) {
        return Err(FairnessError::InvalidScore { row });
    }
    if config.num_class_thresh == 0 || config.num_roc_margin == 0 {
        return Err(FairnessError::InvalidParameter {
            name: "grid",
            reason: "grid sizes must be at least 1".into(),
        });
    }
    // cells[p][y]: p = 1 privileged.
    let mut cells: [[Vec<f64>; 2]; 2] = Default::default();
    for i in 0..n {
        if y_true[i] > 1 {
            return Err(FairnessError::NonBinary {
                what: "y_true",
                row: i,
                value: y_true[i],
            });
        }
        cells[usize::from(privileged[i])][usize::from(y_true[i])].push(score[i]);
    }
    let cells = cells.map(|pair| {
        pair.map(|mut v| {
            v.sort_by(f64::total_cmp);
            Cell(v)
        })
    });
    let size = |p: usize, y: usize| cells[p][y].0.len() as f64;
    let mut points = Vec::new();
    for t in linspace(
        config.low_class_thresh,
        config.high_class_thresh,
        config.num_class_thresh,
    ) {
        let high = if t <= 0.5 { t } else { 1.0 - t };
        for m in linspace(0.0, high, config.num_roc_margin) {
            // Positives predicted per (p, y).
            let pos = |p: usize, y: usize| {
                let cut = if p == 1 { t + m } else { t - m };
                cells[p][y].above(cut)
            };
            let (tp, fnn) = (pos(0, 1) + pos(1, 1), size(0, 1) + size(1, 1));
            let (fp, neg) = (pos(0, 0) + pos(1, 0), size(0, 0) + size(1, 0));
            let balanced = 0.5 * (tp / fnn + (neg - fp) / neg);
            let sr = |p: usize| (pos(p, 0) + pos(p, 1)) / (size(p, 0) + size(p, 1));
            let tpr = |p: usize| pos(p, 1) / size(p, 1);
            let fpr = |p: usize| pos(p, 0) / size(p, 0);
            let metric = match config.metric {
                RejectOptionMetric::StatisticalParityDifference => sr(0) - sr(1),
                RejectOptionMetric::AverageOddsDifference => {
                    ((fpr(0) - fpr(1)) + (tpr(0) - tpr(1))) / 2.0
                }
                RejectOptionMetric::EqualOpportunityDifference => tpr(0) - tpr(1),
            };
            points.push((t, m, balanced, metric));
        }
    }
    let ok = |p: &(f64, f64, f64, f64)| p.3 <= config.metric_ub && p.3 >= config.metric_lb;
    let satisfied = points.iter().any(ok);
    let best = points
        .iter()
        .filter(|p| !satisfied || ok(p))
        .map(|p| p.2)
        .fold(f64::NAN, f64::max);
    // AIF360 takes the first grid point with that balanced accuracy, which can be an
    // infeasible point tied with the best feasible one; the first feasible one is taken here.
    let &(t, m, b, v) = points
        .iter()
        .filter(|p| !satisfied || ok(p))
        .find(|p| p.2 == best)
        .or(points.first())
        .ok_or(FairnessError::Empty)?;
    Ok(RejectOptionFit {
        config: *config,
        classification_threshold: t,
        roc_margin: m,
        balanced_accuracy: b,
        metric_value: v,
        constraint_satisfied: satisfied,
    })
}
