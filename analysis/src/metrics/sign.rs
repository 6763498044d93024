//! Per-item scores of two systems on the same items: the exact sign test, and
//! the mean used to bootstrap them with [`super::paired_bootstrap`].

use serde::Serialize;

use super::{check_len, MetricsError};

/// The exact two-sided sign test on paired scores (ties dropped).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignTest {
    /// Items where the first system scored higher.
    pub wins: u64,
    /// Items where the second scored higher.
    pub losses: u64,
    /// Items with equal scores (not counted).
    pub ties: u64,
    /// Two-sided exact binomial p-value, `min(1, 2 P(X <= min(wins, losses)))`, X ~ B(wins + losses, 1/2).
    pub p_value: f64,
}

/// `P(X <= k)` for `X ~ Binomial(n, 1/2)`, summed in log space so large `n` does not overflow.
pub fn binomial_half_cdf(k: u64, n: u64) -> f64 {
    let ln_half_n = n as f64 * std::f64::consts::LN_2;
    let mut ln_coef = 0.0f64;
    let mut sum = 0.0;
    for i in 0..=k.min(n) {
        if i > 0 {
            ln_coef += ((n - i + 1) as f64).ln() - (i as f64).ln();
        }
        sum += (ln_coef - ln_half_n).exp();
    }
    sum.min(1.0)
}

/// The sign test of `a` against `b`, item by item.
pub fn sign_test(a: &[f64], b: &[f64]) -> Result<SignTest, MetricsError> {
    if a.is_empty() {
        return Err(MetricsError::Empty);
    }
    check_len("second system", b.len(), a.len())?;
    let wins = a.iter().zip(b).filter(|(x, y)| x > y).count() as u64;
    let losses = a.iter().zip(b).filter(|(x, y)| x < y).count() as u64;
    let ties = a.len() as u64 - wins - losses;
    let n = wins + losses;
    let p_value = if n == 0 {
        1.0
    } else {
        (2.0 * binomial_half_cdf(wins.min(losses), n)).min(1.0)
    };
    Ok(SignTest {
        wins,
        losses,
        ties,
        p_value,
    })
}

/// The mean of the scores, ignoring the first argument: the statistic for
/// [`super::paired_bootstrap`] when each row is already a per-item score.
pub fn mean_score(_rows: &[f64], scores: &[f64]) -> f64 {
    scores.iter().sum::<f64>() / scores.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_sign_test_matches_the_exact_binomial() {
        // 9 wins of 10: p = 2 * (1 + 10) / 1024, as scipy.stats.binomtest(9, 10).pvalue.
        let a = [1.0; 10];
        let mut b = [0.0; 10];
        b[0] = 2.0;
        let t = sign_test(&a, &b).unwrap();
        assert_eq!((t.wins, t.losses, t.ties), (9, 1, 0));
        assert!((t.p_value - 22.0 / 1024.0).abs() < 1e-15, "{}", t.p_value);
        // Ties are dropped; all ties mean no evidence.
        assert_eq!(sign_test(&a, &a).unwrap().p_value, 1.0);
    }

    #[test]
    fn the_binomial_tail_stays_finite_for_many_items() {
        // Balanced 10,000 pairs: the two-sided p-value is 1 (capped), never NaN.
        let p = binomial_half_cdf(5_000, 10_000);
        assert!(p > 0.5 && p < 0.51, "{p}");
        let tiny = binomial_half_cdf(4_000, 10_000);
        assert!(tiny > 0.0 && tiny < 1e-80, "{tiny}");
    }
}
