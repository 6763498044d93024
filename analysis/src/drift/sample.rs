//! Cleaned column data: sorted finite numbers, and per-category counts.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};

use super::sort::sort_finite;

/// One side of a numerical column after Evidently's cleaning: NaN and +-inf dropped,
/// the remaining values sorted ascending (`-0.0` is stored as `0.0`, as pandas counts
/// them as one value).
#[derive(Debug, Clone, PartialEq)]
pub struct NumericSample {
    values: Vec<f64>,
    n_missing: usize,
}

impl NumericSample {
    /// Cleans and sorts raw values; NaN and +-inf count as missing.
    pub fn new(raw: &[f64]) -> Self {
        // `+ 0.0` turns -0.0 into 0.0 so equal values sort and count as one.
        let mut values: Vec<f64> = raw
            .iter()
            .filter(|v| v.is_finite())
            .map(|v| v + 0.0)
            .collect();
        sort_finite(&mut values);
        Self {
            n_missing: raw.len() - values.len(),
            values,
        }
    }

    /// Same as [`NumericSample::new`] for `Option` input (`None` is missing).
    pub fn from_options(raw: &[Option<f64>]) -> Self {
        let flat: Vec<f64> = raw.iter().map(|v| v.unwrap_or(f64::NAN)).collect();
        Self::new(&flat)
    }

    /// The finite values, sorted ascending.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Number of finite values.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when no finite value is left.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Number of dropped (missing or non-finite) values.
    pub fn n_missing(&self) -> usize {
        self.n_missing
    }

    /// Number of distinct finite values (pandas `nunique`).
    pub fn n_unique(&self) -> usize {
        count_runs(&self.values)
    }
}

fn count_runs(sorted: &[f64]) -> usize {
    match sorted.first() {
        None => 0,
        Some(_) => 1 + sorted.windows(2).filter(|w| w[0] != w[1]).count(),
    }
}

/// Number of distinct values over both samples (pandas `concat(...).nunique()`).
pub fn n_unique_combined(a: &NumericSample, b: &NumericSample) -> usize {
    let mut n = 0;
    merge_distinct(a.values(), b.values(), |_, _, _| n += 1);
    n
}

/// Walks the distinct values of two sorted slices in ascending order, calling
/// `visit(value, count_in_a, count_in_b)` once per distinct value.
pub(crate) fn merge_distinct(a: &[f64], b: &[f64], mut visit: impl FnMut(f64, usize, usize)) {
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let x = match (a.get(i), b.get(j)) {
            (Some(&p), Some(&q)) => p.min(q),
            (Some(&p), None) => p,
            (None, Some(&q)) => q,
            (None, None) => break,
        };
        let (i0, j0) = (i, j);
        while a.get(i) == Some(&x) {
            i += 1;
        }
        while b.get(j) == Some(&x) {
            j += 1;
        }
        visit(x, i - i0, j - j0);
    }
}

/// A category label: the distinct value of a numerical column, or a text level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Category {
    /// Distinct value of a numerical column.
    Number(f64),
    /// Level of a categorical column.
    Text(String),
}

/// Per-category counts of both sides over the sorted union of their non-missing values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryCounts {
    /// Distinct values, ascending (see [`CategoryCounts::from_text`] for text order).
    pub categories: Vec<Category>,
    /// Reference count per category.
    pub reference: Vec<u64>,
    /// Current count per category.
    pub current: Vec<u64>,
    /// Missing values in the reference side.
    pub reference_missing: usize,
    /// Missing values in the current side.
    pub current_missing: usize,
}

impl CategoryCounts {
    /// One category per distinct value of a numerical column.
    pub fn from_numeric(reference: &NumericSample, current: &NumericSample) -> Self {
        let mut out = Self::empty(reference.n_missing(), current.n_missing());
        merge_distinct(reference.values(), current.values(), |x, r, c| {
            out.categories.push(Category::Number(x));
            out.reference.push(r as u64);
            out.current.push(c as u64);
        });
        out
    }

    /// Counts text levels (`None` is missing).
    ///
    /// Order: ascending by value when every level parses as a finite number (pandas
    /// reads such a CSV column as numbers, and Evidently's z-test codes the smallest
    /// value as 0), otherwise ascending by code point, like Python's `sorted`.
    pub fn from_text(reference: &[Option<&str>], current: &[Option<&str>]) -> Self {
        let mut index: HashMap<&str, usize, BuildHasherDefault<FxHasher>> = HashMap::default();
        let mut counts: Vec<(&str, u64, u64)> = Vec::new();
        let mut missing = [0usize; 2];
        for (side, values) in [reference, current].into_iter().enumerate() {
            for value in values {
                let Some(level) = value else {
                    missing[side] += 1;
                    continue;
                };
                let slot = *index.entry(level).or_insert_with(|| {
                    counts.push((level, 0, 0));
                    counts.len() - 1
                });
                if side == 0 {
                    counts[slot].1 += 1;
                } else {
                    counts[slot].2 += 1;
                }
            }
        }
        let numeric: Option<Vec<f64>> = counts.iter().map(|(l, _, _)| parse_finite(l)).collect();
        match numeric {
            Some(keys) => {
                let mut order: Vec<usize> = (0..counts.len()).collect();
                order.sort_by(|&a, &b| keys[a].total_cmp(&keys[b]));
                counts = order.into_iter().map(|i| counts[i]).collect();
            }
            None => counts.sort_unstable_by(|a, b| a.0.cmp(b.0)),
        }
        let mut out = Self::empty(missing[0], missing[1]);
        for (level, r, c) in counts {
            out.categories.push(Category::Text(level.to_owned()));
            out.reference.push(r);
            out.current.push(c);
        }
        out
    }

    fn empty(reference_missing: usize, current_missing: usize) -> Self {
        Self {
            categories: Vec::new(),
            reference: Vec::new(),
            current: Vec::new(),
            reference_missing,
            current_missing,
        }
    }

    /// Non-missing reference values.
    pub fn n_reference(&self) -> u64 {
        self.reference.iter().sum()
    }

    /// Non-missing current values.
    pub fn n_current(&self) -> u64 {
        self.current.iter().sum()
    }

    /// Distinct non-missing reference values.
    pub fn n_reference_unique(&self) -> usize {
        self.reference.iter().filter(|&&c| c > 0).count()
    }
}

fn parse_finite(level: &str) -> Option<f64> {
    level.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Multiply-rotate hash (the rustc "Fx" hash): category labels are short and trusted
/// within one computation, so SipHash's DoS resistance is not worth its cost here.
#[derive(Default)]
struct FxHasher {
    hash: u64,
}

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}
