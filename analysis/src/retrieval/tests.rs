#![allow(clippy::unwrap_used)]
use std::collections::HashSet;

use rand::{seq::SliceRandom, Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{
    bm25::Bm25,
    chunk::chunk,
    embed::{embed, DIM},
    fuse::rrf,
    hnsw::{Hnsw, HnswParams},
    vector::Vectors,
};

#[test]
fn chunks_end_at_sentences_respect_the_size_and_overlap() {
    let text = "One short sentence. Another one follows here! Is this the third? \
                Yes it is.\n\nA new paragraph starts. "
        .repeat(20);
    let chars: Vec<char> = text.chars().collect();
    let spans = chunk(&text, 120, 30).unwrap();
    assert!(spans.len() > 5);
    for w in spans.windows(2) {
        assert!(w[1].0 > w[0].0, "chunks advance");
        assert!(w[1].0 <= w[0].1, "neighbours overlap or touch");
        assert!(w[0].1 - w[1].0 <= 30, "overlap at most the requested size");
    }
    for (s, e) in &spans {
        assert!(e - s <= 120);
        let last = chars[..*e]
            .iter()
            .rev()
            .find(|c| !c.is_whitespace())
            .unwrap();
        assert!(
            matches!(last, '.' | '!' | '?'),
            "ends at a sentence: {last}"
        );
    }
    assert_eq!(spans[0].0, 0);
    assert_eq!(spans.last().unwrap().1, chars.len());
    // A sentence longer than the size is cut at whitespace.
    let long = "word ".repeat(100);
    assert!(chunk(&long, 60, 10)
        .unwrap()
        .iter()
        .all(|(s, e)| e - s <= 60));
    assert!(chunk("  \n ", 100, 10).unwrap().is_empty());
    assert!(chunk("x", 10, 1).is_err() && chunk("x", 100, 50).is_err());
}

#[test]
fn the_local_embedder_is_deterministic_and_unit_length() {
    let a = embed("Governance of machine-learning models");
    assert_eq!(a, embed("Governance of machine-learning models"));
    assert_eq!(a.len(), DIM);
    let n: f32 = a.iter().map(|x| x * x).sum();
    assert!((n - 1.0).abs() < 1e-5);
    let near = super::embed::dot(&a, &embed("governing machine learning model"));
    let far = super::embed::dot(&a, &embed("banana bread recipe with walnuts"));
    assert!(near > far + 0.2, "{near} vs {far}");
    assert!(embed("!!!").iter().all(|x| *x == 0.0));
}

fn word(rng: &mut ChaCha8Rng) -> String {
    const SYL: [&str; 16] = [
        "ka", "lo", "mi", "ne", "ru", "ta", "vo", "xi", "ze", "po", "qua", "sti", "bre", "dol",
        "fen", "gir",
    ];
    (0..rng.gen_range(3..5))
        .map(|_| *SYL.choose(rng).unwrap())
        .collect()
}

struct Corpus {
    texts: Vec<String>,
    queries: Vec<(String, HashSet<u32>)>,
}

/// 10,000 chunks of filler words. Each query has three topic words and six
/// relevant chunks that hold all three, some verbatim and some inflected (which
/// BM25's exact tokens miss but the embedder's sub-word features catch). Hard
/// negatives fool one method each: chunks repeating one topic word verbatim
/// (BM25 ranks them high) and chunks with near-miss spellings of every topic
/// word (the embedder ranks them high).
fn corpus() -> Corpus {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let vocab: Vec<String> = (0..4000).map(|_| word(&mut rng)).collect();
    let filler = |rng: &mut ChaCha8Rng, n: usize| -> Vec<String> {
        (0..n).map(|_| vocab.choose(rng).unwrap().clone()).collect()
    };
    let mut texts: Vec<String> = (0..10_000)
        .map(|_| filler(&mut rng, 40).join(" "))
        .collect();
    let mut queries = Vec::new();
    let mut slots: Vec<usize> = (0..texts.len()).collect();
    slots.shuffle(&mut rng);
    let mut next = slots.into_iter();
    let mut place = |rng: &mut ChaCha8Rng, texts: &mut Vec<String>, words: Vec<String>| {
        let slot = next.next().unwrap();
        let mut filler = filler(rng, 36);
        for w in words {
            filler.insert(rng.gen_range(0..filler.len()), w);
        }
        texts[slot] = filler.join(" ");
        slot as u32
    };
    for q in 0..100 {
        let topic: Vec<String> = (0..3)
            .map(|i| format!("{}{}{q}{i}", word(&mut rng), word(&mut rng)))
            .collect();
        let mut relevant = HashSet::new();
        for r in 0..6 {
            let exact = 1 + r % 2;
            let words = topic
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    if i < exact {
                        t.clone()
                    } else {
                        format!("{t}ings")
                    }
                })
                .collect();
            relevant.insert(place(&mut rng, &mut texts, words));
        }
        for t in &topic {
            for _ in 0..3 {
                place(&mut rng, &mut texts, vec![t.clone(), t.clone()]);
            }
        }
        for _ in 0..6 {
            let near = topic
                .iter()
                .map(|t| {
                    let mut c: Vec<char> = t.chars().collect();
                    let i = c.len() / 2;
                    c[i] = if c[i] == 'z' { 'y' } else { 'z' };
                    format!("{}ed", c.into_iter().collect::<String>())
                })
                .collect();
            place(&mut rng, &mut texts, near);
        }
        queries.push((topic.join(" "), relevant));
    }
    Corpus { texts, queries }
}

