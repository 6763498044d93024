//! Per-item metric bundles and their aggregates over an evaluation set.

use serde::{Deserialize, Serialize};

use super::bleu::{sentence_bleu, BleuScore, BleuStats};
use super::error::TextMetricError;
use super::retrieval::{Gain, RankedGrades};
use super::rouge::{rouge_l, RougeScore};
use super::squad::{exact_match, token_f1};

/// The cut-offs used unless a caller asks for others.
pub const DEFAULT_CUTOFFS: [usize; 4] = [1, 3, 5, 10];

/// The @k metrics of one query, or (in a summary) their means over queries.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RetrievalAtK {
    /// The cut-off.
    pub k: usize,
    /// hit@k (mean: hit rate@k).
    pub hit: f64,
    /// precision@k.
    pub precision: f64,
    /// recall@k.
    pub recall: f64,
    /// reciprocal rank@k (mean: MRR@k).
    pub reciprocal_rank: f64,
    /// nDCG@k with linear gain.
    pub ndcg: f64,
    /// nDCG@k with gain 2^grade - 1.
    pub ndcg_exp: f64,
}

/// All retrieval metrics of one query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetrievalMetrics {
    /// Number of retrieved documents.
    pub n_retrieved: usize,
    /// R: number of relevant documents, retrieved or not.
    pub n_relevant: usize,
    /// 1-based rank of the first relevant retrieved document.
    pub first_relevant_rank: Option<usize>,
    /// Reciprocal rank over the whole list.
    pub reciprocal_rank: f64,
    /// Average precision.
    pub average_precision: f64,
    /// Metrics at each requested cut-off, in the order requested.
    pub at_k: Vec<RetrievalAtK>,
}

impl RetrievalMetrics {
    /// Computes every retrieval metric of `grades` at the cut-offs `ks`.
    pub fn compute(grades: &RankedGrades, ks: &[usize]) -> Result<Self, TextMetricError> {
        let at_k = ks
            .iter()
            .map(|&k| {
                Ok(RetrievalAtK {
                    k,
                    hit: grades.hit_at(k)?,
                    precision: grades.precision_at(k)?,
                    recall: grades.recall_at(k)?,
                    reciprocal_rank: grades.reciprocal_rank_at(k)?,
                    ndcg: grades.ndcg_at(k, Gain::Linear)?,
                    ndcg_exp: grades.ndcg_at(k, Gain::Exponential)?,
                })
            })
            .collect::<Result<Vec<_>, TextMetricError>>()?;
        Ok(Self {
            n_retrieved: grades.n_retrieved(),
            n_relevant: grades.n_relevant(),
            first_relevant_rank: grades.first_relevant_rank(),
            reciprocal_rank: grades.reciprocal_rank(),
            average_precision: grades.average_precision(),
            at_k,
        })
    }
}

/// Means of the retrieval metrics over queries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetrievalSummary {
    /// Number of queries.
    pub n_items: usize,
    /// Mean reciprocal rank over whole lists.
    pub mrr: f64,
    /// Mean average precision.
    pub map: f64,
    /// Mean of each @k metric (hit = hit rate, reciprocal_rank = MRR@k).
    pub at_k: Vec<RetrievalAtK>,
}

/// Arithmetic mean, summed in item order (as Python's `sum(xs) / len(xs)`).
fn mean(values: impl Iterator<Item = f64>, n: usize) -> f64 {
    values.fold(0.0, |acc, x| acc + x) / n as f64
}

/// Averages per-query metrics; all items must share the same cut-off list.
pub fn summarize_retrieval(
    items: &[RetrievalMetrics],
) -> Result<RetrievalSummary, TextMetricError> {
    let first = items.first().ok_or(TextMetricError::NoItems)?;
    let same_ks = |m: &RetrievalMetrics| {
        m.at_k.len() == first.at_k.len() && m.at_k.iter().zip(&first.at_k).all(|(a, b)| a.k == b.k)
    };
    if let Some(index) = items.iter().position(|m| !same_ks(m)) {
        return Err(TextMetricError::MismatchedCutoffs { index });
    }
    let n = items.len();
    let at_k = first
        .at_k
        .iter()
        .enumerate()
        .map(|(j, head)| {
            let col = |f: fn(&RetrievalAtK) -> f64| mean(items.iter().map(|m| f(&m.at_k[j])), n);
            RetrievalAtK {
                k: head.k,
                hit: col(|a| a.hit),
                precision: col(|a| a.precision),
                recall: col(|a| a.recall),
                reciprocal_rank: col(|a| a.reciprocal_rank),
                ndcg: col(|a| a.ndcg),
                ndcg_exp: col(|a| a.ndcg_exp),
            }
        })
        .collect();
    Ok(RetrievalSummary {
        n_items: n,
        mrr: mean(items.iter().map(|m| m.reciprocal_rank), n),
        map: mean(items.iter().map(|m| m.average_precision), n),
        at_k,
    })
}

/// All answer-quality metrics of one generated answer against its reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerMetrics {
    /// SQuAD exact match (0 or 1).
    pub exact_match: f64,
    /// SQuAD token F1.
    pub f1: f64,
    /// ROUGE-L (rouge-score, no stemming).
    pub rouge_l: RougeScore,
    /// Sentence BLEU (sacreBLEU defaults); its statistics also feed corpus BLEU.
    pub bleu: BleuScore,
}

impl AnswerMetrics {
    /// Computes every answer metric of `generated` against `reference`.
    pub fn compute(generated: &str, reference: &str) -> Self {
        Self {
            exact_match: exact_match(generated, reference),
            f1: token_f1(generated, reference),
            rouge_l: rouge_l(generated, reference),
            bleu: sentence_bleu(generated, reference),
        }
    }
}

/// Means of the answer metrics over items, plus corpus BLEU.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerSummary {
    /// Number of items.
    pub n_items: usize,
    /// Mean exact match.
    pub exact_match: f64,
    /// Mean token F1.
    pub f1: f64,
    /// Mean ROUGE-L precision, recall and F-measure (each averaged separately).
    pub rouge_l: RougeScore,
    /// Mean sentence BLEU score.
    pub sentence_bleu_mean: f64,
    /// Corpus BLEU over all items (effective order off).
    pub corpus_bleu: BleuScore,
}

/// Averages per-item answer metrics; corpus BLEU sums their sentence statistics, which is
/// exactly what `sacrebleu.corpus_bleu` does with one reference per segment.
pub fn summarize_answers(items: &[AnswerMetrics]) -> Result<AnswerSummary, TextMetricError> {
    if items.is_empty() {
        return Err(TextMetricError::NoItems);
    }
    let n = items.len();
    let mut stats = BleuStats::default();
    for item in items {
        stats += item.bleu.stats();
    }
    Ok(AnswerSummary {
        n_items: n,
        exact_match: mean(items.iter().map(|m| m.exact_match), n),
        f1: mean(items.iter().map(|m| m.f1), n),
        rouge_l: RougeScore {
            precision: mean(items.iter().map(|m| m.rouge_l.precision), n),
            recall: mean(items.iter().map(|m| m.rouge_l.recall), n),
            fmeasure: mean(items.iter().map(|m| m.rouge_l.fmeasure), n),
        },
        sentence_bleu_mean: mean(items.iter().map(|m| m.bleu.score), n),
        corpus_bleu: BleuScore::from_stats(&stats, false),
    })
}
