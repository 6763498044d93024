//! Duplicate rows with pandas `DataFrame.duplicated` semantics: rows equal in every
//! column on the parsed values (missing equals missing, `-0.0 == 0.0`, `1` and `1.0` in a
//! float column are the same), so `" x"` and `"x"` differ.

use super::hash::{combine, mix, FastState};
use super::parallel::par_map;
use super::table::{Column, ColumnData, MISSING_CODE};

/// Counts of duplicated rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Duplicates {
    /// `duplicated(keep="first").sum()`: rows equal to an earlier row.
    pub later_copies: usize,
    /// `duplicated(keep=False).sum()`: rows belonging to a group of two or more.
    pub all_occurrences: usize,
}

/// A 64-bit key per row of one column, equal iff pandas considers the values equal.
fn cell_keys(col: &Column) -> Vec<u64> {
    match &col.data {
        ColumnData::Int64(v) => v.iter().map(|&x| x as u64).collect(),
        ColumnData::Float64(v) => v
            .iter()
            .zip(&col.missing)
            .map(|(&x, &m)| {
                if m || x.is_nan() {
                    f64::NAN.to_bits()
                } else if x == 0.0 {
                    0
                } else {
                    x.to_bits()
                }
            })
            .collect(),
        ColumnData::Bool(v) => v
            .iter()
            .zip(&col.missing)
            .map(|(&b, &m)| if m { 2 } else { u64::from(b) })
            .collect(),
        ColumnData::Object(s) => s
            .codes
            .iter()
            .map(|&c| {
                if c == MISSING_CODE {
                    u64::MAX
                } else {
                    u64::from(c)
                }
            })
            .collect(),
    }
}

/// Finds duplicate rows: rows are hashed column by column (cache-friendly), sorted by
/// hash, and rows sharing a hash are compared key by key so collisions cannot merge
/// distinct rows.
pub(crate) fn duplicates(columns: &[Column], rows: usize, threads: usize) -> Duplicates {
    let keys: Vec<Vec<u64>> = par_map(columns.len(), threads, &[], |i| cell_keys(&columns[i]));
    let seed = FastState::new().seed();
    let mut hashes = vec![seed; rows];
    for col in &keys {
        for (h, &k) in hashes.iter_mut().zip(col) {
            *h = combine(*h, k);
        }
    }
    let mut order: Vec<(u64, usize)> = hashes
        .iter()
        .enumerate()
        .map(|(r, &h)| (mix(h), r))
        .collect();
    order.sort_unstable();
    let same_row = |a: usize, b: usize| keys.iter().all(|k| k[a] == k[b]);
    let mut result = Duplicates {
        later_copies: 0,
        all_occurrences: 0,
    };
    let mut i = 0;
    while i < order.len() {
        let j = i + order[i..]
            .iter()
            .take_while(|(h, _)| *h == order[i].0)
            .count();
        if j - i > 1 {
            // Rows with one hash: split into classes of truly equal rows.
            let mut pending: Vec<usize> = order[i..j].iter().map(|&(_, r)| r).collect();
            while let Some(&first) = pending.first() {
                let (same, rest): (Vec<usize>, Vec<usize>) =
                    pending.iter().partition(|&&r| same_row(first, r));
                if same.len() > 1 {
                    result.later_copies += same.len() - 1;
                    result.all_occurrences += same.len();
                }
                pending = rest;
            }
        }
        i = j;
    }
    result
}
