//! Pairwise correlations: Pearson and Spearman for numeric columns (pandas `DataFrame.corr`
//! with pairwise-complete observations), Cramér's V for categorical ones.

use serde::{Deserialize, Serialize};

use super::parallel::par_map;
use super::rank::{column_values, spearman_ranked, Ranked};
use super::table::{Column, ColumnData, MISSING_CODE};

/// Correlation matrices (row-major, symmetric, NaN where undefined).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Correlations {
    /// Names of the numeric (int64/float64) columns, matrix order.
    pub numeric_columns: Vec<String>,
    /// Pearson correlation.
    #[serde(with = "super::nonfinite::matrix")]
    pub pearson: Vec<Vec<f64>>,
    /// Spearman rank correlation (average ranks for ties).
    #[serde(with = "super::nonfinite::matrix")]
    pub spearman: Vec<Vec<f64>>,
    /// Names of the categorical/boolean columns (2..=max categories), matrix order.
    pub categorical_columns: Vec<String>,
    /// Cramér's V (no bias correction).
    #[serde(with = "super::nonfinite::matrix")]
    pub cramers_v: Vec<Vec<f64>>,
}

/// Pearson correlation over the rows where both values are non-NaN (pandas' pairwise
/// complete observations). Two passes (means, then centred sums): pandas updates means
/// incrementally instead, so results agree to about 1e-15, not bit for bit. Fewer than
/// two rows or zero variance: NaN.
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    if !x.iter().chain(y).any(|v| v.is_nan()) {
        return pearson_complete(x, y);
    }
    let both = || x.iter().zip(y).filter(|(a, b)| !a.is_nan() && !b.is_nan());
    let (n, sx, sy) = both().fold((0usize, 0.0, 0.0), |(n, sx, sy), (a, b)| {
        (n + 1, sx + a, sy + b)
    });
    let (mx, my) = (sx / n as f64, sy / n as f64);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (&a, &b) in both() {
        let (dx, dy) = (a - mx, b - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    let div = (sxx * syy).sqrt();
    if n < 2 || div == 0.0 {
        f64::NAN
    } else {
        sxy / div
    }
}

/// [`pearson`] without missing values: branch-free loops the compiler can vectorize.
fn pearson_complete(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len()) as f64;
    pearson_centred(x, y, x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n)
}

/// Pearson of complete columns with known means: one pass.
fn pearson_centred(x: &[f64], y: &[f64], mx: f64, my: f64) -> f64 {
    let n = x.len().min(y.len());
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (&a, &b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    let div = (sxx * syy).sqrt();
    if n < 2 || div == 0.0 {
        f64::NAN
    } else {
        sxy / div
    }
}

/// Spearman rank correlation over pairwise-complete rows (average ranks for ties),
/// as pandas `DataFrame.corr(method="spearman")`.
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    spearman_ranked(&Ranked::new(x.to_vec()), &Ranked::new(y.to_vec()))
}

/// Cramér's V of two code vectors ([`MISSING_CODE`] = missing), over rows where both are
/// present: `sqrt(chi2 / n / (min(r, c) - 1))` with empty rows/columns dropped.
pub fn cramers_v(a: &[u32], b: &[u32]) -> f64 {
    cramers_v_dense(&dense(a), &dense(b))
}

/// [`cramers_v`] on codes already made dense by [`dense`].
fn cramers_v_dense(ra: &(Vec<u32>, usize), rb: &(Vec<u32>, usize)) -> f64 {
    let (na, nb) = (ra.1, rb.1);
    let mut table = vec![0usize; na * nb];
    for (&i, &j) in ra.0.iter().zip(&rb.0) {
        if i != MISSING_CODE && j != MISSING_CODE {
            table[i as usize * nb + j as usize] += 1;
        }
    }
    let rows: Vec<usize> = (0..na)
        .map(|i| table[i * nb..(i + 1) * nb].iter().sum())
        .collect();
    let cols: Vec<usize> = (0..nb)
        .map(|j| (0..na).map(|i| table[i * nb + j]).sum())
        .collect();
    let n: usize = rows.iter().sum();
    let k = rows
        .iter()
        .filter(|&&s| s > 0)
        .count()
        .min(cols.iter().filter(|&&s| s > 0).count());
    if n == 0 || k < 2 {
        return f64::NAN;
    }
    let mut chi2 = 0.0;
    for (i, &ri) in rows.iter().enumerate().filter(|(_, &s)| s > 0) {
        for (j, &cj) in cols.iter().enumerate().filter(|(_, &s)| s > 0) {
            let e = ri as f64 * cj as f64 / n as f64;
            let d = table[i * nb + j] as f64 - e;
            chi2 += d * d / e;
        }
    }
    (chi2 / n as f64 / (k - 1) as f64).sqrt()
}

