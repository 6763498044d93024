//! Percentiles of bootstrap replicates (numpy `quantile`, default "linear" method).

/// numpy's linear interpolation between neighbours, returning `a` when they are equal so
/// that an infinite percentile stays infinite instead of becoming `inf - inf = NaN`.
fn lerp(a: f64, b: f64, t: f64) -> f64 {
    if a == b {
        return a;
    }
    let diff = b - a;
    // numpy `_lerp`: interpolate from the nearer end for accuracy.
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

/// Quantile `q` of ascending `sorted` (non-empty) with numpy's virtual index q (n - 1).
fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let h = q * (sorted.len() - 1) as f64;
    let lo = (h.floor() as usize).min(sorted.len() - 1);
    let hi = (lo + 1).min(sorted.len() - 1);
    lerp(sorted[lo], sorted[hi], h - lo as f64)
}

/// `(quantile(q_lo), quantile(q_hi), number of non-NaN values)`, ignoring NaN like
/// numpy `nanquantile`; NaN bounds when every value is NaN.
pub(crate) fn percentile_interval(values: &[f64], q_lo: f64, q_hi: f64) -> (f64, f64, usize) {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    if sorted.is_empty() {
        return (f64::NAN, f64::NAN, 0);
    }
    sorted.sort_by(f64::total_cmp);
    (
        quantile_sorted(&sorted, q_lo),
        quantile_sorted(&sorted, q_hi),
        sorted.len(),
    )
}
