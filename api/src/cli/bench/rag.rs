//! `raia bench rag`: document ingest (extract + chunk + local embed + index),
//! then per corpus and index size the HNSW build time and, at each search
//! breadth, latency and recall@10 against exact search for held-out chunks and
//! for short fragment queries; and the deterministic text metrics over 10,000
//! answer pairs beside rouge-score and sacrebleu (`anchors.py rag`) on the same file.

use std::{collections::BTreeMap, path::PathBuf, sync::Arc, time::Instant};

use analysis::{
    retrieval::{
        chunk::chunk,
        embed::{embed, DIM},
        hnsw::{Hnsw, HnswParams},
        vector::Vectors,
    },
    text::{corpus_bleu, rouge_l, sentence_bleu},
};
use domain::document::ChunkSpan;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::anchors;
use crate::llm::{
    extract::extract,
    index::{ChunkMeta, Index},
};

/// What to measure.
#[derive(Debug)]
pub struct Options {
    /// Documents to ingest.
    pub docs: usize,
    /// Index sizes (chunks) for the vector search figures.
    pub sizes: Vec<usize>,
    /// Queries per size.
    pub queries: usize,
    /// HNSW search breadths.
    pub ef: Vec<usize>,
    /// Corpora for the vector search figures.
    pub corpus: Vec<Corpus>,
    /// Graph parameters (links per node, build breadth).
    pub graph: HnswParams,
    /// Answer pairs for the text metrics.
    pub pairs: usize,
    /// Anchors' data directory.
    pub workdir: PathBuf,
    /// The anchors script.
    pub anchors: PathBuf,
    /// Python with rouge-score and sacrebleu.
    pub python: String,
}

/// A generated corpus for the vector search figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Corpus {
    /// Each chunk is about one of [`TOPICS`] topics: most of its words come from
    /// that topic's own vocabulary, as in real collections, so neighbours are
    /// chunks on the same subject.
    Topical,
    /// Every chunk draws from one Zipf vocabulary: the embeddings spread almost
    /// uniformly and a query's neighbours after its source chunk are near-ties
    /// with thousands of others (the hardest case for any graph search).
    Uniform,
}

/// Topics of the topical corpus.
const TOPICS: usize = 1000;
/// Words in one topic's vocabulary.
const TOPIC_WORDS: usize = 400;
/// Share of a topical chunk's words drawn from its topic.
const ON_TOPIC: f64 = 0.7;

/// Generates chunk texts of one corpus, deterministically from a seed.
struct Chunks {
    rng: ChaCha8Rng,
    vocab: Vec<String>,
    /// Per topic, indices into `vocab` (empty for the uniform corpus).
    topics: Vec<Vec<usize>>,
}

impl Chunks {
    fn new(corpus: Corpus, seed: u64) -> Self {
        let vocab = vocabulary(50_000);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let topics = match corpus {
            Corpus::Uniform => Vec::new(),
            Corpus::Topical => (0..TOPICS)
                .map(|_| {
                    (0..TOPIC_WORDS)
                        .map(|_| rng.gen_range(0..vocab.len()))
                        .collect()
                })
                .collect(),
        };
        Self { rng, vocab, topics }
    }

