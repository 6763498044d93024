//! Is one model better than another on the same rows? McNemar's test for
//! classifiers (which rows each gets right), a paired bootstrap otherwise.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::{check_len, MetricsError};
use crate::drift::special::chi2_sf;

/// McNemar's test on the discordant pairs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct McNemar {
    /// Rows A got right and B wrong.
    pub a_only: u64,
    /// Rows B got right and A wrong.
    pub b_only: u64,
    /// The statistic: min(b, c) for the exact test, the continuity-corrected
    /// chi-square otherwise (as statsmodels' `mcnemar`).
    pub statistic: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Exact binomial test (fewer than 25 discordant pairs) or chi-square.
    pub exact: bool,
}

/// McNemar's test; `exact` below 25 discordant pairs, as statsmodels recommends.
pub fn mcnemar(a_correct: &[bool], b_correct: &[bool]) -> Result<McNemar, MetricsError> {
    if a_correct.is_empty() {
        return Err(MetricsError::Empty);
    }
    check_len("second model", b_correct.len(), a_correct.len())?;
    let b = a_correct
        .iter()
        .zip(b_correct)
        .filter(|(a, b)| **a && !**b)
        .count() as u64;
    let c = a_correct
        .iter()
        .zip(b_correct)
        .filter(|(a, b)| !**a && **b)
        .count() as u64;
    let n = b + c;
    if n < 25 {
        let k = b.min(c);
        // P(X <= k) for X ~ Binomial(n, 1/2), doubled.
        let mut coef = 1.0f64;
        let mut cdf = 0.0;
        for i in 0..=k {
            if i > 0 {
                coef = coef * (n - i + 1) as f64 / i as f64;
            }
            cdf += coef;
        }
        let p = (2.0 * cdf / 2f64.powi(n as i32)).min(1.0);
        return Ok(McNemar {
            a_only: b,
            b_only: c,
            statistic: k as f64,
            p_value: if n == 0 { 1.0 } else { p },
            exact: true,
        });
    }
    let d = (b as f64 - c as f64).abs() - 1.0;
    let stat = d * d / n as f64;
    Ok(McNemar {
        a_only: b,
        b_only: c,
        statistic: stat,
        p_value: chi2_sf(stat, 1),
        exact: false,
    })
}

/// A paired bootstrap confidence interval of `metric(A) − metric(B)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BootstrapCi {
    /// The difference on all rows.
    pub difference: f64,
    /// Lower bound (percentile).
    pub low: f64,
    /// Upper bound (percentile).
    pub high: f64,
    /// Confidence level, e.g. 0.95.
    pub confidence: f64,
    /// Two-sided share of resamples whose difference has the other sign (×2, at most 1).
    pub p_value: f64,
    /// Resamples drawn.
    pub resamples: usize,
    /// Seed (same seed, same answer).
    pub seed: u64,
}

/// Resamples rows with replacement (the same rows for both models) and takes
/// percentiles of the metric difference.
pub fn paired_bootstrap(
    y_true: &[f64],
    pred_a: &[f64],
    pred_b: &[f64],
    metric: fn(&[f64], &[f64]) -> f64,
    resamples: usize,
    confidence: f64,
    seed: u64,
) -> Result<BootstrapCi, MetricsError> {
    let n = y_true.len();
    if n == 0 || resamples == 0 {
        return Err(MetricsError::Empty);
    }
    check_len("first model", pred_a.len(), n)?;
    check_len("second model", pred_b.len(), n)?;
    if !(0.0..1.0).contains(&confidence) || confidence <= 0.0 {
        return Err(MetricsError::Invalid("confidence must be in (0, 1)".into()));
    }
    let difference = metric(y_true, pred_a) - metric(y_true, pred_b);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut t, mut a, mut b) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let mut diffs = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        for j in 0..n {
            let i = rng.gen_range(0..n);
            t[j] = y_true[i];
            a[j] = pred_a[i];
            b[j] = pred_b[i];
        }
        diffs.push(metric(&t, &a) - metric(&t, &b));
    }
    diffs.sort_by(f64::total_cmp);
    let q = |p: f64| {
        let pos = p * (resamples - 1) as f64;
        let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
        diffs[lo] + (diffs[hi] - diffs[lo]) * (pos - lo as f64)
    };
    let alpha = 1.0 - confidence;
    let other_side = diffs
        .iter()
        .filter(|d| {
            if difference >= 0.0 {
                **d <= 0.0
            } else {
                **d >= 0.0
            }
        })
        .count();
    Ok(BootstrapCi {
        difference,
        low: q(alpha / 2.0),
        high: q(1.0 - alpha / 2.0),
        confidence,
        p_value: (2.0 * other_side as f64 / resamples as f64).min(1.0),
        resamples,
        seed,
    })
}

/// Mean absolute error, for [`paired_bootstrap`].
pub fn mae(t: &[f64], p: &[f64]) -> f64 {
    t.iter().zip(p).map(|(a, b)| (a - b).abs()).sum::<f64>() / t.len().max(1) as f64
}

/// Error rate of class indices stored as floats, for [`paired_bootstrap`].
pub fn error_rate(t: &[f64], p: &[f64]) -> f64 {
    t.iter().zip(p).filter(|(a, b)| a != b).count() as f64 / t.len().max(1) as f64
}
