//! shap's `KernelExplainer.solve`: optional L1 feature selection, then the weighted least
//! squares with the efficiency constraint sum(phi) = link(f(x)) - link(E f) enforced by
//! eliminating the last selected feature.

use serde::{Deserialize, Serialize};

use super::sampling::Design;
use crate::explain::lars::{lars_path, lasso_lars_ic, Criterion, LarsMethod};
use crate::explain::linalg::solve_or_lstsq;

/// Feature selection before the regression (shap's `l1_reg`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum L1Reg {
    /// No selection: every varying feature gets a value (`l1_reg=False`/`0`).
    Off,
    /// `"num_features(k)"`: the first k features entering a least-angle regression path
    /// (`lars_path(max_iter=k)`) on the augmented, kernel-weighted problem; the others get 0.
    /// shap 0.47+ default is `NumFeatures(10)`, applied even when every coalition is enumerated.
    NumFeatures(usize),
    /// `"aic"`: `LassoLarsIC(criterion="aic")` on standardised data; its non-zero coefficients.
    Aic,
    /// `"bic"`: as `Aic` with the BIC penalty.
    Bic,
    /// shap's deprecated `"auto"`: `Aic` when fewer than 20% of the 2^M - 2 coalitions are
    /// evaluated, otherwise no selection.
    Auto,
}

/// Solves for phi over the design's (varying) features; `ey_adj = link(v(S)) - link(fnull)`,
/// `total = link(f(x)) - link(fnull)`.
pub(crate) fn solve(d: &Design, ey_adj: &[f64], total: f64, l1: L1Reg, fraction: f64) -> Vec<f64> {
    let m = d.m;
    let n = d.len();
    let mut selected: Vec<usize> = (0..m).collect();
    let criterion = match l1 {
        L1Reg::Off => None,
        L1Reg::Auto if fraction >= 0.2 => None,
        L1Reg::Aic | L1Reg::Auto => Some(Some(Criterion::Aic)),
        L1Reg::Bic => Some(Some(Criterion::Bic)),
        L1Reg::NumFeatures(_) => Some(None),
    };
    if let Some(criterion) = criterion {
        // Augmented problem: each coalition once as is (weight w (M - |S|)) and once with
        // the efficiency constraint folded in (mask - 1, target ey - total, weight w |S|).
        let mut xa = Vec::with_capacity(2 * n * m);
        let mut ya = Vec::with_capacity(2 * n);
        for half in 0..2 {
            for (k, (&kw, &ey)) in d.weights.iter().zip(ey_adj).enumerate() {
                let mask = d.mask(k);
                let s = mask.iter().filter(|b| **b).count() as f64;
                let w = kw * if half == 0 { m as f64 - s } else { s };
                let sw = w.sqrt();
                let shift = if half == 0 { 0.0 } else { 1.0 };
                xa.extend(mask.iter().map(|&b| sw * (f64::from(u8::from(b)) - shift)));
                ya.push(sw * (ey - shift * total));
            }
        }
        selected = match (criterion, l1) {
            (None, L1Reg::NumFeatures(r)) => {
                lars_path(&xa, 2 * n, m, &ya, r, LarsMethod::Lar).active
            }
            (Some(c), _) => lasso_lars_ic(&xa, 2 * n, m, &ya, c).unwrap_or(selected),
            _ => selected,
        };
    }
    let mut phi = vec![0.0; m];
    let Some((&last, rest)) = selected.split_last() else {
        return phi;
    };
    let k = rest.len();
    // Weighted normal equations of etmp = mask[:, rest] - mask[:, last] against
    // ey_adj - mask[:, last] * total.
    let mut a = vec![0.0; k * k];
    let mut b = vec![0.0; k];
    // Row entries are -1, 0 or 1; the zero ones add exactly zero, so only the others
    // are visited (about a quarter of the products for a half-full mask).
    let mut nonzero: Vec<(usize, f64)> = Vec::with_capacity(k);
    for (i, &w) in d.weights.iter().enumerate() {
        let mask = d.mask(i);
        let ml = f64::from(u8::from(mask[last]));
        nonzero.clear();
        nonzero.extend(
            rest.iter()
                .enumerate()
                .map(|(p, &j)| (p, f64::from(u8::from(mask[j])) - ml))
                .filter(|&(_, r)| r != 0.0),
        );
        let y = ey_adj[i] - ml * total;
        for (t, &(p, rp)) in nonzero.iter().enumerate() {
            let wp = w * rp;
            b[p] += wp * y;
            for &(q, rq) in &nonzero[..=t] {
                a[p * k + q] += wp * rq;
            }
        }
    }
    for p in 0..k {
        for q in 0..p {
            a[q * k + p] = a[p * k + q];
        }
    }
    let w = solve_or_lstsq(&a, k, &b, n);
    for (&j, v) in rest.iter().zip(&w) {
        phi[j] = *v;
    }
    phi[last] = total - w.iter().sum::<f64>();
    // shap zeroes values below 1e-10 in magnitude ("clean up any rounding errors").
    for p in phi.iter_mut() {
        if p.abs() < 1e-10 {
            *p = 0.0;
        }
    }
    phi
}
