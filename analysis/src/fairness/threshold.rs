//! fairlearn `ThresholdOptimizer` for simple constraints (demographic parity and the
//! single-rate parities) with `prefit=True`: per group a randomized mix of two threshold
//! rules so that every group reaches the same constraint value while the
//! group-size-weighted objective is maximal.

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::error::{FairnessError, Result};
use super::group::{key_label, GroupIndex};
use super::json_float;
use super::tradeoff::{
    interpolate, linspace_grid, tradeoff_points, upper_hull, CurveMetric, ThresholdOperation,
};

/// Settings of the optimizer (fairlearn's names and defaults).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ThresholdOptimizerConfig {
    /// Rate equalized across groups: `SelectionRate` is `constraints="demographic_parity"`,
    /// `TruePositiveRate` is `"true_positive_rate_parity"`, and so on.
    pub constraint: CurveMetric,
    /// Objective: `AccuracyScore` or `BalancedAccuracyScore` (also any rate).
    pub objective: CurveMetric,
    /// Number of grid intervals on [0, 1] (fairlearn `grid_size`, default 1000).
    pub grid_size: usize,
    /// Also consider "score < threshold" rules (fairlearn `flip`).
    pub flip: bool,
}

impl Default for ThresholdOptimizerConfig {
    fn default() -> Self {
        Self {
            constraint: CurveMetric::SelectionRate,
            objective: CurveMetric::AccuracyScore,
            grid_size: 1000,
            flip: false,
        }
    }
}

/// The randomized rule of one group: P(y = 1 | score) = p0 [op0(score)] + p1 [op1(score)].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupThresholdRule {
    /// Group key.
    pub key: Vec<String>,
    /// Rows of the group in the fitting data.
    pub count: u64,
    /// Probability of using `operation0`.
    #[serde(with = "json_float")]
    pub p0: f64,
    /// First rule.
    pub operation0: ThresholdOperation,
    /// Probability of using `operation1` (1 - p0).
    #[serde(with = "json_float")]
    pub p1: f64,
    /// Second rule.
    pub operation1: ThresholdOperation,
}

impl GroupThresholdRule {
    /// Probability of predicting 1 for a score (fairlearn `_pmf_predict`).
    pub fn positive_probability(&self, score: f64) -> f64 {
        let on = |op: &ThresholdOperation| if op.applies(score) { 1.0 } else { 0.0 };
        self.p0 * on(&self.operation0) + self.p1 * on(&self.operation1)
    }
}

/// A fitted optimizer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdOptimizerFit {
    /// Settings used.
    pub config: ThresholdOptimizerConfig,
    /// The common constraint value chosen on the grid (fairlearn `_x_best`).
    #[serde(with = "json_float")]
    pub x_best: f64,
    /// Group-size-weighted objective there (fairlearn `_y_best`).
    #[serde(with = "json_float")]
    pub y_best: f64,
    /// Rule per group, in group order.
    pub groups: Vec<GroupThresholdRule>,
}

/// Expected (probability-weighted) outcome of the fitted rules on some rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleOutcome {
    /// Group key; empty for all rows.
    pub key: Vec<String>,
    /// Mean of P(y = 1 | score).
    #[serde(with = "json_float")]
    pub expected_selection_rate: f64,
    /// Mean of P(prediction = y_true).
    #[serde(with = "json_float")]
    pub expected_accuracy: f64,
}

/// Fits on `y_true` and `score` (the classifier's probability of the favorable class),
/// with the groups as the only sensitive feature. Unweighted, like fairlearn.
pub fn fit_threshold_optimizer(
    y_true: &[u8],
    score: &[f64],
    groups: &GroupIndex,
    config: &ThresholdOptimizerConfig,
) -> Result<ThresholdOptimizerFit> {
    check_rows(y_true, score, groups)?;
    if config.grid_size == 0 {
        return Err(FairnessError::InvalidParameter {
            name: "grid_size",
            reason: "must be at least 1".into(),
        });
    }
    let mut rows: Vec<Vec<(f64, u8)>> = vec![Vec::new(); groups.n_groups()];
    for ((&t, &s), &g) in y_true.iter().zip(score).zip(groups.codes()) {
        rows[g as usize].push((s, t));
    }
    let n = y_true.len() as f64;
    let grid = linspace_grid(config.grid_size);
    let mut overall = vec![0.0f64; grid.len()];
    let mut hulls = Vec::with_capacity(rows.len());
    for (g, group_rows) in rows.iter_mut().enumerate() {
        if group_rows.is_empty() {
            continue;
        }
        let positives = group_rows.iter().filter(|r| r.1 == 1).count();
        if positives == 0 || positives == group_rows.len() {
            return Err(FairnessError::DegenerateLabels(key_label(
                &groups.keys()[g],
            )));
        }
        let points = tradeoff_points(group_rows, config.flip, config.constraint, config.objective);
        let hull = upper_hull(&points);
        let share = group_rows.len() as f64 / n;
        for (k, acc) in overall.iter_mut().enumerate() {
            let (p0, i) = interpolate(&hull, &grid, k);
            *acc += share * (p0 * hull[i].y + (1.0 - p0) * hull[i + 1].y);
        }
        hulls.push((g, group_rows.len() as u64, hull));
    }
    // idxmax: first maximum.
    let mut best = 0;
    for (k, &v) in overall.iter().enumerate() {
        if v > overall[best] {
            best = k;
        }
    }
    let groups_out = hulls
        .into_iter()
        .map(|(g, count, hull)| {
            let (p0, i) = interpolate(&hull, &grid, best);
            GroupThresholdRule {
                key: groups.keys()[g].clone(),
                count,
                p0,
                operation0: hull[i].op,
                p1: 1.0 - p0,
                operation1: hull[i + 1].op,
            }
        })
        .collect();
    Ok(ThresholdOptimizerFit {
        config: *config,
        x_best: grid[best],
        y_best: overall[best],
        groups: groups_out,
    })
}

