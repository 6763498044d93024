//! One-sided Kolmogorov-Smirnov survival function (`scipy.special.smirnov`).

/// cephes' `MINLOG`: `exp` of anything below underflows.
const MIN_LOG: f64 = -7.083_964_185_322_641e2;
/// Above this n cephes switches to the `exp(-(6nx+1)^2 / 18n)` approximation.
const MAX_COMPUTE_N: u64 = 1_000_000;

/// `P(D_n^+ >= x)` for a sample of size `n`, by the Birnbaum-Tingey / Smirnov sum
/// `x * sum_{v=0}^{floor(n(1-x))} C(n,v) (x + v/n)^(v-1) (1 - x - v/n)^(n-v)`.
///
/// Every term is positive, so summing in log space in plain `f64` keeps ~1e-12 relative
/// accuracy without cephes' double-double arithmetic (the drift tests need 1e-6). The
/// lower-sum branch is the only one scipy's `kstwo` reaches (it calls this for
/// `n x^2 >= 2.2` or `x >= 0.5`, never for tiny x).
pub fn smirnov_sf(n: u64, x: f64) -> f64 {
    if n == 0 || x.is_nan() || !(0.0..=1.0).contains(&x) {
        return f64::NAN;
    }
    let nf = n as f64;
    if n == 1 {
        return 1.0 - x;
    }
    if x == 0.0 {
        return 1.0;
    }
    if x == 1.0 {
        return 0.0;
    }
    let nx = nf * x;
    // cephes computes floor(n x) exactly in double-double; a remainder within rounding
    // of 1 is rounded up there as well.
    let mut nx_floor = nx.floor();
    let mut alpha = nx - nx_floor;
    if alpha >= 1.0 - 4.0 * f64::EPSILON * nx.max(1.0) {
        nx_floor += 1.0;
        alpha = 0.0;
    }
    if nx_floor == 0.0 || (nx_floor == 1.0 && alpha == 0.0) {
        // x <= 1/n: closed form x (1 + x)^(n-1).
        return 1.0 - x * (1.0 + x).powf(nf - 1.0);
    }
    if -2.0 * nf * x * x < MIN_LOG {
        return 0.0;
    }
    if nx_floor >= nf - 1.0 {
        return (1.0 - x).powf(nf);
    }
    if n > MAX_COMPUTE_N {
        let logp = -(6.0 * nx + 1.0).powi(2) / 18.0 / nf;
        return if logp < -std::f64::consts::LN_2 {
            logp.exp()
        } else {
            1.0 + logp.exp_m1()
        };
    }
    // Last index with a non-zero term: floor(n (1 - x)), minus one when n x is integral
    // (that term has a zero factor).
    let last = (nf - nx_floor) as u64 - 1;
    let ln_x = x.ln();
    let mut ln_binom = 0.0f64;
    let mut sum = 0.0f64;
    for v in 0..=last {
        let vf = v as f64;
        if v > 0 {
            ln_binom += ((nf - vf + 1.0) / vf).ln();
        }
        // 1 - x - v/n computed from n - v - n x, which keeps the small last factors accurate.
        let lower = (nf - vf - nx) / nf;
        let upper = x + vf / nf;
        let ln_term = ln_binom + ln_x + (vf - 1.0) * upper.ln() + (nf - vf) * lower.ln();
        let term = ln_term.exp();
        sum += term;
        // cephes' early exit: the remaining terms cannot move the sum.
        if term > 0.0 && v != last && 4.0 * (last - v) as f64 * term < f64::EPSILON * sum {
            break;
        }
    }
    sum.clamp(0.0, 1.0)
}
