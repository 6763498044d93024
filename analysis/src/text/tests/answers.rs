//! Answer metrics (EM, F1, ROUGE-L, BLEU) against the rag fixtures.

use super::*;

#[test]
fn answer_metrics_match_fixtures() {
    let (items, expected) = load();
    let mut c = Checker::default();
    let mut per_item = Vec::new();
    let (mut gens, mut refs) = (Vec::new(), Vec::new());
    for want in expected["items"].as_array().unwrap() {
        let id = want["id"].as_str().unwrap();
        let item = &items[id];
        let (g, r) = (item.generated.as_str(), item.reference.as_str());
        let got = AnswerMetrics::compute(g, r);
        let w = &want["answer"];
        c.close(
            "exact_match",
            &format!("{id}.exact_match"),
            got.exact_match,
            &w["exact_match"],
            TOL,
        );
        c.close("f1", &format!("{id}.f1"), got.f1, &w["f1"], TOL);
        let norm =
            serde_json::json!({"generated": normalize_answer(g), "reference": normalize_answer(r)});
        c.exact(
            &format!("{id}.squad_normalized"),
            norm,
            &w["squad_normalized"],
        );

        let wr = &w["rougeL"];
        c.close(
            "rougeL",
            &format!("{id}.rougeL.precision"),
            got.rouge_l.precision,
            &wr["precision"],
            TOL,
        );
        c.close(
            "rougeL",
            &format!("{id}.rougeL.recall"),
            got.rouge_l.recall,
            &wr["recall"],
            TOL,
        );
        c.close(
            "rougeL",
            &format!("{id}.rougeL.fmeasure"),
            got.rouge_l.fmeasure,
            &wr["fmeasure"],
            TOL,
        );
        c.exact(
            &format!("{id}.rougeL.tokens_generated"),
            rouge_tokenize(g).into(),
            &wr["tokens_generated"],
        );
        c.exact(
            &format!("{id}.rougeL.tokens_reference"),
            rouge_tokenize(r).into(),
            &wr["tokens_reference"],
        );
        let rouge_keys = [
            "precision",
            "recall",
            "fmeasure",
            "tokens_generated",
            "tokens_reference",
        ];
        assert_all_checked(wr, &rouge_keys.map(String::from).into(), id);

        let wb = &w["bleu"];
        let mut bleu_keys = check_bleu(&mut c, &format!("{id}.bleu"), &got.bleu, wb);
        c.exact(
            &format!("{id}.bleu.tokens_generated"),
            bleu_tokens(g).into(),
            &wb["tokens_generated"],
        );
        c.exact(
            &format!("{id}.bleu.tokens_reference"),
            bleu_tokens(r).into(),
            &wb["tokens_reference"],
        );
        bleu_keys.extend(["tokens_generated", "tokens_reference"].map(String::from));
        assert_all_checked(wb, &bleu_keys, id);
        let answer_keys = ["exact_match", "f1", "squad_normalized", "rougeL", "bleu"];
        assert_all_checked(w, &answer_keys.map(String::from).into(), id);

        per_item.push(got);
        gens.push(g);
        refs.push(r);
    }

    let agg = &expected["aggregate"];
    let sum = summarize_answers(&per_item).unwrap();
    c.exact("aggregate.n_items", sum.n_items.into(), &agg["n_items"]);
    for (key, v) in [
        ("exact_match", sum.exact_match),
        ("f1", sum.f1),
        ("rougeL_precision", sum.rouge_l.precision),
        ("rougeL_recall", sum.rouge_l.recall),
        ("rougeL_fmeasure", sum.rouge_l.fmeasure),
        ("sentence_bleu_mean", sum.sentence_bleu_mean),
    ] {
        let tol = if key == "sentence_bleu_mean" {
            BLEU_TOL
        } else {
            TOL
        };
        c.close("aggregate", &format!("aggregate.{key}"), v, &agg[key], tol);
    }
    let keys = check_bleu(
        &mut c,
        "aggregate.corpus_bleu",
        &sum.corpus_bleu,
        &agg["corpus_bleu"],
    );
    assert_all_checked(&agg["corpus_bleu"], &keys, "corpus_bleu");
    // The standalone corpus function must agree with the summary built from sentence stats.
    let direct = corpus_bleu(&gens, &refs).unwrap();
    check_bleu(&mut c, "corpus_bleu(texts)", &direct, &agg["corpus_bleu"]);
    c.finish("answers");
}
