//! Retrieval for RAG: sentence-aware chunking, a deterministic local embedder,
//! BM25, exact and HNSW vector search, and reciprocal-rank fusion.

pub mod bm25;
pub mod chunk;
pub mod embed;
pub mod fuse;
pub mod hnsw;
pub mod terms;
#[cfg(test)]
mod tests;
pub mod vector;

/// A scored hit: the document's position in the index and its score (higher is better).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Position of the item in the index.
    pub id: u32,
    /// Score; comparable only within one ranking.
    pub score: f64,
}

/// Sorts hits by score descending, ties by id, and keeps the first `k`.
///
/// The `k` best are selected first (linear time), then only they are sorted: an
/// exact search over a million vectors sorts ten hits, not a million.
pub fn top_k(mut hits: Vec<Hit>, k: usize) -> Vec<Hit> {
    let order = |a: &Hit, b: &Hit| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id));
    if k == 0 {
        return Vec::new();
    }
    if hits.len() > k {
        hits.select_nth_unstable_by(k - 1, order);
        hits.truncate(k);
    }
    hits.sort_by(order);
    hits
}
