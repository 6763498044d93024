//! Jensen-Shannon distance over Evidently's bins.

use super::binning::percents;
use super::error::DriftError;
use super::psi::check_bins;

/// Jensen-Shannon distance (natural log) between the per-bin shares of two sides,
/// Evidently's `jensenshannon` stattest (no zero fill, unlike PSI).
pub fn jensen_shannon(reference_counts: &[u64], current_counts: &[u64]) -> Result<f64, DriftError> {
    check_bins(reference_counts, current_counts)?;
    Ok(jensen_shannon_distance(
        &percents(reference_counts),
        &percents(current_counts),
    ))
}

/// `scipy.spatial.distance.jensenshannon(p, q)`: both vectors are normalised to sum 1,
/// then `sqrt((KL(p||m) + KL(q||m)) / 2)` with `m = (p + q) / 2` and `0 ln 0 = 0`.
///
/// Vectors of different lengths are compared over their common prefix.
pub fn jensen_shannon_distance(p: &[f64], q: &[f64]) -> f64 {
    let p_sum: f64 = p.iter().sum();
    let q_sum: f64 = q.iter().sum();
    let mut left = 0.0;
    let mut right = 0.0;
    for (&pi, &qi) in p.iter().zip(q) {
        let (a, b) = (pi / p_sum, qi / q_sum);
        let m = (a + b) / 2.0;
        left += rel_entr(a, m);
        right += rel_entr(b, m);
    }
    ((left + right) / 2.0).sqrt()
}

/// scipy's `rel_entr(x, y)`: `x ln(x/y)`, 0 when x is 0, +inf when only y is 0.
fn rel_entr(x: f64, y: f64) -> f64 {
    if x > 0.0 && y > 0.0 {
        x * (x / y).ln()
    } else if x == 0.0 && y >= 0.0 {
        0.0
    } else {
        f64::INFINITY
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn disjoint_supports_reach_sqrt_ln2() {
        let d = jensen_shannon_distance(&[1.0, 0.0], &[0.0, 1.0]);
        assert!((d - std::f64::consts::LN_2.sqrt()).abs() < 1e-15);
        assert_eq!(jensen_shannon(&[3, 5], &[6, 10]).unwrap(), 0.0);
    }
}
