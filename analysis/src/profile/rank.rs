//! Average ranks and Spearman correlation with pandas `nancorr_spearman` semantics.
//!
//! Each column is sorted once ([`Ranked::new`]); a pair whose missing patterns differ is
//! re-ranked on the rows both have (pandas re-ranks then), by counting those rows per tie
//! group: O(rows) per pair instead of a sort.

use super::sort::{f64_key, key_f64, radix_sort_u64};
use super::table::{Column, ColumnData};

const NO_GROUP: u32 = u32::MAX;

/// A numeric column with its tie groups and average ranks.
#[derive(Debug, Clone)]
pub(crate) struct Ranked {
    /// Values, NaN where missing.
    pub(crate) values: Vec<f64>,
    /// Tie group of each row in ascending value order ([`NO_GROUP`] where missing).
    gid: Vec<u32>,
    groups: usize,
    /// 1-based average ranks among the column's own values, NaN where missing.
    ranks: Vec<f64>,
    /// Bitset of present rows, to compare missing patterns quickly.
    present: Vec<u64>,
    /// Mean of the values when none is missing (Pearson's fast path).
    pub(crate) complete_mean: Option<f64>,
}

/// A numeric column as f64 with NaN where missing (`None` for other columns).
pub(crate) fn column_values(col: &Column) -> Option<Vec<f64>> {
    match &col.data {
        ColumnData::Float64(v) => Some(v.clone()),
        ColumnData::Int64(v) => Some(v.iter().map(|&x| x as f64).collect()),
        _ => None,
    }
}

impl Ranked {
    /// Ranks `values` (NaN = missing).
    pub(crate) fn new(values: Vec<f64>) -> Self {
        Self::with_sorted(values).0
    }

    /// Ranks `values` and also returns the present values in ascending order (the sort
    /// is shared with the column statistics).
    pub(crate) fn with_sorted(values: Vec<f64>) -> (Self, Vec<f64>) {
        let mut keys = Vec::with_capacity(values.len());
        let mut rows = Vec::with_capacity(values.len());
        for (r, &v) in values.iter().enumerate() {
            if !v.is_nan() {
                keys.push(f64_key(v));
                rows.push(r as u32);
            }
        }
        radix_sort_u64(&mut keys, &mut rows);
        let sorted = keys.into_iter().map(key_f64).collect();
        let mut present = vec![0u64; values.len().div_ceil(64)];
        for &r in &rows {
            present[r as usize / 64] |= 1 << (r % 64);
        }
        let mut gid = vec![NO_GROUP; values.len()];
        let mut ranks = vec![f64::NAN; values.len()];
        let (mut i, mut groups) = (0, 0);
        while i < rows.len() {
            let v = values[rows[i] as usize];
            // `==` so -0.0 and 0.0 tie, as in pandas.
            let j = i + rows[i..]
                .iter()
                .take_while(|&&r| values[r as usize] == v)
                .count();
            let rank = (i + 1 + j) as f64 / 2.0;
            for &r in &rows[i..j] {
                gid[r as usize] = groups as u32;
                ranks[r as usize] = rank;
            }
            groups += 1;
            i = j;
        }
        let mut ranked = Ranked {
            values,
            gid,
            groups,
            ranks,
            present,
            complete_mean: None,
        };
        ranked.complete_mean = (ranked.gid.iter().all(|&g| g != NO_GROUP))
            .then(|| ranked.values.iter().sum::<f64>() / ranked.values.len() as f64);
        (ranked, sorted)
    }

    /// Whether `other` is present on every row where `self` is.
    fn covered_by(&self, other: &Ranked) -> bool {
        self.present
            .iter()
            .zip(&other.present)
            .all(|(a, b)| a & !b == 0)
    }

    /// Average ranks over the rows where `other` is also present.
    fn subset_ranks(&self, other: &Ranked) -> Vec<f64> {
        let keep = |r: usize| self.gid[r] != NO_GROUP && !other.values[r].is_nan();
        let mut start = vec![0u32; self.groups + 1];
        for r in (0..self.values.len()).filter(|&r| keep(r)) {
            start[self.gid[r] as usize + 1] += 1;
        }
        // Average rank of a group: rows before it + (its size + 1) / 2.
        let mut avg = vec![0.0f64; self.groups];
        let mut before = 0u64;
        for g in 0..self.groups {
            let size = u64::from(start[g + 1]);
            avg[g] = before as f64 + (size + 1) as f64 / 2.0;
            before += size;
        }
        (0..self.values.len())
            .map(|r| {
                if keep(r) {
                    avg[self.gid[r] as usize]
                } else {
                    f64::NAN
                }
            })
            .collect()
    }
}

/// pandas `nancorr_spearman` for one pair: ranks (re-ranked on the common rows when the
/// missing patterns differ), then the correlation of ranks around `(nobs + 1) / 2`.
pub(crate) fn spearman_ranked(x: &Ranked, y: &Ranked) -> f64 {
    // A column present wherever the other is keeps its own ranks on the common rows.
    let rx_sub = (!x.covered_by(y)).then(|| x.subset_ranks(y));
    let ry_sub = (!y.covered_by(x)).then(|| y.subset_ranks(x));
    let rx = rx_sub.as_ref().unwrap_or(&x.ranks);
    let ry = ry_sub.as_ref().unwrap_or(&y.ranks);
    let nobs: usize = x
        .present
        .iter()
        .zip(&y.present)
        .map(|(a, b)| (a & b).count_ones() as usize)
        .sum();
    let mean = (nobs as f64 + 1.0) / 2.0;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (&a, &b) in rx.iter().zip(ry) {
        if !a.is_nan() && !b.is_nan() {
            let (vx, vy) = (a - mean, b - mean);
            sxy += vx * vy;
            sxx += vx * vx;
            syy += vy * vy;
        }
    }
    let div = (sxx * syy).sqrt();
    if nobs == 0 || div == 0.0 {
        f64::NAN
    } else {
        sxy / div
    }
}
