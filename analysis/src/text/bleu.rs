//! BLEU as sacreBLEU 2.6.0 computes it with its defaults: `13a` tokens, case-sensitive,
//! `exp` smoothing, max n-gram order 4; effective order on for sentences, off for corpora.

use std::ops::AddAssign;

use serde::{Deserialize, Serialize};

use super::error::TextMetricError;
use super::intern::{intern_pair, FastMap};
use super::tokenize::bleu_tokenized;

/// Highest n-gram order counted.
pub const MAX_NGRAM_ORDER: usize = 4;

/// sacreBLEU's `my_log(0)`: a huge negative stand-in, so a zero precision drives the score to 0.
const LOG_OF_ZERO: f64 = -9_999_999_999.0;

/// Sufficient statistics of BLEU; corpus BLEU is computed from their sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BleuStats {
    /// Clipped matching n-grams for n = 1..4.
    pub counts: [u64; MAX_NGRAM_ORDER],
    /// Generated n-grams for n = 1..4.
    pub totals: [u64; MAX_NGRAM_ORDER],
    /// Generated length in tokens.
    pub sys_len: u64,
    /// Reference length in tokens.
    pub ref_len: u64,
}

impl AddAssign for BleuStats {
    fn add_assign(&mut self, other: Self) {
        for n in 0..MAX_NGRAM_ORDER {
            self.counts[n] += other.counts[n];
            self.totals[n] += other.totals[n];
        }
        self.sys_len += other.sys_len;
        self.ref_len += other.ref_len;
    }
}

impl BleuStats {
    /// Statistics of one tokenised generated segment against one tokenised reference.
    pub fn from_tokens(generated: &[&str], reference: &[&str]) -> Self {
        let mut stats = BleuStats {
            sys_len: generated.len() as u64,
            ref_len: reference.len() as u64,
            ..BleuStats::default()
        };
        // Every n-gram gets one integer id: order 1 are the token ids, an (n+1)-gram is the
        // interned pair (id of its n-gram prefix, id of its last token). No tuple is ever built
        // and no sort is needed: counting is array indexing.
        let (tok_gen, tok_ref, mut distinct) = intern_pair(generated, reference);
        let mut gram_gen = tok_gen.clone();
        let mut gram_ref = tok_ref.clone();
        let mut pair_ids: FastMap<u64, u32> = FastMap::with_capacity_and_hasher(
            generated.len() + reference.len(),
            Default::default(),
        );
        let mut unmatched = Vec::new();
        for n in 1..=MAX_NGRAM_ORDER {
            if n > 1 {
                pair_ids.clear();
                extend_grams(&mut gram_gen, &tok_gen, n, &mut pair_ids);
                extend_grams(&mut gram_ref, &tok_ref, n, &mut pair_ids);
                distinct = pair_ids.len();
            }
            stats.totals[n - 1] = gram_gen.len() as u64;
            stats.counts[n - 1] = clipped_matches(&gram_gen, &gram_ref, distinct, &mut unmatched);
        }
        stats
    }

    /// Statistics of raw texts: both sides go through `rstrip` and the `13a` tokenizer.
    pub fn from_texts(generated: &str, reference: &str) -> Self {
        let gen_joined = bleu_tokenized(generated);
        let ref_joined = bleu_tokenized(reference);
        let gen_tokens = split_joined(&gen_joined);
        let ref_tokens = split_joined(&ref_joined);
        Self::from_tokens(&gen_tokens, &ref_tokens)
    }
}

/// Tokens of a space-joined line; the empty line has none.
fn split_joined(joined: &str) -> Vec<&str> {
    if joined.is_empty() {
        Vec::new()
    } else {
        joined.split(' ').collect()
    }
}

/// Turns the ids of the (n-1)-grams starting at each position into those of the n-grams.
fn extend_grams(grams: &mut Vec<u32>, tokens: &[u32], n: usize, ids: &mut FastMap<u64, u32>) {
    let count = tokens.len().saturating_sub(n - 1);
    for i in 0..count {
        let key = (u64::from(grams[i]) << 32) | u64::from(tokens[i + n - 1]);
        // Fewer distinct n-grams than tokens, so the id fits in u32.
        let next = ids.len() as u32;
        grams[i] = *ids.entry(key).or_insert(next);
    }
    grams.truncate(count);
}

