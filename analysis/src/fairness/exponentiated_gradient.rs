//! fairlearn `ExponentiatedGradient` (Agarwal et al. 2018) with a logistic-regression
//! learner RAIA trains itself, deterministically.
//!
//! Follows fairlearn 0.15's loop (`eps`, `max_iter`, `eta0`, `nu` from the first
//! classifier, regret checks that shrink `eta`, best gap at the end) including its LP
//! step (`run_linprog_step=True`, the default): from the second iteration on, the mixture
//! over the best responses found so far is also solved as a linear program (and its
//! lambda as the dual program, see `Lagrangian::solve_linprog`), and whichever of the
//! exponentiated-gradient average and the LP mixture has the smaller duality gap is kept.

use ndarray::ArrayView2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::error::{FairnessError, Result};
use super::lagrangian::{Lagrangian, PRECISION};
use super::logistic::LogisticModel;
use super::moments::{Moment, ParityConstraint};

const MIN_ITER: usize = 5;
const REGRET_CHECK_START_T: usize = 5;
const REGRET_CHECK_INCREASE_T: f64 = 1.6;
const SHRINK_REGRET: f64 = 0.8;
const SHRINK_ETA: f64 = 0.8;
const ACCURACY_MUL: f64 = 0.5;

/// Settings (fairlearn defaults).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ExponentiatedGradientConfig {
    /// Constraint.
    pub constraint: ParityConstraint,
    /// Allowed constraint violation (0.01); `B = 1 / eps`.
    pub eps: f64,
    /// Iterations (50).
    pub max_iter: usize,
    /// Initial step (2.0).
    pub eta0: f64,
    /// Logistic regression `C` (1.0).
    pub c: f64,
    /// Solve the LP over the best responses each iteration (fairlearn's default, true).
    #[serde(default = "yes")]
    pub run_linprog_step: bool,
}

fn yes() -> bool {
    true
}

impl Default for ExponentiatedGradientConfig {
    fn default() -> Self {
        Self {
            constraint: ParityConstraint::DemographicParity,
            eps: 0.01,
            max_iter: 50,
            eta0: 2.0,
            c: 1.0,
            run_linprog_step: true,
        }
    }
}

/// One best response: a constant or a logistic model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Predictor {
    /// Predicts this label everywhere.
    Constant {
        /// The label.
        label: u8,
    },
    /// A fitted logistic regression.
    Logistic(LogisticModel),
}

impl Predictor {
    /// Labels for `x`.
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Vec<u8> {
        match self {
            Self::Constant { label } => vec![*label; x.nrows()],
            Self::Logistic(m) => m.predict(x),
        }
    }
}

/// The randomized classifier: predictor `i` is used with probability `weights[i]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExponentiatedGradientFit {
    /// Settings used.
    pub config: ExponentiatedGradientConfig,
    /// Best responses found.
    pub predictors: Vec<Predictor>,
    /// Their weights (sum 1).
    pub weights: Vec<f64>,
    /// Iterations run.
    pub iterations: usize,
    /// Duality gap of the returned classifier.
    pub best_gap: f64,
}

impl ExponentiatedGradientFit {
    /// `P(y = 1 | x)`: the weighted vote (fairlearn `_pmf_predict[:, 1]`).
    pub fn positive_probability(&self, x: ArrayView2<'_, f64>) -> Vec<f64> {
        let mut p = vec![0.0; x.nrows()];
        for (h, &w) in self.predictors.iter().zip(&self.weights) {
            if w > 0.0 {
                for (acc, y) in p.iter_mut().zip(h.predict(x)) {
                    *acc += w * f64::from(y);
                }
            }
        }
        p
    }

    /// Seeded randomized predictions: `1` where `P >= u`, `u` uniform per row.
    pub fn predict(&self, x: ArrayView2<'_, f64>, seed: u64) -> Vec<u8> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        self.positive_probability(x)
            .into_iter()
            .map(|p| u8::from(p >= rng.gen::<f64>()))
            .collect()
    }
}

