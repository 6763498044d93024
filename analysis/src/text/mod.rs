//! Retrieval and answer-quality metrics for RAG and LLM evaluation.
//!
//! - Retrieval ([`RankedGrades`]): hit@k, precision@k, recall@k, reciprocal rank (@k), average
//!   precision, nDCG@k with linear or exponential gain over graded judgements.
//! - Answers: SQuAD v1.1 exact match and token F1 ([`squad`]), ROUGE-L as rouge-score 0.1.2
//!   computes it without stemming ([`rouge`]), sentence and corpus BLEU as sacreBLEU 2.6.0
//!   computes them with its defaults ([`bleu`]); their tokenizers live in [`tokenize`].
//! - Bundles and aggregates ([`RetrievalMetrics`], [`AnswerMetrics`], [`summarize_retrieval`],
//!   [`summarize_answers`]): means are summed in item order, like Python's `sum(xs) / len(xs)`.
//!
//! Every function takes (generated, reference) in that order, even where the Python original
//! takes (target, prediction), so call sites cannot silently swap them.

pub mod bleu;
pub mod error;
mod intern;
pub mod retrieval;
pub mod rouge;
pub mod squad;
pub mod summary;
pub mod tokenize;

pub use bleu::{corpus_bleu, sentence_bleu, BleuScore, BleuStats, MAX_NGRAM_ORDER};
pub use error::TextMetricError;
pub use retrieval::{Gain, RankedGrades};
pub use rouge::{lcs_len, rouge_l, rouge_l_tokens, RougeScore};
pub use squad::{exact_match, normalize_answer, token_f1};
pub use summary::{
    summarize_answers, summarize_retrieval, AnswerMetrics, AnswerSummary, RetrievalAtK,
    RetrievalMetrics, RetrievalSummary, DEFAULT_CUTOFFS,
};
pub use tokenize::{bleu_tokens, rouge_tokenize, tokenize_13a};

#[cfg(test)]
mod tests;
