//! Reciprocal-rank fusion (Cormack et al. 2009): `score(d) = sum 1 / (k + rank_i(d))`.

use std::collections::HashMap;

use super::{top_k, Hit};

/// The usual constant.
pub const RRF_K: f64 = 60.0;

/// Fuses rankings (each best first) into one of length `k`.
pub fn rrf(rankings: &[&[Hit]], k: usize) -> Vec<Hit> {
    let mut scores: HashMap<u32, f64> = HashMap::new();
    for ranking in rankings {
        for (rank, h) in ranking.iter().enumerate() {
            *scores.entry(h.id).or_default() += 1.0 / (RRF_K + rank as f64 + 1.0);
        }
    }
    top_k(
        scores
            .into_iter()
            .map(|(id, score)| Hit { id, score })
            .collect(),
        k,
    )
}
