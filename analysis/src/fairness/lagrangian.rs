//! fairlearn's `_Lagrangian` for `ExponentiatedGradient`: best responses of the learner
//! to a lambda (`best_h`, `_call_oracle`), the Lagrangian and its duality gap, and the LP
//! step (`solve_linprog`) that re-weights the known best responses.

use ndarray::ArrayView2;

use super::error::{FairnessError, Result};
use super::exponentiated_gradient::Predictor;
use super::linprog::{linprog, LinearProgram, LpError};
use super::logistic::LogisticModel;
use super::moments::Moment;

/// fairlearn's `_PRECISION`.
pub(super) const PRECISION: f64 = 1e-8;

fn lp_failed(e: LpError) -> FairnessError {
    FairnessError::InvalidParameter {
        name: "exponentiated_gradient",
        reason: format!("the LP step failed: {e}"),
    }
}

/// fairlearn's `_Lagrangian`: the best responses found so far, their errors and
/// constraint values, and the last LP result.
pub(super) struct Lagrangian<'a> {
    pub(super) x: ArrayView2<'a, f64>,
    pub(super) moment: Moment,
    pub(super) b: f64,
    pub(super) c: f64,
    pub(super) hs: Vec<Predictor>,
    pub(super) errors: Vec<f64>,
    pub(super) gammas: Vec<Vec<f64>>,
    /// The last LP result `(hypotheses, Q, gap)`, reused while no hypothesis was added.
    pub(super) last_lp: Option<(usize, Vec<f64>, f64)>,
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
    pub(super) fn best_h(&mut self, lambda: &[f64]) -> Result<usize> {
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

    /// fairlearn's `solve_linprog`: the mixture `Q` minimising error + B * (largest
    /// constraint violation) over the known hypotheses, and lambda from the dual program
    /// (both as scipy `linprog` receives them); returns `Q` and its duality gap.
    pub(super) fn solve_linprog(&mut self, nu: f64) -> Result<(Vec<f64>, f64)> {
        let n_hs = self.hs.len();
        if let Some((n, q, gap)) = &self.last_lp {
            if *n == n_hs {
                return Ok((q.clone(), *gap));
            }
        }
        let k = self.moment.len();
        let bound = self.moment.bound;
        let mut c = self.errors.clone();
        c.push(self.b);
        let a_ub: Vec<Vec<f64>> = (0..k)
            .map(|j| {
                let mut row: Vec<f64> = self.gammas.iter().map(|g| g[j] - bound).collect();
                row.push(-1.0);
                row
            })
            .collect();
        let mut eq = vec![1.0; n_hs];
        eq.push(0.0);
        let primal = LinearProgram {
            c: c.clone(),
            a_ub: a_ub.clone(),
            b_ub: vec![0.0; k],
            a_eq: vec![eq.clone()],
            b_eq: vec![1.0],
            free: Vec::new(),
        };
        let x = linprog(&primal).map_err(lp_failed)?;
        let q = x[..n_hs].to_vec();
        // Dual: variables (lambda_1..k >= 0, mu free), min -mu s.t. -A_ub^T l + A_eq^T mu <= c.
        let dual_rows: Vec<Vec<f64>> = (0..=n_hs)
            .map(|h| {
                let mut row: Vec<f64> = a_ub.iter().map(|r| -r[h]).collect();
                row.push(eq[h]);
                row
            })
            .collect();
        let mut dual_c = vec![0.0; k];
        dual_c.push(-1.0);
        let mut free = vec![false; k];
        free.push(true);
        let dual = LinearProgram {
            c: dual_c,
            a_ub: dual_rows,
            b_ub: c,
            a_eq: Vec::new(),
            b_eq: Vec::new(),
            free,
        };
        let lambda = linprog(&dual).map_err(lp_failed)?[..k].to_vec();
        let gap = self.gap(&q, &lambda, nu)?;
        self.last_lp = Some((n_hs, q.clone(), gap));
        Ok((q, gap))
    }

    pub(super) fn gap(&mut self, q: &[f64], lambda_hat: &[f64], nu: f64) -> Result<f64> {
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
