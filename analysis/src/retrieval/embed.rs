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
    for t in &toks {
        *tf.entry(format!("w:{t}")).or_default() += 1.0;
        let padded: Vec<char> = format!("^{t}$").chars().collect();
        for g in padded.windows(3) {
            *tf.entry(format!("c:{}", g.iter().collect::<String>()))
                .or_default() += 0.5;
        }
    }
    for pair in toks.windows(2) {
        *tf.entry(format!("b:{} {}", pair[0], pair[1])).or_default() += 1.0;
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

/// Dot product (cosine similarity of unit vectors).
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
