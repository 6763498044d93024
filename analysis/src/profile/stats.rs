//! Numeric column statistics with pandas 2.3.3 / numpy 2 arithmetic (no bottleneck).
//!
//! pandas `nanops` fills missing rows with 0 and sums the full-length array, and numpy
//! sums float64 pairwise (blocks of 128 with 8 accumulators); [`pairwise_sum`] copies
//! that, so means and standard deviations agree to the last bit rather than to 1e-13.

use serde::{Deserialize, Serialize};

use super::histogram::{histogram_sorted, Histogram};
use super::quantile::{median, quantile_linear};
use super::sort::{sort_f64, sort_i64};
use super::table::{Column, ColumnData};

/// Statistics of an int64/float64 column (missing values skipped).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumericStats {
    /// Smallest value.
    #[serde(with = "super::nonfinite")]
    pub min: f64,
    /// Largest value.
    #[serde(with = "super::nonfinite")]
    pub max: f64,
    /// pandas `mean`.
    #[serde(with = "super::nonfinite")]
    pub mean: f64,
    /// pandas `sum` (0 for an all-missing column).
    #[serde(with = "super::nonfinite")]
    pub sum: f64,
    /// Sample standard deviation (ddof = 1).
    #[serde(with = "super::nonfinite")]
    pub std: f64,
    /// Population standard deviation (ddof = 0).
    #[serde(with = "super::nonfinite")]
    pub std_ddof0: f64,
    /// Median.
    #[serde(with = "super::nonfinite")]
    pub median: f64,
    /// First quartile (linear interpolation).
    #[serde(with = "super::nonfinite")]
    pub q25: f64,
    /// Third quartile.
    #[serde(with = "super::nonfinite")]
    pub q75: f64,
    /// `q75 - q25`.
    #[serde(with = "super::nonfinite")]
    pub iqr: f64,
    /// `q25 - k iqr` (k = [`super::ProfileOptions::iqr_multiplier`], 1.5).
    #[serde(with = "super::nonfinite")]
    pub iqr_lower_fence: f64,
    /// `q75 + k iqr`.
    #[serde(with = "super::nonfinite")]
    pub iqr_upper_fence: f64,
    /// Values strictly outside the fences.
    pub iqr_outlier_count: usize,
    /// Values strictly below the lower fence.
    pub iqr_outlier_low_count: usize,
    /// Values strictly above the upper fence.
    pub iqr_outlier_high_count: usize,
    /// Values with `|x - mean| / std > z` (ddof = 1, z = 3 by default).
    pub zscore_outlier_count: usize,
    /// The same with the population standard deviation.
    pub zscore_outlier_count_ddof0: usize,
    /// Equal-width histogram of the finite values.
    pub histogram: Histogram,
}

/// numpy's pairwise summation of a contiguous float64 array (`add.reduce`).
pub fn pairwise_sum(a: &[f64]) -> f64 {
    pairwise_sum_by(0, a.len(), &|i| a[i])
}

