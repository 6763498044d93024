//! Two-sample Kolmogorov-Smirnov test, two-sided (`scipy.stats.ks_2samp`, scipy 1.17).

use serde::{Deserialize, Serialize};

use super::error::{DriftError, Side};
use super::ks_exact::{gcd, two_sided_exact, Exact};
use super::sample::{merge_distinct, NumericSample};
use super::special::{kolmogn_sf, kolmogorov_sf};

/// scipy's `method='auto'` uses the exact distribution up to this sample size.
pub const MAX_AUTO_EXACT_N: usize = 10_000;

/// How the p-value is computed (scipy's `method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KsMethod {
    /// Exact when `max(n1, n2) <= 10000`, asymptotic otherwise.
    Auto,
    /// Exact lattice-path distribution (falls back to asymptotic if it fails numerically).
    Exact,
    /// `kstwo.sf(D, round(n1 n2 / (n1 + n2)))`.
    Asymp,
}

/// Result of a two-sample KS test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KsResult {
    /// `sup |F_ref - F_cur|`.
    pub statistic: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Method actually used ([`KsMethod::Exact`] or [`KsMethod::Asymp`]).
    pub method: KsMethod,
}

/// The KS statistic of two sorted samples, both as scipy's float and as the exact
/// lattice numerator `h = max |i n2/g - j n1/g|` (so `D = h / lcm(n1, n2)`).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Statistic {
    d: f64,
    h: u128,
}

fn statistic(a: &[f64], b: &[f64]) -> Statistic {
    let (n1, n2) = (a.len() as u128, b.len() as u128);
    let g = u128::from(gcd(a.len() as u64, b.len() as u64));
    let (n1g, n2g) = (n1 / g, n2 / g);
    let (n1f, n2f) = (n1 as f64, n2 as f64);
    let (mut i, mut j) = (0usize, 0usize);
    let mut best = Statistic { d: 0.0, h: 0 };
    // The ECDFs only change at data points, and scipy evaluates them there
    // (`searchsorted(side='right')`), so a walk over distinct values sees every candidate.
    merge_distinct(a, b, |_, ca, cb| {
        i += ca;
        j += cb;
        // Same float operations as scipy: cdf1 - cdf2 with cdf = count / n.
        let diff = i as f64 / n1f - j as f64 / n2f;
        best.d = best.d.max(diff.abs());
        best.h = best.h.max((i as u128 * n2g).abs_diff(j as u128 * n1g));
    });
    best
}

/// Two-sided two-sample KS test of two cleaned samples.
pub fn ks_2samp(
    reference: &NumericSample,
    current: &NumericSample,
    method: KsMethod,
) -> Result<KsResult, DriftError> {
    if reference.is_empty() {
        return Err(DriftError::EmptySample(Side::Reference));
    }
    if current.is_empty() {
        return Err(DriftError::EmptySample(Side::Current));
    }
    let (n1, n2) = (reference.len() as u64, current.len() as u64);
    let stat = statistic(reference.values(), current.values());
    let g = gcd(n1, n2);
    let use_exact = match method {
        KsMethod::Auto => n1.max(n2) as usize <= MAX_AUTO_EXACT_N,
        // scipy refuses when lcm(n1, n2) would not fit an int32.
        KsMethod::Exact => ((n1 / g) as f64) < f64::from(i32::MAX) / (n2 / g) as f64,
        KsMethod::Asymp => false,
    };
    let mut d = stat.d;
    if use_exact {
        let h = u64::try_from(stat.h).unwrap_or(u64::MAX);
        match two_sided_exact(n1, n2, h) {
            Exact::Done { statistic, p_value } => {
                return Ok(KsResult {
                    statistic,
                    p_value,
                    method: KsMethod::Exact,
                });
            }
            Exact::Failed { statistic } => d = statistic,
        }
    }
    Ok(KsResult {
        statistic: d,
        p_value: ks_asymp_pvalue(d, n1, n2),
        method: KsMethod::Asymp,
    })
}

