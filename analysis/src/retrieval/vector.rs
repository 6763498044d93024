//! Exact (brute-force) cosine search over unit vectors stored contiguously.

use super::{embed::dot, top_k, Hit};

/// Vectors of one dimension, in insertion order.
#[derive(Debug, Clone)]
pub struct Vectors {
    dim: usize,
    data: Vec<f32>,
}

impl Vectors {
    /// An empty store of `dim`-dimensional vectors.
    pub fn new(dim: usize) -> Self {
        Self {
            dim,
            data: Vec::new(),
        }
    }

    /// Dimensions.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Appends a vector (must have `dim` entries); returns its id.
    pub fn push(&mut self, v: &[f32]) -> u32 {
        let id = self.len() as u32;
        self.data.extend_from_slice(&v[..self.dim.min(v.len())]);
        self.data.resize((id as usize + 1) * self.dim, 0.0);
        id
    }

    /// Number of vectors.
    pub fn len(&self) -> usize {
        self.data.len() / self.dim.max(1)
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The vector with this id.
    pub fn get(&self, id: u32) -> &[f32] {
        let a = id as usize * self.dim;
        &self.data[a..a + self.dim]
    }

    /// The exact `k` nearest by dot product among ids `keep` admits.
    pub fn search(&self, q: &[f32], k: usize, keep: &dyn Fn(u32) -> bool) -> Vec<Hit> {
        let hits = (0..self.len() as u32)
            .filter(|id| keep(*id))
            .map(|id| Hit {
                id,
                score: f64::from(dot(q, self.get(id))),
            })
            .collect();
        top_k(hits, k)
    }
}
