//! Exact binomial sampling, ported from `rand_distr` 0.5 (Apache-2.0 / MIT): BINV
//! (inversion) for small means, BTPE (Kachitvichyanukul & Schmeiser 1988, with GSL's
//! corrected signs) otherwise. `rand_distr` is not a dependency of this crate, and the
//! bootstrap needs only this one distribution.
//!
//! Sampling a binomial in O(1) expected time is what lets the bootstrap draw the
//! multinomial cell counts of a million-row resample in a few dozen operations.

use rand::Rng;

/// One draw of Binomial(n, p); `p` outside [0, 1] is clamped.
pub(crate) fn sample<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64) -> u64 {
    if n == 0 || p.is_nan() || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    // Symmetric under p -> 1 - p; the algorithms want p <= 1/2.
    let flipped = p > 0.5;
    let p = if flipped { 1.0 - p } else { p };
    let np = n as f64 * p;
    // rand_distr's threshold between BINV and BTPE.
    let draw = if np < 10.0 {
        binv(rng, n, p)
    } else {
        btpe(rng, n, p)
    };
    if flipped {
        n - draw
    } else {
        draw
    }
}

/// Inversion: walk the pmf from 0 with the recurrence f(x) = f(x-1) (a/x - s).
fn binv<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64) -> u64 {
    // A result this far out (> 30 standard deviations when np < 10) means the walk got
    // stuck on rounding; restart as rand_distr and GSL do.
    const MAX_X: u64 = 110;
    let q = 1.0 - p;
    let s = p / q;
    let a = (n as f64 + 1.0) * s;
    let r0 = q.powf(n as f64);
    'outer: loop {
        let mut r = r0;
        let mut u: f64 = rng.gen();
        let mut x = 0;
        while u > r {
            u -= r;
            x += 1;
            if x > MAX_X {
                continue 'outer;
            }
            r *= a / (x as f64) - s;
        }
        return x.min(n);
    }
}

/// Stirling correction term of ln(k!) used by BTPE's final test.
fn stirling(a: f64) -> f64 {
    let a2 = a * a;
    (13860. - (462. - (132. - (99. - 140. / a2) / a2) / a2) / a2) / a / 166320.
}

/// BTPE: triangle / parallelogram / exponential-tails majorant with squeeze tests.
#[allow(clippy::many_single_char_names)] // Names of the reference algorithm.
fn btpe<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64) -> u64 {
    const SQUEEZE_THRESHOLD: u64 = 20;
    let q = 1.0 - p;
    let np = n as f64 * p;
    let npq = np * q;
    let f_m = np + p;
    let m = f_m as u64; // Mode; f_m >= 10, finite.
    let p1 = (2.195 * npq.sqrt() - 4.6 * q).floor() + 0.5;
    let x_m = m as f64 + 0.5;
    let x_l = x_m - p1;
    let x_r = x_m + p1;
    let c = 0.134 + 20.5 / (15.3 + m as f64);
    let p2 = p1 * (1. + 2. * c);
    let lambda = |a: f64| a * (1. + 0.5 * a);
    let lambda_l = lambda((f_m - x_l) / (f_m - x_l * p));
    let lambda_r = lambda((x_r - f_m) / (x_r * q));
    let p3 = p2 + c / lambda_l;
    let p4 = p3 + c / lambda_r;

    loop {
        let u = rng.gen::<f64>() * p4;
        let mut v: f64 = rng.gen();
        let y: u64;
        if u <= p1 {
            // Region 1 (triangle): accept immediately.
            return (x_m - p1 * v + u) as u64;
        }
        if u <= p2 {
            // Region 2 (parallelograms).
            let x = x_l + (u - p1) / c;
            v = v * c + 1.0 - (x - x_m).abs() / p1;
            if v > 1. || x < 0.0 || x as u64 > n {
                continue;
            }
            y = x as u64;
        } else if u <= p3 {
            // Region 3 (left exponential tail).
            let y_tmp = x_l + v.ln() / lambda_l;
            if y_tmp < 0.0 {
                continue;
            }
            y = y_tmp as u64;
            v *= (u - p2) * lambda_l;
        } else {
            // Region 4 (right exponential tail); `as` saturates.
            y = (x_r - v.ln() / lambda_r) as u64;
            if y > n {
                continue;
            }
            v *= (u - p3) * lambda_r;
        }

        let k = y.abs_diff(m);
        if !(k > SQUEEZE_THRESHOLD && (k as f64) < 0.5 * npq - 1.) {
            // Evaluate f(y) / f(m) by the recurrence from the mode.
            let s = p / q;
            let a = s * (n as f64 + 1.);
            let mut f = 1.0;
            if m < y {
                for i in (m + 1)..=y {
                    f *= a / (i as f64) - s;
                }
            } else if m > y {
                for i in (y + 1)..=m {
                    f /= a / (i as f64) - s;
                }
            }
            if v > f {
                continue;
            }
            return y;
        }

        // Squeeze on ln(v) against bounds of ln(f(y)).
        let k = k as f64;
        let rho = (k / npq) * ((k * (k / 3. + 0.625) + 1. / 6.) / npq + 0.5);
        let t = -0.5 * k * k / npq;
        let alpha = v.ln();
        if alpha < t - rho {
            return y;
        }
        if alpha > t + rho {
            continue;
        }

        // Final test with Stirling's approximation.
        let x1 = (y + 1) as f64;
        let f1 = (m + 1) as f64;
        let z = ((n - m) + 1) as f64;
        let w = ((n - y) + 1) as f64;
        let y_sub_m = y as f64 - m as f64;
        let bound = x_m * (f1 / x1).ln()
            + (((n - m) as f64) + 0.5) * (z / w).ln()
            + y_sub_m * (w * p / (x1 * q)).ln()
            + stirling(f1)
            + stirling(z)
            - stirling(x1)
            - stirling(w);
        if alpha > bound {
            continue;
        }
        return y;
    }
}