/// Fits the reduction on features `x`, labels `y` (0/1) and group codes `group`
/// (`0..n_groups`).
pub fn fit_exponentiated_gradient(
    x: ArrayView2<'_, f64>,
    y: &[u8],
    group: &[usize],
    n_groups: usize,
    config: &ExponentiatedGradientConfig,
) -> Result<ExponentiatedGradientFit> {
    let n = y.len();
    if n == 0 {
        return Err(FairnessError::Empty);
    }
    if x.nrows() != n || group.len() != n {
        return Err(FairnessError::LengthMismatch {
            what: "features or groups",
            expected: n,
            got: x.nrows().min(group.len()),
        });
    }
    if let Some(row) = group.iter().position(|&g| g >= n_groups) {
        return Err(FairnessError::InvalidGroupCode {
            row,
            code: u32::try_from(group[row]).unwrap_or(u32::MAX),
            n_groups,
        });
    }
    if config.eps.is_nan() || config.eps <= 0.0 || config.max_iter == 0 {
        return Err(FairnessError::InvalidParameter {
            name: "eps/max_iter",
            reason: "eps must be > 0 and max_iter >= 1".into(),
        });
    }
    let moment = Moment::new(config.constraint, y, group, n_groups);
    let k = moment.len();
    let b = 1.0 / config.eps;
    let mut lag = Lagrangian {
        x,
        moment,
        b,
        c: config.c,
        hs: Vec::new(),
        errors: Vec::new(),
        gammas: Vec::new(),
        last_lp: None,
    };
    let mut theta: Vec<f64> = vec![0.0; k];
    let mut lambda_sum = vec![0.0; k];
    let mut q_sum: Vec<f64> = Vec::new();
    let mut gaps_eg: Vec<f64> = Vec::new();
    let (mut gaps, mut qs): (Vec<f64>, Vec<Vec<f64>>) = (Vec::new(), Vec::new());
    let mut last_regret_checked = REGRET_CHECK_START_T as f64;
    let mut last_gap = f64::INFINITY;
    let (mut nu, mut eta) = (0.0, 0.0);
    let mut iterations = 0;
    for t in 0..config.max_iter {
        iterations = t + 1;
        let e: Vec<f64> = theta.iter().map(|v| v.exp()).collect();
        let denom = 1.0 + e.iter().sum::<f64>();
        let lambda: Vec<f64> = e.iter().map(|v| b * v / denom).collect();
        lambda_sum
            .iter_mut()
            .zip(&lambda)
            .for_each(|(s, l)| *s += l);
        let h_idx = lag.best_h(&lambda)?;
        if t == 0 {
            let pred = lag.hs[h_idx].predict(x);
            let diffs: Vec<f64> = pred
                .iter()
                .zip(y)
                .map(|(a, b)| (f64::from(*a) - f64::from(*b)).abs())
                .collect();
            let mean = diffs.iter().sum::<f64>() / n as f64;
            let var = diffs.iter().map(|d| (d - mean) * (d - mean)).sum::<f64>()
                / (n as f64 - 1.0).max(1.0);
            nu = ACCURACY_MUL * var.sqrt() / (n as f64).sqrt();
            eta = config.eta0 / b;
        }
        q_sum.resize(lag.hs.len(), 0.0);
        q_sum[h_idx] += 1.0;
        let gamma = lag.gammas[h_idx].clone();
        let total: f64 = q_sum.iter().sum();
        let q: Vec<f64> = q_sum.iter().map(|v| v / total).collect();
        let lambda_hat: Vec<f64> = lambda_sum.iter().map(|v| v / (t + 1) as f64).collect();
        let gap_eg = lag.gap(&q, &lambda_hat, nu)?;
        gaps_eg.push(gap_eg);
        let (q, gap) = if t == 0 || !config.run_linprog_step {
            (q, gap_eg)
        } else {
            let (q_lp, gap_lp) = lag.solve_linprog(nu)?;
            if gap_eg < gap_lp {
                (q, gap_eg)
            } else {
                (q_lp, gap_lp)
            }
        };
        gaps.push(gap);
        qs.push(q);
        if gap < nu && t >= MIN_ITER {
            break;
        }
        if t as f64 >= last_regret_checked * REGRET_CHECK_INCREASE_T {
            let best_gap = gaps_eg.iter().copied().fold(f64::INFINITY, f64::min);
            if best_gap > last_gap * SHRINK_REGRET {
                eta *= SHRINK_ETA;
            }
            last_regret_checked = t as f64;
            last_gap = best_gap;
        }
        let bound = lag.moment.bound;
        theta
            .iter_mut()
            .zip(&gamma)
            .for_each(|(th, g)| *th += eta * (g - bound));
    }
    let min_gap = gaps.iter().copied().fold(f64::INFINITY, f64::min);
    let best_t = gaps
        .iter()
        .rposition(|&g| g <= min_gap + PRECISION)
        .unwrap_or(0);
    let mut weights = qs.swap_remove(best_t);
    weights.resize(lag.hs.len(), 0.0);
    Ok(ExponentiatedGradientFit {
        config: *config,
        predictors: lag.hs,
        weights,
        iterations,
        best_gap: gaps[best_t],
    })
}
