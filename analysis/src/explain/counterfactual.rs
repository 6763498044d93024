//! Counterfactual search: small changes to mutable features, inside allowed ranges, that
//! make a model's decision acceptable (e.g. flip a classifier's class).
//!
//! Random candidates (as DiCE's `random` method: a random subset of mutable features set
//! to uniform values in their ranges) are kept when accepted, then made sparse (changes
//! that are not needed are reverted) and close (each change is shrunk towards the original
//! by bisection while the decision holds). Diverse ones are picked: different sets of
//! changed features first, closest first.

use ndarray::Array2;
use rand::{seq::index::sample, Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::error::{invalid, Result};

/// Search settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CounterfactualOptions {
    /// Counterfactuals wanted.
    pub n_counterfactuals: usize,
    /// Random candidates evaluated.
    pub candidates: usize,
    /// At most this many features changed per candidate.
    pub max_changed: usize,
    /// Bisection steps per changed feature.
    pub bisection_steps: usize,
    /// Seed.
    pub seed: u64,
}

impl Default for CounterfactualOptions {
    fn default() -> Self {
        Self {
            n_counterfactuals: 3,
            candidates: 2000,
            max_changed: usize::MAX,
            bisection_steps: 12,
            seed: 0,
        }
    }
}

/// One counterfactual.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Counterfactual {
    /// The changed row.
    pub row: Vec<f64>,
    /// Indices of the features that differ from the original.
    pub changed: Vec<usize>,
    /// Scaled L1 distance: `sum_j |row_j - x_j| / scale_j`.
    pub distance: f64,
}

fn distance(x: &[f64], c: &[f64], scale: &[f64]) -> f64 {
    x.iter()
        .zip(c)
        .zip(scale)
        .map(|((a, b), s)| (a - b).abs() / s)
        .sum()
}

fn changed(x: &[f64], c: &[f64]) -> Vec<usize> {
    (0..x.len())
        .filter(|&j| x[j].to_bits() != c[j].to_bits())
        .collect()
}

/// Searches counterfactuals of `x`. `accept` scores a batch of rows (true = the desired
/// decision); `mutable[j]` says whether feature j may change; `ranges[j]` bounds it;
/// `scale[j] > 0` normalises distances (e.g. the median absolute deviation).
pub fn counterfactuals<F>(
    x: &[f64],
    accept: F,
    mutable: &[bool],
    ranges: &[(f64, f64)],
    scale: &[f64],
    options: &CounterfactualOptions,
) -> Result<Vec<Counterfactual>>
where
    F: Fn(&Array2<f64>) -> Result<Vec<bool>>,
{
    let m = x.len();
    if mutable.len() != m || ranges.len() != m || scale.len() != m {
        return Err(invalid(
            "features",
            "mutable, ranges and scale need one entry per feature",
        ));
    }
    if scale.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
        return Err(invalid("scale", "every scale must be finite and positive"));
    }
    if ranges
        .iter()
        .any(|(lo, hi)| !(lo.is_finite() && hi.is_finite() && lo <= hi))
    {
        return Err(invalid("ranges", "every range needs finite low <= high"));
    }
    let free: Vec<usize> = (0..m).filter(|&j| mutable[j]).collect();
    if free.is_empty() {
        return Err(invalid("immutable_features", "every feature is immutable"));
    }
    if options.n_counterfactuals == 0 || options.candidates == 0 {
        return Err(invalid("n_counterfactuals", "must be at least 1"));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let max_k = options.max_changed.clamp(1, free.len());
    let mut cands = Array2::<f64>::zeros((options.candidates, m));
    for mut row in cands.rows_mut() {
        row.iter_mut().zip(x).for_each(|(r, v)| *r = *v);
        let k = rng.gen_range(1..=max_k);
        for i in sample(&mut rng, free.len(), k) {
            let j = free[i];
            let (lo, hi) = ranges[j];
            row[j] = if hi > lo { rng.gen_range(lo..=hi) } else { lo };
        }
    }
    let ok = accept(&cands)?;
    let mut found: Vec<Vec<f64>> = cands
        .rows()
        .into_iter()
        .zip(&ok)
        .filter(|(_, a)| **a)
        .map(|(r, _)| r.to_vec())
        .collect();
    found.sort_by(|a, b| distance(x, a, scale).total_cmp(&distance(x, b, scale)));
    found.truncate(options.n_counterfactuals * 4);
    let mut refined = Vec::with_capacity(found.len());
    for c in found {
        refined.push(refine(x, c, &accept, scale, options.bisection_steps)?);
    }
    refined.sort_by(|a, b| a.distance.total_cmp(&b.distance));
    refined.dedup_by(|a, b| a.row == b.row);
    Ok(diverse(refined, options.n_counterfactuals))
}

/// Reverts unneeded changes, then shrinks each remaining change by bisection.
fn refine<F>(
    x: &[f64],
    mut c: Vec<f64>,
    accept: &F,
    scale: &[f64],
    steps: usize,
) -> Result<Counterfactual>
where
    F: Fn(&Array2<f64>) -> Result<Vec<bool>>,
{
    loop {
        let ch = changed(x, &c);
        if ch.len() <= 1 {
            break;
        }
        let mut trial = Array2::<f64>::zeros((ch.len(), x.len()));
        for (mut row, &j) in trial.rows_mut().into_iter().zip(&ch) {
            row.iter_mut().zip(&c).for_each(|(r, v)| *r = *v);
            row[j] = x[j];
        }
        let ok = accept(&trial)?;
        // Revert the change that saves the most distance among those that keep the decision.
        let best = ch
            .iter()
            .zip(&ok)
            .filter(|(_, a)| **a)
            .map(|(&j, _)| j)
            .max_by(|&a, &b| {
                ((c[a] - x[a]).abs() / scale[a]).total_cmp(&((c[b] - x[b]).abs() / scale[b]))
            });
        match best {
            Some(j) => c[j] = x[j],
            None => break,
        }
    }
    for j in changed(x, &c) {
        let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
        let target = c[j];
        for _ in 0..steps {
            let mid = 0.5 * (lo + hi);
            let mut trial = Array2::<f64>::zeros((1, x.len()));
            trial
                .row_mut(0)
                .iter_mut()
                .zip(&c)
                .for_each(|(r, v)| *r = *v);
            trial[[0, j]] = x[j] + mid * (target - x[j]);
            if accept(&trial)?.first().copied().unwrap_or(false) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        c[j] = x[j] + hi * (target - x[j]);
    }
    Ok(Counterfactual {
        distance: distance(x, &c, scale),
        changed: changed(x, &c),
        row: c,
    })
}

/// Closest first, preferring sets of changed features not yet shown.
fn diverse(sorted: Vec<Counterfactual>, n: usize) -> Vec<Counterfactual> {
    let mut picked: Vec<Counterfactual> = Vec::new();
    let mut rest = Vec::new();
    for c in sorted {
        if picked.len() < n && !picked.iter().any(|p| p.changed == c.changed) {
            picked.push(c);
        } else {
            rest.push(c);
        }
    }
    for c in rest {
        if picked.len() >= n {
            break;
        }
        picked.push(c);
    }
    picked.sort_by(|a, b| a.distance.total_cmp(&b.distance));
    picked
}