fn check_rows(y_true: &[u8], score: &[f64], groups: &GroupIndex) -> Result<()> {
    if y_true.is_empty() {
        return Err(FairnessError::Empty);
    }
    for (what, got) in [("score", score.len()), ("groups", groups.n_rows())] {
        if got != y_true.len() {
            return Err(FairnessError::LengthMismatch {
                what,
                expected: y_true.len(),
                got,
            });
        }
    }
    if let Some((row, &value)) = y_true.iter().enumerate().find(|(_, &t)| t > 1) {
        return Err(FairnessError::NonBinary {
            what: "y_true",
            row,
            value,
        });
    }
    match score.iter().position(|s| !s.is_finite()) {
        Some(row) => Err(FairnessError::InvalidScore { row }),
        None => Ok(()),
    }
}

impl ThresholdOptimizerFit {
    /// The rule of every group code of `groups` (which must be the grouping used to fit).
    fn rules_by_code<'a>(&'a self, groups: &GroupIndex) -> Result<Vec<&'a GroupThresholdRule>> {
        groups
            .keys()
            .iter()
            .map(|k| {
                self.groups
                    .iter()
                    .find(|r| &r.key == k)
                    .ok_or_else(|| FairnessError::UnknownGroup(key_label(k)))
            })
            .collect()
    }

    /// P(y = 1 | score, group) per row.
    pub fn positive_probabilities(&self, score: &[f64], groups: &GroupIndex) -> Result<Vec<f64>> {
        if score.len() != groups.n_rows() {
            return Err(FairnessError::LengthMismatch {
                what: "groups",
                expected: score.len(),
                got: groups.n_rows(),
            });
        }
        let rules = self.rules_by_code(groups)?;
        Ok(score
            .iter()
            .zip(groups.codes())
            .map(|(&s, &g)| rules[g as usize].positive_probability(s))
            .collect())
    }

    /// Randomized 0/1 predictions: 1 where P(y = 1) >= u, u uniform on [0, 1) per row
    /// (fairlearn's `predict` rule with the caller's random source).
    pub fn predict<R: Rng>(
        &self,
        score: &[f64],
        groups: &GroupIndex,
        rng: &mut R,
    ) -> Result<Vec<u8>> {
        let p = self.positive_probabilities(score, groups)?;
        Ok(p.iter().map(|&p| u8::from(p >= rng.gen::<f64>())).collect())
    }

    /// Expected selection rate and accuracy per group (group order) and overall (last).
    pub fn evaluate(
        &self,
        y_true: &[u8],
        score: &[f64],
        groups: &GroupIndex,
    ) -> Result<Vec<RuleOutcome>> {
        check_rows(y_true, score, groups)?;
        let p = self.positive_probabilities(score, groups)?;
        let k = groups.n_groups();
        let mut sums = vec![[0.0f64; 3]; k + 1];
        for ((&t, &p), &g) in y_true.iter().zip(&p).zip(groups.codes()) {
            let hit = if t == 1 { p } else { 1.0 - p };
            for slot in [g as usize, k] {
                sums[slot][0] += p;
                sums[slot][1] += hit;
                sums[slot][2] += 1.0;
            }
        }
        let keys = groups
            .keys()
            .iter()
            .cloned()
            .chain(std::iter::once(Vec::new()));
        Ok(keys
            .zip(&sums)
            .filter(|(_, s)| s[2] > 0.0)
            .map(|(key, s)| RuleOutcome {
                key,
                expected_selection_rate: s[0] / s[2],
                expected_accuracy: s[1] / s[2],
            })
            .collect())
    }
}
