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
pub fn top_k(mut hits: Vec<Hit>, k: usize) -> Vec<Hit> {
    hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
    hits.truncate(k);
    hits
}