fn recall(hits: &[super::Hit], relevant: &HashSet<u32>) -> f64 {
    hits.iter().filter(|h| relevant.contains(&h.id)).count() as f64 / relevant.len() as f64
}

#[test]
fn hybrid_recall_at_10_is_at_least_the_better_of_bm25_and_vectors_on_10000_chunks() {
    let c = corpus();
    let mut bm = Bm25::new();
    let mut vs = Vectors::new(DIM);
    for t in &c.texts {
        bm.add(t);
        vs.push(&embed(t));
    }
    let all = |_: u32| true;
    let (mut rb, mut rv, mut rh) = (0.0, 0.0, 0.0);
    for (q, relevant) in &c.queries {
        let b = bm.search(q, 50, &all);
        let v = vs.search(&embed(q), 50, &all);
        let h = rrf(&[&b, &v], 10);
        rb += recall(&b[..10.min(b.len())], relevant);
        rv += recall(&v[..10], relevant);
        rh += recall(&h, relevant);
    }
    let n = c.queries.len() as f64;
    let (rb, rv, rh) = (rb / n, rv / n, rh / n);
    eprintln!("recall@10: bm25 {rb:.3}, vector {rv:.3}, hybrid {rh:.3}");
    assert!(rh >= rb.max(rv), "bm25 {rb}, vector {rv}, hybrid {rh}");
}

#[test]
fn hnsw_finds_nearly_all_exact_neighbours_and_is_reproducible() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut vs = Vectors::new(32);
    for _ in 0..3000 {
        let mut v: Vec<f32> = (0..32).map(|_| rng.gen_range(-1.0..1.0)).collect();
        super::embed::normalize(&mut v);
        vs.push(&v);
    }
    let g = Hnsw::build(&vs, HnswParams::default());
    let g2 = Hnsw::build(&vs, HnswParams::default());
    let all = |_: u32| true;
    let mut found = 0;
    for i in 0..100 {
        let q = vs.get(i * 7).to_vec();
        let exact: HashSet<u32> = vs.search(&q, 10, &all).iter().map(|h| h.id).collect();
        let approx = g.search(&vs, &q, 10, 64);
        assert_eq!(approx, g2.search(&vs, &q, 10, 64));
        found += approx.iter().filter(|h| exact.contains(&h.id)).count();
    }
    let recall = found as f64 / 1000.0;
    assert!(recall >= 0.95, "recall@10 {recall}");
}
