//! Okapi BM25 over an in-memory inverted index (k1 = 1.2, b = 0.75, Lucene's idf
//! `ln(1 + (N - df + 0.5) / (df + 0.5))`).

use std::collections::HashMap;

use super::{terms::tokens, top_k, Hit};

const K1: f64 = 1.2;
const B: f64 = 0.75;

/// An inverted index of token postings.
#[derive(Debug, Default, Clone)]
pub struct Bm25 {
    postings: HashMap<String, Vec<(u32, u32)>>,
    lengths: Vec<u32>,
    total_len: u64,
}

impl Bm25 {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a document; its id is the number of documents added before it.
    pub fn add(&mut self, text: &str) -> u32 {
        let id = self.lengths.len() as u32;
        let toks = tokens(text);
        let mut tf: HashMap<String, u32> = HashMap::new();
        for t in &toks {
            *tf.entry(t.clone()).or_default() += 1;
        }
        for (t, n) in tf {
            self.postings.entry(t).or_default().push((id, n));
        }
        self.lengths.push(toks.len() as u32);
        self.total_len += toks.len() as u64;
        id
    }

    /// Documents indexed.
    pub fn len(&self) -> usize {
        self.lengths.len()
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.lengths.is_empty()
    }

    /// The `k` best documents for `query` among those `keep` admits.
    pub fn search(&self, query: &str, k: usize, keep: &dyn Fn(u32) -> bool) -> Vec<Hit> {
        let n = self.lengths.len() as f64;
        if n == 0.0 {
            return Vec::new();
        }
        let avg = self.total_len as f64 / n;
        let mut q = tokens(query);
        q.sort();
        q.dedup();
        let mut scores: HashMap<u32, f64> = HashMap::new();
        for t in &q {
            let Some(post) = self.postings.get(t) else {
                continue;
            };
            let df = post.len() as f64;
            let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
            for &(id, tf) in post {
                let tf = f64::from(tf);
                let len = f64::from(self.lengths[id as usize]);
                let s = idf * tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * len / avg));
                *scores.entry(id).or_default() += s;
            }
        }
        let hits = scores
            .into_iter()
            .filter(|(id, _)| keep(*id))
            .map(|(id, score)| Hit { id, score })
            .collect();
        top_k(hits, k)
    }
}
