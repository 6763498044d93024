//! The tokeniser shared by BM25 and the local embedder: lower-cased runs of
//! alphanumeric characters.

/// Lower-cased alphanumeric tokens of `text` (Unicode-aware).
pub fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// 64-bit FNV-1a: stable across platforms and releases, unlike `std`'s hasher.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}
