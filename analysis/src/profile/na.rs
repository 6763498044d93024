//! NA tokens: which raw texts pandas reads as missing.

/// pandas 2.3.3 default NA tokens (`pandas._libs.parsers.STR_NA_VALUES`), sorted.
pub const PANDAS_NA_TOKENS: [&str; 19] = [
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
];

/// Up to 8 bytes packed little-endian into a u64 (zero padded), for branch-cheap
/// comparisons of short fields without a `memcmp` call.
#[inline]
pub(crate) fn pack8(b: &[u8]) -> u64 {
    let mut w = 0u64;
    for (i, &x) in b.iter().take(8).enumerate() {
        w |= u64::from(x) << (8 * i);
    }
    w
}

/// Exact-match lookup of NA tokens. Every field is checked, so tokens of up to 8 bytes
/// (all of pandas') are compared as packed integers, bucketed by length.
#[derive(Debug, Clone)]
pub(crate) struct NaMatcher {
    tokens: Vec<String>,
    /// Per length 0..=8: (packed token, index).
    short: [Vec<(u64, usize)>; 9],
    /// Longer tokens (only from custom lists).
    long: Vec<usize>,
}

impl NaMatcher {
    pub(crate) fn new(tokens: &[String]) -> Self {
        let mut short: [Vec<(u64, usize)>; 9] = Default::default();
        let mut long = Vec::new();
        for (i, t) in tokens.iter().enumerate() {
            match short.get_mut(t.len()) {
                Some(bucket) => bucket.push((pack8(t.as_bytes()), i)),
                None => long.push(i),
            }
        }
        NaMatcher {
            tokens: tokens.to_vec(),
            short,
            long,
        }
    }

    /// Index of the token equal to `text`, if any.
    #[inline]
    pub(crate) fn find(&self, text: &[u8]) -> Option<usize> {
        match self.short.get(text.len()) {
            Some(bucket) if !bucket.is_empty() => {
                let w = pack8(text);
                bucket.iter().find(|(t, _)| *t == w).map(|&(_, i)| i)
            }
            Some(_) => None,
            None => self
                .long
                .iter()
                .copied()
                .find(|&i| self.tokens[i].as_bytes() == text),
        }
    }

    pub(crate) fn token(&self, i: usize) -> &str {
        &self.tokens[i]
    }

    pub(crate) fn len(&self) -> usize {
        self.tokens.len()
    }
}