/// [`pairwise_sum`] of `value(start..start + n)` without materializing the array.
fn pairwise_sum_by(start: usize, n: usize, value: &impl Fn(usize) -> f64) -> f64 {
    const BLOCK: usize = 128;
    if n < 8 {
        (start..start + n).fold(0.0, |s, i| s + value(i))
    } else if n <= BLOCK {
        let mut r = [0.0f64; 8];
        for (k, acc) in r.iter_mut().enumerate() {
            *acc = value(start + k);
        }
        let whole = n - n % 8;
        let mut i = 8;
        while i < whole {
            for (k, acc) in r.iter_mut().enumerate() {
                *acc += value(start + i + k);
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for k in whole..n {
            res += value(start + k);
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum_by(start, n2, value) + pairwise_sum_by(start + n2, n - n2, value)
    }
}

/// `int64_array.sum(dtype=float64)`: the cast goes through numpy's 8192-element buffer,
/// each buffer summed pairwise and added to the running total.
fn np_sum_int_as_f64(v: &[i64]) -> f64 {
    let mut buf = [0.0f64; 8192];
    v.chunks(8192).fold(0.0, |total, chunk| {
        for (b, &x) in buf.iter_mut().zip(chunk) {
            *b = x as f64;
        }
        total + pairwise_sum(&buf[..chunk.len()])
    })
}

/// Thresholds used by [`numeric_stats`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Thresholds {
    /// IQR fence multiplier.
    pub iqr_multiplier: f64,
    /// z-score threshold.
    pub zscore: f64,
    /// Histogram bins.
    pub bins: usize,
}

/// Statistics plus the number of distinct non-missing values. `None` for non-numeric data.
/// `sorted` may carry the present values in ascending order if the caller has them.
pub(crate) fn numeric_stats(
    col: &Column,
    sorted: Option<Vec<f64>>,
    t: Thresholds,
) -> Option<(NumericStats, usize)> {
    let missing = &col.missing;
    let n_rows = missing.len();
    // pandas fills missing rows with 0 and sums the full-length array (`nanops`).
    let (mean_sum, total, sorted, avg_sum): (f64, f64, Vec<f64>, f64) = match &col.data {
        ColumnData::Float64(v) => {
            let filled = |i: usize| if missing[i] { 0.0 } else { v[i] };
            let s = 0.0 + pairwise_sum_by(0, n_rows, &filled);
            let sorted = sorted.unwrap_or_else(|| {
                let mut present: Vec<f64> = v
                    .iter()
                    .zip(missing)
                    .filter(|(_, &m)| !m)
                    .map(|(&x, _)| x)
                    .collect();
                sort_f64(&mut present);
                present
            });
            (s, s, sorted, s)
        }
        ColumnData::Int64(v) => {
            // pandas `sum` on int64 is an integer sum (wrapping like numpy); `mean` sums
            // as float64 through the cast buffer; `var` first converts to float64.
            let total = v.iter().fold(0i64, |s, &x| s.wrapping_add(x)) as f64;
            let avg_sum = 0.0 + pairwise_sum_by(0, n_rows, &|i| v[i] as f64);
            let sorted = sorted.unwrap_or_else(|| {
                let mut ints = v.clone();
                sort_i64(&mut ints);
                ints.into_iter().map(|x| x as f64).collect()
            });
            (np_sum_int_as_f64(v), total, sorted, avg_sum)
        }
        _ => return None,
    };
    let count = sorted.len();
    let n = count as f64;
    let mean = mean_sum / n;
    let avg = avg_sum / n;
    // nanvar: squared deviations from the float average, zero where missing.
    let ss = 0.0
        + match &col.data {
            ColumnData::Int64(v) => pairwise_sum_by(0, n_rows, &|i| {
                let d = avg - v[i] as f64;
                d * d
            }),
            ColumnData::Float64(v) => pairwise_sum_by(0, n_rows, &|i| {
                let d = avg - v[i];
                if missing[i] {
                    0.0
                } else {
                    d * d
                }
            }),
            _ => return None,
        };
    let var = |ddof: usize| {
        if count > ddof {
            ss / (count - ddof) as f64
        } else {
            f64::NAN
        }
    };
    let (std, std_ddof0) = (var(1).sqrt(), var(0).sqrt());
    let q25 = quantile_linear(&sorted, 0.25);
    let q75 = quantile_linear(&sorted, 0.75);
    let iqr = q75 - q25;
    let lower = q25 - t.iqr_multiplier * iqr;
    let upper = q75 + t.iqr_multiplier * iqr;
    // Counts by binary search on the sorted values: each predicate is monotone there.
    let low = sorted.partition_point(|&x| x < lower);
    let high = count - sorted.partition_point(|&x| x <= upper || upper.is_nan());
    let split = sorted.partition_point(|&x| x < mean);
    let z_count = |sd: f64| {
        let far = |x: f64| (x - mean).abs() / sd > t.zscore;
        let (left, right) = sorted.split_at(split);
        left.partition_point(|&x| far(x)) + right.len() - right.partition_point(|&x| !far(x))
    };
    let distinct = count_distinct_sorted(&sorted);
    let stats = NumericStats {
        min: sorted.first().copied().unwrap_or(f64::NAN),
        max: sorted.last().copied().unwrap_or(f64::NAN),
        mean,
        sum: total,
        std,
        std_ddof0,
        median: median(&sorted),
        q25,
        q75,
        iqr,
        iqr_lower_fence: lower,
        iqr_upper_fence: upper,
        iqr_outlier_count: low + high,
        iqr_outlier_low_count: low,
        iqr_outlier_high_count: high,
        zscore_outlier_count: z_count(std),
        zscore_outlier_count_ddof0: z_count(std_ddof0),
        histogram: histogram_sorted(&sorted, t.bins),
    };
    Some((stats, distinct))
}

/// Distinct values of sorted data; `-0.0 == 0.0` and NaN equals NaN, as in pandas.
fn count_distinct_sorted(sorted: &[f64]) -> usize {
    let same = |a: f64, b: f64| a == b || (a.is_nan() && b.is_nan());
    match sorted.first() {
        None => 0,
        Some(_) => 1 + sorted.windows(2).filter(|w| !same(w[0], w[1])).count(),
    }
}
