//! fairlearn `ThresholdOptimizer(constraints="equalized_odds")`: every group's ROC hull
//! (x = FPR, y = TPR) interpolated on the grid, the overall curve is the lowest of them,
//! the objective is evaluated on the counts that curve implies (rounded to 15 decimals as
//! fairlearn does), and each group mixes its interpolated rule with a constant prediction
//! (`p_ignore`) to land on the chosen common point.

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::error::{FairnessError, Result};
use super::group::{key_label, GroupIndex};
use super::json_float;
use super::tradeoff::{
    interpolate, linspace_grid, tradeoff_points, upper_hull, CurveMetric, ThresholdOperation,
};

/// One group's randomized rule:
/// `P(y=1) = p_ignore * prediction_constant + (1 - p_ignore) * (p0 [op0] + p1 [op1])`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EqualizedOddsRule {
    /// Group key.
    pub key: Vec<String>,
    /// Rows of the group in the fitting data.
    pub count: u64,
    /// Weight of the constant prediction.
    #[serde(with = "json_float")]
    pub p_ignore: f64,
    /// The constant prediction's probability of 1 (the chosen FPR).
    #[serde(with = "json_float")]
    pub prediction_constant: f64,
    /// Probability of `operation0` within the threshold part.
    #[serde(with = "json_float")]
    pub p0: f64,
    /// First rule.
    pub operation0: ThresholdOperation,
    /// Probability of `operation1`.
    #[serde(with = "json_float")]
    pub p1: f64,
    /// Second rule.
    pub operation1: ThresholdOperation,
}

impl EqualizedOddsRule {
    /// Probability of predicting 1 for a score.
    pub fn positive_probability(&self, score: f64) -> f64 {
        let on = |op: &ThresholdOperation| if op.applies(score) { 1.0 } else { 0.0 };
        self.p_ignore * self.prediction_constant
            + (1.0 - self.p_ignore)
                * (self.p0 * on(&self.operation0) + self.p1 * on(&self.operation1))
    }
}

/// A fitted equalized-odds optimizer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EqualizedOddsFit {
    /// Always `equalized_odds` (tells a stored rule apart from the single-rate optimizer).
    pub constraint: String,
    /// Objective.
    pub objective: CurveMetric,
    /// Chosen common false positive rate (a grid value).
    #[serde(with = "json_float")]
    pub x_best: f64,
    /// The common true positive rate there.
    #[serde(with = "json_float")]
    pub y_best: f64,
    /// Rules in group order.
    pub groups: Vec<EqualizedOddsRule>,
}

/// numpy `around(v, 15)`.
fn around15(v: f64) -> f64 {
    (v * 1e15).round_ties_even() / 1e15
}

/// Fits on labels, scores and groups (fairlearn's defaults: `grid_size` 1000, no flip).
pub fn fit_equalized_odds(
    y_true: &[u8],
    score: &[f64],
    groups: &GroupIndex,
    objective: CurveMetric,
    grid_size: usize,
    flip: bool,
) -> Result<EqualizedOddsFit> {
    let n = y_true.len();
    if n == 0 {
        return Err(FairnessError::Empty);
    }
    if score.len() != n || groups.n_rows() != n {
        return Err(FairnessError::LengthMismatch {
            what: "score or groups",
            expected: n,
            got: score.len().min(groups.n_rows()),
        });
    }
    if let Some(row) = score.iter().position(|s| !s.is_finite()) {
        return Err(FairnessError::InvalidScore { row });
    }
    if grid_size == 0 {
        return Err(FairnessError::InvalidParameter {
            name: "grid_size",
            reason: "must be at least 1".into(),
        });
    }
    let mut rows: Vec<Vec<(f64, u8)>> = vec![Vec::new(); groups.n_groups()];
    for ((&t, &s), &g) in y_true.iter().zip(score).zip(groups.codes()) {
        rows[g as usize].push((s, t));
    }
    let grid = linspace_grid(grid_size);
    let mut curves = Vec::new();
    for (g, group_rows) in rows.iter_mut().enumerate() {
        if group_rows.is_empty() {
            continue;
        }
        let pos = group_rows.iter().filter(|r| r.1 == 1).count();
        if pos == 0 || pos == group_rows.len() {
            return Err(FairnessError::DegenerateLabels(key_label(
                &groups.keys()[g],
            )));
        }
        let points = tradeoff_points(
            group_rows,
            flip,
            CurveMetric::FalsePositiveRate,
            CurveMetric::TruePositiveRate,
        );
        let hull = upper_hull(&points);
        let ys: Vec<(f64, usize, f64)> = (0..grid.len())
            .map(|k| {
                let (p0, i) = interpolate(&hull, &grid, k);
                (p0, i, p0 * hull[i].y + (1.0 - p0) * hull[i + 1].y)
            })
            .collect();
        curves.push((g, group_rows.len() as u64, hull, ys));
    }
    let n_pos = y_true.iter().filter(|&&t| t == 1).count() as f64;
    let n_neg = n as f64 - n_pos;
    let y_min: Vec<f64> = (0..grid.len())
        .map(|k| {
            curves
                .iter()
                .map(|c| c.3[k].2)
                .fold(f64::INFINITY, f64::min)
        })
        .collect();
    let mut best = 0;
    let mut best_value = f64::NEG_INFINITY;
    for (k, (&x, &y)) in grid.iter().zip(&y_min).enumerate() {
        let v =
            around15(objective.eval(n_pos * y, n_neg * x, n_neg * (1.0 - x), n_pos * (1.0 - y)));
        if v > best_value {
            best_value = v;
            best = k;
        }
    }
    let (x_best, y_best) = (grid[best], y_min[best]);
    let rules = curves
        .into_iter()
        .map(|(g, count, hull, ys)| {
            let (p0, i, y) = ys[best];
            let p_ignore = if y == x_best {
                0.0
            } else {
                (y - y_best) / (y - x_best)
            };
            EqualizedOddsRule {
                key: groups.keys()[g].clone(),
                count,
                p_ignore,
                prediction_constant: x_best,
                p0,
                operation0: hull[i].op,
                p1: 1.0 - p0,
                operation1: hull[i + 1].op,
            }
        })
        .collect();
    Ok(EqualizedOddsFit {
        constraint: "equalized_odds".into(),
        objective,
        x_best,
        y_best,
        groups: rules,
    })
}

impl EqualizedOddsFit {
    /// P(y = 1 | score, group) per row; `groups` must use the fitted keys.
    pub fn positive_probabilities(&self, score: &[f64], groups: &GroupIndex) -> Result<Vec<f64>> {
        let rules = groups
            .keys()
            .iter()
            .map(|k| {
                self.groups
                    .iter()
                    .find(|r| &r.key == k)
                    .ok_or_else(|| FairnessError::UnknownGroup(key_label(k)))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(score
            .iter()
            .zip(groups.codes())
            .map(|(&s, &g)| rules[g as usize].positive_probability(s))
            .collect())
    }

    /// Randomized predictions: 1 where P >= u.
    pub fn predict<R: Rng>(
        &self,
        score: &[f64],
        groups: &GroupIndex,
        rng: &mut R,
    ) -> Result<Vec<u8>> {
        let p = self.positive_probabilities(score, groups)?;
        Ok(p.iter().map(|&p| u8::from(p >= rng.gen::<f64>())).collect())
    }
}
