//! Every metric of one request: per sensitive feature, and over the intersection of the
//! sensitive features (up to three), with seeded bootstrap intervals when asked.

use analysis::fairness::{
    bootstrap_disparities, fairness_report, BootstrapConfig, FairnessReport, GroupIndex,
    Predictions, ReportOptions,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::input::Rows;
use crate::error::{ApiError, ApiResult};

/// Most sensitive features crossed into intersectional groups.
pub const MAX_INTERSECTION: usize = 3;

/// Bootstrap settings.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BootstrapOptions {
    /// Replicates (default 1000, at most 10000).
    pub replicates: Option<usize>,
    /// Seed (default 0): the same seed gives the same intervals.
    pub seed: Option<u64>,
    /// Confidence level (default 0.95).
    pub confidence: Option<f64>,
}

/// What to compute.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct MetricOptions {
    /// Bootstrap intervals for every disparity (none when absent).
    pub bootstrap: Option<BootstrapOptions>,
    /// Groups with fewer rows get a warning (default 30).
    pub min_group_size: Option<u64>,
    /// Also the intersection of the sensitive features (default true when 2 or 3).
    pub intersectional: Option<bool>,
}

/// A disparity that could not be computed, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Undefined {
    /// Metric name.
    pub metric: String,
    /// Why it is undefined.
    pub reason: String,
}

/// Metrics of one grouping.
#[derive(Debug, Clone, Serialize)]
pub struct GroupingMetrics {
    /// Sensitive features of the grouping.
    pub attributes: Vec<String>,
    /// Point metrics (MetricFrame, disparities, four-fifths, AIF360 comparisons,
    /// reweighing, warnings).
    #[serde(flatten)]
    pub report: FairnessReport,
    /// Bootstrap intervals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bootstrap: Option<analysis::fairness::BootstrapResult>,
    /// Metrics reported as null, with the reason.
    pub undefined: Vec<Undefined>,
}

/// Metrics of a request.
#[derive(Debug, Clone, Serialize)]
pub struct AllMetrics {
    /// Per sensitive feature, in request order.
    pub by_attribute: serde_json::Map<String, serde_json::Value>,
    /// Over the intersection of the sensitive features.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intersectional: Option<serde_json::Value>,
}

fn fairness_err(e: analysis::fairness::FairnessError) -> ApiError {
    ApiError::unprocessable("invalid_fairness_input", e.to_string())
}

/// Why each null disparity is null.
fn undefined(report: &FairnessReport) -> Vec<Undefined> {
    let d = serde_json::to_value(report.disparities).unwrap_or_default();
    let reason = |m: &str| -> &'static str {
        if m.contains("ratio") || m == "disparate_impact" {
            "0/0: the largest (or the privileged group's) rate is 0, e.g. a group with zero positives"
        } else if m.contains("opportunity") || m.contains("odds") {
            "a group has no positive (or no negative) labels, so its TPR (or FPR) is 0/0"
        } else {
            "no rows to compare"
        }
    };
    d.as_object()
        .map(|o| {
            o.iter()
                .filter(|(_, v)| v.is_null())
                .map(|(k, _)| Undefined {
                    metric: k.clone(),
                    reason: reason(k).to_owned(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Computes one grouping.
pub fn grouping(
    rows: &Rows,
    attributes: &[String],
    options: &MetricOptions,
) -> ApiResult<GroupingMetrics> {
    let (Some(y_true), Some(y_pred)) = (&rows.y_true, &rows.y_pred) else {
        return Err(ApiError::unprocessable(
            "labels_required",
            "group metrics need a label column and predictions",
        ));
    };
    let cols: Vec<&[String]> = attributes
        .iter()
        .filter_map(|a| rows.sensitive.iter().find(|(n, _)| n == a))
        .map(|(_, v)| v.as_slice())
        .collect();
    let groups = GroupIndex::from_attributes(&cols).map_err(fairness_err)?;
    let privileged: Option<Vec<String>> = attributes
        .iter()
        .map(|a| rows_privileged(rows, a))
        .collect();
    let mut data = Predictions::new(y_true, y_pred);
    if let Some(w) = &rows.weights {
        data = data.with_weights(w);
    }
    let opts = ReportOptions {
        privileged: privileged.clone(),
        min_group_size: options.min_group_size.unwrap_or(30),
        ..Default::default()
    };
    let report = fairness_report(&data, &groups, &opts).map_err(fairness_err)?;
    let bootstrap = options
        .bootstrap
        .map(|b| {
            let replicates = b.replicates.unwrap_or(1000);
            if !(1..=10_000).contains(&replicates) {
                return Err(ApiError::unprocessable(
                    "invalid_bootstrap",
                    "replicates must be 1 to 10000",
                ));
            }
            let config = BootstrapConfig {
                replicates,
                seed: b.seed.unwrap_or(0),
                confidence: b.confidence.unwrap_or(0.95),
                min_group_size: opts.min_group_size,
                ..Default::default()
            };
            let p = privileged
                .as_ref()
                .map(|k| groups.require(k))
                .transpose()
                .map_err(fairness_err)?;
            bootstrap_disparities(&data, &groups, p, &config).map_err(fairness_err)
        })
        .transpose()?;
    Ok(GroupingMetrics {
        attributes: attributes.to_vec(),
        undefined: undefined(&report),
        report,
        bootstrap,
    })
}

fn rows_privileged(rows: &Rows, attribute: &str) -> Option<String> {
    rows.privileged.get(attribute).cloned()
}

/// Every grouping of a request.
pub fn all(rows: &Rows, options: &MetricOptions) -> ApiResult<(AllMetrics, Vec<GroupingMetrics>)> {
    let names: Vec<String> = rows.sensitive.iter().map(|(n, _)| n.clone()).collect();
    let mut computed = Vec::new();
    for name in &names {
        computed.push(grouping(rows, std::slice::from_ref(name), options)?);
    }
    let want_cross = options.intersectional.unwrap_or(names.len() > 1);
    if want_cross && names.len() > MAX_INTERSECTION {
        return Err(ApiError::unprocessable(
            "too_many_intersection_features",
            format!("intersections cross at most {MAX_INTERSECTION} sensitive features"),
        ));
    }
    let cross = (want_cross && names.len() > 1)
        .then(|| grouping(rows, &names, options))
        .transpose()?;
    let mut by_attribute = serde_json::Map::new();
    for g in &computed {
        by_attribute.insert(
            g.attributes[0].clone(),
            serde_json::to_value(g).map_err(ApiError::internal)?,
        );
    }
    let intersectional = cross
        .as_ref()
        .map(serde_json::to_value)
        .transpose()
        .map_err(ApiError::internal)?;
    computed.extend(cross);
    Ok((
        AllMetrics {
            by_attribute,
            intersectional,
        },
        computed,
    ))
}
