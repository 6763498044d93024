//! Equal-width histogram with numpy `histogram(values, bins)` semantics.

use serde::{Deserialize, Serialize};

/// Bin edges (`bins + 1`, ascending) and per-bin counts; the last bin includes its right
/// edge. Non-finite values are left out (numpy refuses them).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    /// Bin edges.
    #[serde(with = "super::nonfinite::vec")]
    pub edges: Vec<f64>,
    /// Values per bin.
    pub counts: Vec<usize>,
}

/// numpy's uniform-bin histogram of `values`. The range is `[min, max]` of the finite
/// values, widened by 0.5 each side when they are all equal (numpy's rule); edges are
/// `start + i * step` with the last edge set to the maximum (numpy `linspace`). Each
/// value's bin is computed arithmetically and then corrected against the edges exactly as
/// numpy does, so boundary values land in the same bin. No finite value or `bins == 0`
/// gives an empty histogram.
pub fn histogram(values: &[f64], bins: usize) -> Histogram {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let (Some(first), Some(last)) = (
        finite.iter().copied().reduce(f64::min),
        finite.iter().copied().reduce(f64::max),
    ) else {
        return Histogram::default();
    };
    let Some((edges, bin)) = layout(first, last, bins) else {
        return Histogram::default();
    };
    let mut counts = vec![0usize; bins];
    for v in finite {
        counts[bin(v)] += 1;
    }
    Histogram { edges, counts }
}

/// [`histogram`] of ascending data in O(bins log n): the bin index is monotone in the
/// value, so each bin's start is a binary search with numpy's own index formula.
pub(crate) fn histogram_sorted(sorted: &[f64], bins: usize) -> Histogram {
    let lo = sorted.partition_point(|v| *v == f64::NEG_INFINITY);
    let hi = sorted.partition_point(|v| v.is_finite() || *v == f64::NEG_INFINITY);
    let finite = &sorted[lo..hi.max(lo)];
    let (Some(&first), Some(&last)) = (finite.first(), finite.last()) else {
        return Histogram::default();
    };
    let Some((edges, bin)) = layout(first, last, bins) else {
        return Histogram::default();
    };
    let starts: Vec<usize> = (0..=bins)
        .map(|k| finite.partition_point(|&v| bin(v) < k))
        .collect();
    let counts = starts.windows(2).map(|w| w[1] - w[0]).collect();
    Histogram { edges, counts }
}

/// Edges and the per-value bin function of numpy's uniform histogram.
fn layout(mut first: f64, mut last: f64, bins: usize) -> Option<(Vec<f64>, impl Fn(f64) -> usize)> {
    if bins == 0 {
        return None;
    }
    if first == last {
        first -= 0.5;
        last += 0.5;
    }
    let step = (last - first) / bins as f64;
    let mut edges: Vec<f64> = (0..=bins).map(|i| i as f64 * step + first).collect();
    edges[bins] = last;
    let norm = last - first;
    let e = edges.clone();
    let bin = move |v: f64| {
        let mut idx = ((((v - first) / norm) * bins as f64) as usize).min(bins - 1);
        if v < e[idx] && idx > 0 {
            idx -= 1;
        } else if v >= e[idx + 1] && idx != bins - 1 {
            idx += 1;
        }
        idx
    };
    Some((edges, bin))
}
