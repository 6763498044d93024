//! The mitigations RAIA adds to the fixture-matched metrics, against fairlearn 0.15 /
//! scikit-learn 1.9 figures computed once on a small deterministic data set (built below
//! by integer formulas, so the Python side rebuilds it exactly):
//!
//! ```python
//! i = np.arange(300); g = i % 3
//! x1 = ((i*37) % 101) / 10.0; x2 = ((i*53) % 97) / 10.0 - 5 + g*1.5; x3 = ((i*29) % 89) / 20.0 + g
//! y = (((i*7 + g*11) % 10) < 3 + 2*g).astype(int); X = np.c_[x1, x2, x3]
//! LogisticRegression(C=1.0, tol=1e-12, max_iter=100000).fit(X, y[, sample_weight=1 + (i % 4) * 0.5])
//! CorrelationRemover(sensitive_feature_ids=[3, 4], alpha=a).fit_transform(np.c_[X, g == 1, g == 2])
//! ExponentiatedGradient(that LogisticRegression, DemographicParity() | EqualizedOdds(),
//!                       run_linprog_step=False).fit(X, y, sensitive_features=g)
//! ```

use ndarray::Array2;

use crate::fairness::{
    fit_exponentiated_gradient, fit_reject_option, CorrelationRemover, ExponentiatedGradientConfig,
    LogisticModel, ParityConstraint, RejectOptionConfig, RejectOptionMetric,
};

struct Data {
    x: Array2<f64>,
    y: Vec<u8>,
    g: Vec<usize>,
}

fn data() -> Data {
    let n = 300usize;
    let mut x = Array2::zeros((n, 3));
    let (mut y, mut g) = (Vec::new(), Vec::new());
    for i in 0..n {
        let gi = i % 3;
        x[[i, 0]] = ((i * 37) % 101) as f64 / 10.0;
        x[[i, 1]] = ((i * 53) % 97) as f64 / 10.0 - 5.0 + gi as f64 * 1.5;
        x[[i, 2]] = ((i * 29) % 89) as f64 / 20.0 + gi as f64;
        y.push(u8::from((i * 7 + gi * 11) % 10 < 3 + 2 * gi));
        g.push(gi);
    }
    Data { x, y, g }
}

fn close(what: &str, want: f64, got: f64, tol: f64) {
    assert!((want - got).abs() <= tol, "{what}: want {want}, got {got}");
}

#[test]
fn logistic_regression_matches_scikit_learn_with_and_without_weights() {
    let d = data();
    let ones = vec![1.0; 300];
    let m = LogisticModel::fit(d.x.view(), &d.y, &ones, 1.0).unwrap();
    let want = [-0.01655279199998238, 0.06586547005160566, 0.214072104910372];
    for (w, g) in want.iter().zip(&m.coef) {
        close("coef", *w, *g, 1e-8);
    }
    close("intercept", -0.6889130128679326, m.intercept, 1e-8);
    let w: Vec<f64> = (0..300).map(|i| 1.0 + (i % 4) as f64 * 0.5).collect();
    let m = LogisticModel::fit(d.x.view(), &d.y, &w, 1.0).unwrap();
    let want = [
        -0.014482790780355512,
        0.07662007248400816,
        0.22057004333105762,
    ];
    for (w, g) in want.iter().zip(&m.coef) {
        close("weighted coef", *w, *g, 1e-8);
    }
    close("weighted intercept", -0.7543609705591223, m.intercept, 1e-8);
}

fn one_hot(g: &[usize]) -> Array2<f64> {
    Array2::from_shape_fn((g.len(), 2), |(i, j)| f64::from(u8::from(g[i] == j + 1)))
}

