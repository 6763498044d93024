//! Two-sided one-sample Kolmogorov-Smirnov distribution for a finite sample size
//! (scipy `kstwo`, `scipy.stats._ksstats._kolmogn`), with Simard & L'Ecuyer's choice of
//! algorithm per region: Ruben-Gambino closed forms, Durbin's matrix (Marsaglia-Tsang-Wang),
//! Pomeranz's recursion, the Pelz-Good asymptotic, and twice the one-sided tail.

use std::f64::consts::PI;

use super::durbin::durbin_mtw_cdf;
use super::pomeranz::pomeranz_cdf;
use super::smirnov_sf;

const LOG_2PI: f64 = 1.837_877_066_409_345_3;
const MIN_LOG: f64 = -708.0;
/// B_2j / (2j (2j-1)) for j = 8..1 (Stirling series of ln n!).
const STIRLING: [f64; 8] = [
    -2.955_065_359_477_124e-2,
    6.410_256_410_256_41e-3,
    -1.917_526_917_526_917_5e-3,
    8.417_508_417_508_417e-4,
    -5.952_380_952_380_952e-4,
    7.936_507_936_507_937e-4,
    -2.777_777_777_777_778e-3,
    8.333_333_333_333_333e-2,
];

/// `P(D_n > x)`: scipy `kstwo.sf(x, n)`.
pub fn kolmogn_sf(n: u64, x: f64) -> f64 {
    kolmogn(n, x, false)
}

/// `P(D_n <= x)`: scipy `kstwo.cdf(x, n)`.
pub fn kolmogn_cdf(n: u64, x: f64) -> f64 {
    kolmogn(n, x, true)
}

fn select(cdf_prob: f64, sf_prob: f64, cdf: bool) -> f64 {
    (if cdf { cdf_prob } else { sf_prob }).clamp(0.0, 1.0)
}

fn kolmogn(n: u64, x: f64, cdf: bool) -> f64 {
    if n == 0 || x.is_nan() {
        return f64::NAN;
    }
    if x >= 1.0 {
        return select(1.0, 0.0, cdf);
    }
    if x <= 0.0 {
        return select(0.0, 1.0, cdf);
    }
    let nf = n as f64;
    let t = nf * x;
    if t <= 1.0 {
        // Ruben-Gambino: 1/2n <= x <= 1/n.
        if t <= 0.5 {
            return select(0.0, 1.0, cdf);
        }
        let prob = if n <= 140 {
            (1..=n)
                .map(|i| i as f64 * (1.0 / nf) * (2.0 * t - 1.0))
                .product()
        } else {
            (log_nfactorial_div_n_pow_n(nf) + nf * (2.0 * t - 1.0).ln()).exp()
        };
        return select(prob, 1.0 - prob, cdf);
    }
    if t >= nf - 1.0 {
        let prob = 2.0 * (1.0 - x).powf(nf);
        return select(1.0 - prob, prob, cdf);
    }
    if x >= 0.5 {
        // The two one-sided events are disjoint here.
        let prob = 2.0 * smirnov_sf(n, x);
        return select(1.0 - prob, prob, cdf);
    }
    let nx_squared = t * x;
    if n <= 140 {
        if nx_squared <= 0.754_693 {
            let prob = durbin_mtw_cdf(n, x);
            return select(prob, 1.0 - prob, cdf);
        }
        if nx_squared <= 4.0 {
            let prob = pomeranz_cdf(n, x);
            return select(prob, 1.0 - prob, cdf);
        }
        let prob = 2.0 * smirnov_sf(n, x);
        return select(1.0 - prob, prob, cdf);
    }
    if !cdf {
        if nx_squared >= 370.0 {
            return 0.0;
        }
        if nx_squared >= 2.2 {
            return (2.0 * smirnov_sf(n, x)).clamp(0.0, 1.0);
        }
    }
    let cdf_prob = if nx_squared >= 18.0 {
        1.0
    } else if n <= 100_000 && nf * x.powf(1.5) <= 1.4 {
        durbin_mtw_cdf(n, x)
    } else {
        pelz_good_cdf(n, x)
    };
    select(cdf_prob, 1.0 - cdf_prob, cdf)
}

