//! Durbin's matrix algorithm for the two-sided KS CDF, as arranged by Marsaglia, Tsang &
//! Wang (2003), ported from scipy's `_kolmogn_DMTW`. Exact; cost O(k^3 log n) with
//! k = ceil(n d), so scipy only uses it where n d is small.

use super::ldexp;

/// 2^128 and 2^-128: rescaling steps that keep intermediate results in range.
pub(super) const EP128: f64 = 340_282_366_920_938_463_463_374_607_431_768_211_456.0;
pub(super) const EM128: f64 = 2.938_735_877_055_719e-39;
pub(super) const E128: i64 = 128;

fn mat_mul(a: &[f64], b: &[f64], m: usize) -> Vec<f64> {
    let mut out = vec![0.0; m * m];
    for i in 0..m {
        for k in 0..m {
            let aik = a[i * m + k];
            if aik == 0.0 {
                continue;
            }
            for j in 0..m {
                out[i * m + j] += aik * b[k * m + j];
            }
        }
    }
    out
}

/// Durbin's matrix algorithm as arranged by Marsaglia, Tsang & Wang: the k-th diagonal
/// entry of `(n!/n^n) H^n`, with H of size 2k-1 and powers rescaled by 2^128.
pub(super) fn durbin_mtw_cdf(n: u64, d: f64) -> f64 {
    if d >= 1.0 {
        return 1.0;
    }
    let nd = n as f64 * d;
    if nd <= 0.5 {
        return 0.0;
    }
    let k = nd.ceil() as usize;
    let h = k as f64 - nd;
    let m = 2 * k - 1;
    let mut v: Vec<f64> = (1..=m).map(|j| 1.0 - h.powf(j as f64)).collect();
    let mut w = vec![0.0; m];
    let mut fac = 1.0;
    for j in 1..=m {
        w[j - 1] = fac;
        fac /= j as f64;
        v[j - 1] *= fac;
    }
    let tt = (2.0 * h - 1.0).max(0.0).powf(m as f64) - 2.0 * h.powf(m as f64);
    v[m - 1] = (1.0 + tt) * fac;
    let mut hm = vec![0.0; m * m];
    for i in 1..m {
        for r in (i - 1)..m {
            hm[r * m + i] = w[r - (i - 1)];
        }
    }
    for r in 0..m {
        hm[r * m] = v[r];
    }
    for c in 0..m {
        hm[(m - 1) * m + c] = v[m - 1 - c];
    }
    let mut hpwr: Vec<f64> = (0..m * m)
        .map(|i| if i % (m + 1) == 0 { 1.0 } else { 0.0 })
        .collect();
    let (mut nn, mut expnt, mut h_expnt) = (n, 0i64, 0i64);
    let diag = (k - 1) * m + (k - 1);
    while nn > 0 {
        if nn % 2 == 1 {
            hpwr = mat_mul(&hpwr, &hm, m);
            expnt += h_expnt;
        }
        hm = mat_mul(&hm, &hm, m);
        h_expnt *= 2;
        if hm[diag].abs() > EP128 {
            hm.iter_mut().for_each(|e| *e /= EP128);
            h_expnt += E128;
        }
        nn /= 2;
    }
    let mut p = hpwr[diag];
    let nf = n as f64;
    for i in 1..=n {
        p = i as f64 * p / nf;
        if p.abs() < EM128 {
            p *= EP128;
            expnt -= E128;
        }
    }
    ldexp(p, expnt).clamp(0.0, 1.0)
}
