//! Order statistics with numpy's arithmetic (pandas `quantile`/`median` call numpy).

/// numpy `percentile(sorted, 100 q, method="linear")` on ascending, non-empty-or-not data.
///
/// pandas passes `100 q` and numpy divides by 100 again, so `q` takes that round trip.
/// The virtual index is `h = (n - 1) q`; the result interpolates between `x[floor h]` and
/// the next value with numpy's two-sided lerp (`b - (b - a)(1 - t)` when `t >= 0.5`),
/// which keeps the result monotone in `q`. Empty input gives NaN.
pub fn quantile_linear(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let q = (q * 100.0) / 100.0;
    let h = (n - 1) as f64 * q;
    let lo = h.floor();
    let prev = (lo.max(0.0) as usize).min(n - 1);
    let next = (prev + 1).min(n - 1);
    let t = h - lo;
    let (a, b) = (sorted[prev], sorted[next]);
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

/// numpy `median`: the middle value, or the mean `(a + b) / 2` of the two middle values.
pub fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => sorted[n / 2],
        _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}
