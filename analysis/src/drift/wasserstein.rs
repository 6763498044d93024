//! First Wasserstein distance, and Evidently's normed variant.

use serde::{Deserialize, Serialize};

use super::error::{DriftError, Side};
use super::sample::{merge_distinct, NumericSample};

/// Evidently divides by `max(std(reference), 0.001)` so a constant reference does not
/// blow the normed distance up.
pub const MIN_NORM: f64 = 0.001;

/// Wasserstein distance of a column and its normalisation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WassersteinResult {
    /// `scipy.stats.wasserstein_distance(reference, current)`.
    pub distance: f64,
    /// Population (ddof = 0) standard deviation of the reference.
    pub reference_std: f64,
    /// `distance / max(reference_std, 0.001)`: Evidently's "Wasserstein distance (normed)".
    pub normed: f64,
}

/// W1 distance `integral |F_u - F_v|` between two cleaned samples, by one merge over
/// their sorted values (scipy's `_cdf_distance(1, u, v)`), summed with compensation.
pub fn wasserstein_distance(u: &NumericSample, v: &NumericSample) -> Result<f64, DriftError> {
    if u.is_empty() {
        return Err(DriftError::EmptySample(Side::Reference));
    }
    if v.is_empty() {
        return Err(DriftError::EmptySample(Side::Current));
    }
    let (nu, nv) = (u.len() as f64, v.len() as f64);
    let (mut i, mut j) = (0usize, 0usize);
    let mut prev: Option<(f64, f64)> = None;
    let mut sum = Neumaier::default();
    merge_distinct(u.values(), v.values(), |x, cu, cv| {
        // The CDF gap to the left of x was set at the previous distinct value.
        if let Some((x0, gap)) = prev {
            sum.add(gap * (x - x0));
        }
        i += cu;
        j += cv;
        prev = Some((x, (i as f64 / nu - j as f64 / nv).abs()));
    });
    Ok(sum.total())
}

/// Population standard deviation (numpy `np.std`, ddof = 0), two-pass.
pub fn population_std(sample: &NumericSample) -> f64 {
    let n = sample.len() as f64;
    let mut total = Neumaier::default();
    sample.values().iter().for_each(|&x| total.add(x));
    let mean = total.total() / n;
    let mut squares = Neumaier::default();
    sample
        .values()
        .iter()
        .for_each(|&x| squares.add((x - mean) * (x - mean)));
    (squares.total() / n).sqrt()
}

/// Evidently's `wasserstein` stattest value: the distance normed by the reference std.
pub fn wasserstein_normed(
    reference: &NumericSample,
    current: &NumericSample,
) -> Result<WassersteinResult, DriftError> {
    let distance = wasserstein_distance(reference, current)?;
    let reference_std = population_std(reference);
    Ok(WassersteinResult {
        distance,
        reference_std,
        normed: distance / reference_std.max(MIN_NORM),
    })
}

/// Neumaier (improved Kahan) summation: numpy sums pairwise, and a compensated sum keeps
/// both within a few ulps of the exact value whatever the order.
#[derive(Default)]
pub(crate) struct Neumaier {
    sum: f64,
    compensation: f64,
}

impl Neumaier {
    pub(crate) fn add(&mut self, x: f64) {
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.compensation += (self.sum - t) + x;
        } else {
            self.compensation += (x - t) + self.sum;
        }
        self.sum = t;
    }

    pub(crate) fn total(&self) -> f64 {
        self.sum + self.compensation
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn scipy_docstring_examples() {
        let s = |v: &[f64]| NumericSample::new(v);
        let d = wasserstein_distance(&s(&[0.0, 1.0, 3.0]), &s(&[5.0, 6.0, 8.0])).unwrap();
        assert!((d - 5.0).abs() < 1e-15);
        let d = wasserstein_distance(&s(&[0.0, 1.0]), &s(&[0.0, 1.0, 2.0, 3.0])).unwrap();
        assert!((d - 1.0).abs() < 1e-15);
        let r = wasserstein_normed(&s(&[2.0, 2.0]), &s(&[3.0])).unwrap();
        assert_eq!(r.reference_std, 0.0);
        assert!((r.normed - 1000.0).abs() < 1e-9);
    }
}
