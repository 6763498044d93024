//! Comparisons of report parts with fixture objects; every expected key must be handled.

use serde_json::Value;

use super::checker::Checker;
use crate::fairness::{FairnessReport, GroupMetrics, PairDisparity, Rates, Reweighing};

/// README: rates, differences, ratios, weights and Theil indices all at abs 1e-12.
pub const TOL: f64 = 1e-12;

fn rate_of(r: &Rates, name: &str) -> Option<f64> {
    Some(match name {
        "selection_rate" => r.selection_rate,
        "tpr" => r.tpr,
        "fpr" => r.fpr,
        "fnr" => r.fnr,
        "tnr" => r.tnr,
        "precision" => r.precision,
        "accuracy" => r.accuracy,
        _ => return None,
    })
}

pub fn check_group(c: &mut Checker, ctx: &str, g: &GroupMetrics, exp: &Value) {
    for (k, v) in exp.as_object().unwrap() {
        let what = format!("{ctx}.{k}");
        match k.as_str() {
            "key" => {}
            "count" => c.count(&what, g.count, v),
            "tp" => c.count(&what, g.counts.tp, v),
            "fp" => c.count(&what, g.counts.fp, v),
            "tn" => c.count(&what, g.counts.tn, v),
            "fn" => c.count(&what, g.counts.fn_, v),
            "base_rate" => c.close("rate", &what, g.base_rate, v, TOL),
            "theil_index" | "theil_index_within_group" => {
                c.close("theil", &what, g.theil_index, v, TOL)
            }
            other => match rate_of(&g.rates, other) {
                Some(a) => c.close("rate", &what, a, v, TOL),
                None => c.fail(format!("{what}: unhandled expected key")),
            },
        }
    }
}

/// Keys shared by `by_attribute.<attr>` and `intersectional`.
pub fn check_aggregates(c: &mut Checker, ctx: &str, r: &FairnessReport, exp: &Value) {
    let d = &r.disparities;
    for (k, v) in exp.as_object().unwrap() {
        let what = format!("{ctx}.{k}");
        let scalar = match k.as_str() {
            "demographic_parity_difference" => Some(d.demographic_parity_difference),
            "demographic_parity_ratio" => Some(d.demographic_parity_ratio),
            "equalized_odds_difference" => Some(d.equalized_odds_difference),
            "equalized_odds_ratio" => Some(d.equalized_odds_ratio),
            "equal_opportunity_difference" => Some(d.equal_opportunity_difference),
            "equal_opportunity_ratio" => Some(d.equal_opportunity_ratio),
            "between_all_groups_theil_index" => Some(d.between_groups_theil_index),
            "disparate_impact_min_max_ratio" => {
                c.close(
                    "rate",
                    &format!("{what} (four-fifths)"),
                    r.four_fifths.min_impact_ratio,
                    v,
                    TOL,
                );
                Some(d.demographic_parity_ratio)
            }
            _ => None,
        };
        match (k.as_str(), scalar) {
            (_, Some(a)) => c.close("rate", &what, a, v, TOL),
            ("metric_difference_between_groups" | "metric_ratio_between_groups", _) => {
                let rates = if k.contains("difference") {
                    &r.frame.difference
                } else {
                    &r.frame.ratio
                };
                for (m, ev) in v.as_object().unwrap() {
                    match rate_of(rates, m) {
                        Some(a) => c.close("rate", &format!("{what}.{m}"), a, ev, TOL),
                        None => c.fail(format!("{what}.{m}: unhandled metric")),
                    }
                }
            }
            (
                "groups"
                | "privileged_vs_unprivileged"
                | "reweighing"
                | "threshold_optimizer"
                | "attributes",
                _,
            ) => {}
            _ => c.fail(format!("{what}: unhandled expected key")),
        }
    }
}

pub fn check_pair(c: &mut Checker, ctx: &str, p: &PairDisparity, exp: &Value) {
    for (k, v) in exp.as_object().unwrap() {
        let a = match k.as_str() {
            "statistical_parity_difference" => p.statistical_parity_difference,
            "disparate_impact" => p.disparate_impact,
            "equal_opportunity_difference" => p.equal_opportunity_difference,
            "average_odds_difference" => p.average_odds_difference,
            "average_abs_odds_difference" => p.average_abs_odds_difference,
            "between_group_theil_index" => p.between_group_theil_index,
            _ => continue,
        };
        c.close(
            if k.contains("theil") { "theil" } else { "rate" },
            &format!("{ctx}.{k}"),
            a,
            v,
            TOL,
        );
    }
}

/// Reweighing cells, matched by (key, label) and required in the same order.
pub fn check_reweighing(
    c: &mut Checker,
    ctx: &str,
    rw: &Reweighing,
    exp: &Value,
    key_of: &dyn Fn(&Value) -> Vec<String>,
) {
    let exp = exp.as_array().unwrap();
    if exp.len() != rw.cells.len() {
        c.fail(format!(
            "{ctx}: {} cells, expected {}",
            rw.cells.len(),
            exp.len()
        ));
    }
    for (i, e) in exp.iter().enumerate() {
        let (key, label) = (key_of(e), e["label"].as_u64().unwrap());
        let Some(pos) = rw
            .cells
            .iter()
            .position(|x| x.key == key && u64::from(x.label) == label)
        else {
            c.fail(format!("{ctx}: no cell {key:?}/{label}"));
            continue;
        };
        if pos != i {
            c.fail(format!(
                "{ctx}: cell {key:?}/{label} at {pos}, expected {i}"
            ));
        }
        let cell = &rw.cells[pos];
        let what = format!("{ctx}[{key:?},{label}]");
        for (name, a) in [
            ("n_group", cell.n_group),
            ("n_label", cell.n_label),
            ("n_cell", cell.n_cell),
        ] {
            c.count(&format!("{what}.{name}"), a as u64, &e[name]);
        }
        c.close(
            "weight",
            &format!("{what}.weight"),
            cell.weight,
            &e["weight"],
            TOL,
        );
    }
}
