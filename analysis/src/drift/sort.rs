//! Sorting of finite `f64` values.
//!
//! Sorting dominates the cost of a numerical column (everything else is a linear merge
//! over the sorted sides), so large inputs use an LSD radix sort on order-preserving
//! integer keys: 6 passes of 11 bits (small enough histograms to stay in L1), all
//! histograms counted in one read pass, then one scatter per digit, which beats a
//! comparison sort several times over at a million values.

/// Below this length a comparison sort is faster than building radix histograms.
const RADIX_MIN_LEN: usize = 1 << 12;
const DIGIT_BITS: u32 = 11;
const BUCKETS: usize = 1 << DIGIT_BITS;
const PASSES: usize = 64usize.div_ceil(DIGIT_BITS as usize);

/// Sorts finite values ascending (callers have removed NaN; `-0.0` was normalised to `0.0`).
pub(crate) fn sort_finite(values: &mut [f64]) {
    if values.len() < RADIX_MIN_LEN {
        values.sort_unstable_by(f64::total_cmp);
        return;
    }
    let mut keys: Vec<u64> = values.iter().map(|v| to_key(*v)).collect();
    radix_sort_u64(&mut keys);
    for (slot, key) in values.iter_mut().zip(&keys) {
        *slot = from_key(*key);
    }
}

/// Maps an `f64` to a `u64` whose unsigned order is the numeric order: flip all bits of
/// negatives (their magnitude order is reversed) and only the sign bit of positives.
fn to_key(v: f64) -> u64 {
    let bits = v.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

fn from_key(key: u64) -> f64 {
    let bits = if key >> 63 == 1 {
        key & !(1 << 63)
    } else {
        !key
    };
    f64::from_bits(bits)
}

fn radix_sort_u64(keys: &mut Vec<u64>) {
    let mut counts = vec![[0usize; BUCKETS]; PASSES];
    for key in keys.iter() {
        for (pass, hist) in counts.iter_mut().enumerate() {
            hist[digit(*key, pass)] += 1;
        }
    }
    let mut buffer = vec![0u64; keys.len()];
    for (pass, hist) in counts.iter_mut().enumerate() {
        // A digit shared by every key (typical for sign and exponent bits) keeps the order.
        if hist.contains(&keys.len()) {
            continue;
        }
        let mut offset = 0usize;
        for c in hist.iter_mut() {
            let n = *c;
            *c = offset;
            offset += n;
        }
        for key in keys.iter() {
            let d = digit(*key, pass);
            buffer[hist[d]] = *key;
            hist[d] += 1;
        }
        std::mem::swap(keys, &mut buffer);
    }
}

fn digit(key: u64, pass: usize) -> usize {
    ((key >> (pass * DIGIT_BITS as usize)) as usize) & (BUCKETS - 1)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn radix_matches_comparison_sort() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut values: Vec<f64> = (0..20_000)
            .map(|i| match i % 4 {
                0 => rng.gen_range(-1e6..1e6),
                1 => rng.gen_range(-1.0..1.0) * 1e-300,
                2 => f64::from(rng.gen_range(-5i32..5)),
                _ => rng.gen::<f64>(),
            })
            .map(|v| v + 0.0)
            .collect();
        let mut expected = values.clone();
        expected.sort_unstable_by(f64::total_cmp);
        sort_finite(&mut values);
        assert_eq!(values, expected);
    }
}
