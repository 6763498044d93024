//! Weighted L2 logistic regression trained by Newton's method: the deterministic learner
//! of [`super::exponentiated_gradient`] (scikit-learn's `LogisticRegression(C=1)`
//! objective: `sum_i w_i logloss_i + ||beta||^2 / (2C)`, intercept not penalised).

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use super::error::{FairnessError, Result};

/// A fitted binary classifier `P(y = 1 | x) = sigmoid(x . coef + intercept)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticModel {
    /// One weight per feature.
    pub coef: Vec<f64>,
    /// Intercept.
    pub intercept: f64,
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

impl LogisticModel {
    /// Fits on `x` (n x d), labels `y` (0/1) and non-negative weights `w`; `c` is the inverse
    /// regularisation strength (scikit-learn `C`).
    // Matrix code reads best with explicit indices.
    #[allow(clippy::needless_range_loop)]
    pub fn fit(x: ArrayView2<'_, f64>, y: &[u8], w: &[f64], c: f64) -> Result<Self> {
        let (n, d) = x.dim();
        if n == 0 {
            return Err(FairnessError::Empty);
        }
        if y.len() != n || w.len() != n {
            return Err(FairnessError::LengthMismatch {
                what: "labels or weights",
                expected: n,
                got: y.len().min(w.len()),
            });
        }
        if c.is_nan() || c <= 0.0 {
            return Err(FairnessError::InvalidParameter {
                name: "C",
                reason: format!("{c} must be > 0"),
            });
        }
        let l2 = 1.0 / c;
        let p = d + 1;
        let mut theta = vec![0.0; p];
        let loss = |t: &[f64]| -> f64 {
            let mut s = 0.5 * l2 * t[..d].iter().map(|b| b * b).sum::<f64>();
            for i in 0..n {
                let z = (0..d).map(|j| x[[i, j]] * t[j]).sum::<f64>() + t[d];
                // log(1 + e^z) - y z, computed stably.
                let softplus = if z > 0.0 {
                    z + (-z).exp().ln_1p()
                } else {
                    z.exp().ln_1p()
                };
                s += w[i] * (softplus - f64::from(y[i]) * z);
            }
            s
        };
        let mut current = loss(&theta);
        for _ in 0..100 {
            let mut grad = vec![0.0; p];
            let mut hess = vec![vec![0.0; p]; p];
            for i in 0..n {
                let z = (0..d).map(|j| x[[i, j]] * theta[j]).sum::<f64>() + theta[d];
                let pi = sigmoid(z);
                let r = w[i] * (pi - f64::from(y[i]));
                let h = w[i] * pi * (1.0 - pi);
                for a in 0..p {
                    let xa = if a == d { 1.0 } else { x[[i, a]] };
                    grad[a] += r * xa;
                    for b in a..p {
                        let xb = if b == d { 1.0 } else { x[[i, b]] };
                        hess[a][b] += h * xa * xb;
                    }
                }
            }
            for a in 0..p {
                for b in 0..a {
                    hess[a][b] = hess[b][a];
                }
                if a < d {
                    grad[a] += l2 * theta[a];
                    hess[a][a] += l2;
                } else {
                    hess[a][a] += 1e-12;
                }
            }
            if grad.iter().map(|g| g * g).sum::<f64>().sqrt() < 1e-9 {
                break;
            }
            let step = solve(hess, grad)?;
            let mut t = 1.0;
            let mut improved = false;
            for _ in 0..30 {
                let cand: Vec<f64> = theta.iter().zip(&step).map(|(a, s)| a - t * s).collect();
                let l = loss(&cand);
                if l <= current {
                    theta = cand;
                    improved = (current - l) > 1e-14 * current.abs().max(1.0);
                    current = l;
                    break;
                }
                t *= 0.5;
            }
            if !improved {
                break;
            }
        }
        Ok(Self {
            intercept: theta[d],
            coef: theta[..d].to_vec(),
        })
    }

    /// `P(y = 1 | x)` for every row.
    pub fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Vec<f64> {
        x.rows()
            .into_iter()
            .map(|r| {
                sigmoid(r.iter().zip(&self.coef).map(|(a, b)| a * b).sum::<f64>() + self.intercept)
            })
            .collect()
    }

    /// `1` where `P(y = 1 | x) > 0.5` (scikit-learn `predict`), else 0.
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Vec<u8> {
        self.predict_proba(x)
            .into_iter()
            .map(|p| u8::from(p > 0.5))
            .collect()
    }
}

/// Solves `a x = b` by Gaussian elimination with partial pivoting.
#[allow(clippy::needless_range_loop)]
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Result<Vec<f64>> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .unwrap_or(col);
        if a[pivot][col].abs() < 1e-300 {
            return Err(FairnessError::InvalidParameter {
                name: "features",
                reason: "the Hessian is singular (constant or duplicate features?)".into(),
            });
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..n {
            let f = a[row][col] / a[col][col];
            if f != 0.0 {
                for k in col..n {
                    a[row][k] -= f * a[col][k];
                }
                b[row] -= f * b[col];
            }
        }
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let s: f64 = (i + 1..n).map(|k| a[i][k] * x[k]).sum();
        x[i] = (b[i] - s) / a[i][i];
    }
    Ok(x)
}