/// ln(n! / n^n) by Stirling's series with the n ln n part cancelled analytically.
fn log_nfactorial_div_n_pow_n(n: f64) -> f64 {
    let rn = 1.0 / n;
    let z = rn / n;
    let poly = STIRLING.iter().fold(0.0, |acc, c| acc * z + c);
    n.ln() / 2.0 - n + LOG_2PI / 2.0 + rn * poly
}

/// Pelz-Good asymptotic expansion of the CDF (Li-Chien / Korolyuk terms K0..K3 rewritten
/// with Jacobi theta identities so they converge for small `sqrt(n) x`).
fn pelz_good_cdf(n: u64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let nf = n as f64;
    let (pi2, pi4, pi6) = (PI * PI, PI.powi(4), PI.powi(6));
    let sqrt2pi = (2.0 * PI).sqrt();
    let z = nf.sqrt() * x;
    let (z2, z3, z4, z6) = (z * z, z.powi(3), z.powi(4), z.powi(6));
    let qlog = -pi2 / 8.0 / z2;
    if qlog < MIN_LOG {
        return 0.0;
    }
    let q = qlog.exp();
    let (k1a, k1b) = (-z2, pi2 / 4.0);
    let k2a = 6.0 * z6 + 2.0 * z4;
    let k2b = (2.0 * z4 - 5.0 * z2) * pi2 / 4.0;
    let k2c = pi4 * (1.0 - 2.0 * z2) / 16.0;
    let k3d = pi6 * (5.0 - 30.0 * z2) / 64.0;
    let k3c = pi4 * (-60.0 * z2 + 212.0 * z4) / 16.0;
    let k3b = pi2 * (135.0 * z4 - 96.0 * z6) / 4.0;
    let k3a = -30.0 * z6 - 90.0 * z.powi(8);
    let mut k = [0.0f64; 4];
    let maxk = (16.0 * z / PI).ceil() as i64;
    // Horner scheme over odd m = 2k-1 of sum c_m q^(m^2).
    for kk in (1..=maxk).rev() {
        let m = (2 * kk - 1) as f64;
        let (m2, m4, m6) = (m * m, m.powi(4), m.powi(6));
        let qpower = q.powf((8 * kk) as f64);
        let coeffs = [
            1.0,
            k1a + k1b * m2,
            k2a + k2b * m2 + k2c * m4,
            k3a + k3b * m2 + k3c * m4 + k3d * m6,
        ];
        for (kv, c) in k.iter_mut().zip(coeffs) {
            *kv = *kv * qpower + c;
        }
    }
    let denominators = [z, 6.0 * z4, 72.0 * z.powi(7), 6480.0 * z.powi(10)];
    for (kv, den) in k.iter_mut().zip(denominators) {
        *kv = *kv * q * sqrt2pi / den;
    }
    // Remaining sums over all integers k for K2 and K3.
    let q = (-pi2 / 2.0 / z2).exp();
    let sqrt3z = 3f64.sqrt() * z;
    let (mut k2extra, mut k3extra) = (0.0, 0.0);
    for kk in (1..=maxk).rev() {
        let kf = kk as f64;
        let ksq = kf * kf;
        let qp = q.powf(ksq);
        let kspi = PI * kf;
        k2extra += ksq * qp;
        k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ksq * qp;
    }
    k[2] += k2extra * pi2 * sqrt2pi / (-36.0 * z3);
    k[3] += k3extra * pi2 * sqrt2pi / (216.0 * z6);
    k.iter()
        .enumerate()
        .map(|(i, kv)| kv / nf.powf(i as f64 / 2.0))
        .sum()
}
