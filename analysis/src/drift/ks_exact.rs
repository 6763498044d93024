//! Exact null distribution of the two-sided two-sample KS statistic (scipy
//! `_attempt_exact_2kssamp`): lattice-path counting after Hodges, in the numerically
//! stable "1 - p" form of Viehmann (2021), ported step for step so p-values match.

/// Outcome of the exact computation.
pub(crate) enum Exact {
    /// The p-value, with the statistic snapped to the lattice (`h / lcm`).
    Done { statistic: f64, p_value: f64 },
    /// Numerically unusable; scipy falls back to the asymptotic distribution.
    Failed { statistic: f64 },
}

/// `P(D >= d)` for sample sizes `n1`, `n2`, where `h = round(d * lcm(n1, n2))`.
pub(crate) fn two_sided_exact(n1: u64, n2: u64, h: u64) -> Exact {
    let g = gcd(n1, n2);
    let lcm = (n1 / g) * n2;
    let statistic = h as f64 / lcm as f64;
    if h == 0 {
        return Exact::Done {
            statistic,
            p_value: 1.0,
        };
    }
    let prob = if n1 == n2 {
        prob_outside_square(n1, h)
    } else {
        outer_prob_inside_method(n1, n2, g, h)
    };
    if (0.0..=1.0).contains(&prob) {
        Exact::Done {
            statistic,
            p_value: prob,
        }
    } else {
        Exact::Failed { statistic }
    }
}

/// Greatest common divisor.
pub(crate) fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Equal sizes: `2 sum_k (-1)^(k-1) C(2n, n-kh) / C(2n, n)`, evaluated Horner-style
/// from the innermost term to avoid the alternating-sum cancellation.
fn prob_outside_square(n: u64, h: u64) -> f64 {
    let (n, h) = (n as f64, h as f64);
    let mut p = 0.0;
    let mut k = (n / h).floor();
    while k >= 0.0 {
        let mut p1 = 1.0;
        let mut j = 0.0;
        while j < h {
            p1 = (n - k * h - j) * p1 / (n + k * h + j + 1.0);
            j += 1.0;
        }
        p = p1 * (1.0 - p);
        k -= 1.0;
    }
    2.0 * p
}

/// Proportion of lattice paths from (0,0) to (m,n) leaving the band
/// `|x/m - y/n| < h / lcm(m, n)`, one column at a time over a sliding window.
fn outer_prob_inside_method(m: u64, n: u64, g: u64, h: u64) -> f64 {
    let (m, n) = if m < n { (n, m) } else { (m, n) };
    let (m, n, g, h) = (m as i64, n as i64, g as i64, h as i64);
    let (mg, ng) = (m / g, n / g);
    let floor_div = |a: i64, b: i64| a.div_euclid(b);
    let ceil_div = |a: i64, b: i64| -(-a).div_euclid(b);
    let mut minj = 0i64;
    let mut maxj = ceil_div(h, mg).min(n + 1);
    let mut curlen = maxj - minj;
    let len_a = (2 * maxj + 2).min(n + 1) as usize;
    let mut a = vec![1.0f64; len_a];
    for slot in a.iter_mut().take(maxj.max(0) as usize) {
        *slot = 0.0;
    }
    for i in 1..=m {
        let (lastminj, lastlen) = (minj, curlen);
        minj = (floor_div(ng * i - h, mg) + 1).max(0).min(n);
        maxj = ceil_div(ng * i + h, mg).min(n + 1);
        if maxj <= minj {
            return 1.0;
        }
        let mut val = if minj == 0 { 0.0 } else { 1.0 };
        let (fi, shift) = (i as f64, (minj - lastminj) as usize);
        for jj in 0..(maxj - minj) as usize {
            let j = (jj as i64 + minj) as f64;
            let prev = a.get(jj + shift).copied().unwrap_or(1.0);
            val = (prev * fi + val * j) / (fi + j);
            if let Some(slot) = a.get_mut(jj) {
                *slot = val;
            }
        }
        curlen = maxj - minj;
        if lastlen > curlen {
            // Carried-over cells beyond the new window are reset to 1.
            let from = curlen as usize;
            let to = ((curlen + lastlen - curlen) as usize).min(a.len());
            for slot in a.iter_mut().take(to).skip(from) {
                *slot = 1.0;
            }
        }
    }
    a.get((maxj - minj - 1) as usize)
        .copied()
        .unwrap_or(f64::NAN)
}
