//! fairlearn `CorrelationRemover`: removes from the non-sensitive features the part that
//! is linear in the (centred) sensitive features.
//!
//! fairlearn fits `beta = lstsq(S - mean(S), X)` (no intercept) and transforms
//! `alpha * (X - (S - mean(S)) beta) + (1 - alpha) * X`. A least-squares solution is not
//! unique when the sensitive columns are linearly dependent (one-hot levels after
//! centring always are); the filtered features are, being the residual of a projection.
//! Here dependent columns are dropped by a pivot-free modified Gram-Schmidt and get a zero
//! coefficient, which gives the same filtered features as numpy's minimum-norm solution.

use ndarray::{Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use super::error::{FairnessError, Result};

/// A column whose residual norm falls below this share of its own norm is dependent.
const DEPENDENT: f64 = 1e-10;

/// A fitted correlation remover.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorrelationRemover {
    /// Mean of each sensitive column on the fitting data.
    pub sensitive_mean: Vec<f64>,
    /// Coefficients, `beta[j][f]` for sensitive column j and feature f.
    pub beta: Vec<Vec<f64>>,
    /// Strength in [0, 1]: 1 removes the whole linear dependence.
    pub alpha: f64,
}

impl CorrelationRemover {
    /// Fits on features `x` (n x d) and numeric sensitive columns `s` (n x k, e.g. one-hot).
    // Gram-Schmidt and back substitution read best with explicit indices.
    #[allow(clippy::needless_range_loop)]
    pub fn fit(x: ArrayView2<'_, f64>, s: ArrayView2<'_, f64>, alpha: f64) -> Result<Self> {
        let (n, k) = s.dim();
        if n == 0 {
            return Err(FairnessError::Empty);
        }
        if x.nrows() != n {
            return Err(FairnessError::LengthMismatch {
                what: "features",
                expected: n,
                got: x.nrows(),
            });
        }
        if !(0.0..=1.0).contains(&alpha) {
            return Err(FairnessError::InvalidParameter {
                name: "alpha",
                reason: format!("{alpha} is not in [0, 1]"),
            });
        }
        let mean: Vec<f64> = s.axis_iter(Axis(1)).map(|c| c.sum() / n as f64).collect();
        let centred = centre(s, &mean);
        // Modified Gram-Schmidt: q_j orthonormal, r upper triangular over kept columns.
        let mut qs: Vec<Vec<f64>> = Vec::new();
        let mut kept: Vec<usize> = Vec::new();
        let mut r = vec![vec![0.0; k]; k];
        for j in 0..k {
            let mut v: Vec<f64> = centred.column(j).to_vec();
            let norm0 = v.iter().map(|a| a * a).sum::<f64>().sqrt();
            for (qi, q) in qs.iter().enumerate() {
                let d = dot(q, &v);
                r[qi][j] = d;
                v.iter_mut().zip(q).for_each(|(a, b)| *a -= d * b);
            }
            let norm = v.iter().map(|a| a * a).sum::<f64>().sqrt();
            if norm0 == 0.0 || norm <= DEPENDENT * norm0 {
                continue;
            }
            r[qs.len()][j] = norm;
            v.iter_mut().for_each(|a| *a /= norm);
            qs.push(v);
            kept.push(j);
        }
        // beta_kept = R^-1 Q^T X (back substitution over the kept columns).
        let d = x.ncols();
        let mut beta = vec![vec![0.0; d]; k];
        for f in 0..d {
            let col = x.column(f).to_vec();
            let qtx: Vec<f64> = qs.iter().map(|q| dot(q, &col)).collect();
            let mut b = vec![0.0; kept.len()];
            for i in (0..kept.len()).rev() {
                let mut acc = qtx[i];
                for l in i + 1..kept.len() {
                    acc -= r[i][kept[l]] * b[l];
                }
                b[i] = acc / r[i][kept[i]];
            }
            for (i, &j) in kept.iter().enumerate() {
                beta[j][f] = b[i];
            }
        }
        Ok(Self {
            sensitive_mean: mean,
            beta,
            alpha,
        })
    }

    /// The filtered features of `x` given its sensitive columns `s`.
    pub fn transform(&self, x: ArrayView2<'_, f64>, s: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        if s.ncols() != self.sensitive_mean.len() || x.nrows() != s.nrows() {
            return Err(FairnessError::LengthMismatch {
                what: "sensitive columns",
                expected: self.sensitive_mean.len(),
                got: s.ncols(),
            });
        }
        let d = self.beta.first().map_or(x.ncols(), Vec::len);
        if x.ncols() != d {
            return Err(FairnessError::LengthMismatch {
                what: "features",
                expected: d,
                got: x.ncols(),
            });
        }
        let centred = centre(s, &self.sensitive_mean);
        let mut out = x.to_owned();
        for ((i, f), v) in out.indexed_iter_mut() {
            let fitted: f64 = (0..centred.ncols())
                .map(|j| centred[[i, j]] * self.beta[j][f])
                .sum();
            let filtered = x[[i, f]] - fitted;
            *v = self.alpha * filtered + (1.0 - self.alpha) * x[[i, f]];
        }
        Ok(out)
    }
}

fn centre(s: ArrayView2<'_, f64>, mean: &[f64]) -> Array2<f64> {
    let mut c = s.to_owned();
    for mut row in c.rows_mut() {
        row.iter_mut().zip(mean).for_each(|(v, m)| *v -= m);
    }
    c
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
