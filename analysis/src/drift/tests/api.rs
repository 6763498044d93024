//! Behaviour of the public API beyond the fixtures: overrides, errors, serde, ordering.

use crate::drift::sample::CategoryCounts;
use crate::drift::{
    default_stat_test, detect_all, detect_column, Category, ColumnKind, ColumnSpec, DriftError,
    DriftReport, Side, StatTest,
};

#[test]
fn default_test_follows_evidently_table() {
    use ColumnKind::{Categorical as Cat, Numerical as Num};
    let cases = [
        (Num, 1000, 6, StatTest::Ks),
        (Num, 1000, 5, StatTest::ChiSquare),
        (Num, 1000, 2, StatTest::Z),
        (Cat, 1000, 3, StatTest::ChiSquare),
        (Cat, 1000, 2, StatTest::Z),
        (Num, 1001, 6, StatTest::Wasserstein),
        (Num, 1001, 5, StatTest::JensenShannon),
        (Cat, 1001, 50, StatTest::JensenShannon),
    ];
    for (kind, n, unique, test) in cases {
        assert_eq!(
            default_stat_test(kind, n, unique),
            test,
            "{kind} n={n} unique={unique}"
        );
    }
}

#[test]
fn overrides_and_errors() {
    let r: Vec<f64> = (0..200).map(|i| f64::from(i % 37)).collect();
    let c: Vec<f64> = (0..150).map(|i| f64::from(i % 37) + 3.0).collect();
    let spec = ColumnSpec::numerical("x", &r, &c)
        .with_test(StatTest::Psi)
        .with_threshold(0.5);
    let d = detect_column(&spec).unwrap();
    assert_eq!((d.test, d.threshold, d.p_value), (StatTest::Psi, 0.5, None));
    assert_eq!(d.drift_detected, d.score >= 0.5);

    let labels = [Some("a"), None, Some("b")];
    let ks_on_labels = ColumnSpec::categorical("y", &labels, &labels).with_test(StatTest::Ks);
    assert!(matches!(
        detect_column(&ks_on_labels),
        Err(DriftError::TestNotApplicable { .. })
    ));
    let nan_threshold = ColumnSpec::numerical("x", &r, &c).with_threshold(f64::NAN);
    assert!(matches!(
        detect_column(&nan_threshold),
        Err(DriftError::InvalidThreshold { .. })
    ));
    let missing = [f64::NAN, f64::INFINITY];
    let empty = ColumnSpec::numerical("z", &r, &missing);
    assert_eq!(
        detect_column(&empty),
        Err(DriftError::EmptyColumn {
            column: "z".into(),
            side: Side::Current
        })
    );
    assert!(detect_all(&[], 0.5).is_err());
    assert!(detect_all(&[spec], 1.5).is_err());
}

#[test]
fn report_round_trips_through_json_with_infinite_statistic() {
    let r = [Some("a"), Some("b"), Some("c")];
    let c = [Some("a"), Some("d"), Some("c"), None];
    let spec = ColumnSpec::categorical("col", &r, &c);
    let report = detect_all(&[spec, spec.with_test(StatTest::Psi)], 0.5).unwrap();
    let first = &report.columns[0];
    assert_eq!(first.test, StatTest::ChiSquare);
    assert!(first.statistic.is_infinite() && first.drift_detected);
    assert_eq!((first.n_current_missing, first.n_combined_unique), (1, 4));
    let json = serde_json::to_string(&report).unwrap();
    assert!(json.contains("\"statistic\":\"inf\"") && json.contains("\"test\":\"chisquare\""));
    let back: DriftReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back, report);
}

#[test]
fn numeric_looking_levels_sort_by_value() {
    let r = [Some("10"), Some("9"), Some("9")];
    let c = [Some("10"), Some("10"), Some("9")];
    let t = CategoryCounts::from_text(&r, &c);
    assert_eq!(
        t.categories,
        vec![Category::Text("9".into()), Category::Text("10".into())]
    );
    assert_eq!(
        (t.reference.clone(), t.current.clone()),
        (vec![2, 1], vec![1, 2])
    );
    let t = CategoryCounts::from_text(&[Some("b"), Some("B"), Some("a")], &[Some("é")]);
    let names: Vec<_> = t.categories.iter().map(|c| format!("{c:?}")).collect();
    assert_eq!(
        names,
        ["Text(\"B\")", "Text(\"a\")", "Text(\"b\")", "Text(\"é\")"]
    );
}