#[test]
fn correlation_remover_matches_fairlearn_and_decorrelates() {
    let d = data();
    let s = one_hot(&d.g);
    let want_full = [
        [
            0.030333333333334548,
            -3.4703333333333335,
            0.8628333333333333,
        ],
        [3.666333333333333, 1.7676666666666665, 2.598333333333333],
        [7.403333333333333, -2.5973333333333337, 3.888833333333334],
    ];
    let want_half = [
        [
            0.015166666666667274,
            -4.235166666666666,
            0.43141666666666667,
        ],
        [3.6831666666666667, 1.7838333333333332, 2.524166666666667],
        [7.401666666666667, -1.8486666666666667, 4.394416666666667],
    ];
    for (alpha, want) in [(1.0, want_full), (0.5, want_half)] {
        let cr = CorrelationRemover::fit(d.x.view(), s.view(), alpha).unwrap();
        let out = cr.transform(d.x.view(), s.view()).unwrap();
        for (i, row) in want.iter().enumerate() {
            for (j, w) in row.iter().enumerate() {
                close("filtered", *w, out[[i, j]], 1e-9);
            }
        }
    }
    // Dependent sensitive columns (all three one-hot levels) give the same features.
    let s3 = Array2::from_shape_fn((300, 3), |(i, j)| f64::from(u8::from(d.g[i] == j)));
    let a = CorrelationRemover::fit(d.x.view(), s3.view(), 1.0).unwrap();
    let out = a.transform(d.x.view(), s3.view()).unwrap();
    close("dependent columns", want_full[0][1], out[[0, 1]], 1e-9);
    // Every group has the same mean of every filtered feature.
    for j in 0..3 {
        let mean = |k: usize| {
            let v: Vec<f64> = (0..300)
                .filter(|&i| d.g[i] == k)
                .map(|i| out[[i, j]])
                .collect();
            v.iter().sum::<f64>() / v.len() as f64
        };
        close("group means", mean(0), mean(2), 1e-9);
    }
}

#[test]
fn exponentiated_gradient_matches_fairlearn_without_the_lp_step() {
    let d = data();
    let cases = [
        (
            ParityConstraint::DemographicParity,
            vec![
                0.05555555555555555,
                0.3333333333333333,
                0.05555555555555555,
                0.3888888888888889,
                0.16666666666666666,
                0.0,
                0.0,
            ],
            147.55555555555554,
        ),
        (
            ParityConstraint::EqualizedOdds,
            vec![
                0.0625,
                0.125,
                0.0625,
                0.08333333333333333,
                0.3125,
                0.041666666666666664,
                0.10416666666666667,
                0.0625,
                0.125,
                0.020833333333333332,
            ],
            149.72916666666669,
        ),
    ];
    for (constraint, weights, psum) in cases {
        let config = ExponentiatedGradientConfig {
            constraint,
            run_linprog_step: false,
            ..Default::default()
        };
        let fit = fit_exponentiated_gradient(d.x.view(), &d.y, &d.g, 3, &config).unwrap();
        assert_eq!(
            fit.weights.len(),
            weights.len(),
            "{constraint:?} predictors"
        );
        for (w, g) in weights.iter().zip(&fit.weights) {
            close("weight", *w, *g, 1e-12);
        }
        let p = fit.positive_probability(d.x.view());
        close("sum of P(y=1)", psum, p.iter().sum(), 1e-9);
        assert_eq!(fit.predict(d.x.view(), 7), fit.predict(d.x.view(), 7));
    }
}

#[test]
fn reject_option_meets_its_bound_and_its_rule_is_the_one_measured() {
    let d = data();
    let m = LogisticModel::fit(d.x.view(), &d.y, &[1.0; 300], 1.0).unwrap();
    let score = m.predict_proba(d.x.view());
    let privileged: Vec<bool> = d.g.iter().map(|&g| g == 2).collect();
    for metric in [
        RejectOptionMetric::StatisticalParityDifference,
        RejectOptionMetric::AverageOddsDifference,
        RejectOptionMetric::EqualOpportunityDifference,
    ] {
        let config = RejectOptionConfig {
            metric,
            ..Default::default()
        };
        let fit = fit_reject_option(&score, &d.y, &privileged, &config).unwrap();
        assert!(fit.constraint_satisfied, "{metric:?}");
        assert!(fit.metric_value.abs() <= 0.05);
        // Recompute the chosen point's statistics row by row from the rule.
        let pred = fit.predict(&score, &privileged);
        let rate = |p: bool, y: Option<u8>| {
            let rows: Vec<usize> = (0..300)
                .filter(|&i| privileged[i] == p && y.is_none_or(|y| d.y[i] == y))
                .collect();
            rows.iter().map(|&i| f64::from(pred[i])).sum::<f64>() / rows.len() as f64
        };
        let value = match metric {
            RejectOptionMetric::StatisticalParityDifference => rate(false, None) - rate(true, None),
            RejectOptionMetric::AverageOddsDifference => {
                ((rate(false, Some(0)) - rate(true, Some(0)))
                    + (rate(false, Some(1)) - rate(true, Some(1))))
                    / 2.0
            }
            RejectOptionMetric::EqualOpportunityDifference => {
                rate(false, Some(1)) - rate(true, Some(1))
            }
        };
        close("metric", value, fit.metric_value, 1e-12);
    }
}

