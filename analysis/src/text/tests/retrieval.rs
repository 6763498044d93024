//! Retrieval metrics and aggregate key coverage against the rag fixtures.

use std::collections::HashSet;

use super::*;

#[test]
fn retrieval_metrics_match_fixtures() {
    let (items, expected) = load();
    let ks = ks(&expected);
    let mut c = Checker::default();
    let mut per_item = Vec::new();
    for want in expected["items"].as_array().unwrap() {
        let id = want["id"].as_str().unwrap();
        let item = &items[id];
        let grades = RankedGrades::from_judgements(&item.retrieved, &item.relevance).unwrap();
        let got = RetrievalMetrics::compute(&grades, &ks).unwrap();
        let w = &want["retrieval"];
        let mut seen: HashSet<String> = HashSet::new();
        let mut close = |c: &mut Checker, fam: &'static str, key: String, v: f64| {
            c.close(fam, &format!("{id}.{key}"), v, &w[&key], TOL);
            seen.insert(key);
        };
        c.exact(
            &format!("{id}.n_retrieved"),
            got.n_retrieved.into(),
            &w["n_retrieved"],
        );
        c.exact(
            &format!("{id}.n_relevant"),
            got.n_relevant.into(),
            &w["n_relevant"],
        );
        c.exact(
            &format!("{id}.first_relevant_rank"),
            got.first_relevant_rank.into(),
            &w["first_relevant_rank"],
        );
        close(
            &mut c,
            "reciprocal_rank",
            "reciprocal_rank".into(),
            got.reciprocal_rank,
        );
        close(
            &mut c,
            "average_precision",
            "average_precision".into(),
            got.average_precision,
        );
        for a in &got.at_k {
            let k = a.k;
            close(&mut c, "hit", format!("hit@{k}"), a.hit);
            close(&mut c, "precision", format!("precision@{k}"), a.precision);
            close(&mut c, "recall", format!("recall@{k}"), a.recall);
            close(
                &mut c,
                "reciprocal_rank",
                format!("reciprocal_rank@{k}"),
                a.reciprocal_rank,
            );
            close(&mut c, "ndcg", format!("ndcg@{k}"), a.ndcg);
            close(&mut c, "ndcg_exp", format!("ndcg_exp@{k}"), a.ndcg_exp);
        }
        seen.extend(["n_retrieved", "n_relevant", "first_relevant_rank"].map(String::from));
        assert_all_checked(w, &seen, id);
        per_item.push(got);
    }
    assert_eq!(
        per_item.len(),
        items.len(),
        "expected.json and items.jsonl differ in size"
    );

    let agg = &expected["aggregate"];
    let sum = summarize_retrieval(&per_item).unwrap();
    c.exact("aggregate.n_items", sum.n_items.into(), &agg["n_items"]);
    c.close("aggregate", "aggregate.mrr", sum.mrr, &agg["mrr"], TOL);
    c.close("aggregate", "aggregate.map", sum.map, &agg["map"], TOL);
    for a in &sum.at_k {
        let k = a.k;
        for (key, v) in [
            ("hit_rate", a.hit),
            ("precision", a.precision),
            ("recall", a.recall),
            ("mrr", a.reciprocal_rank),
            ("ndcg", a.ndcg),
            ("ndcg_exp", a.ndcg_exp),
        ] {
            let key = format!("{key}@{k}");
            c.close("aggregate", &format!("aggregate.{key}"), v, &agg[&key], TOL);
        }
    }
    c.finish("retrieval");
}

#[test]
fn aggregate_keys_are_all_compared() {
    let (_, expected) = load();
    let mut known: HashSet<String> = [
        "n_items",
        "mrr",
        "map",
        "exact_match",
        "f1",
        "rougeL_precision",
        "rougeL_recall",
        "rougeL_fmeasure",
        "sentence_bleu_mean",
        "corpus_bleu",
    ]
    .map(String::from)
    .into();
    for k in ks(&expected) {
        for name in ["hit_rate", "precision", "recall", "mrr", "ndcg", "ndcg_exp"] {
            known.insert(format!("{name}@{k}"));
        }
    }
    assert_all_checked(&expected["aggregate"], &known, "aggregate");
}
