//! Ranked-retrieval metrics over graded relevance judgements.
//!
//! A ranked list is reduced once to the grade at each rank plus the judged grades of all
//! relevant documents (retrieved or not); every metric is then a pure function of those two
//! vectors. "Relevant" means grade >= 1; unjudged ids have grade 0.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hash};

use serde::{Deserialize, Serialize};

use super::error::TextMetricError;

/// Gain applied to a grade in (n)DCG.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Gain {
    /// gain = grade (sklearn `ndcg_score`).
    Linear,
    /// gain = 2^grade - 1.
    Exponential,
}

impl Gain {
    fn apply(self, grade: u32) -> f64 {
        match self {
            Gain::Linear => f64::from(grade),
            // powi is exact for the small integer grades used in practice.
            Gain::Exponential => 2f64.powi(i32::try_from(grade).unwrap_or(i32::MAX)) - 1.0,
        }
    }
}

/// One query's ranked list as grades, plus its ideal (best possible) grade order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankedGrades {
    /// Grade of the document at each rank, rank 1 first.
    ranked: Vec<u32>,
    /// All judged grades >= 1 sorted descending; its length is R.
    ideal: Vec<u32>,
}

fn check_k(k: usize) -> Result<(), TextMetricError> {
    if k == 0 {
        Err(TextMetricError::ZeroCutoff)
    } else {
        Ok(())
    }
}

impl RankedGrades {
    /// Builds the grades from retrieved ids (rank 1 first) and judgements id -> grade.
    ///
    /// Fails on a duplicate retrieved id: a document cannot hold two ranks.
    pub fn from_judgements<Id: Eq + Hash, S: BuildHasher>(
        retrieved: &[Id],
        relevance: &HashMap<Id, u32, S>,
    ) -> Result<Self, TextMetricError> {
        let mut seen = HashSet::with_capacity(retrieved.len());
        for (i, id) in retrieved.iter().enumerate() {
            if !seen.insert(id) {
                return Err(TextMetricError::DuplicateRetrievedId { rank: i + 1 });
            }
        }
        let ranked = retrieved
            .iter()
            .map(|id| relevance.get(id).copied().unwrap_or(0))
            .collect();
        Ok(Self::from_grades(ranked, relevance.values().copied()))
    }

    /// Builds from grades directly: `ranked` per rank, `judged` every judged grade (any order;
    /// grades 0 are ignored for the ideal ranking).
    pub fn from_grades(ranked: Vec<u32>, judged: impl IntoIterator<Item = u32>) -> Self {
        let mut ideal: Vec<u32> = judged.into_iter().filter(|&g| g >= 1).collect();
        ideal.sort_unstable_by(|a, b| b.cmp(a));
        Self { ranked, ideal }
    }

    /// Number of retrieved documents.
    pub fn n_retrieved(&self) -> usize {
        self.ranked.len()
    }

    /// R: number of relevant documents, retrieved or not.
    pub fn n_relevant(&self) -> usize {
        self.ideal.len()
    }

    /// 1-based rank of the first relevant retrieved document, if any.
    pub fn first_relevant_rank(&self) -> Option<usize> {
        self.ranked.iter().position(|&g| g >= 1).map(|i| i + 1)
    }

    /// Relevant documents among the first k (k may exceed the list length).
    fn relevant_in_top(&self, k: usize) -> usize {
        self.ranked.iter().take(k).filter(|&&g| g >= 1).count()
    }

    /// 1 if any of the first k is relevant, else 0.
    pub fn hit_at(&self, k: usize) -> Result<f64, TextMetricError> {
        check_k(k)?;
        Ok(if self.relevant_in_top(k) > 0 {
            1.0
        } else {
            0.0
        })
    }

    /// Relevant among the first k, divided by k even when fewer than k were retrieved.
    pub fn precision_at(&self, k: usize) -> Result<f64, TextMetricError> {
        check_k(k)?;
        Ok(self.relevant_in_top(k) as f64 / k as f64)
    }

    /// Relevant among the first k, divided by R; 0 when R = 0 (nothing can be recalled).
    pub fn recall_at(&self, k: usize) -> Result<f64, TextMetricError> {
        check_k(k)?;
        Ok(ratio(self.relevant_in_top(k), self.n_relevant()))
    }

    /// 1 / rank of the first relevant document over the whole list, 0 if none.
    pub fn reciprocal_rank(&self) -> f64 {
        self.first_relevant_rank().map_or(0.0, |r| 1.0 / r as f64)
    }

    /// Reciprocal rank, but 0 when the first relevant rank is beyond k.
    pub fn reciprocal_rank_at(&self, k: usize) -> Result<f64, TextMetricError> {
        check_k(k)?;
        Ok(match self.first_relevant_rank() {
            Some(r) if r <= k => 1.0 / r as f64,
            _ => 0.0,
        })
    }

    /// (1/R) · sum of precision@i over the ranks i holding a relevant document; 0 when R = 0.
    pub fn average_precision(&self) -> f64 {
        let mut hits = 0usize;
        let mut sum = 0.0;
        for (i, &g) in self.ranked.iter().enumerate() {
            if g >= 1 {
                hits += 1;
                sum += hits as f64 / (i + 1) as f64;
            }
        }
        if self.ideal.is_empty() {
            0.0
        } else {
            sum / self.ideal.len() as f64
        }
    }

    /// DCG@k / IDCG@k with the given gain; the ideal order includes relevant documents that
    /// were not retrieved. 0 when IDCG = 0 (no relevant document), as sklearn returns.
    pub fn ndcg_at(&self, k: usize, gain: Gain) -> Result<f64, TextMetricError> {
        check_k(k)?;
        let idcg = dcg(&self.ideal, k, gain);
        Ok(if idcg > 0.0 {
            dcg(&self.ranked, k, gain) / idcg
        } else {
            0.0
        })
    }
}

/// sum over ranks i <= k of gain(grade_i) / log2(i + 1), summed rank 1 first.
fn dcg(grades: &[u32], k: usize, gain: Gain) -> f64 {
    grades
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, &g)| gain.apply(g) / ((i + 2) as f64).log2())
        .fold(0.0, |acc, x| acc + x)
}

/// a / b, with 0 for an empty denominator.
fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}
