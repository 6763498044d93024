//! Data-level bias in the dataset alone: representation and favourable-label rate per
//! group, and features that act as proxies for a sensitive feature.

use std::collections::BTreeMap;

use analysis::{
    fairness::{
        key_label, proxy_association, representation, FeatureValues, GroupIndex,
        GroupRepresentation, ProxyAssociation,
    },
    profile::{ColumnData, MISSING_CODE},
};
use domain::fairness::Finding;
use serde::Serialize;

use super::findings::check;
use super::input::{numbers, Rows};
use crate::error::{ApiError, ApiResult};

/// Thresholds of the data-level checks (with their defaults in [`defaults`]).
pub const METRICS: [&str; 4] = [
    "label_rate_difference",
    "label_rate_ratio",
    "representation_ratio",
    "proxy_association",
];

/// Defaults: |label rate difference| 0.1, label rate ratio 0.8, smallest/largest group
/// share 0.2, association 0.5.
pub fn defaults(t: &BTreeMap<String, f64>) -> [f64; 4] {
    let get = |k: &str, d: f64| t.get(k).copied().unwrap_or(d);
    [
        get(METRICS[0], 0.1),
        get(METRICS[1], 0.8),
        get(METRICS[2], 0.2),
        get(METRICS[3], 0.5),
    ]
}

/// Data-level facts of one sensitive feature.
#[derive(Debug, Serialize)]
pub struct AttributeData {
    /// Groups with share and label rate.
    pub groups: Vec<GroupRepresentation>,
    /// max - min label rate (null without labels).
    pub label_rate_difference: Option<f64>,
    /// min / max label rate (null when undefined).
    pub label_rate_ratio: Option<f64>,
    /// Smallest share / largest share.
    pub representation_ratio: f64,
    /// Association of every other column with this feature.
    pub proxies: Vec<ProxyAssociation>,
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Data-level facts and findings for every sensitive feature.
pub fn assess(
    rows: &Rows,
    t: &BTreeMap<String, f64>,
) -> ApiResult<(BTreeMap<String, AttributeData>, Vec<Finding>)> {
    let [d_diff, d_ratio, d_rep, d_proxy] = defaults(t);
    let err = |e: analysis::fairness::FairnessError| {
        ApiError::unprocessable("invalid_fairness_input", e.to_string())
    };
    let skip: Vec<&str> = rows
        .sensitive
        .iter()
        .map(|(n, _)| n.as_str())
        .chain(rows.bookkeeping.iter().map(String::as_str))
        .collect();
    let mut out = BTreeMap::new();
    let mut findings = Vec::new();
    for (name, levels) in &rows.sensitive {
        let groups = GroupIndex::from_labels(levels).map_err(err)?;
        let reps = representation(&groups, rows.y_true.as_deref()).map_err(err)?;
        let rates: Vec<f64> = reps
            .iter()
            .map(|r| r.label_rate)
            .filter(|r| r.is_finite())
            .collect();
        let (lo, hi) = rates
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &r| {
                (a.min(r), b.max(r))
            });
        let (diff, ratio) = if rates.is_empty() {
            (None, None)
        } else {
            (finite(hi - lo), finite(lo / hi))
        };
        let shares: Vec<f64> = reps.iter().map(|r| r.share).collect();
        let rep_ratio = shares.iter().copied().fold(f64::INFINITY, f64::min)
            / shares.iter().copied().fold(0.0, f64::max);
        let by = |f: fn(&GroupRepresentation) -> f64| -> Vec<String> {
            let lo = reps.iter().min_by(|a, b| f(a).total_cmp(&f(b)));
            let hi = reps.iter().max_by(|a, b| f(a).total_cmp(&f(b)));
            lo.into_iter()
                .chain(hi)
                .map(|r| key_label(&r.key))
                .collect()
        };
        if let Some(d) = diff {
            findings.extend(check(
                "label_rate_difference",
                name,
                d,
                d_diff,
                false,
                by(|r| r.label_rate),
            ));
        }
        if let Some(r) = ratio {
            findings.extend(check(
                "label_rate_ratio",
                name,
                r,
                d_ratio,
                true,
                by(|r| r.label_rate),
            ));
        }
        findings.extend(check(
            "representation_ratio",
            name,
            rep_ratio,
            d_rep,
            true,
            by(|r| r.share),
        ));
        let mut proxies = Vec::new();
        for c in rows
            .table
            .columns
            .iter()
            .filter(|c| !skip.contains(&c.name.as_str()))
        {
            let p = match &c.data {
                ColumnData::Object(s) => {
                    let codes: Vec<u32> = s
                        .codes
                        .iter()
                        .zip(&c.missing)
                        .map(|(&k, &m)| if m { MISSING_CODE } else { k })
                        .collect();
                    proxy_association(
                        &c.name,
                        FeatureValues::Categorical(&codes),
                        name,
                        &groups,
                        d_proxy,
                    )
                }
                _ => {
                    let v = numbers(c);
                    proxy_association(&c.name, FeatureValues::Numeric(&v), name, &groups, d_proxy)
                }
            }
            .map_err(err)?;
            if p.is_proxy {
                findings.push(Finding {
                    metric: "proxy_feature".to_owned(),
                    attribute: name.clone(),
                    severity: super::findings::severity(p.value / d_proxy.max(1e-12)).to_owned(),
                    value: Some(p.value),
                    threshold: d_proxy,
                    affected_groups: vec![p.feature.clone()],
                    evidence: format!(
                        "`{}` is associated with `{name}` ({} = {:.4} >= {d_proxy})",
                        p.feature, p.measure, p.value
                    ),
                });
            }
            proxies.push(p);
        }
        out.insert(
            name.clone(),
            AttributeData {
                groups: reps,
                label_rate_difference: diff,
                label_rate_ratio: ratio,
                representation_ratio: rep_ratio,
                proxies,
            },
        );
    }
    Ok((out, findings))
}
