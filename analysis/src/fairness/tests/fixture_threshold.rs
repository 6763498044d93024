//! `by_attribute.<attr>.threshold_optimizer`.

use serde_json::Value;

use super::checker::Checker;
use super::fixture::Fixture;
use super::mt19937::Mt19937;
use crate::fairness::{
    fit_threshold_optimizer, CurveMetric, Operator, Predictions, ThresholdOperation,
    ThresholdOptimizerConfig,
};

/// README tolerances: x_best and thresholds 1e-12; p0/p1 and expected rates 1e-9.
const GRID_TOL: f64 = 1e-12;
const PROB_TOL: f64 = 1e-9;

fn metric(name: &str) -> CurveMetric {
    match name {
        "demographic_parity" | "selection_rate" => CurveMetric::SelectionRate,
        "true_positive_rate_parity" | "true_positive_rate" => CurveMetric::TruePositiveRate,
        "false_positive_rate_parity" => CurveMetric::FalsePositiveRate,
        "true_negative_rate_parity" | "true_negative_rate" => CurveMetric::TrueNegativeRate,
        "false_negative_rate_parity" => CurveMetric::FalseNegativeRate,
        "accuracy_score" => CurveMetric::AccuracyScore,
        "balanced_accuracy_score" => CurveMetric::BalancedAccuracyScore,
        other => panic!("unsupported ThresholdOptimizer setting {other}"),
    }
}

fn check_op(c: &mut Checker, what: &str, op: &ThresholdOperation, exp: &Value) {
    let operator = match op.operator {
        Operator::Greater => ">",
        Operator::Less => "<",
    };
    if exp["operator"].as_str() != Some(operator) {
        c.fail(format!(
            "{what}.operator: got {operator}, expected {}",
            exp["operator"]
        ));
    }
    c.close(
        "threshold",
        &format!("{what}.threshold"),
        op.threshold,
        &exp["threshold"],
        GRID_TOL,
    );
}

#[test]
fn threshold_optimizer_matches_fixture() {
    let fx = Fixture::load();
    let mut c = Checker::default();
    for attr in fx.attribute_names() {
        let exp = &fx.expected["by_attribute"][&attr]["threshold_optimizer"];
        if exp.is_null() {
            continue;
        }
        let s = &exp["settings"];
        let config = ThresholdOptimizerConfig {
            constraint: metric(s["constraints"].as_str().unwrap()),
            objective: metric(s["objective"].as_str().unwrap()),
            grid_size: s["grid_size"].as_u64().unwrap() as usize,
            flip: s["flip"].as_bool().unwrap(),
        };
        assert!(s["tol"].is_null(), "only tol=None is implemented");
        let groups = fx.groups_for(&attr);
        let fit = fit_threshold_optimizer(&fx.y_true, &fx.score, &groups, &config).unwrap();
        c.close(
            "grid",
            &format!("{attr}.x_best"),
            fit.x_best,
            &exp["target_selection_rate_x_best"],
            GRID_TOL,
        );
        c.close(
            "prob",
            &format!("{attr}.y_best"),
            fit.y_best,
            &exp["objective_best_y_best"],
            PROB_TOL,
        );

        let outcomes = fit.evaluate(&fx.y_true, &fx.score, &groups).unwrap();
        let probs = fit.positive_probabilities(&fx.score, &groups).unwrap();
        // One numpy RandomState(seed).rand(n) draw over all rows in file order.
        let seed = s["predict_random_state"].as_u64().unwrap_or(0) as u32;
        let mut mt = Mt19937::new(seed);
        let realized: Vec<u8> = probs
            .iter()
            .map(|&p| u8::from(p >= mt.next_f64()))
            .collect();
        let k = groups.n_groups();
        let mut tally = vec![[0.0f64; 3]; k + 1];
        for (i, &g) in groups.codes().iter().enumerate() {
            for slot in [g as usize, k] {
                tally[slot][0] += f64::from(realized[i]);
                tally[slot][1] += f64::from(u8::from(realized[i] == fx.y_true[i]));
                tally[slot][2] += 1.0;
            }
        }
        let frame = crate::fairness::metric_frame(
            &crate::fairness::ConfusionTable::build(
                &Predictions::new(&fx.y_true, &fx.y_pred),
                &groups,
            )
            .unwrap(),
        );
        let mut realized_sr = Vec::new();
        for (level, e) in exp["groups"].as_object().unwrap() {
            let g = groups.position(&[level]).unwrap();
            let rule = fit
                .groups
                .iter()
                .find(|r| r.key == [level.clone()])
                .unwrap();
            let out = outcomes.iter().find(|o| o.key == [level.clone()]).unwrap();
            let t = tally[g];
            realized_sr.push(t[0] / t[2]);
            for (key, v) in e.as_object().unwrap() {
                let what = format!("{attr}.to.{level}.{key}");
                match key.as_str() {
                    "p0" => c.close("prob", &what, rule.p0, v, PROB_TOL),
                    "p1" => c.close("prob", &what, rule.p1, v, PROB_TOL),
                    "operation0" => check_op(&mut c, &what, &rule.operation0, v),
                    "operation1" => check_op(&mut c, &what, &rule.operation1, v),
                    "count" => c.count(&what, rule.count, v),
                    "expected_selection_rate" => {
                        c.close("prob", &what, out.expected_selection_rate, v, PROB_TOL)
                    }
                    "expected_accuracy" => {
                        c.close("prob", &what, out.expected_accuracy, v, PROB_TOL)
                    }
                    "realized_selection_rate_random_state_0" => {
                        c.close("realized", &what, t[0] / t[2], v, GRID_TOL)
                    }
                    "realized_accuracy_random_state_0" => {
                        c.close("realized", &what, t[1] / t[2], v, GRID_TOL)
                    }
                    "pre_mitigation_selection_rate" => c.close(
                        "rate",
                        &what,
                        frame.by_group[g].rates.selection_rate,
                        v,
                        GRID_TOL,
                    ),
                    _ => c.fail(format!("{what}: unhandled expected key")),
                }
            }
        }
        let overall = outcomes.last().unwrap();
        assert!(overall.key.is_empty());
        let t = tally[k];
        let (lo, hi) = realized_sr
            .iter()
            .fold((f64::MAX, f64::MIN), |(l, h), &v| (l.min(v), h.max(v)));
        for (key, v) in exp.as_object().unwrap() {
            let what = format!("{attr}.to.{key}");
            match key.as_str() {
                "settings"
                | "groups"
                | "target_selection_rate_x_best"
                | "objective_best_y_best" => {}
                "overall_expected_selection_rate" => {
                    c.close("prob", &what, overall.expected_selection_rate, v, PROB_TOL)
                }
                "overall_expected_accuracy" => {
                    c.close("prob", &what, overall.expected_accuracy, v, PROB_TOL)
                }
                "overall_realized_selection_rate_random_state_0" => {
                    c.close("realized", &what, t[0] / t[2], v, GRID_TOL)
                }
                "overall_realized_accuracy_random_state_0" => {
                    c.close("realized", &what, t[1] / t[2], v, GRID_TOL)
                }
                "realized_demographic_parity_difference_random_state_0" => {
                    c.close("realized", &what, hi - lo, v, GRID_TOL)
                }
                _ => c.fail(format!("{what}: unhandled expected key ({v})")),
            }
        }
    }
    c.finish("threshold_optimizer");
}
