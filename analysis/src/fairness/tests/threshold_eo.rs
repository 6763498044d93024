//! ThresholdOptimizer with equalized odds against fairlearn 0.15 on the public fixture
//! (figures computed once with the score column wrapped as `predict_proba`); on any other
//! set, the properties the rule must have.

use super::fixture::Fixture;
use crate::fairness::{fit_equalized_odds, CurveMetric};

/// fairlearn's rule per attribute: x_best, y_best, sum of P(y=1) over all rows, and per
/// group (p_ignore, p0, threshold0, threshold1).
type Want = (
    &'static str,
    f64,
    f64,
    f64,
    &'static [(&'static str, f64, f64, f64, f64)],
);

const PUBLIC: [Want; 2] = [
    (
        "sex",
        0.225,
        0.7283609444920499,
        923.6626487670192,
        &[
            (
                "Female",
                0.0,
                0.039814814814814845,
                0.563008,
                0.41605899999999996,
            ),
            (
                "Male",
                0.0003034543432435513,
                0.35729166666666673,
                0.532446,
                0.4834575,
            ),
        ],
    ),
    (
        "race",
        0.333,
        0.8009617579908677,
        1106.3520142694065,
        &[
            ("Asian", 0.038410571715102364, 0.96104, 0.441396, 0.2216515),
            (
                "Black",
                0.08977136627303924,
                0.25531249999999944,
                0.33178799999999997,
                0.2814685,
            ),
            ("Hispanic", 0.0, 0.00458333333333283, 0.4333445, 0.3668445),
            (
                "White",
                0.0866703559258923,
                0.8031166666666665,
                0.3873985,
                0.309171,
            ),
        ],
    ),
];

fn close(what: &str, want: f64, got: f64, tol: f64) {
    assert!((want - got).abs() <= tol, "{what}: want {want}, got {got}");
}

#[test]
fn equalized_odds_rule_matches_fairlearn() {
    let fx = Fixture::load();
    let public = fx.expected["meta"]["seed"].as_u64() == Some(20240611);
    for attr in fx.attribute_names() {
        let groups = fx.groups_for(&attr);
        let fit = fit_equalized_odds(
            &fx.y_true,
            &fx.score,
            &groups,
            CurveMetric::AccuracyScore,
            1000,
            false,
        )
        .unwrap();
        let p = fit.positive_probabilities(&fx.score, &groups).unwrap();
        // Every group lands on the common (FPR, TPR) point in expectation.
        for (code, key) in groups.keys().iter().enumerate() {
            let rows: Vec<usize> = (0..p.len())
                .filter(|&i| groups.codes()[i] as usize == code)
                .collect();
            let rate = |y: u8| {
                let r: Vec<&usize> = rows.iter().filter(|&&i| fx.y_true[i] == y).collect();
                r.iter().map(|&&i| p[i]).sum::<f64>() / r.len() as f64
            };
            close(&format!("{key:?} fpr"), fit.x_best, rate(0), 1e-9);
            close(&format!("{key:?} tpr"), fit.y_best, rate(1), 1e-9);
        }
        if !public {
            continue;
        }
        let (_, x, y, sum, rules) = PUBLIC.iter().find(|w| w.0 == attr).unwrap();
        close("x_best", *x, fit.x_best, 1e-12);
        close("y_best", *y, fit.y_best, 1e-9);
        close("sum P", *sum, p.iter().sum(), 1e-6);
        for (level, p_ignore, p0, t0, t1) in rules.iter() {
            let r = fit
                .groups
                .iter()
                .find(|g| g.key == [level.to_string()])
                .unwrap();
            close("p_ignore", *p_ignore, r.p_ignore, 1e-9);
            close("p0", *p0, r.p0, 1e-9);
            close("t0", *t0, r.operation0.threshold, 1e-12);
            close("t1", *t1, r.operation1.threshold, 1e-12);
        }
    }
}