/// Effective sample size `n1 n2 / (n1 + n2)` of the asymptotic distributions.
pub fn effective_n(n1: usize, n2: usize) -> f64 {
    let (m, n) = (n1.max(n2) as f64, n1.min(n2) as f64);
    m * n / (m + n)
}

/// scipy's `method='asymp'` p-value: `kstwo.sf(d, round(en))`.
pub fn ks_asymp_pvalue(d: f64, n1: u64, n2: u64) -> f64 {
    let en = effective_n(n1 as usize, n2 as usize).round_ties_even();
    kolmogn_sf(en as u64, d).clamp(0.0, 1.0)
}

/// Classic Kolmogorov limit p-value `kstwobign.sf(sqrt(en) * d)`.
pub fn ks_limit_pvalue(d: f64, n1: u64, n2: u64) -> f64 {
    kolmogorov_sf(effective_n(n1 as usize, n2 as usize).sqrt() * d)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn sample(v: &[f64]) -> NumericSample {
        NumericSample::new(v)
    }

    #[test]
    fn scipy_small_cases() {
        // scipy's TestKSTwoSamples::testSmall and friends.
        let r = ks_2samp(&sample(&[0.0]), &sample(&[1.0]), KsMethod::Auto).unwrap();
        assert_eq!((r.statistic, r.p_value), (1.0, 1.0));
        let x: Vec<f64> = (1..=4).map(f64::from).collect();
        let y: Vec<f64> = (5..=8).map(f64::from).collect();
        let r = ks_2samp(&sample(&x), &sample(&y), KsMethod::Auto).unwrap();
        // 2 / C(8, 4)
        assert!((r.p_value - 2.0 / 70.0).abs() < 1e-15);
        let r = ks_2samp(
            &sample(&[1.0, 2.0, 3.0]),
            &sample(&[1.5, 2.5]),
            KsMethod::Exact,
        )
        .unwrap();
        assert!((r.statistic - 1.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn unequal_sizes_exact_matches_path_enumeration() {
        // n1 = 3, n2 = 2 fully separated: only 2 of C(5,2)=10 paths reach D = 1.
        let r = ks_2samp(
            &sample(&[1.0, 2.0, 3.0]),
            &sample(&[10.0, 11.0]),
            KsMethod::Exact,
        )
        .unwrap();
        assert_eq!(r.statistic, 1.0);
        assert!((r.p_value - 0.2).abs() < 1e-15);
    }

    #[test]
    fn exact_and_asymptotic_agree_on_large_samples() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for (n1, n2, shift) in [(3000, 3000, 0.08), (12_000, 9_000, 0.03), (2500, 1700, 0.0)] {
            let a: Vec<f64> = (0..n1).map(|_| rng.gen::<f64>()).collect();
            let b: Vec<f64> = (0..n2).map(|_| rng.gen::<f64>() + shift).collect();
            let (a, b) = (sample(&a), sample(&b));
            let exact = ks_2samp(&a, &b, KsMethod::Exact).unwrap();
            let asymp = ks_2samp(&a, &b, KsMethod::Asymp).unwrap();
            let auto = ks_2samp(&a, &b, KsMethod::Auto).unwrap();
            assert_eq!(exact.method, KsMethod::Exact);
            let expected_auto = if n1.max(n2) <= MAX_AUTO_EXACT_N {
                exact
            } else {
                asymp
            };
            assert_eq!(auto, expected_auto);
            assert!((exact.statistic - asymp.statistic).abs() < 1e-12);
            // The two distributions differ by a few percent, more in the far tail.
            let log_ratio = (exact.p_value / asymp.p_value).ln().abs();
            assert!(
                log_ratio < 0.15,
                "{n1}x{n2}: exact {} asymp {}",
                exact.p_value,
                asymp.p_value
            );
        }
    }
}
