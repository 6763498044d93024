//! Background summaries: `shap.kmeans(X, k)` — k-means centres, each coordinate snapped to
//! the nearest value the feature actually takes, weighted by cluster size. A small weighted
//! background keeps kernel SHAP's cost (coalitions x background rows) manageable.

use ndarray::{Array2, ArrayView2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::background::Background;
use super::error::{invalid, ExplainError, Result};

/// k-means settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KMeansOptions {
    /// Independent k-means++ restarts; the lowest inertia wins (sklearn's "auto" = 1).
    pub n_init: usize,
    /// Lloyd iterations per restart (sklearn: 300).
    pub max_iter: usize,
    /// Stop when centres move less than `tol * mean feature variance` (sklearn: 1e-4).
    pub tol: f64,
    /// Seed of the ChaCha8 generator.
    pub seed: u64,
    /// Snap centre coordinates to observed values (shap's `round_values=True`).
    pub round_values: bool,
}

impl Default for KMeansOptions {
    fn default() -> Self {
        Self {
            n_init: 1,
            max_iter: 300,
            tol: 1e-4,
            seed: 0,
            round_values: true,
        }
    }
}

fn dist2(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Summarises `data` by `k` weighted centres (shap.kmeans).
pub fn kmeans_background(
    data: ArrayView2<f64>,
    k: usize,
    options: &KMeansOptions,
) -> Result<Background> {
    let (n, m) = data.dim();
    if n == 0 {
        return Err(ExplainError::EmptyBackground);
    }
    if k == 0 || k > n {
        return Err(invalid("k", format!("must be in 1..={n}")));
    }
    if data.iter().any(|v| !v.is_finite()) {
        return Err(ExplainError::NonFinite("k-means data"));
    }
    let rows: Vec<Vec<f64>> = data.rows().into_iter().map(|r| r.to_vec()).collect();
    let mean_var = (0..m)
        .map(|j| {
            let mu = rows.iter().map(|r| r[j]).sum::<f64>() / n as f64;
            rows.iter().map(|r| (r[j] - mu).powi(2)).sum::<f64>() / n as f64
        })
        .sum::<f64>()
        / m.max(1) as f64;
    let tol = options.tol * mean_var;
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let mut best: Option<(f64, Vec<Vec<f64>>, Vec<usize>)> = None;
    for _ in 0..options.n_init.max(1) {
        let mut centres = plus_plus(&rows, k, &mut rng);
        let mut labels = vec![0; n];
        for _ in 0..options.max_iter.max(1) {
            for (l, r) in labels.iter_mut().zip(&rows) {
                *l = nearest(&centres, r).0;
            }
            let mut sums = vec![vec![0.0; m]; k];
            let mut counts = vec![0usize; k];
            for (&l, r) in labels.iter().zip(&rows) {
                counts[l] += 1;
                sums[l].iter_mut().zip(r).for_each(|(s, v)| *s += v);
            }
            let mut shift = 0.0;
            for c in 0..k {
                if counts[c] == 0 {
                    continue; // an empty cluster keeps its centre
                }
                let new: Vec<f64> = sums[c].iter().map(|s| s / counts[c] as f64).collect();
                shift += dist2(&new, &centres[c]);
                centres[c] = new;
            }
            if shift <= tol {
                break;
            }
        }
        for (l, r) in labels.iter_mut().zip(&rows) {
            *l = nearest(&centres, r).0;
        }
        let inertia: f64 = labels
            .iter()
            .zip(&rows)
            .map(|(&l, r)| dist2(&centres[l], r))
            .sum();
        if best.as_ref().is_none_or(|(b, _, _)| inertia < *b) {
            best = Some((inertia, centres, labels));
        }
    }
    let (_, mut centres, labels) =
        best.ok_or_else(|| ExplainError::Numerical("k-means did not run".into()))?;
    if options.round_values {
        for centre in centres.iter_mut() {
            for (j, c) in centre.iter_mut().enumerate() {
                // np.argmin: the first row with the smallest distance.
                let (_, v) = rows
                    .iter()
                    .map(|r| r[j])
                    .fold((f64::INFINITY, *c), |(bd, bv), v| {
                        let d = (v - *c).abs();
                        if d < bd {
                            (d, v)
                        } else {
                            (bd, bv)
                        }
                    });
                *c = v;
            }
        }
    }
    let mut weights = vec![0.0; k];
    labels.iter().for_each(|&l| weights[l] += 1.0);
    let flat: Vec<f64> = centres.concat();
    let arr =
        Array2::from_shape_vec((k, m), flat).map_err(|e| ExplainError::Numerical(e.to_string()))?;
    Background::weighted(arr, weights)
}

fn nearest(centres: &[Vec<f64>], r: &[f64]) -> (usize, f64) {
    centres
        .iter()
        .enumerate()
        .map(|(i, c)| (i, dist2(c, r)))
        .fold((0, f64::INFINITY), |b, x| if x.1 < b.1 { x } else { b })
}

/// Greedy k-means++ seeding (sklearn: 2 + ln k candidates per step, keep the best).
fn plus_plus<R: Rng>(rows: &[Vec<f64>], k: usize, rng: &mut R) -> Vec<Vec<f64>> {
    let n = rows.len();
    let trials = 2 + (k as f64).ln() as usize;
    let mut centres = vec![rows[rng.gen_range(0..n)].clone()];
    let mut closest: Vec<f64> = rows.iter().map(|r| dist2(r, &centres[0])).collect();
    while centres.len() < k {
        let total: f64 = closest.iter().sum();
        let mut best: Option<(f64, usize, Vec<f64>)> = None;
        for _ in 0..trials {
            let target = rng.gen::<f64>() * total;
            let mut acc = 0.0;
            let pick = closest.iter().position(|d| {
                acc += d;
                acc > target
            });
            let pick = pick.unwrap_or(n - 1);
            let cand: Vec<f64> = rows
                .iter()
                .zip(&closest)
                .map(|(r, &d)| d.min(dist2(r, &rows[pick])))
                .collect();
            let pot: f64 = cand.iter().sum();
            if best.as_ref().is_none_or(|(p, _, _)| pot < *p) {
                best = Some((pot, pick, cand));
            }
        }
        if let Some((_, pick, cand)) = best {
            centres.push(rows[pick].clone());
            closest = cand;
        }
    }
    centres
}
