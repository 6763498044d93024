//! Kolmogorov's limiting distribution (scipy `kstwobign`, `scipy.special.kolmogorov`).

use std::f64::consts::PI;

/// Below this x the CDF series `sqrt(2 pi)/x sum exp(-(2k-1)^2 pi^2 / (8 x^2))` is used,
/// above it the alternating series for the survival function (cephes' cut-over).
const CUTOVER: f64 = 0.82;
/// `exp` of anything below this underflows.
const MIN_EXPABLE: f64 = -708.0 - 38.0;

/// Survival function `Q(x) = 2 sum_{k>=1} (-1)^(k-1) exp(-2 k^2 x^2)` of the limiting
/// Kolmogorov distribution, ported from cephes `kolmogorov` (4 terms suffice at the
/// cut-over, the other series converges even faster below it).
pub fn kolmogorov_sf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 || x <= PI / (-MIN_EXPABLE * 8.0).sqrt() {
        return 1.0;
    }
    let sf = if x <= CUTOVER {
        let w = (2.0 * PI).sqrt() / x;
        let logu8 = -PI * PI / (x * x);
        let u = (logu8 / 8.0).exp();
        let cdf = if u == 0.0 {
            (logu8 / 8.0 + w.ln()).exp()
        } else {
            let u8 = logu8.exp();
            let mut p = 1.0;
            p = 1.0 + u8.powi(3) * p;
            p = 1.0 + u8 * u8 * p;
            p = 1.0 + u8 * p;
            w * u * p
        };
        1.0 - cdf
    } else {
        let v = (-2.0 * x * x).exp();
        let vsq = v * v;
        let v3 = v.powi(3);
        let mut p = 1.0;
        p = 1.0 - v3 * v3 * v * p;
        p = 1.0 - v3 * vsq * p;
        p = 1.0 - v3 * p;
        2.0 * v * p
    };
    sf.clamp(0.0, 1.0)
}
