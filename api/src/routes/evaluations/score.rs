//! Deterministic metrics of one item (`analysis::text`) and the aggregates of a
//! run: means summed in item order, seeded percentile bootstrap intervals, and
//! corpus BLEU.

use std::collections::BTreeMap;

use analysis::{
    metrics::{mean_score, paired_bootstrap},
    text::{corpus_bleu, AnswerMetrics, RankedGrades, RetrievalMetrics},
};
use domain::evaluation::{CorpusBleu, EvaluationSummary, MetricSummary, ScoredItem};

use super::dataset::EvalItem;

/// Confidence level of the bootstrap intervals.
pub const CONFIDENCE: f64 = 0.95;

/// Metrics where lower is better (everything else: higher is better).
pub const LOWER_IS_BETTER: &[&str] = &[
    "latency_ms",
    "prompt_tokens",
    "completion_tokens",
    "cost_usd",
];

/// Retrieval metrics of a ranking against the item's judgements, named as
/// `fixtures/rag/expected.json` names them per item.
pub fn retrieval(
    item: &EvalItem,
    retrieved: &[String],
    cutoffs: &[usize],
    out: &mut BTreeMap<String, f64>,
) -> Result<(), String> {
    let Some(relevance) = &item.relevance else {
        return Ok(());
    };
    let grades = RankedGrades::from_judgements(retrieved, relevance).map_err(|e| e.to_string())?;
    let m = RetrievalMetrics::compute(&grades, cutoffs).map_err(|e| e.to_string())?;
    out.insert("reciprocal_rank".into(), m.reciprocal_rank);
    out.insert("average_precision".into(), m.average_precision);
    for a in &m.at_k {
        let k = a.k;
        out.insert(format!("hit@{k}"), a.hit);
        out.insert(format!("precision@{k}"), a.precision);
        out.insert(format!("recall@{k}"), a.recall);
        out.insert(format!("reciprocal_rank@{k}"), a.reciprocal_rank);
        out.insert(format!("ndcg@{k}"), a.ndcg);
        out.insert(format!("ndcg_exp@{k}"), a.ndcg_exp);
    }
    Ok(())
}

/// Answer metrics of a generated answer against the reference.
pub fn answer(generated: &str, reference: &str, out: &mut BTreeMap<String, f64>) {
    let m = AnswerMetrics::compute(generated, reference);
    out.insert("exact_match".into(), m.exact_match);
    out.insert("f1".into(), m.f1);
    out.insert("rougeL_precision".into(), m.rouge_l.precision);
    out.insert("rougeL_recall".into(), m.rouge_l.recall);
    out.insert("rougeL_fmeasure".into(), m.rouge_l.fmeasure);
    out.insert("bleu".into(), m.bleu.score);
}

/// The aggregate name of a per-item metric (`hit@5` -> `hit_rate@5`, `bleu` ->
/// `sentence_bleu_mean`, ...), as `fixtures/rag/expected.json` names them.
pub fn aggregate_name(item_metric: &str) -> String {
    match item_metric {
        "reciprocal_rank" => "mrr".into(),
        "average_precision" => "map".into(),
        "bleu" => "sentence_bleu_mean".into(),
        m => {
            if let Some(k) = m.strip_prefix("hit@") {
                format!("hit_rate@{k}")
            } else if let Some(k) = m.strip_prefix("reciprocal_rank@") {
                format!("mrr@{k}")
            } else {
                m.to_owned()
            }
        }
    }
}

/// Mean (summed in item order) and a seeded percentile bootstrap interval.
pub fn mean_ci(values: &[f64], resamples: u32, seed: u64) -> MetricSummary {
    let n = values.len();
    let mean = values.iter().fold(0.0, |acc, x| acc + x) / n.max(1) as f64;
    let zeros = vec![0.0; n];
    let ci = paired_bootstrap(
        &zeros,
        values,
        &zeros,
        mean_score,
        resamples.max(1) as usize,
        CONFIDENCE,
        seed,
    );
    let (low, high) = ci.map_or((mean, mean), |c| (c.low, c.high));
    MetricSummary {
        n: n as u64,
        mean,
        ci_low: low,
        ci_high: high,
    }
}

/// Aggregates over scored items.
pub fn summarize(items: &[ScoredItem], resamples: u32, seed: u64) -> EvaluationSummary {
    let mut columns: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for item in items {
        for (name, v) in &item.metrics {
            columns.entry(name.as_str()).or_default().push(*v);
        }
    }
    let metrics = columns
        .into_iter()
        .map(|(name, values)| (aggregate_name(name), mean_ci(&values, resamples, seed)))
        .collect();
    let pairs: Vec<(&str, &str)> = items
        .iter()
        .filter(|i| i.metrics.contains_key("bleu"))
        .filter_map(|i| Some((i.answer.as_deref()?, i.reference.as_deref()?)))
        .collect();
    let (generated, references): (Vec<&str>, Vec<&str>) = pairs.into_iter().unzip();
    let corpus_bleu = corpus_bleu(&generated, &references)
        .ok()
        .filter(|_| !generated.is_empty())
        .map(|b| CorpusBleu {
            score: b.score,
            counts: b.counts.to_vec(),
            totals: b.totals.to_vec(),
            bp: b.bp,
            sys_len: b.sys_len,
            ref_len: b.ref_len,
        });
    EvaluationSummary {
        items: items.len() as u64,
        failed_items: items.iter().filter(|i| i.error.is_some()).count() as u64,
        metrics,
        corpus_bleu,
    }
}
