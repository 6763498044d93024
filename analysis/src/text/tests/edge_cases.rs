//! Typed errors, degenerate inputs and tokenizer quirks checked against the Python originals.

use std::collections::HashMap;

use super::*;

#[test]
fn invalid_inputs_are_typed_errors() {
    let grades = RankedGrades::from_grades(vec![0, 2], [2, 1]);
    assert_eq!(grades.precision_at(0), Err(TextMetricError::ZeroCutoff));
    let dup = ["x".to_owned(), "y".to_owned(), "x".to_owned()];
    let err = RankedGrades::from_judgements(&dup, &HashMap::new()).unwrap_err();
    assert_eq!(err, TextMetricError::DuplicateRetrievedId { rank: 3 });
    assert_eq!(
        corpus_bleu::<&str, &str>(&[], &[]),
        Err(TextMetricError::NoItems)
    );
    assert!(matches!(
        corpus_bleu(&["a"], &["a", "b"]),
        Err(TextMetricError::LengthMismatch { .. })
    ));
    assert_eq!(summarize_retrieval(&[]), Err(TextMetricError::NoItems));
    assert_eq!(summarize_answers(&[]), Err(TextMetricError::NoItems));
}

#[test]
fn no_relevant_document_scores_zero_not_nan() {
    let grades = RankedGrades::from_grades(vec![0, 0, 0], [0]);
    assert_eq!(grades.recall_at(3), Ok(0.0));
    assert_eq!(grades.ndcg_at(3, Gain::Exponential), Ok(0.0));
    assert_eq!(grades.average_precision(), 0.0);
    // Fewer retrieved than k: precision still divides by k.
    let short = RankedGrades::from_grades(vec![1], [1, 3]);
    assert_eq!(short.precision_at(10), Ok(0.1));
}

/// Expected strings below were produced by sacreBLEU 2.6.0, rouge-score 0.1.2 and the SQuAD
/// v1.1 normaliser on the same inputs.
#[test]
fn tokenizer_quirks_follow_python() {
    assert_eq!(
        tokenize_13a("a.,b 1.,5 x-1 3-4 &amp;lt; <skipped>ok"),
        "a . , b 1 . , 5 x-1 3 - 4 < ok"
    );
    assert_eq!(bleu_tokens("well-\n"), ["well-"]);
    assert_eq!(tokenize_13a("well-\n"), "well");
    assert_eq!(
        tokenize_13a("São\u{1c}Paulo, 1,000.5!"),
        "São Paulo , 1,000.5 !"
    );
    assert_eq!(
        rouge_tokenize("São \u{212A}elvin İz DON'T"),
        ["s", "o", "kelvin", "i", "z", "don", "t"]
    );
    assert_eq!(
        normalize_answer("The cat-and a_dog, an AN ant!"),
        "catand adog ant"
    );
    assert_eq!(normalize_answer("€a€"), "€ €");
    assert_eq!(lcs_len(&[1, 2, 3, 4], &[2, 4, 3]), 2);
}

/// Textbook full-table LCS, the formulation rouge-score uses.
fn lcs_full_table(a: &[u8], b: &[u8]) -> usize {
    let mut t = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            t[i][j] = if a[i - 1] == b[j - 1] {
                t[i - 1][j - 1] + 1
            } else {
                t[i - 1][j].max(t[i][j - 1])
            };
        }
    }
    t[a.len()][b.len()]
}

#[test]
fn one_row_lcs_equals_full_table() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    for _ in 0..2000 {
        let alphabet = rng.gen_range(1..6u8);
        let seq = |rng: &mut rand_chacha::ChaCha8Rng| -> Vec<u8> {
            let n = rng.gen_range(0..40);
            (0..n).map(|_| rng.gen_range(0..alphabet)).collect()
        };
        let (a, b) = (seq(&mut rng), seq(&mut rng));
        assert_eq!(lcs_len(&a, &b), lcs_full_table(&a, &b), "{a:?} / {b:?}");
    }
}
