//! Pomeranz's recursion (Algorithm 487) for the two-sided KS CDF, ported from scipy's
//! `_kolmogn_Pomeranz`. Exact; scipy uses it for n <= 140 and moderate n x^2.

use super::durbin::{E128, EM128, EP128};
use super::ldexp;

/// Start and end (inclusive) of the non-zero entries of Pomeranz's row `i`.
fn pomeranz_j1j2(i: i64, n: i64, ll: i64, ceilf: i64, roundf: i64) -> (i64, i64) {
    let (j1, j2) = if i == 0 {
        (-ll - ceilf - 1, ll + ceilf - 1)
    } else {
        let (half, odd) = ((i + 1) / 2, (i + 1) % 2);
        if odd == 0 {
            if half == n + 1 {
                (n - ll - ceilf - 1, n + ll + ceilf - 1)
            } else {
                (half - 1 - ll - roundf - 1, half + ll - 1 + ceilf - 1)
            }
        } else {
            (half - 1 - ll - 1, half + ll + roundf - 1)
        }
    };
    ((j1 + 2).max(0), j2.min(n))
}

/// Pomeranz's recursion (Algorithm 487): rows are convolutions of the previous row with
/// (unnormalised) Poisson probabilities; the answer is `n!` times the last entry.
pub(super) fn pomeranz_cdf(n: u64, x: f64) -> f64 {
    let (ni, nf) = (n as i64, n as f64);
    let t = nf * x;
    let ll = t.floor() as i64;
    let f = t - ll as f64;
    let g = f.min(1.0 - f);
    let ceilf = i64::from(f > 0.0);
    let roundf = i64::from(f > 0.5);
    let npwrs = (2 * (ll + 1)) as usize;
    let (mut gp, mut twogp, mut onem2gp) = (vec![1.0; npwrs], vec![1.0; npwrs], vec![1.0; npwrs]);
    let (g_n, two_g_n, onem2g_n) = (g / nf, 2.0 * g / nf, (1.0 - 2.0 * g) / nf);
    for m in 1..npwrs {
        gp[m] = gp[m - 1] * g_n / m as f64;
        twogp[m] = twogp[m - 1] * two_g_n / m as f64;
        onem2gp[m] = onem2gp[m - 1] * onem2g_n / m as f64;
    }
    let mut v0 = vec![0.0; npwrs];
    let mut v1 = vec![0.0; npwrs];
    v1[0] = 1.0;
    let (mut v0s, mut v1s, mut expnt) = (0i64, 0i64, 0i64);
    let (mut j1, _) = pomeranz_j1j2(0, ni, ll, ceilf, roundf);
    for i in 1..(2 * ni + 2) {
        let k1 = j1;
        std::mem::swap(&mut v0, &mut v1);
        std::mem::swap(&mut v0s, &mut v1s);
        v1.iter_mut().for_each(|e| *e = 0.0);
        let (new_j1, j2) = pomeranz_j1j2(i, ni, ll, ceilf, roundf);
        j1 = new_j1;
        let pwrs = if i == 1 || i == 2 * ni + 1 {
            &gp
        } else if i % 2 == 1 {
            &twogp
        } else {
            &onem2gp
        };
        let ln2 = j2 - k1 + 1;
        if ln2 > 0 {
            // numpy slices clip at the array end; mirror that.
            let start = (k1 - v0s).max(0) as usize;
            let a = &v0[start.min(npwrs)..((k1 - v0s + ln2).max(0) as usize).min(npwrs)];
            let b = &pwrs[..(ln2 as usize).min(npwrs)];
            let conv = convolve(a, b);
            let conv_start = (j1 - k1).max(0) as usize;
            let conv_len = (j2 - j1 + 1).max(0) as usize;
            for (dst, src) in v1
                .iter_mut()
                .zip(conv.iter().skip(conv_start).take(conv_len))
            {
                *dst = *src;
            }
            let max = v1.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if 0.0 < max && max < EM128 {
                v1.iter_mut().for_each(|e| *e *= EP128);
                expnt -= E128;
            }
            v1s = v0s + j1 - k1;
        }
    }
    let mut ans = usize::try_from(ni - v1s)
        .ok()
        .and_then(|idx| v1.get(idx).copied())
        .unwrap_or(0.0);
    for m in 1..=n {
        if ans.abs() > EP128 {
            ans *= EM128;
            expnt += E128;
        }
        ans *= m as f64;
    }
    ldexp(ans, expnt).clamp(0.0, 1.0)
}

/// Full discrete convolution (`np.convolve(a, b)`).
fn convolve(a: &[f64], b: &[f64]) -> Vec<f64> {
    if a.is_empty() || b.is_empty() {
        return Vec::new();
    }
    let mut out = vec![0.0; a.len() + b.len() - 1];
    for (i, &ai) in a.iter().enumerate() {
        for (j, &bj) in b.iter().enumerate() {
            out[i + j] += ai * bj;
        }
    }
    out
}
