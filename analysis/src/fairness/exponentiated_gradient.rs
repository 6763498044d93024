//! fairlearn `ExponentiatedGradient` (Agarwal et al. 2018) with a logistic-regression
//! learner RAIA trains itself, deterministically.
//!
//! Follows fairlearn 0.15's loop (`eps`, `max_iter`, `eta0`, `nu` from the first
//! classifier, regret checks that shrink `eta`, best gap at the end) with
//! `run_linprog_step=False`: the returned randomized classifier is the running average of
//! the best responses (no LP re-weighting), which fairlearn also offers.

use ndarray::ArrayView2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::error::{FairnessError, Result};
use super::logistic::LogisticModel;
use super::moments::{Moment, ParityConstraint};

const PRECISION: f64 = 1e-8;
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
}

impl Default for ExponentiatedGradientConfig {
    fn default() -> Self {
        Self {
            constraint: ParityConstraint::DemographicParity,
            eps: 0.01,
            max_iter: 50,
            eta0: 2.0,
            c: 1.0,
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

struct Lagrangian<'a> {
    x: ArrayView2<'a, f64>,
    moment: Moment,
    b: f64,
    c: f64,
    hs: Vec<Predictor>,
    errors: Vec<f64>,
    gammas: Vec<Vec<f64>>,
}

impl Lagrangian<'_> {
    fn oracle(&self, lambda: &[f64]) -> Result<Predictor> {
        let obj = self.moment.objective_weights();
        let signed: Vec<f64> = obj
            .iter()
            .zip(self.moment.signed_weights(lambda))
            .map(|(a, b)| a + b)
            .collect();
        let red_y: Vec<u8> = signed.iter().map(|&s| u8::from(s > 0.0)).collect();
        let total: f64 = signed.iter().map(|s| s.abs()).sum();
        let n = signed.len() as f64;
        let red_w: Vec<f64> = signed.iter().map(|s| n * s.abs() / total).collect();
        if red_y.iter().all(|&v| v == red_y[0]) {
            return Ok(Predictor::Constant { label: red_y[0] });
        }
        Ok(Predictor::Logistic(LogisticModel::fit(
            self.x, &red_y, &red_w, self.c,
        )?))
    }

    fn value(&self, i: usize, lambda: &[f64]) -> f64 {
        self.errors[i]
            + self.gammas[i]
                .iter()
                .zip(lambda)
                .map(|(g, l)| g * l)
                .sum::<f64>()
    }

    /// Best response to `lambda`, added to the set when it beats every known one.
    fn best_h(&mut self, lambda: &[f64]) -> Result<usize> {
        let h = self.oracle(lambda)?;
        let pred = h.predict(self.x);
        let err = self.moment.error(&pred);
        let gamma = self.moment.gamma(&pred);
        let h_value = err + gamma.iter().zip(lambda).map(|(g, l)| g * l).sum::<f64>();
        let mut best = None;
        for i in 0..self.hs.len() {
            let v = self.value(i, lambda);
            if best.is_none_or(|(_, b)| v < b) {
                best = Some((i, v));
            }
        }
        match best {
            Some((i, v)) if h_value >= v - PRECISION => Ok(i),
            _ => {
                self.hs.push(h);
                self.errors.push(err);
                self.gammas.push(gamma);
                Ok(self.hs.len() - 1)
            }
        }
    }

    /// (L, L_high) of the mixture `q` under `lambda`.
    fn eval(&self, q: &[f64], lambda: &[f64]) -> (f64, f64) {
        let error: f64 = q.iter().zip(&self.errors).map(|(a, b)| a * b).sum();
        let k = self.moment.len();
        let gamma: Vec<f64> = (0..k)
            .map(|j| q.iter().zip(&self.gammas).map(|(a, g)| a * g[j]).sum())
            .collect();
        let bound = self.moment.bound;
        let lambda = &self.moment.project_lambda(lambda);
        let l = error
            + lambda
                .iter()
                .zip(&gamma)
                .map(|(l, g)| l * (g - bound))
                .sum::<f64>();
        let max_c = gamma
            .iter()
            .map(|g| g - bound)
            .fold(f64::NEG_INFINITY, f64::max);
        let high = if max_c <= 0.0 {
            error
        } else {
            error + self.b * max_c
        };
        (l, high)
    }

    fn gap(&mut self, q: &[f64], lambda_hat: &[f64], nu: f64) -> Result<f64> {
        let (l, high) = self.eval(q, lambda_hat);
        let mut low = l;
        for mul in [1.0, 2.0, 5.0, 10.0] {
            let scaled: Vec<f64> = lambda_hat.iter().map(|v| v * mul).collect();
            let i = self.best_h(&scaled)?;
            let mut single = vec![0.0; self.hs.len()];
            single[i] = 1.0;
            let (low_mul, _) = self.eval(&single, lambda_hat);
            low = low.min(low_mul);
            if (l - low).max(high - l) > nu + PRECISION {
                break;
            }
        }
        Ok((l - low).max(high - l))
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
    };
    let mut theta: Vec<f64> = vec![0.0; k];
    let mut lambda_sum = vec![0.0; k];
    let mut q_sum: Vec<f64> = Vec::new();
    let (mut gaps_eg, mut qs): (Vec<f64>, Vec<Vec<f64>>) = (Vec::new(), Vec::new());
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
        let gap = lag.gap(&q, &lambda_hat, nu)?;
        gaps_eg.push(gap);
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
    let min_gap = gaps_eg.iter().copied().fold(f64::INFINITY, f64::min);
    let best_t = gaps_eg
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
        best_gap: gaps_eg[best_t],
    })
}