/// Sum over distinct n-grams of min(generated count, reference count): each reference n-gram
/// consumes one still-unmatched generated occurrence, if any is left.
fn clipped_matches(gen: &[u32], reference: &[u32], distinct: usize, left: &mut Vec<u32>) -> u64 {
    left.clear();
    left.resize(distinct, 0);
    for &g in gen {
        left[g as usize] += 1;
    }
    let mut matches = 0u64;
    for &r in reference {
        let slot = &mut left[r as usize];
        if *slot > 0 {
            *slot -= 1;
            matches += 1;
        }
    }
    matches
}

/// A BLEU score with the statistics and precisions sacreBLEU reports.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct BleuScore {
    /// BLEU on a 0-100 scale.
    pub score: f64,
    /// Clipped matching n-grams for n = 1..4.
    pub counts: [u64; MAX_NGRAM_ORDER],
    /// Generated n-grams for n = 1..4.
    pub totals: [u64; MAX_NGRAM_ORDER],
    /// n-gram precisions in percent, smoothed where the count is 0; 0 for orders not reached.
    pub precisions: [f64; MAX_NGRAM_ORDER],
    /// Brevity penalty.
    pub bp: f64,
    /// Generated length in tokens.
    pub sys_len: u64,
    /// Reference length in tokens.
    pub ref_len: u64,
}

impl BleuScore {
    /// The sufficient statistics behind this score (to sum into a corpus score).
    pub fn stats(&self) -> BleuStats {
        BleuStats {
            counts: self.counts,
            totals: self.totals,
            sys_len: self.sys_len,
            ref_len: self.ref_len,
        }
    }

    /// sacreBLEU `BLEU.compute_bleu` with `smooth_method="exp"`; statement order kept so the
    /// floating-point result is bit-identical.
    pub fn from_stats(stats: &BleuStats, effective_order: bool) -> Self {
        let (sys_len, ref_len) = (stats.sys_len, stats.ref_len);
        let bp = if sys_len < ref_len {
            if sys_len > 0 {
                (1.0 - ref_len as f64 / sys_len as f64).exp()
            } else {
                0.0
            }
        } else {
            1.0
        };
        let mut out = BleuScore {
            score: 0.0,
            counts: stats.counts,
            totals: stats.totals,
            precisions: [0.0; MAX_NGRAM_ORDER],
            bp,
            sys_len,
            ref_len,
        };
        // No match of any order: sacreBLEU returns 0 at once (its issue #141).
        if stats.counts.iter().all(|&c| c == 0) {
            return out;
        }
        let mut smooth_mteval = 1.0f64;
        let mut eff_order = MAX_NGRAM_ORDER;
        for n in 0..MAX_NGRAM_ORDER {
            let total = stats.totals[n];
            if total == 0 {
                break;
            }
            if effective_order {
                eff_order = n + 1;
            }
            out.precisions[n] = if stats.counts[n] == 0 {
                smooth_mteval *= 2.0;
                100.0 / (smooth_mteval * total as f64)
            } else {
                100.0 * stats.counts[n] as f64 / total as f64
            };
        }
        let log_sum = out.precisions[..eff_order]
            .iter()
            .map(|&p| if p == 0.0 { LOG_OF_ZERO } else { p.ln() })
            .fold(0.0, |acc, l| acc + l);
        out.score = bp * (log_sum / eff_order as f64).exp();
        out
    }
}

/// Sentence BLEU: `sacrebleu.sentence_bleu(generated, [reference])` (effective order on).
pub fn sentence_bleu(generated: &str, reference: &str) -> BleuScore {
    BleuScore::from_stats(&BleuStats::from_texts(generated, reference), true)
}

/// Corpus BLEU: `sacrebleu.corpus_bleu(generated, [references])`, one reference per segment,
/// statistics summed over segments, effective order off.
pub fn corpus_bleu<G: AsRef<str>, R: AsRef<str>>(
    generated: &[G],
    references: &[R],
) -> Result<BleuScore, TextMetricError> {
    if generated.len() != references.len() {
        return Err(TextMetricError::LengthMismatch {
            hypotheses: generated.len(),
            references: references.len(),
        });
    }
    if generated.is_empty() {
        return Err(TextMetricError::NoItems);
    }
    let mut total = BleuStats::default();
    for (g, r) in generated.iter().zip(references) {
        total += BleuStats::from_texts(g.as_ref(), r.as_ref());
    }
    Ok(BleuScore::from_stats(&total, false))
}
