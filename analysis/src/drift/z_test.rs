//! Two-proportion z-test (Evidently's `z` stattest).

use serde::{Deserialize, Serialize};

use super::error::DriftError;
use super::psi::check_bins;
use super::special::ndtr;

/// z statistic and two-sided p-value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ZTestResult {
    /// `(p1 - p2) / sqrt(P (1 - P) (1/n1 + 1/n2))`; 0 when both sides hold one and the
    /// same value (Evidently then skips the test with p = 1).
    pub z: f64,
    /// `2 (1 - Phi(|z|))`.
    pub p_value: f64,
    /// Share of reference values other than the first category.
    pub reference_share_not_zero_level: f64,
    /// Share of current values other than the first category.
    pub current_share_not_zero_level: f64,
}

/// z-test over aligned per-category counts: the first (smallest) category is coded 0,
/// every other one 1.
pub fn z_test(reference_counts: &[u64], current_counts: &[u64]) -> Result<ZTestResult, DriftError> {
    check_bins(reference_counts, current_counts)?;
    let n1: u64 = reference_counts.iter().sum();
    let n2: u64 = current_counts.iter().sum();
    let zero = |counts: &[u64]| counts.first().copied().unwrap_or(0);
    let (n1f, n2f) = (n1 as f64, n2 as f64);
    let p1 = (n1 - zero(reference_counts)) as f64 / n1f;
    let p2 = (n2 - zero(current_counts)) as f64 / n2f;
    // A single category overall means both sides hold the same single value.
    if reference_counts.len() == 1 {
        return Ok(ZTestResult {
            z: 0.0,
            p_value: 1.0,
            reference_share_not_zero_level: p1,
            current_share_not_zero_level: p2,
        });
    }
    // Same operation order as Evidently's `proportions_diff_z_stat_ind`.
    let pooled = (p1 * n1f + p2 * n2f) / (n1 + n2) as f64;
    let z = (p1 - p2) / (pooled * (1.0 - pooled) * (1.0 / n1f + 1.0 / n2f)).sqrt();
    Ok(ZTestResult {
        z,
        p_value: 2.0 * (1.0 - ndtr(z.abs())),
        reference_share_not_zero_level: p1,
        current_share_not_zero_level: p2,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn textbook_two_proportions() {
        // 30/100 vs 50/100: P = 0.4, z = -0.2 / sqrt(0.24 * 0.02).
        let r = z_test(&[70, 30], &[50, 50]).unwrap();
        let z = -0.2 / (0.24f64 * 0.02).sqrt();
        assert!((r.z - z).abs() < 1e-12);
        assert!((r.p_value - 0.003_892_417_122_778_627).abs() < 1e-9);
        assert_eq!(z_test(&[5], &[7]).unwrap().p_value, 1.0);
    }
}
