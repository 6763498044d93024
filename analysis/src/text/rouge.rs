//! ROUGE-L as rouge-score 0.1.2 computes it (`use_stemmer=False`).

use serde::{Deserialize, Serialize};

use super::intern::intern_pair;
use super::tokenize::rouge_tokens_into;

/// Precision, recall and F-measure of one ROUGE-L comparison.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct RougeScore {
    /// LCS length / number of generated tokens.
    pub precision: f64,
    /// LCS length / number of reference tokens.
    pub recall: f64,
    /// 2PR / (P + R), 0 when P + R = 0.
    pub fmeasure: f64,
}

/// Length of the longest common subsequence of `a` and `b`.
///
/// O(len(a)·len(b)) time, one row of O(min(len)) memory: the DP only ever looks at the previous
/// row, so a full table (as rouge-score builds) is unnecessary.
pub fn lcs_len<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    let (long, short) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return 0;
    }
    // row[j] = LCS of the long prefix seen so far and short[..j]; u32 halves the cache traffic
    // and no answer has 4 billion tokens.
    let mut row = vec![0u32; short.len() + 1];
    for x in long {
        let mut diag = 0u32; // row[j] of the previous long prefix, before it is overwritten
        for (j, y) in short.iter().enumerate() {
            let up = row[j + 1];
            row[j + 1] = if x == y { diag + 1 } else { up.max(row[j]) };
            diag = up;
        }
    }
    row[short.len()] as usize
}

/// ROUGE-L of already tokenised sequences (rouge-score `_score_lcs`).
pub fn rouge_l_tokens<T: PartialEq>(generated: &[T], reference: &[T]) -> RougeScore {
    if generated.is_empty() || reference.is_empty() {
        return RougeScore::default();
    }
    let lcs = lcs_len(generated, reference) as f64;
    let precision = lcs / generated.len() as f64;
    let recall = lcs / reference.len() as f64;
    RougeScore {
        precision,
        recall,
        fmeasure: fmeasure(precision, recall),
    }
}

/// rouge-score `scoring.fmeasure`, same operation order so results are bit-identical.
fn fmeasure(precision: f64, recall: f64) -> f64 {
    if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    }
}

/// ROUGE-L of a generated answer against its reference, with rouge-score's tokenizer.
///
/// Equals `RougeScorer(["rougeL"]).score(target=reference, prediction=generated)`.
pub fn rouge_l(generated: &str, reference: &str) -> RougeScore {
    let mut gen_buf = String::with_capacity(generated.len());
    let mut ref_buf = String::with_capacity(reference.len());
    rouge_tokens_into(generated, &mut gen_buf);
    rouge_tokens_into(reference, &mut ref_buf);
    let gen_tokens: Vec<&str> = split_buffer(&gen_buf);
    let ref_tokens: Vec<&str> = split_buffer(&ref_buf);
    // Integer ids make each of the n·m LCS comparisons one instruction instead of a memcmp.
    let (gen_ids, ref_ids, _) = intern_pair(&gen_tokens, &ref_tokens);
    rouge_l_tokens(&gen_ids, &ref_ids)
}

/// Tokens of a space-joined buffer; an empty buffer has no tokens (not one empty token).
fn split_buffer(buf: &str) -> Vec<&str> {
    if buf.is_empty() {
        Vec::new()
    } else {
        buf.split(' ').collect()
    }
}
