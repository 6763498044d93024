//! A fast seeded hasher for interning field bytes and hashing rows.
//!
//! SipHash (std's default) costs more than the rest of a short field's processing; this is
//! a multiply-rotate hash over 8-byte words. The seed comes from std's `RandomState`, so
//! collision patterns differ per process, which blunts crafted-collision uploads.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

const K: u64 = 0x9E37_79B9_7F4A_7C15;

/// Final avalanche (from splitmix64) so low bits depend on every input bit.
#[inline]
pub(crate) fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Folds one 64-bit word into a running hash.
#[inline]
pub(crate) fn combine(h: u64, word: u64) -> u64 {
    (h.rotate_left(5) ^ word).wrapping_mul(K)
}

/// Streaming state of [`FastState`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct FastHasher(u64);

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            h = combine(h, u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            h = combine(h, u64::from_le_bytes(w));
        }
        // The length separates "a" from "a\0".
        self.0 = combine(h, bytes.len() as u64);
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.0 = combine(self.0, i);
    }

    #[inline]
    fn finish(&self) -> u64 {
        mix(self.0)
    }
}

/// `BuildHasher` for [`FastHasher`] with a per-instance random seed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FastState(u64);

impl FastState {
    pub(crate) fn new() -> Self {
        FastState(RandomState::new().hash_one(0x5EED_u64))
    }

    /// The seed, for hashing rows without a `Hasher` object.
    pub(crate) fn seed(&self) -> u64 {
        self.0
    }
}

impl BuildHasher for FastState {
    type Hasher = FastHasher;

    #[inline]
    fn build_hasher(&self) -> FastHasher {
        FastHasher(self.0)
    }
}
