//! LIME's `QuartileDiscretizer`: per-feature quartile bins with the training statistics
//! used to sample values back inside a bin.

use ndarray::ArrayView2;
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::normal::truncated_standard_normal;

/// numpy's default (linear) percentile of sorted data.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let pos = q / 100.0 * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let frac = pos - lo as f64;
    sorted[lo] + (sorted[hi] - sorted[lo]) * frac
}

/// Bins of one feature and per-bin training statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureBins {
    /// Distinct quartile boundaries; bin b holds values in (cuts[b-1], cuts[b]].
    pub cuts: Vec<f64>,
    /// Mean of the training values in each bin (0 when empty).
    pub means: Vec<f64>,
    /// Population std of each bin plus 1e-11 (as lime adds).
    pub stds: Vec<f64>,
    /// Lower bound of each bin: the training minimum, then the cuts.
    pub mins: Vec<f64>,
    /// Upper bound of each bin: the cuts, then the training maximum.
    pub maxs: Vec<f64>,
    /// Bins present in the training data (sorted) and their relative frequencies.
    pub values: Vec<usize>,
    /// Frequencies matching `values`, summing to one.
    pub frequencies: Vec<f64>,
}

impl FeatureBins {
    pub(crate) fn fit(column: &[f64]) -> Self {
        let mut sorted = column.to_vec();
        sorted.sort_by(f64::total_cmp);
        let mut cuts: Vec<f64> = [25.0, 50.0, 75.0]
            .iter()
            .map(|&q| percentile(&sorted, q))
            .collect();
        cuts.dedup();
        let n_bins = cuts.len() + 1;
        let mut sums = vec![0.0; n_bins];
        let mut counts = vec![0usize; n_bins];
        let bins: Vec<usize> = column.iter().map(|&v| bin_of(&cuts, v)).collect();
        for (&b, &v) in bins.iter().zip(column) {
            sums[b] += v;
            counts[b] += 1;
        }
        let means: Vec<f64> = (0..n_bins)
            .map(|b| {
                if counts[b] == 0 {
                    0.0
                } else {
                    sums[b] / counts[b] as f64
                }
            })
            .collect();
        let mut sq = vec![0.0; n_bins];
        for (&b, &v) in bins.iter().zip(column) {
            sq[b] += (v - means[b]).powi(2);
        }
        let stds = (0..n_bins)
            .map(|b| if counts[b] == 0 { 0.0 } else { (sq[b] / counts[b] as f64).sqrt() } + 1e-11)
            .collect();
        let (min, max) = (sorted[0], sorted[sorted.len() - 1]);
        let mins = std::iter::once(min).chain(cuts.iter().copied()).collect();
        let maxs = cuts.iter().copied().chain(std::iter::once(max)).collect();
        let values: Vec<usize> = (0..n_bins).filter(|&b| counts[b] > 0).collect();
        let total = column.len() as f64;
        let frequencies = values.iter().map(|&b| counts[b] as f64 / total).collect();
        Self {
            cuts,
            means,
            stds,
            mins,
            maxs,
            values,
            frequencies,
        }
    }

    /// `np.searchsorted(cuts, v)`: number of cuts strictly below v.
    pub fn bin(&self, v: f64) -> usize {
        bin_of(&self.cuts, v)
    }

    /// A value inside bin b: truncated normal (bin mean and std) on [min_b, max_b].
    pub(crate) fn sample_in<R: Rng>(&self, b: usize, rng: &mut R) -> f64 {
        let (lo, hi, mean, sd) = (self.mins[b], self.maxs[b], self.means[b], self.stds[b]);
        let (a, z) = ((lo - mean) / sd, (hi - mean) / sd);
        if a == z {
            // lime returns the z-score itself here (a bug); the bin's only value is `lo`.
            return lo;
        }
        mean + sd * truncated_standard_normal(a, z, rng)
    }
}

fn bin_of(cuts: &[f64], v: f64) -> usize {
    cuts.iter().take_while(|&&c| c < v).count()
}

/// Fits every column of the training data.
pub(crate) fn fit_all(training: ArrayView2<f64>) -> Vec<FeatureBins> {
    training
        .columns()
        .into_iter()
        .map(|c| FeatureBins::fit(&c.to_vec()))
        .collect()
}
