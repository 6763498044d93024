//! Population Stability Index over Evidently's bins.

use serde::{Deserialize, Serialize};

use super::binning::percents;
use super::error::{DriftError, Side};

/// PSI of a column and the zero-filled shares it was computed from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PsiResult {
    /// `sum (ref_i - cur_i) * ln(ref_i / cur_i)`.
    pub value: f64,
    /// Reference shares after the zero fill.
    pub reference_percents: Vec<f64>,
    /// Current shares after the zero fill.
    pub current_percents: Vec<f64>,
}

/// PSI from per-bin counts (see [`super::binning`]), Evidently's `psi` stattest.
///
/// Empty bins would make the logarithm infinite, so, per side, zero shares are replaced
/// by the smallest non-zero share / 1e6 when that share is at most 1e-4, else by 1e-4.
pub fn psi(reference_counts: &[u64], current_counts: &[u64]) -> Result<PsiResult, DriftError> {
    check_bins(reference_counts, current_counts)?;
    let reference_percents = zero_filled(percents(reference_counts));
    let current_percents = zero_filled(percents(current_counts));
    let value = reference_percents
        .iter()
        .zip(&current_percents)
        .map(|(r, c)| (r - c) * (r / c).ln())
        .sum();
    Ok(PsiResult {
        value,
        reference_percents,
        current_percents,
    })
}

/// Both count vectors must be non-empty, of equal length, with a positive total.
pub(crate) fn check_bins(reference: &[u64], current: &[u64]) -> Result<(), DriftError> {
    if reference.len() != current.len() {
        return Err(DriftError::BinMismatch {
            reference: reference.len(),
            current: current.len(),
        });
    }
    if reference.iter().all(|&c| c == 0) {
        return Err(DriftError::EmptySample(Side::Reference));
    }
    if current.iter().all(|&c| c == 0) {
        return Err(DriftError::EmptySample(Side::Current));
    }
    Ok(())
}

pub(crate) fn zero_filled(mut shares: Vec<f64>) -> Vec<f64> {
    let smallest = shares
        .iter()
        .copied()
        .filter(|&s| s != 0.0)
        .fold(f64::INFINITY, f64::min);
    let fill = if smallest <= 0.0001 {
        smallest / 1e6
    } else {
        0.0001
    };
    for s in shares.iter_mut().filter(|s| **s == 0.0) {
        *s = fill;
    }
    shares
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn zero_fill_uses_smallest_share_when_tiny() {
        let filled = zero_filled(vec![0.0, 0.00005, 0.99995]);
        assert_eq!(filled[0], 0.00005 / 1e6);
        let filled = zero_filled(vec![0.0, 0.5, 0.5]);
        assert_eq!(filled[0], 0.0001);
    }

    #[test]
    fn identical_distributions_have_zero_psi() {
        let r = psi(&[10, 20, 30], &[1, 2, 3]).unwrap();
        assert!(r.value.abs() < 1e-15);
        assert!(psi(&[1, 2], &[1]).is_err());
    }
}
