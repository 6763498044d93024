#![allow(clippy::unwrap_used, clippy::expect_used)]

use ndarray::Array2;
use serde_json::Value;

use super::*;

fn expected() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/metrics/tests/expected.json"
    );
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn close(got: f64, want: &Value, what: &str) {
    let want = want.as_f64().unwrap_or_else(|| panic!("{what}: {want}"));
    assert!(
        (got - want).abs() <= 1e-12 * want.abs().max(1.0),
        "{what}: {got} vs {want}"
    );
}

fn vec(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn opt(got: Option<f64>, want: &Value, what: &str) {
    match got {
        None => assert!(want.is_null(), "{what}: None vs {want}"),
        Some(g) => close(g, want, what),
    }
}

/// Checks a report against scikit-learn's numbers.
pub fn check_classification(r: &ClassificationReport, e: &Value, name: &str) {
    close(r.accuracy, &e["accuracy"], &format!("{name} accuracy"));
    close(
        r.balanced_accuracy,
        &e["balanced_accuracy"],
        &format!("{name} balanced"),
    );
    for (c, s) in r.per_class.iter().enumerate() {
        close(
            s.precision,
            &e["precision"][c],
            &format!("{name} precision {c}"),
        );
        close(s.recall, &e["recall"][c], &format!("{name} recall {c}"));
        close(s.f1, &e["f1"][c], &format!("{name} f1 {c}"));
        assert_eq!(s.support, e["support"][c].as_u64().unwrap());
    }
    let avg = |a: &Averages, key: &str| {
        close(a.precision, &e[key][0], &format!("{name} {key} precision"));
        close(a.recall, &e[key][1], &format!("{name} {key} recall"));
        close(a.f1, &e[key][2], &format!("{name} {key} f1"));
    };
    avg(&r.macro_avg, "macro");
    avg(&r.weighted_avg, "weighted");
    opt(r.log_loss, &e["log_loss"], &format!("{name} log_loss"));
    opt(r.brier_score, &e["brier_score"], &format!("{name} brier"));
    opt(r.roc_auc, &e["roc_auc"], &format!("{name} roc_auc"));
    opt(r.pr_auc, &e["pr_auc"], &format!("{name} pr_auc"));
    let cm: Vec<Vec<u64>> = serde_json::from_value(e["confusion_matrix"].clone()).unwrap();
    assert_eq!(r.confusion_matrix, cm, "{name}");
    if let Some(c) = &r.calibration {
        let want = &e["calibration"];
        let (pt, pp) = (vec(&want["prob_true"]), vec(&want["prob_pred"]));
        assert_eq!(c.prob_true.len(), pt.len(), "{name} calibration bins");
        for i in 0..pt.len() {
            close(
                c.prob_true[i],
                &Value::from(pt[i]),
                &format!("{name} prob_true {i}"),
            );
            close(
                c.prob_pred[i],
                &Value::from(pp[i]),
                &format!("{name} prob_pred {i}"),
            );
        }
    }
}

fn case_report(case: &Value) -> ClassificationReport {
    let y: Vec<usize> = serde_json::from_value(case["y_true"].clone()).unwrap();
    let rows: Vec<Vec<f64>> = serde_json::from_value(case["proba"].clone()).unwrap();
    let k = rows[0].len();
    let proba = Array2::from_shape_vec((rows.len(), k), rows.concat()).unwrap();
    let pred: Vec<usize> = proba
        .rows()
        .into_iter()
        .map(|r| {
            // argmax, first maximum wins (numpy's rule)
            let mut best = 0;
            for (j, v) in r.iter().enumerate() {
                if *v > r[best] {
                    best = j;
                }
            }
            best
        })
        .collect();
    classification(&y, &pred, Some(proba.view()), k).unwrap()
}

#[test]
fn classification_metrics_match_scikit_learn() {
    let e = expected();
    for case in e["classification"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        check_classification(&case_report(case), &case["expected"], name);
    }
}

#[test]
fn regression_metrics_match_scikit_learn() {
    let e = expected();
    for case in e["regression"].as_array().unwrap() {
        let r = regression(&vec(&case["y_true"]), &vec(&case["y_pred"])).unwrap();
        let x = &case["expected"];
        close(r.mae, &x["mae"], "mae");
        close(r.rmse, &x["rmse"], "rmse");
        close(r.r2, &x["r2"], "r2");
        close(r.mape, &x["mape"], "mape");
    }
    assert_eq!(regression(&[], &[]), Err(MetricsError::Empty));
    assert!(matches!(
        regression(&[1.0], &[1.0, 2.0]),
        Err(MetricsError::Length { .. })
    ));
    assert_eq!(regression(&[3.0, 3.0], &[3.0, 3.0]).unwrap().r2, 1.0);
}

#[test]
fn mcnemar_matches_scipy() {
    for case in expected()["mcnemar"].as_array().unwrap() {
        let (b, c) = (
            case["b"].as_u64().unwrap() as usize,
            case["c"].as_u64().unwrap() as usize,
        );
        // b rows only A gets right, c rows only B, plus 10 both right and 5 both wrong.
        let mut a = vec![true; b];
        let mut bb = vec![false; b];
        a.extend(vec![false; c]);
        bb.extend(vec![true; c]);
        a.extend([true; 10].iter().chain([false; 5].iter()));
        bb.extend([true; 10].iter().chain([false; 5].iter()));
        let m = mcnemar(&a, &bb).unwrap();
        assert_eq!((m.a_only as usize, m.b_only as usize), (b, c));
        assert_eq!(m.exact, case["exact"].as_bool().unwrap());
        close(m.statistic, &case["statistic"], "statistic");
        assert!(
            (m.p_value - case["p_value"].as_f64().unwrap()).abs() < 1e-12,
            "{m:?} vs {case}"
        );
    }
}

#[test]
fn the_paired_bootstrap_is_reproducible_and_brackets_the_difference() {
    let t: Vec<f64> = (0..200).map(|i| (i % 17) as f64).collect();
    let good: Vec<f64> = t
        .iter()
        .enumerate()
        .map(|(i, v)| v + ((i % 5) as f64 - 2.0) * 0.1)
        .collect();
    let bad: Vec<f64> = t
        .iter()
        .enumerate()
        .map(|(i, v)| v + ((i % 7) as f64 - 3.0))
        .collect();
    let a = paired_bootstrap(&t, &good, &bad, mae, 2000, 0.95, 7).unwrap();
    let b = paired_bootstrap(&t, &good, &bad, mae, 2000, 0.95, 7).unwrap();
    assert_eq!(a, b);
    assert!(a.low <= a.difference && a.difference <= a.high);
    assert!(a.high < 0.0, "the good model has the lower error: {a:?}");
    assert!(a.p_value < 0.01);
    let same = paired_bootstrap(&t, &good, &good, mae, 500, 0.95, 1).unwrap();
    assert_eq!((same.difference, same.low, same.high), (0.0, 0.0, 0.0));
}

#[test]
fn fixture_models_scored_by_scikit_learn_match() {
    let e = expected();
    for (name, case) in e["fixtures"].as_object().unwrap() {
        let x = &case["expected"];
        if x.get("accuracy").is_none() {
            continue;
        }
        let file = format!(
            "{}/../../shared/fixtures/models/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let root = std::env::var("RAIA_FIXTURES")
            .map(|r| format!("{r}/models/{name}.json"))
            .unwrap_or(file);
        let r: Value = serde_json::from_slice(&std::fs::read(&root).unwrap()).unwrap();
        let c = serde_json::json!({"y_true": case["y_true"], "proba": r["predict_proba"]});
        check_classification(&case_report(&c), x, name);
    }
}
