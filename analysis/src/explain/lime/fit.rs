//! LIME's local surrogate: feature selection and the weighted ridge fit (lime_base.py).

use super::FeatureSelection;
use crate::explain::linalg::weighted_ridge;

/// `LimeBase.feature_selection` on the binary neighbourhood `data` (`[n, m]` row-major).
pub(super) fn select(
    method: FeatureSelection,
    k: usize,
    data: &[f64],
    m: usize,
    y: &[f64],
    w: &[f64],
) -> Vec<usize> {
    let method = match method {
        FeatureSelection::Auto if k <= 6 => FeatureSelection::ForwardSelection,
        FeatureSelection::Auto => FeatureSelection::HighestWeights,
        other => other,
    };
    match method {
        FeatureSelection::None | FeatureSelection::Auto => (0..m).collect(),
        FeatureSelection::HighestWeights => {
            let (_, coef) = weighted_ridge(data, m, y, w, 0.01);
            let mut order: Vec<usize> = (0..m).collect();
            // Python's sorted(key=abs, reverse=True) is stable: ties keep index order.
            order.sort_by(|&a, &b| coef[b].abs().total_cmp(&coef[a].abs()));
            order.truncate(k);
            order
        }
        FeatureSelection::ForwardSelection => {
            let mut used: Vec<usize> = Vec::new();
            for _ in 0..k.min(m) {
                let (mut best, mut best_score) = (0, -1e8);
                for f in (0..m).filter(|f| !used.contains(f)) {
                    let mut trial = used.clone();
                    trial.push(f);
                    let sub = columns(data, m, &trial);
                    let (b0, c) = weighted_ridge(&sub, trial.len(), y, w, 0.0);
                    let s = r2(&sub, trial.len(), y, w, b0, &c);
                    if s > best_score {
                        (best, best_score) = (f, s);
                    }
                }
                used.push(best);
            }
            used
        }
    }
}

/// The listed columns of a row-major `[n, m]` matrix.
pub(super) fn columns(data: &[f64], m: usize, cols: &[usize]) -> Vec<f64> {
    data.chunks_exact(m)
        .flat_map(|row| cols.iter().map(move |&j| row[j]))
        .collect()
}

/// Weighted R^2 (sklearn `score(..., sample_weight)`).
pub(super) fn r2(x: &[f64], p: usize, y: &[f64], w: &[f64], b0: f64, coef: &[f64]) -> f64 {
    let sw: f64 = w.iter().sum();
    let ym = y.iter().zip(w).map(|(a, b)| a * b).sum::<f64>() / sw;
    let (mut ss_res, mut ss_tot) = (0.0, 0.0);
    for (r, (&yi, &wi)) in y.iter().zip(w).enumerate() {
        let pred = b0 + (0..p).map(|j| x[r * p + j] * coef[j]).sum::<f64>();
        ss_res += wi * (yi - pred).powi(2);
        ss_tot += wi * (yi - ym).powi(2);
    }
    if ss_tot == 0.0 {
        if ss_res == 0.0 {
            1.0
        } else {
            0.0
        }
    } else {
        1.0 - ss_res / ss_tot
    }
}

/// lime's exponential kernel on the binary neighbourhood: `sqrt(exp(-d^2 / width^2))`,
/// d = Euclidean distance of each row from the all-ones row (the explained point).
pub(crate) fn kernel_weights(binary: &[f64], m: usize, width: f64) -> Vec<f64> {
    binary
        .chunks_exact(m)
        .map(|row| {
            let d2: f64 = row.iter().map(|b| (b - 1.0).powi(2)).sum();
            (-d2 / (width * width)).exp().sqrt()
        })
        .collect()
}

/// The local model of a fixed neighbourhood (`LimeBase.explain_instance_with_data`):
/// selected features, then `Ridge(alpha=1)` with sample weights; returns the features,
/// intercept, coefficients and weighted R^2.
pub(crate) fn surrogate(
    method: FeatureSelection,
    k: usize,
    binary: &[f64],
    m: usize,
    labels: &[f64],
    weights: &[f64],
) -> (Vec<usize>, f64, Vec<f64>, f64) {
    let used = select(method, k, binary, m, labels, weights);
    let sub = columns(binary, m, &used);
    let (intercept, coef) = weighted_ridge(&sub, used.len(), labels, weights, 1.0);
    let score = r2(&sub, used.len(), labels, weights, intercept, &coef);
    (used, intercept, coef, score)
}
