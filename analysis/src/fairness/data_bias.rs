//! Data-level bias in a dataset alone (no model): representation and favourable-label
//! rate per group, and proxy features strongly associated with a sensitive feature
//! (Cramér's V for categorical features, the correlation ratio eta for numeric ones).

use serde::{Deserialize, Serialize};

use super::error::{FairnessError, Result};
use super::group::GroupIndex;
use super::json_float;
use crate::profile::correlation::cramers_v;

/// One group's share of the rows and its favourable-label rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRepresentation {
    /// Group key.
    pub key: Vec<String>,
    /// Rows in the group.
    pub count: u64,
    /// `count / n`.
    #[serde(with = "json_float")]
    pub share: f64,
    /// Mean of the 0/1 label in the group (NaN when no label was given).
    #[serde(with = "json_float")]
    pub label_rate: f64,
}

/// Representation and label rate of every group, in group order.
pub fn representation(groups: &GroupIndex, y: Option<&[u8]>) -> Result<Vec<GroupRepresentation>> {
    let n = groups.n_rows();
    if n == 0 {
        return Err(FairnessError::Empty);
    }
    if let Some(y) = y.filter(|y| y.len() != n) {
        return Err(FairnessError::LengthMismatch {
            what: "labels",
            expected: n,
            got: y.len(),
        });
    }
    let mut counts = vec![0u64; groups.n_groups()];
    let mut positives = vec![0u64; groups.n_groups()];
    for (i, &g) in groups.codes().iter().enumerate() {
        counts[g as usize] += 1;
        if let Some(y) = y {
            positives[g as usize] += u64::from(y[i] == 1);
        }
    }
    Ok(groups
        .keys()
        .iter()
        .zip(counts.iter().zip(&positives))
        .map(|(key, (&c, &p))| GroupRepresentation {
            key: key.clone(),
            count: c,
            share: c as f64 / n as f64,
            label_rate: if y.is_some() {
                p as f64 / c as f64
            } else {
                f64::NAN
            },
        })
        .collect())
}

/// A candidate proxy's values: numbers (NaN = missing) or category codes
/// ([`crate::profile::MISSING_CODE`] = missing).
#[derive(Debug, Clone, Copy)]
pub enum FeatureValues<'a> {
    /// Numeric column.
    Numeric(&'a [f64]),
    /// Categorical column as codes.
    Categorical(&'a [u32]),
}

/// How strongly a feature is associated with a sensitive feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProxyAssociation {
    /// Feature name.
    pub feature: String,
    /// Sensitive feature name.
    pub sensitive_feature: String,
    /// `cramers_v` or `correlation_ratio`.
    pub measure: String,
    /// Value in [0, 1] (NaN when undefined, e.g. a constant column).
    #[serde(with = "json_float")]
    pub value: f64,
    /// `value >= threshold`.
    pub is_proxy: bool,
}

/// Correlation ratio eta = sqrt(SS_between / SS_total) of numeric `values` over the
/// categories `codes`, on rows where the value is finite; NaN when undefined.
pub fn correlation_ratio(codes: &[u32], values: &[f64]) -> f64 {
    let k = codes.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
    let mut sum = vec![0.0; k];
    let mut cnt = vec![0.0; k];
    let (mut total, mut n) = (0.0, 0.0);
    for (&c, &v) in codes.iter().zip(values) {
        if v.is_finite() {
            sum[c as usize] += v;
            cnt[c as usize] += 1.0;
            total += v;
            n += 1.0;
        }
    }
    if n == 0.0 {
        return f64::NAN;
    }
    let mean = total / n;
    let ss_total: f64 = values
        .iter()
        .filter(|v| v.is_finite())
        .map(|v| (v - mean) * (v - mean))
        .sum();
    let ss_between: f64 = sum
        .iter()
        .zip(&cnt)
        .filter(|(_, &c)| c > 0.0)
        .map(|(s, c)| c * (s / c - mean) * (s / c - mean))
        .sum();
    if ss_total == 0.0 {
        return f64::NAN;
    }
    (ss_between / ss_total).sqrt().min(1.0)
}

/// Association of one feature with a sensitive grouping.
pub fn proxy_association(
    feature: &str,
    values: FeatureValues<'_>,
    sensitive_feature: &str,
    sensitive: &GroupIndex,
    threshold: f64,
) -> Result<ProxyAssociation> {
    let n = sensitive.n_rows();
    let (measure, value) = match values {
        FeatureValues::Numeric(v) if v.len() == n => {
            ("correlation_ratio", correlation_ratio(sensitive.codes(), v))
        }
        FeatureValues::Categorical(c) if c.len() == n => {
            ("cramers_v", cramers_v(sensitive.codes(), c))
        }
        FeatureValues::Numeric(v) => return Err(mismatch(n, v.len())),
        FeatureValues::Categorical(c) => return Err(mismatch(n, c.len())),
    };
    Ok(ProxyAssociation {
        feature: feature.to_owned(),
        sensitive_feature: sensitive_feature.to_owned(),
        measure: measure.to_owned(),
        value,
        is_proxy: value >= threshold,
    })
}

fn mismatch(expected: usize, got: usize) -> FairnessError {
    FairnessError::LengthMismatch {
        what: "feature",
        expected,
        got,
    }
}
