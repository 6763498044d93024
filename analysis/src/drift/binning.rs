//! Evidently's `get_binned_data`: the bins shared by PSI and Jensen-Shannon.

use serde::{Deserialize, Serialize};

use super::error::{DriftError, Side};
use super::sample::{CategoryCounts, NumericSample};

/// A numerical reference with more distinct values than this is binned by a Sturges
/// histogram; otherwise (and for categorical columns) each distinct value is a bin.
pub const MAX_UNIQUE_FOR_VALUE_BINS: usize = 20;

/// Equal-width histogram of both sides over common edges.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    /// `n_bins + 1` ascending edges; the last one is the combined maximum.
    pub edges: Vec<f64>,
    /// Reference count per bin.
    pub reference: Vec<u64>,
    /// Current count per bin.
    pub current: Vec<u64>,
}

/// Bins of a column, as Evidently chooses them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "binning", rename_all = "snake_case")]
pub enum Binned {
    /// `np.histogram_bin_edges(concat(ref, cur), bins="sturges")`.
    SturgesHistogram(Histogram),
    /// One bin per distinct value of the union.
    UniqueValues(CategoryCounts),
}

impl Binned {
    /// Reference counts per bin.
    pub fn reference_counts(&self) -> &[u64] {
        match self {
            Binned::SturgesHistogram(h) => &h.reference,
            Binned::UniqueValues(c) => &c.reference,
        }
    }

    /// Current counts per bin.
    pub fn current_counts(&self) -> &[u64] {
        match self {
            Binned::SturgesHistogram(h) => &h.current,
            Binned::UniqueValues(c) => &c.current,
        }
    }
}

/// Bins a numerical column: Sturges histogram when the reference has more than
/// [`MAX_UNIQUE_FOR_VALUE_BINS`] distinct values, one bin per distinct value otherwise.
pub fn bin_numeric(
    reference: &NumericSample,
    current: &NumericSample,
) -> Result<Binned, DriftError> {
    non_empty(reference, current)?;
    if reference.n_unique() > MAX_UNIQUE_FOR_VALUE_BINS {
        Ok(Binned::SturgesHistogram(sturges_histogram(
            reference, current,
        )?))
    } else {
        Ok(Binned::UniqueValues(CategoryCounts::from_numeric(
            reference, current,
        )))
    }
}

/// Histogram of both sides over the Sturges edges of their concatenation.
pub fn sturges_histogram(
    reference: &NumericSample,
    current: &NumericSample,
) -> Result<Histogram, DriftError> {
    non_empty(reference, current)?;
    let edges = sturges_edges(reference.values(), current.values());
    Ok(Histogram {
        reference: histogram_counts(reference.values(), &edges),
        current: histogram_counts(current.values(), &edges),
        edges,
    })
}

fn non_empty(reference: &NumericSample, current: &NumericSample) -> Result<(), DriftError> {
    if reference.is_empty() {
        return Err(DriftError::EmptySample(Side::Reference));
    }
    if current.is_empty() {
        return Err(DriftError::EmptySample(Side::Current));
    }
    Ok(())
}

/// numpy's `histogram_bin_edges(a, bins="sturges")` for non-empty sorted sides.
pub(crate) fn sturges_edges(a: &[f64], b: &[f64]) -> Vec<f64> {
    let ends = |s: &[f64]| (s.first().copied(), s.last().copied());
    let (a_min, a_max) = ends(a);
    let (b_min, b_max) = ends(b);
    let lo = a_min.into_iter().chain(b_min).fold(f64::INFINITY, f64::min);
    let hi = a_max
        .into_iter()
        .chain(b_max)
        .fold(f64::NEG_INFINITY, f64::max);
    let size = (a.len() + b.len()) as f64;
    // numpy widens a zero range to +-0.5 around the value, with a single bin.
    let (first, last) = if lo == hi {
        (lo - 0.5, hi + 0.5)
    } else {
        (lo, hi)
    };
    let ptp = hi - lo;
    let width = ptp / (size.log2() + 1.0);
    let n_bins = if width > 0.0 {
        // The same f64 operations as numpy, so a ratio that lands a hair above an
        // integer gives the same extra bin.
        ((last - first) / width).ceil() as usize
    } else {
        1
    };
    // np.linspace: start + i * step, with the last edge set to stop exactly.
    let step = (last - first) / n_bins as f64;
    let mut edges: Vec<f64> = (0..n_bins).map(|i| i as f64 * step + first).collect();
    edges.push(last);
    edges
}

/// `np.histogram` counts on sorted data: bin i holds `edges[i] <= x < edges[i+1]`, the
/// last bin also holds `x == edges[last]`.
pub(crate) fn histogram_counts(sorted: &[f64], edges: &[f64]) -> Vec<u64> {
    let below = |e: f64| sorted.partition_point(|&x| x < e);
    let n_bins = edges.len().saturating_sub(1);
    let mut counts = Vec::with_capacity(n_bins);
    for i in 0..n_bins {
        let start = below(edges[i]);
        let end = if i + 1 == n_bins {
            sorted.partition_point(|&x| x <= edges[i + 1])
        } else {
            below(edges[i + 1])
        };
        counts.push(end.saturating_sub(start) as u64);
    }
    counts
}

/// Shares of each bin in its side (`counts / len(side)`).
pub fn percents(counts: &[u64]) -> Vec<f64> {
    let total: u64 = counts.iter().sum();
    counts.iter().map(|&c| c as f64 / total as f64).collect()
}
