//! Least-angle regression (sklearn's `lars_path` with a precomputed Gram matrix) and the
//! AIC/BIC model choice of `LassoLarsIC`: the feature selection behind shap's kernel
//! `l1_reg` options.

use super::linalg::{cholesky, cholesky_solve, solve_or_lstsq};

/// `lars_path(method=...)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LarsMethod {
    /// Plain least-angle regression (`"lar"`): variables only enter.
    Lar,
    /// The lasso modification (`"lasso"`): a coefficient crossing zero leaves the set.
    Lasso,
}

/// Active set in order of entry and the coefficient path (one vector per step).
pub(crate) struct LarsPath {
    pub active: Vec<usize>,
    pub coefs: Vec<Vec<f64>>,
}

const TINY32: f64 = f32::MIN_POSITIVE as f64;
const EPS32: f64 = f32::EPSILON as f64;

fn min_pos(values: impl Iterator<Item = f64>) -> f64 {
    values.filter(|v| *v > 0.0).fold(f64::MAX, f64::min)
}

/// numpy's `np.around(v, 15)`: sklearn rounds `corr_eq_dir` so ties resolve stably.
fn around15(v: f64) -> f64 {
    (v * 1e15).round_ties_even() / 1e15
}

/// `lars_path(X, y, Gram=X^T X, alpha_min=0, max_iter, method)`; `x` row-major `[n, p]`.
pub(crate) fn lars_path(
    x: &[f64],
    n: usize,
    p: usize,
    y: &[f64],
    max_iter: usize,
    method: LarsMethod,
) -> LarsPath {
    let mut gram = vec![0.0; p * p];
    let mut xy = vec![0.0; p];
    for r in 0..n {
        let row = &x[r * p..(r + 1) * p];
        for j in 0..p {
            xy[j] += row[j] * y[r];
            for k in 0..=j {
                gram[j * p + k] += row[j] * row[k];
            }
        }
    }
    for j in 0..p {
        for k in 0..j {
            gram[k * p + j] = gram[j * p + k];
        }
    }
    let g = |a: usize, b: usize| gram[a * p + b];
    // `cov` and `inactive` follow sklearn's array order (swap-with-first, drop first),
    // so argmax ties break the same way.
    let mut cov = xy.clone();
    let mut inactive: Vec<usize> = (0..p).collect();
    let mut active: Vec<usize> = Vec::new();
    let mut sign: Vec<f64> = Vec::new();
    let mut coef = vec![0.0; p];
    let mut coefs = vec![coef.clone()];
    let (mut n_iter, mut drop, mut prev_alpha) = (0usize, false, 0.0_f64);
    loop {
        let (c_idx, c_signed) = cov
            .iter()
            .enumerate()
            .fold((0, 0.0_f64), |(bi, bv), (i, &v)| {
                if v.abs() > bv.abs() {
                    (i, v)
                } else {
                    (bi, bv)
                }
            });
        let c = c_signed.abs();
        let alpha = c / n as f64;
        if alpha <= EPS32 || n_iter >= max_iter || active.len() >= p {
            break;
        }
        if !drop {
            cov.swap(0, c_idx);
            inactive.swap(0, c_idx);
            let cand = inactive[0];
            let mut trial = active.clone();
            trial.push(cand);
            // A candidate collinear with the active set would make the Cholesky factor
            // degenerate: sklearn drops it for good by zeroing its correlation.
            if active_factor(&gram, p, &trial).is_none_or(|(_, d)| d < 1e-7) {
                cov[0] = 0.0;
                cov.swap(0, c_idx);
                inactive.swap(0, c_idx);
                continue;
            }
            cov.remove(0);
            inactive.remove(0);
            active.push(cand);
            sign.push(if c_signed > 0.0 {
                1.0
            } else if c_signed < 0.0 {
                -1.0
            } else {
                0.0
            });
        }
        if method == LarsMethod::Lasso && n_iter > 0 && prev_alpha < alpha {
            break;
        }
        let k = active.len();
        let Some((l, _)) = active_factor(&gram, p, &active) else {
            break;
        };
        let mut ls = cholesky_solve(&l, k, &sign);
        let aa = if k == 1 && ls[0] == 0.0 {
            ls[0] = 1.0;
            1.0
        } else {
            let s: f64 = ls.iter().zip(&sign).map(|(a, b)| a * b).sum();
            1.0 / s.max(f64::EPSILON).sqrt()
        };
        ls.iter_mut().for_each(|v| *v *= aa);
        let corr: Vec<f64> = inactive
            .iter()
            .map(|&j| around15(active.iter().zip(&ls).map(|(&a, w)| g(j, a) * w).sum()))
            .collect();
        let g1 = min_pos(
            cov.iter()
                .zip(&corr)
                .map(|(cv, q)| (c - cv) / (aa - q + TINY32)),
        );
        let g2 = min_pos(
            cov.iter()
                .zip(&corr)
                .map(|(cv, q)| (c + cv) / (aa + q + TINY32)),
        );
        let mut gamma = g1.min(g2).min(c / aa);
        let z: Vec<f64> = active
            .iter()
            .zip(&ls)
            .map(|(&a, w)| -coef[a] / (w + TINY32))
            .collect();
        let z_pos = min_pos(z.iter().copied());
        drop = false;
        let mut crossing: Vec<usize> = Vec::new();
        if z_pos < gamma {
            crossing = (0..k).rev().filter(|&i| z[i] == z_pos).collect();
            for &i in &crossing {
                sign[i] = -sign[i];
            }
            if method == LarsMethod::Lasso {
                gamma = z_pos;
            }
            drop = true;
        }
        n_iter += 1;
        let mut next = vec![0.0; p];
        for (&a, w) in active.iter().zip(&ls) {
            next[a] = coef[a] + gamma * w;
        }
        coef = next;
        coefs.push(coef.clone());
        for (cv, q) in cov.iter_mut().zip(&corr) {
            *cv -= gamma * q;
        }
        prev_alpha = alpha;
        if drop && method == LarsMethod::Lasso {
            let mut dropped = Vec::new();
            for &i in &crossing {
                dropped.push(active.remove(i));
                sign.remove(i);
            }
            for &d in dropped.iter().rev() {
                let temp = xy[d] - (0..p).map(|j| g(d, j) * coef[j]).sum::<f64>();
                cov.insert(0, temp);
                inactive.insert(0, d);
            }
        }
    }
    LarsPath { active, coefs }
}

