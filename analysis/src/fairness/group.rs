//! Encoding of per-row group labels into small integer codes.
//!
//! Every metric only needs "which group is this row in", so labels are hashed once into
//! dense `u32` codes; the hot loops then index small per-group arrays instead of
//! comparing strings. Codes follow the lexicographic order of the keys (Python string
//! order, which is Unicode code point order and equals Rust's `str` ordering), because
//! fairlearn and the fixtures list groups in that order.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::error::{FairnessError, Result};

/// FNV-1a: group labels are short, and SipHash's DoS resistance buys nothing here while
/// costing a large share of the encoding pass on a million rows.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }
}

type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// Rows partitioned into groups: row `i` belongs to group `codes()[i]`, whose key is
/// `keys()[codes()[i]]`. A key has one part per protected attribute (one part for a single
/// attribute, several for an intersectional group).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupIndex {
    keys: Vec<Vec<String>>,
    codes: Vec<u32>,
}

impl GroupIndex {
    /// Groups rows by a single protected attribute.
    pub fn from_labels<S: AsRef<str>>(labels: &[S]) -> Result<Self> {
        let (names, codes) = encode_column(labels)?;
        let keys = names.into_iter().map(|n| vec![n]).collect();
        Ok(Self { keys, codes })
    }

    /// Groups rows by the combination of several protected attributes (intersectional
    /// groups). Only combinations that occur are kept, ordered like tuples: first by the
    /// first attribute, then the second, and so on (pandas `groupby` on several columns).
    pub fn from_attributes<S: AsRef<str>>(columns: &[&[S]]) -> Result<Self> {
        let first = columns.first().ok_or(FairnessError::InvalidParameter {
            name: "columns",
            reason: "at least one attribute is needed".into(),
        })?;
        let n = first.len();
        let mut encoded = Vec::with_capacity(columns.len());
        for column in columns {
            if column.len() != n {
                return Err(FairnessError::LengthMismatch {
                    what: "protected attribute",
                    expected: n,
                    got: column.len(),
                });
            }
            encoded.push(encode_column(column)?);
        }
        // Mixed-radix combination with the first attribute most significant: since each
        // attribute's codes are already sorted, numeric order equals tuple order.
        let mut combined = vec![0u64; n];
        for (names, codes) in &encoded {
            let radix = names.len() as u64;
            for (c, &code) in combined.iter_mut().zip(codes) {
                *c = c
                    .checked_mul(radix)
                    .and_then(|v| v.checked_add(u64::from(code)))
                    .ok_or(FairnessError::TooManyGroups)?;
            }
        }
        let mut distinct: Vec<u64> = {
            let mut seen: FnvMap<u64, ()> = FnvMap::default();
            combined
                .iter()
                .filter(|&&c| seen.insert(c, ()).is_none())
                .copied()
                .collect()
        };
        distinct.sort_unstable();
        let lookup: FnvMap<u64, u32> = distinct
            .iter()
            .enumerate()
            .map(|(i, &c)| u32::try_from(i).map(|i| (c, i)))
            .collect::<std::result::Result<_, _>>()
            .map_err(|_| FairnessError::TooManyGroups)?;
        let mut codes = Vec::with_capacity(n);
        for c in &combined {
            codes.push(lookup.get(c).copied().ok_or(FairnessError::TooManyGroups)?);
        }
        let keys = distinct
            .iter()
            .map(|&c| {
                let mut rest = c;
                let mut parts = vec![String::new(); encoded.len()];
                for (slot, (names, _)) in parts.iter_mut().zip(&encoded).rev() {
                    let radix = names.len() as u64;
                    *slot = names[(rest % radix) as usize].clone();
                    rest /= radix;
                }
                parts
            })
            .collect();
        Ok(Self { keys, codes })
    }

    /// Uses codes the caller already has (e.g. from a columnar store). Groups are reported
    /// in the order of `keys`; keys without rows are kept but ignored by the aggregates.
    pub fn from_codes(codes: Vec<u32>, keys: Vec<Vec<String>>) -> Result<Self> {
        if let Some((row, &code)) = codes
            .iter()
            .enumerate()
            .find(|(_, &c)| c as usize >= keys.len())
        {
            return Err(FairnessError::InvalidGroupCode {
                row,
                code,
                n_groups: keys.len(),
            });
        }
        Ok(Self { keys, codes })
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.codes.len()
    }

    /// Number of groups.
    pub fn n_groups(&self) -> usize {
        self.keys.len()
    }

    /// Group keys, indexed by group code.
    pub fn keys(&self) -> &[Vec<String>] {
        &self.keys
    }

    /// Group code of every row.
    pub fn codes(&self) -> &[u32] {
        &self.codes
    }

    /// Code of the group with exactly this key, if it exists.
    pub fn position<S: AsRef<str>>(&self, key: &[S]) -> Option<usize> {
        self.keys
            .iter()
            .position(|k| k.len() == key.len() && k.iter().zip(key).all(|(a, b)| a == b.as_ref()))
    }

    /// Code of the group with this key, or [`FairnessError::UnknownGroup`].
    pub fn require<S: AsRef<str>>(&self, key: &[S]) -> Result<usize> {
        self.position(key).ok_or_else(|| {
            let parts: Vec<&str> = key.iter().map(AsRef::as_ref).collect();
            FairnessError::UnknownGroup(parts.join(", "))
        })
    }
}

/// Human-readable name of a key, for messages ("Female, Black").
pub fn key_label(key: &[String]) -> String {
    key.join(", ")
}

/// Dense codes for one column, renumbered so that code order is label order.
fn encode_column<S: AsRef<str>>(labels: &[S]) -> Result<(Vec<String>, Vec<u32>)> {
    let mut seen: FnvMap<&str, u32> = FnvMap::default();
    let mut names: Vec<&str> = Vec::new();
    let mut codes = Vec::with_capacity(labels.len());
    for label in labels {
        let label = label.as_ref();
        let code = match seen.get(label) {
            Some(&c) => c,
            None => {
                let c = u32::try_from(names.len()).map_err(|_| FairnessError::TooManyGroups)?;
                seen.insert(label, c);
                names.push(label);
                c
            }
        };
        codes.push(code);
    }
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by(|&a, &b| names[a].cmp(names[b]));
    let mut remap = vec![0u32; names.len()];
    for (new, &old) in order.iter().enumerate() {
        // `new < names.len()`, which fit in u32 above.
        remap[old] = new as u32;
    }
    for c in &mut codes {
        *c = remap[*c as usize];
    }
    let sorted = order.iter().map(|&i| names[i].to_owned()).collect();
    Ok((sorted, codes))
}