#[test]
fn data_bias_reports_representation_label_rates_and_proxies() {
    use crate::fairness::{proxy_association, representation, FeatureValues, GroupIndex};
    let d = data();
    let labels: Vec<String> = d.g.iter().map(|g| format!("g{g}")).collect();
    let groups = GroupIndex::from_labels(&labels).unwrap();
    let rep = representation(&groups, Some(&d.y)).unwrap();
    assert_eq!(rep.len(), 3);
    assert!(rep
        .iter()
        .all(|r| r.count == 100 && (r.share - 1.0 / 3.0).abs() < 1e-15));
    let rate0 = (0..300).filter(|&i| d.g[i] == 0 && d.y[i] == 1).count() as f64 / 100.0;
    close("label rate", rate0, rep[0].label_rate, 1e-15);
    // x3 carries g + noise: a strong numeric proxy; the group code itself is a perfect one.
    let x3: Vec<f64> = d.x.column(2).to_vec();
    let p = proxy_association("x3", FeatureValues::Numeric(&x3), "g", &groups, 0.5).unwrap();
    assert_eq!(p.measure, "correlation_ratio");
    assert!(p.is_proxy && p.value > 0.5 && p.value <= 1.0, "{}", p.value);
    let codes: Vec<u32> = d.g.iter().map(|&g| g as u32).collect();
    let p = proxy_association(
        "copy",
        FeatureValues::Categorical(&codes),
        "g",
        &groups,
        0.5,
    )
    .unwrap();
    close("cramers v of a copy", 1.0, p.value, 1e-12);
    let x1: Vec<f64> = d.x.column(0).to_vec();
    let p = proxy_association("x1", FeatureValues::Numeric(&x1), "g", &groups, 0.5).unwrap();
    assert!(!p.is_proxy, "{}", p.value);
}

/// fairlearn 0.15 with `run_linprog_step=True` (its default) on the same data, from
/// `tests/fixtures/exponentiated_gradient/generate.py` (scipy 1.17 `linprog`, HiGHS dual
/// simplex). Tolerance 1e-9: both LPs land on the same vertex; the difference is the
/// solvers' rounding.
#[test]
fn exponentiated_gradient_with_the_lp_step_matches_fairlearn() {
    let d = data();
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/exponentiated_gradient/expected.json"
    );
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let num = |v: &serde_json::Value| v.as_f64().unwrap();
    let cases = expected["cases"].as_array().unwrap();
    assert!(cases.len() >= 4);
    for case in cases {
        let constraint = match case["constraint"].as_str().unwrap() {
            "demographic_parity" => ParityConstraint::DemographicParity,
            _ => ParityConstraint::EqualizedOdds,
        };
        let eps = num(&case["eps"]);
        let config = ExponentiatedGradientConfig {
            constraint,
            eps,
            ..Default::default()
        };
        assert!(config.run_linprog_step);
        let fit = fit_exponentiated_gradient(d.x.view(), &d.y, &d.g, 3, &config).unwrap();
        let what = format!("{constraint:?} eps={eps}");
        let weights: Vec<f64> = case["weights"]
            .as_array()
            .unwrap()
            .iter()
            .map(num)
            .collect();
        assert_eq!(fit.weights.len(), weights.len(), "{what}: predictors");
        for (w, g) in weights.iter().zip(&fit.weights) {
            close(&format!("{what} weight"), *w, *g, 1e-9);
        }
        close(
            &format!("{what} best gap"),
            num(&case["best_gap"]),
            fit.best_gap,
            1e-9,
        );
        let p = fit.positive_probability(d.x.view());
        for (w, g) in case["positive_probability"]
            .as_array()
            .unwrap()
            .iter()
            .zip(&p)
        {
            close(&format!("{what} P(y=1)"), num(w), *g, 1e-9);
        }
        assert_eq!(
            fit.iterations,
            case["last_iter"].as_u64().unwrap() as usize + 1
        );
    }
}