    /// Five sentences of 8 to 17 words.
    fn next(&mut self) -> String {
        if self.topics.is_empty() {
            return text(&mut self.rng, &self.vocab, 5);
        }
        let topic = &self.topics[self.rng.gen_range(0..self.topics.len())];
        let rng = &mut self.rng;
        (0..5)
            .map(|_| {
                let n = rng.gen_range(8..18);
                let words: Vec<&str> = (0..n)
                    .map(|_| {
                        let w = if rng.gen_bool(ON_TOPIC) {
                            topic[zipf(rng, topic.len())]
                        } else {
                            zipf(rng, self.vocab.len())
                        };
                        self.vocab[w].as_str()
                    })
                    .collect();
                format!("{}.", words.join(" "))
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A Zipf-ish index below `n`: small indices are common, most are rare.
fn zipf(rng: &mut ChaCha8Rng, n: usize) -> usize {
    let u: f64 = rng.gen();
    ((n as f64).powf(u) as usize).saturating_sub(1).min(n - 1)
}

/// A deterministic vocabulary of pronounceable made-up words.
fn vocabulary(n: usize) -> Vec<String> {
    const ON: [&str; 12] = ["b", "d", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z"];
    const NU: [&str; 6] = ["a", "e", "i", "o", "u", "ai"];
    (0..n)
        .map(|i| {
            let mut w = String::new();
            let mut x = i + 7;
            for _ in 0..2 + i % 3 {
                w.push_str(ON[x % ON.len()]);
                w.push_str(NU[(x / ON.len()) % NU.len()]);
                x = x / (ON.len() * NU.len()) + i * 31 + 1;
            }
            w
        })
        .collect()
}

/// Zipf-ish word choice: a few words are common, most are rare.
fn sentence(rng: &mut ChaCha8Rng, vocab: &[String], words: usize) -> String {
    let s: Vec<&str> = (0..words)
        .map(|_| vocab[zipf(rng, vocab.len())].as_str())
        .collect();
    format!("{}.", s.join(" "))
}

fn text(rng: &mut ChaCha8Rng, vocab: &[String], sentences: usize) -> String {
    (0..sentences)
        .map(|_| {
            let n = rng.gen_range(8..18);
            sentence(rng, vocab, n)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Ingest: extract, chunk (500 / 50), embed and index every document.
fn ingest(docs: usize) -> anyhow::Result<()> {
    let vocab = vocabulary(20_000);
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let files: Vec<Vec<u8>> = (0..docs)
        .map(|_| {
            let n = rng.gen_range(10..30);
            text(&mut rng, &vocab, n).into_bytes()
        })
        .collect();
    let bytes: usize = files.iter().map(Vec::len).sum();
    let mut index = Index::default();
    let metadata = Arc::new(BTreeMap::new());
    let t = Instant::now();
    for (i, f) in files.iter().enumerate() {
        let body = extract("txt", f)?;
        let spans: Vec<ChunkSpan> = chunk(&body, 500, 50)?
            .into_iter()
            .map(|(a, b)| ChunkSpan {
                start: a as u64,
                end: b as u64,
            })
            .collect();
        let meta = ChunkMeta {
            document_id: format!("doc-{i}"),
            filename: format!("doc-{i}.txt"),
            format: "txt".into(),
            chunk: 0,
            span: ChunkSpan { start: 0, end: 0 },
            text: String::new(),
            metadata: metadata.clone(),
        };
        index.add(meta, &spans, &body);
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "raia    ingest {docs} docs ({:.1} MB, {} chunks, HNSW from 20,000 chunks) {secs:>9.3} s {:>10.0} docs/s",
        bytes as f64 / 1e6,
        index.len(),
        docs as f64 / secs
    );
    Ok(())
}

/// Vector search on `n` generated chunks of `corpus`: build time, then latency
/// and recall@10 against exact search at each search breadth.
fn vector_search(corpus: Corpus, n: usize, queries: usize, efs: &[usize], params: HnswParams) {
    let mut chunks = Chunks::new(corpus, n as u64);
    let mut vs = Vectors::new(DIM);
    let t = Instant::now();
    let mut samples = Vec::with_capacity(queries);
    for i in 0..n {
        let chunk = chunks.next();
        if i % (n / queries).max(1) == 0 && samples.len() < queries {
            let words: Vec<&str> = chunk.split_whitespace().take(8).collect();
            samples.push(words.join(" "));
        }
        vs.push(&embed(&chunk));
    }
    let name = format!("{corpus:?}").to_lowercase();
    println!(
        "raia    embed {n} {name} chunks (local-hash-v1, {DIM} dims) {:>9.3} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let graph = Hnsw::build(&vs, params);
    println!(
        "raia    HNSW build {n} {name} chunks (m {}, ef_construction {}, {} threads) {:>9.3} s",
        params.m,
        params.ef_construction,
        std::thread::available_parallelism().map_or(1, |c| c.get()),
        t.elapsed().as_secs_f64()
    );
    // Held-out chunks are queries from the corpus' own distribution (the ANN
    // benchmarks' method); fragments are short queries lying between chunks.
    let held_out: Vec<String> = (0..samples.len()).map(|_| chunks.next()).collect();
    for (kind, texts) in [("held-out chunks", held_out), ("8-word fragments", samples)] {
        search_figures(
            &graph,
            &vs,
            &format!("{n} {name} chunks, {kind}"),
            &texts,
            efs,
        );
    }
}

/// Exact search latency, then per breadth the HNSW latency and recall@10 against it.
fn search_figures(graph: &Hnsw, vs: &Vectors, what: &str, texts: &[String], efs: &[usize]) {
    let queries: Vec<Vec<f32>> = texts.iter().map(|q| embed(q)).collect();
    let mut exact = Vec::new();
    let truth: Vec<Vec<u32>> = queries
        .iter()
        .map(|v| {
            let t = Instant::now();
            let e = vs.search(v, 10, &|_| true);
            exact.push(t.elapsed().as_secs_f64() * 1e3);
            e.iter().map(|h| h.id).collect()
        })
        .collect();
    exact.sort_by(f64::total_cmp);
    println!(
        "raia    exact search, {what}, {} queries: p50 {:.3} ms p99 {:.3} ms",
        queries.len(),
        percentile(&exact, 0.5),
        percentile(&exact, 0.99),
    );
    for &ef in efs {
        let (mut approx, mut found) = (Vec::new(), 0usize);
        for (v, want) in queries.iter().zip(&truth) {
            let t = Instant::now();
            let h = graph.search(vs, v, 10, ef);
            approx.push(t.elapsed().as_secs_f64() * 1e3);
            found += want
                .iter()
                .filter(|x| h.iter().any(|y| y.id == **x))
                .count();
        }
        approx.sort_by(f64::total_cmp);
        let recall = found as f64 / (queries.len() * 10).max(1) as f64;
        println!(
            "raia    vector search, {what}, HNSW ef {ef:>4}: p50 {:.3} ms p99 {:.3} ms recall@10 {recall:.4}",
            percentile(&approx, 0.5),
            percentile(&approx, 0.99),
        );
    }
}

/// The text metrics on the anchors' pairs file, timed like the anchors.
fn text_metrics(o: &Options) -> anyhow::Result<()> {
    anchors::usable(&o.anchors, &o.python)
        .map_err(|why| anyhow::anyhow!("anchors unavailable: {why}"))?;
    std::fs::create_dir_all(&o.workdir)?;
    let figures = anchors::run(
        &o.anchors,
        &o.python,
        "rag",
        &o.workdir,
        o.pairs as f64 / 10_000.0,
    )?;
    let file = figures
        .first()
        .and_then(|f| f.extra["file"].as_str())
        .ok_or_else(|| anyhow::anyhow!("the anchors printed no file"))?;
    let pairs: Vec<(String, String)> = std::fs::read_to_string(o.workdir.join(file))?
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l)?;
            Ok((
                v["reference"].as_str().unwrap_or_default().to_owned(),
                v["prediction"].as_str().unwrap_or_default().to_owned(),
            ))
        })
        .collect::<anyhow::Result<_>>()?;
    let n = pairs.len();
    let (refs, preds): (Vec<&str>, Vec<&str>) =
        pairs.iter().map(|(r, p)| (r.as_str(), p.as_str())).unzip();
    let anchor = |name: &str| {
        figures
            .iter()
            .find(|f| f.anchor.starts_with(name))
            .map(|f| f.seconds)
    };
    let report = |what: &str,
                  secs: f64,
                  value: f64,
                  anchor_s: Option<f64>,
                  anchor_v: Option<f64>| {
        let ratio = anchor_s.map_or("-".to_owned(), |a| format!("{:.1}x", a / secs));
        println!(
            "raia    {what:<34} {n} pairs {secs:>9.4} s (value {value:.10}) | anchor {:>9.4} s (value {}) | anchor/raia {ratio}",
            anchor_s.unwrap_or(f64::NAN),
            anchor_v.map_or("-".into(), |v| format!("{v:.10}")),
        );
    };
    let extra = |name: &str, key: &str| {
        figures
            .iter()
            .find(|f| f.anchor.starts_with(name))
            .and_then(|f| f.extra[key].as_f64())
    };
    let t = Instant::now();
    let rl: f64 = preds
        .iter()
        .zip(&refs)
        .map(|(p, r)| rouge_l(p, r).fmeasure)
        .sum::<f64>()
        / n as f64;
    report(
        "ROUGE-L per pair",
        t.elapsed().as_secs_f64(),
        rl,
        anchor("rouge_score"),
        extra("rouge_score", "mean_f"),
    );
    let t = Instant::now();
    let cb = corpus_bleu(&preds, &refs)?.score;
    report(
        "corpus BLEU",
        t.elapsed().as_secs_f64(),
        cb,
        anchor("sacrebleu.corpus_bleu"),
        extra("sacrebleu.corpus_bleu", "score"),
    );
    let t = Instant::now();
    let sb: f64 = preds
        .iter()
        .zip(&refs)
        .map(|(p, r)| sentence_bleu(p, r).score)
        .sum::<f64>()
        / n as f64;
    report(
        "sentence BLEU per pair",
        t.elapsed().as_secs_f64(),
        sb,
        anchor("sacrebleu.sentence_bleu"),
        extra("sacrebleu.sentence_bleu", "mean_score"),
    );
    Ok(())
}

/// Runs the benchmark.
pub fn run(o: Options) -> anyhow::Result<()> {
    ingest(o.docs)?;
    for corpus in &o.corpus {
        for n in &o.sizes {
            vector_search(*corpus, *n, o.queries, &o.ef, o.graph);
        }
    }
    if let Err(e) = text_metrics(&o) {
        println!("text metrics skipped: {e}");
    }
    Ok(())
}
