//! Checks one scenario of `expected.json`: every listed value of every column, then the
//! dataset verdict, with the README's tolerances.

use std::path::Path;

use serde_json::Value;

use super::checker::{Checker, EXACT};
use super::fixture::{float, names, Table};
use super::statistics::{check_binned, check_counts_tests, check_numeric_only, score_tol};
use crate::drift::binning::{bin_numeric, Binned};
use crate::drift::sample::CategoryCounts;
use crate::drift::{
    dataset_drift, detect_all_with_threads, detect_column, ColumnData, ColumnDrift, ColumnSpec,
    DatasetDrift, NumericSample,
};

type Labels<'a> = Vec<Option<&'a str>>;

pub fn check(dir: &Path, meta: &Value, name: &str, scenario: &Value, ck: &mut Checker) {
    let reference = Table::read(&dir.join(scenario["reference_file"].as_str().unwrap()));
    let current = Table::read(&dir.join(scenario["current_file"].as_str().unwrap()));
    ck.count(
        name,
        "n_reference_rows",
        reference.rows(),
        &scenario["n_reference_rows"],
    );
    ck.count(
        name,
        "n_current_rows",
        current.rows(),
        &scenario["n_current_rows"],
    );

    let numerical = names(meta, "numerical");
    let categorical = names(meta, "categorical");
    let num_data: Vec<(Vec<f64>, Vec<f64>)> = numerical
        .iter()
        .map(|c| (reference.numeric(c), current.numeric(c)))
        .collect();
    let cat_data: Vec<(Labels, Labels)> = categorical
        .iter()
        .map(|c| (reference.labels(c), current.labels(c)))
        .collect();
    // Evidently's column order: numerical features, then categorical ones.
    let mut specs: Vec<ColumnSpec> = numerical
        .iter()
        .zip(&num_data)
        .map(|(c, (r, k))| ColumnSpec::numerical(c, r, k))
        .collect();
    specs.extend(
        categorical
            .iter()
            .zip(&cat_data)
            .map(|(c, (r, k))| ColumnSpec::categorical(c, r, k)),
    );

    let mut results = Vec::new();
    for spec in &specs {
        let at = format!("{name}/{}", spec.name);
        let want = &scenario["columns"][spec.name];
        assert!(want.is_object(), "{at} missing from expected.json");
        let drift = detect_column(spec).unwrap();
        check_summary(&at, &drift, want, ck);
        let (binned, table) = match spec.data {
            ColumnData::Numerical { reference, current } => {
                let (r, c) = (NumericSample::new(reference), NumericSample::new(current));
                check_numeric_only(&at, &r, &c, want, ck);
                (
                    bin_numeric(&r, &c).unwrap(),
                    CategoryCounts::from_numeric(&r, &c),
                )
            }
            ColumnData::Categorical { reference, current } => {
                let table = CategoryCounts::from_text(reference, current);
                (Binned::UniqueValues(table.clone()), table)
            }
        };
        check_binned(&at, &binned, want, ck);
        check_counts_tests(&at, &table, want, ck);
        check_verdicts(&at, &drift, want, ck);
        results.push(drift);
    }

    let want = &scenario["dataset_drift"];
    let share = float(&want["drift_share"]);
    let got = dataset_drift(&results, share).unwrap();
    check_dataset(name, &got, want, ck);
    if scenario["evidently_run"]["available"].as_bool() == Some(true) {
        check_dataset(
            &format!("{name}/evidently_run"),
            &got,
            &scenario["evidently_run"]["dataset"],
            ck,
        );
    }
    // The threaded driver must give the very same answers.
    let report = detect_all_with_threads(&specs, share, 2).unwrap();
    ck.eq(name, "detect_all columns", &report.columns, &results);
    ck.eq(name, "detect_all dataset", &report.dataset, &got);
}

