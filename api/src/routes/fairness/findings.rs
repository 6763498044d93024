//! Bias findings: each metric compared with its threshold, a severity from how far it
//! is past it, the groups concerned and the evidence; plus recommendations.

use std::collections::BTreeMap;

use analysis::fairness::key_label;
use domain::fairness::Finding;

use super::metrics::GroupingMetrics;
use crate::error::{ApiError, ApiResult};

/// Default limit of every |difference| metric.
pub const DIFFERENCE: f64 = 0.1;
/// Default lower limit of every ratio metric (the four-fifths rule).
pub const RATIO: f64 = 0.8;

/// Metrics a threshold may be set for; differences are compared by absolute value, ratios
/// from below.
pub const METRICS: [(&str, bool); 9] = [
    ("demographic_parity_difference", false),
    ("demographic_parity_ratio", true),
    ("equalized_odds_difference", false),
    ("equalized_odds_ratio", true),
    ("equal_opportunity_difference", false),
    ("statistical_parity_difference", false),
    ("disparate_impact", true),
    ("average_odds_difference", false),
    ("four_fifths", true),
];

/// Thresholds in force: the defaults overridden by the request.
pub fn thresholds(given: &BTreeMap<String, f64>) -> ApiResult<BTreeMap<String, f64>> {
    let mut out: BTreeMap<String, f64> = METRICS
        .iter()
        .map(|(m, ratio)| ((*m).to_owned(), if *ratio { RATIO } else { DIFFERENCE }))
        .collect();
    for (k, v) in given {
        if !out.contains_key(k) && !super::data_bias::METRICS.contains(&k.as_str()) {
            return Err(ApiError::unprocessable(
                "unknown_threshold",
                format!(
                    "no threshold named `{k}`; known: {}",
                    METRICS
                        .iter()
                        .map(|m| m.0)
                        .chain(super::data_bias::METRICS)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        if !(v.is_finite() && *v >= 0.0) {
            return Err(ApiError::unprocessable(
                "invalid_threshold",
                format!("threshold `{k}` must be a finite number >= 0"),
            ));
        }
        out.insert(k.clone(), *v);
    }
    Ok(out)
}

/// `low` .. `critical` from how far past its threshold a value is (1 = at the threshold).
pub fn severity(excess: f64) -> &'static str {
    if excess <= 1.5 {
        "low"
    } else if excess <= 2.0 {
        "medium"
    } else if excess <= 3.0 {
        "high"
    } else {
        "critical"
    }
}

/// A finding when `value` is past `threshold`.
pub fn check(
    metric: &str,
    attribute: &str,
    value: f64,
    threshold: f64,
    ratio: bool,
    affected: Vec<String>,
) -> Option<Finding> {
    if !value.is_finite() {
        return None;
    }
    let (past, excess, rule) = if ratio {
        let gap = (1.0 - threshold).max(1e-12);
        (
            value < threshold,
            (1.0 - value) / gap,
            format!("below {threshold}"),
        )
    } else {
        (
            value.abs() > threshold,
            value.abs() / threshold.max(1e-12),
            format!("|value| above {threshold}"),
        )
    };
    past.then(|| Finding {
        metric: metric.to_owned(),
        attribute: attribute.to_owned(),
        severity: severity(excess).to_owned(),
        value: Some(value),
        threshold,
        affected_groups: affected.clone(),
        evidence: format!(
            "{metric} over {attribute} is {value:.4} ({rule}); groups: {}",
            affected.join("; ")
        ),
    })
}

/// Groups with the smallest and largest value of a rate.
fn extremes(g: &GroupingMetrics, rate: impl Fn(&analysis::fairness::Rates) -> f64) -> Vec<String> {
    let present: Vec<_> = g
        .report
        .frame
        .by_group
        .iter()
        .filter(|m| m.count > 0)
        .collect();
    let lo = present
        .iter()
        .min_by(|a, b| rate(&a.rates).total_cmp(&rate(&b.rates)));
    let hi = present
        .iter()
        .max_by(|a, b| rate(&a.rates).total_cmp(&rate(&b.rates)));
    lo.into_iter()
        .chain(hi)
        .map(|m| key_label(&m.key))
        .collect()
}

/// Findings of one grouping.
pub fn model_findings(g: &GroupingMetrics, t: &BTreeMap<String, f64>) -> Vec<Finding> {
    let attr = g.attributes.join(" x ");
    let d = &g.report.disparities;
    let th = |m: &str| t.get(m).copied().unwrap_or(DIFFERENCE);
    let sr = extremes(g, |r| r.selection_rate);
    let tpr = extremes(g, |r| r.tpr);
    let mut out = vec![
        check(
            "demographic_parity_difference",
            &attr,
            d.demographic_parity_difference,
            th("demographic_parity_difference"),
            false,
            sr.clone(),
        ),
        check(
            "demographic_parity_ratio",
            &attr,
            d.demographic_parity_ratio,
            th("demographic_parity_ratio"),
            true,
            sr,
        ),
        check(
            "equalized_odds_difference",
            &attr,
            d.equalized_odds_difference,
            th("equalized_odds_difference"),
            false,
            tpr.clone(),
        ),
        check(
            "equalized_odds_ratio",
            &attr,
            d.equalized_odds_ratio,
            th("equalized_odds_ratio"),
            true,
            tpr.clone(),
        ),
        check(
            "equal_opportunity_difference",
            &attr,
            d.equal_opportunity_difference,
            th("equal_opportunity_difference"),
            false,
            tpr,
        ),
    ];
    let failing: Vec<String> = g
        .report
        .four_fifths
        .groups
        .iter()
        .filter(|r| !r.passes)
        .map(|r| key_label(&r.key))
        .collect();
    out.push(check(
        "four_fifths",
        &attr,
        g.report.four_fifths.min_impact_ratio,
        th("four_fifths"),
        true,
        failing,
    ));
    if let Some(p) = &g.report.privileged {
        let pair = vec![
            format!("privileged: {}", key_label(&p.privileged)),
            "unprivileged: all other rows".to_owned(),
        ];
        let pd = &p.disparity;
        out.push(check(
            "statistical_parity_difference",
            &attr,
            pd.statistical_parity_difference,
            th("statistical_parity_difference"),
            false,
            pair.clone(),
        ));
        out.push(check(
            "disparate_impact",
            &attr,
            pd.disparate_impact,
            th("disparate_impact"),
            true,
            pair.clone(),
        ));
        out.push(check(
            "average_odds_difference",
            &attr,
            pd.average_odds_difference,
            th("average_odds_difference"),
            false,
            pair,
        ));
    }
    out.into_iter().flatten().collect()
}

/// Recommendations for a set of findings and warnings.
pub fn recommendations(findings: &[Finding], small_groups: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let has = |p: &str| findings.iter().any(|f| f.metric.starts_with(p));
    if has("demographic_parity")
        || has("four_fifths")
        || has("statistical_parity")
        || has("disparate_impact")
    {
        out.push("Selection rates differ across groups: try reweighing (pre-processing) or a ThresholdOptimizer with demographic_parity (post-processing), and measure the accuracy cost with /api/v1/bias/mitigation.".to_owned());
    }
    if has("equalized_odds") || has("equal_opportunity") || has("average_odds") {
        out.push("Error rates differ across groups: try a ThresholdOptimizer with equalized_odds or true_positive_rate_parity, or ExponentiatedGradient with equalized_odds.".to_owned());
    }
    if has("label_rate") || has("representation") {
        out.push("The training data is imbalanced across groups: reweigh it (AIF360 Reweighing) or collect more data for the under-represented groups.".to_owned());
    }
    if has("proxy") {
        let proxies: Vec<&str> = findings
            .iter()
            .filter(|f| f.metric == "proxy_feature")
            .flat_map(|f| f.affected_groups.iter().map(String::as_str))
            .collect();
        out.push(format!(
            "Features strongly associated with a sensitive feature can act as proxies ({}): review them, drop them or apply CorrelationRemover.",
            proxies.join(", ")
        ));
    }
    if !small_groups.is_empty() {
        out.push(format!(
            "Some groups are too small to judge ({}): collect more data before drawing conclusions about them.",
            small_groups.join("; ")
        ));
    }
    if out.is_empty() {
        out.push(
            "No metric crossed its threshold; keep monitoring as the data changes.".to_owned(),
        );
    }
    out
}
