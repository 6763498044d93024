//! Reliability curve: observed frequency against mean predicted probability per bin.

use serde::Serialize;

use super::MetricsError;

/// The non-empty bins of a calibration curve (scikit-learn's `calibration_curve`
/// with `strategy="uniform"`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    /// Share of positives per bin.
    pub prob_true: Vec<f64>,
    /// Mean predicted probability per bin.
    pub prob_pred: Vec<f64>,
    /// Rows per bin.
    pub counts: Vec<u64>,
}

/// Bins `prob` into `n_bins` equal-width bins of [0, 1]; a value on an inner edge
/// falls in the lower bin, as `np.searchsorted(edges, p)` puts it.
pub fn calibration_curve(
    positive: &[bool],
    prob: &[f64],
    n_bins: usize,
) -> Result<Calibration, MetricsError> {
    if let Some(p) = prob.iter().find(|p| !(0.0..=1.0).contains(*p)) {
        return Err(MetricsError::Invalid(format!(
            "probability {p} is outside [0, 1]"
        )));
    }
    let n_bins = n_bins.max(1);
    let edges: Vec<f64> = (1..n_bins)
        .map(|i| i as f64 * (1.0 / n_bins as f64))
        .collect();
    let mut sums = vec![0.0; n_bins];
    let mut trues = vec![0.0; n_bins];
    let mut totals = vec![0u64; n_bins];
    for (&y, &p) in positive.iter().zip(prob) {
        let bin = edges.partition_point(|&e| e < p);
        sums[bin] += p;
        trues[bin] += if y { 1.0 } else { 0.0 };
        totals[bin] += 1;
    }
    let mut out = Calibration {
        prob_true: Vec::new(),
        prob_pred: Vec::new(),
        counts: Vec::new(),
    };
    for b in 0..n_bins {
        if totals[b] > 0 {
            out.prob_true.push(trues[b] / totals[b] as f64);
            out.prob_pred.push(sums[b] / totals[b] as f64);
            out.counts.push(totals[b]);
        }
    }
    Ok(out)
}
