//! Pearson chi-square test of current counts against scaled reference counts
//! (Evidently's `chisquare` stattest, `scipy.stats.chisquare`).

use serde::{Deserialize, Serialize};

use super::error::DriftError;
use super::json_float;
use super::psi::check_bins;
use super::special::chi2_sf;

/// Chi-square statistic, p-value and the vectors they came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChiSquareResult {
    /// `sum (f_obs - f_exp)^2 / f_exp`; +inf when a category is absent from the reference.
    #[serde(with = "json_float")]
    pub statistic: f64,
    /// `chi2.sf(statistic, df)`.
    #[serde(with = "json_float")]
    pub p_value: f64,
    /// Degrees of freedom, `categories - 1`.
    pub df: usize,
    /// Observed: current counts.
    pub f_obs: Vec<u64>,
    /// Expected: reference counts times `k_norm`.
    pub f_exp: Vec<f64>,
    /// `n_current / n_reference` (non-missing counts).
    pub k_norm: f64,
}

/// Chi-square test over aligned per-category counts.
pub fn chi_square(
    reference_counts: &[u64],
    current_counts: &[u64],
) -> Result<ChiSquareResult, DriftError> {
    check_bins(reference_counts, current_counts)?;
    let n_ref: u64 = reference_counts.iter().sum();
    let n_cur: u64 = current_counts.iter().sum();
    let k_norm = n_cur as f64 / n_ref as f64;
    let f_exp: Vec<f64> = reference_counts
        .iter()
        .map(|&c| c as f64 * k_norm)
        .collect();
    // A zero expectation with a positive observation gives +inf, as numpy does.
    let statistic = current_counts
        .iter()
        .zip(&f_exp)
        .map(|(&o, &e)| (o as f64 - e).powi(2) / e)
        .sum();
    let df = reference_counts.len().saturating_sub(1);
    Ok(ChiSquareResult {
        statistic,
        p_value: chi2_sf(statistic, df),
        df,
        f_obs: current_counts.to_vec(),
        f_exp,
        k_norm,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn new_category_gives_infinite_statistic() {
        let r = chi_square(&[0, 10, 10], &[1, 5, 5]).unwrap();
        assert!(r.statistic.is_infinite());
        assert_eq!(r.p_value, 0.0);
        let r = chi_square(&[10, 10], &[10, 10]).unwrap();
        assert_eq!((r.statistic, r.p_value, r.df), (0.0, 1.0, 1));
    }
}