/// Renumbers codes densely (0..k) so contingency tables stay small.
fn dense(codes: &[u32]) -> (Vec<u32>, usize) {
    let max = codes
        .iter()
        .filter(|&&c| c != MISSING_CODE)
        .max()
        .map_or(0, |&m| m as usize + 1);
    let mut map = vec![MISSING_CODE; max];
    let mut k = 0u32;
    let out = codes
        .iter()
        .map(|&c| {
            if c == MISSING_CODE {
                return c;
            }
            let slot = &mut map[c as usize];
            if *slot == MISSING_CODE {
                *slot = k;
                k += 1;
            }
            *slot
        })
        .collect();
    (out, k as usize)
}

/// Every pairwise correlation of the table. `numeric` and `categorical` are column
/// indices (chosen by the caller), `ranked` the numeric columns' ranks if already
/// computed; pairs run in parallel.
pub(crate) fn correlations(
    columns: &[Column],
    numeric: &[usize],
    ranked: Vec<Ranked>,
    categorical: &[usize],
    threads: usize,
) -> Correlations {
    // Ranks come from the column jobs; rank here only what is missing.
    let ranked: Vec<Ranked> = if ranked.len() == numeric.len() {
        ranked
    } else {
        par_map(numeric.len(), threads, &[], |i| {
            Ranked::new(column_values(&columns[numeric[i]]).unwrap_or_default())
        })
    };
    let pairs = upper_pairs(numeric.len());
    let numeric_pairs = par_map(pairs.len(), threads, &[], |p| {
        let (x, y) = (&ranked[pairs[p].0], &ranked[pairs[p].1]);
        let r = match (x.complete_mean, y.complete_mean) {
            (Some(mx), Some(my)) => pearson_centred(&x.values, &y.values, mx, my),
            _ => pearson(&x.values, &y.values),
        };
        (r, spearman_ranked(x, y))
    });
    let codes: Vec<(Vec<u32>, usize)> = par_map(categorical.len(), threads, &[], |i| {
        dense(&category_codes(&columns[categorical[i]]))
    });
    let cat_pairs = upper_pairs(categorical.len());
    let v = par_map(cat_pairs.len(), threads, &[], |p| {
        cramers_v_dense(&codes[cat_pairs[p].0], &codes[cat_pairs[p].1])
    });
    let names = |idx: &[usize]| idx.iter().map(|&c| columns[c].name.clone()).collect();
    Correlations {
        numeric_columns: names(numeric),
        pearson: symmetric(numeric.len(), &pairs, |p| numeric_pairs[p].0),
        spearman: symmetric(numeric.len(), &pairs, |p| numeric_pairs[p].1),
        categorical_columns: names(categorical),
        cramers_v: symmetric(categorical.len(), &cat_pairs, |p| v[p]),
    }
}

/// Codes of a string or boolean column for contingency tables.
fn category_codes(col: &Column) -> Vec<u32> {
    match &col.data {
        ColumnData::Object(s) => s.codes.clone(),
        ColumnData::Bool(v) => v
            .iter()
            .zip(&col.missing)
            .map(|(&b, &m)| if m { MISSING_CODE } else { u32::from(b) })
            .collect(),
        _ => Vec::new(),
    }
}

fn upper_pairs(n: usize) -> Vec<(usize, usize)> {
    (0..n).flat_map(|i| (i..n).map(move |j| (i, j))).collect()
}

/// Builds a symmetric matrix from upper-triangle values (diagonal included, so a
/// constant column gets NaN rather than a made-up 1, like pandas).
fn symmetric(n: usize, pairs: &[(usize, usize)], value: impl Fn(usize) -> f64) -> Vec<Vec<f64>> {
    let mut m = vec![vec![f64::NAN; n]; n];
    for (p, &(i, j)) in pairs.iter().enumerate() {
        let v = value(p);
        m[i][j] = v;
        m[j][i] = v;
    }
    m
}