/// Cholesky factor of the active Gram block and its last diagonal element.
fn active_factor(gram: &[f64], p: usize, set: &[usize]) -> Option<(Vec<f64>, f64)> {
    let k = set.len();
    let mut a = vec![0.0; k * k];
    for (i, &si) in set.iter().enumerate() {
        for (j, &sj) in set.iter().enumerate() {
            a[i * k + j] = gram[si * p + sj];
        }
    }
    let l = cholesky(&a, k)?;
    let d = l[k * k - 1];
    Some((l, d))
}

/// Information criterion of `LassoLarsIC`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Criterion {
    Aic,
    Bic,
}

/// shap's `make_pipeline(StandardScaler(with_mean=False), LassoLarsIC(criterion))` followed
/// by `np.nonzero(coef_)`: the selected features, ascending. `None` when the noise variance
/// cannot be estimated (n <= p + 1, sklearn raises).
pub(crate) fn lasso_lars_ic(
    x: &[f64],
    n: usize,
    p: usize,
    y: &[f64],
    criterion: Criterion,
) -> Option<Vec<usize>> {
    if n <= p + 1 {
        return None;
    }
    // StandardScaler(with_mean=False): divide by the population std (1 when constant),
    // then LassoLarsIC(fit_intercept=True) centres X and y.
    let mut xs = x.to_vec();
    for j in 0..p {
        let mean = (0..n).map(|r| x[r * p + j]).sum::<f64>() / n as f64;
        let var = (0..n).map(|r| (x[r * p + j] - mean).powi(2)).sum::<f64>() / n as f64;
        let scale = if var.sqrt() < 10.0 * f64::EPSILON {
            1.0
        } else {
            var.sqrt()
        };
        let centred = mean / scale;
        for r in 0..n {
            xs[r * p + j] = x[r * p + j] / scale - centred;
        }
    }
    let ym = y.iter().sum::<f64>() / n as f64;
    let yc: Vec<f64> = y.iter().map(|v| v - ym).collect();
    let path = lars_path(&xs, n, p, &yc, 500, LarsMethod::Lasso);
    let rss = |c: &[f64]| -> f64 {
        (0..n)
            .map(|r| {
                let pred: f64 = (0..p).map(|j| xs[r * p + j] * c[j]).sum();
                (yc[r] - pred).powi(2)
            })
            .sum()
    };
    // Noise variance from the unpenalised least-squares fit, as sklearn estimates it.
    let mut gram = vec![0.0; p * p];
    let mut xty = vec![0.0; p];
    for r in 0..n {
        for j in 0..p {
            xty[j] += xs[r * p + j] * yc[r];
            for k in 0..p {
                gram[j * p + k] += xs[r * p + j] * xs[r * p + k];
            }
        }
    }
    let ols = solve_or_lstsq(&gram, p, &xty, n);
    let noise = rss(&ols) / (n - p - 1) as f64;
    let factor = match criterion {
        Criterion::Aic => 2.0,
        Criterion::Bic => (n as f64).ln(),
    };
    let best = path
        .coefs
        .iter()
        .map(|c| {
            let dof = c.iter().filter(|v| v.abs() > f64::EPSILON).count() as f64;
            n as f64 * (2.0 * std::f64::consts::PI * noise).ln() + rss(c) / noise + factor * dof
        })
        .enumerate()
        .fold(
            (0, f64::INFINITY),
            |(bi, bv), (i, v)| if v < bv { (i, v) } else { (bi, bv) },
        )
        .0;
    Some((0..p).filter(|&j| path.coefs[best][j] != 0.0).collect())
}
