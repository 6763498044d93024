//! Token interning for the per-pair algorithms (LCS, n-gram matching).
//!
//! Mapping each distinct token of one generated/reference pair to a small integer turns string
//! comparisons in the O(n·m) and sort loops into integer comparisons.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A small multiply-rotate hash (the FxHash scheme). SipHash's flood protection buys nothing
/// here: a table lives for one pair of answers, so collisions could at worst cost time
/// quadratic in that pair's length, which the LCS already spends.
#[derive(Default, Clone, Copy)]
pub(crate) struct TokenHasher(u64);

impl TokenHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for TokenHasher {
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

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn write_u64(&mut self, word: u64) {
        self.add(word);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A hash map keyed by short tokens or integer pairs, living for one comparison.
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<TokenHasher>>;

/// Token ids of both sides of one comparison: equal tokens get equal ids, ids are dense from 0
/// in order of first appearance. Also returns the number of distinct tokens.
pub(crate) fn intern_pair<'t>(a: &[&'t str], b: &[&'t str]) -> (Vec<u32>, Vec<u32>, usize) {
    let mut ids: FastMap<&'t str, u32> =
        FastMap::with_capacity_and_hasher(a.len() + b.len(), BuildHasherDefault::default());
    let mut map = |tokens: &[&'t str]| -> Vec<u32> {
        tokens
            .iter()
            .map(|&t| {
                // Token counts of one answer never approach u32::MAX.
                let next = ids.len() as u32;
                *ids.entry(t).or_insert(next)
            })
            .collect()
    };
    let a_ids = map(a);
    let b_ids = map(b);
    (a_ids, b_ids, ids.len())
}