fn check_summary(at: &str, d: &ColumnDrift, want: &Value, ck: &mut Checker) {
    ck.eq(
        at,
        "kind",
        &d.kind.to_string(),
        &want["kind"].as_str().unwrap().to_owned(),
    );
    ck.count(at, "n_reference", d.n_reference, &want["n_reference"]);
    ck.count(at, "n_current", d.n_current, &want["n_current"]);
    ck.count(
        at,
        "n_reference_missing",
        d.n_reference_missing,
        &want["n_reference_missing"],
    );
    ck.count(
        at,
        "n_current_missing",
        d.n_current_missing,
        &want["n_current_missing"],
    );
    ck.count(
        at,
        "n_reference_nonnull",
        d.n_reference - d.n_reference_missing,
        &want["n_reference_nonnull"],
    );
    ck.count(
        at,
        "n_current_nonnull",
        d.n_current - d.n_current_missing,
        &want["n_current_nonnull"],
    );
    ck.count(
        at,
        "n_reference_unique",
        d.n_reference_unique,
        &want["n_reference_unique"],
    );
    ck.count(
        at,
        "n_combined_unique",
        d.n_combined_unique,
        &want["n_combined_unique"],
    );
}

fn check_verdicts(at: &str, d: &ColumnDrift, want: &Value, ck: &mut Checker) {
    let rule = &want["evidently_default_rule"];
    ck.eq(
        at,
        "default_rule.stattest",
        d.test.name(),
        rule["stattest"].as_str().unwrap(),
    );
    let tol = score_tol(d.test, float(&rule["score"]));
    ck.float(
        at,
        &format!("default_rule.score ({})", d.test),
        d.score,
        &rule["score"],
        tol,
    );
    ck.float(
        at,
        "default_rule.threshold",
        d.threshold,
        &rule["threshold"],
        EXACT,
    );
    ck.eq(
        at,
        "default_rule.drift_rule",
        d.test.drift_rule().as_str(),
        rule["drift_rule"].as_str().unwrap(),
    );
    ck.eq(
        at,
        "default_rule.drift_detected",
        &d.drift_detected,
        &rule["drift_detected"].as_bool().unwrap(),
    );
    let ev = &want["evidently"];
    if ev.is_object() {
        ck.eq(
            at,
            "evidently.stattest",
            d.test.name(),
            ev["stattest"].as_str().unwrap(),
        );
        ck.eq(
            at,
            "evidently.display_name",
            d.test.display_name(),
            ev["stattest_display_name"].as_str().unwrap(),
        );
        let tol = score_tol(d.test, float(&ev["drift_score"]));
        ck.float(
            at,
            &format!("evidently.drift_score ({})", d.test),
            d.score,
            &ev["drift_score"],
            tol,
        );
        ck.float(
            at,
            "evidently.threshold",
            d.threshold,
            &ev["threshold"],
            EXACT,
        );
        ck.eq(
            at,
            "evidently.drift_detected",
            &d.drift_detected,
            &ev["drift_detected"].as_bool().unwrap(),
        );
        ck.eq(
            at,
            "evidently.column_type",
            d.kind.evidently_name(),
            ev["column_type"].as_str().unwrap(),
        );
    }
}

fn check_dataset(at: &str, got: &DatasetDrift, want: &Value, ck: &mut Checker) {
    ck.float(
        at,
        "dataset.drift_share",
        got.drift_share,
        &want["drift_share"],
        EXACT,
    );
    ck.count(
        at,
        "dataset.number_of_columns",
        got.number_of_columns,
        &want["number_of_columns"],
    );
    ck.count(
        at,
        "dataset.number_of_drifted_columns",
        got.number_of_drifted_columns,
        &want["number_of_drifted_columns"],
    );
    ck.float(
        at,
        "dataset.share_of_drifted_columns",
        got.share_of_drifted_columns,
        &want["share_of_drifted_columns"],
        EXACT,
    );
    ck.eq(
        at,
        "dataset.dataset_drift",
        &got.dataset_drift,
        &want["dataset_drift"].as_bool().unwrap(),
    );
}
