//! `local-hash-v1`: a deterministic embedder that needs no model and no download.
//!
//! Features are the text's lower-cased word unigrams and bigrams and the
//! character trigrams of each word (with `^`/`$` word boundaries), hashed with
//! FNV-1a into `DIM` buckets with a sign bit from the same hash (the "hashing
//! trick"). Each feature weighs `1 + ln(tf)` (trigrams half), and the vector is
//! L2-normalised, so a dot product is a cosine similarity. It captures lexical
//! and sub-word overlap, not meaning: a configured provider's embeddings do better.

use std::collections::HashMap;

use super::terms::{fnv1a, tokens};

/// The embedder's name as recorded on documents.
pub const LOCAL_EMBEDDER: &str = "local-hash-v1";
/// Dimensions of a local embedding.
pub const DIM: usize = 384;

fn add(v: &mut [f32], feature: &str, weight: f32) {
    let h = fnv1a(feature.as_bytes());
    let bucket = (h % DIM as u64) as usize;
    let sign = if (h >> 63) == 0 { 1.0 } else { -1.0 };
    v[bucket] += sign * weight;
}

/// Embeds `text` into a unit vector of `DIM` floats (all zeros for text without words).
pub fn embed(text: &str) -> Vec<f32> {
    let toks = tokens(text);
    let mut tf: HashMap<String, f32> = HashMap::new();
    // Keys are built in one reused buffer; a key is allocated only the first time
    // it is seen.
    let mut key = String::new();
    let mut bump = |key: &str, by: f32| match tf.get_mut(key) {
        Some(v) => *v += by,
        None => {
            tf.insert(key.to_owned(), by);
        }
    };
    let mut padded: Vec<char> = Vec::new();
    for t in &toks {
        key.clear();
        key.push_str("w:");
        key.push_str(t);
        bump(&key, 1.0);
        padded.clear();
        padded.push('^');
        padded.extend(t.chars());
        padded.push('$');
        for g in padded.windows(3) {
            key.clear();
            key.push_str("c:");
            key.extend(g);
            bump(&key, 0.5);
        }
    }
    for pair in toks.windows(2) {
        key.clear();
        key.push_str("b:");
        key.push_str(&pair[0]);
        key.push(' ');
        key.push_str(&pair[1]);
        bump(&key, 1.0);
    }
    let mut features: Vec<(String, f32)> = tf.into_iter().collect();
    // Summation order fixed, so the result is bit-for-bit reproducible.
    features.sort_by(|a, b| a.0.cmp(&b.0));
    let mut v = vec![0f32; DIM];
    for (f, count) in features {
        let scale = if f.starts_with("c:") { 0.5 } else { 1.0 };
        let tf = count / scale;
        add(&mut v, &f, scale * (1.0 + tf.ln()));
    }
    normalize(&mut v);
    v
}

/// Scales `v` to unit length (leaves a zero vector alone).
pub fn normalize(v: &mut [f32]) {
    let norm = v
        .iter()
        .map(|x| f64::from(*x) * f64::from(*x))
        .sum::<f64>()
        .sqrt();
    if norm > 0.0 {
        for x in v {
            *x = (f64::from(*x) / norm) as f32;
        }
    }
}

/// Dot product (cosine similarity of unit vectors) over the shorter length.
///
/// Eight running sums, one per lane, added pairwise at the end: a fixed order (the
/// same bits on every machine) that the compiler turns into SIMD multiply-adds. One
/// sequential sum would wait on each addition in turn, about eight times slower,
/// and every graph build and exact search is made of these.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    const LANES: usize = 8;
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    let mut acc = [0f32; LANES];
    for (x, y) in ca.zip(cb) {
        for ((s, xi), yi) in acc.iter_mut().zip(x).zip(y) {
            *s += xi * yi;
        }
    }
    let [s0, s1, s2, s3, s4, s5, s6, s7] = acc;
    ((s0 + s4) + (s1 + s5)) + ((s2 + s6) + (s3 + s7)) + tail
}
