//! AIF360-style privileged vs unprivileged comparison: the privileged group against all
//! other rows, and against each other group alone.

use serde::{Deserialize, Serialize};

use super::confusion::{Confusion, ConfusionTable};
use super::disparity::{aif_rates, PairDisparity};
use super::error::{FairnessError, Result};
use super::json_float;

/// One group compared with the privileged group (that group alone as "unprivileged").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupVsPrivileged {
    /// Key of the compared group.
    pub key: Vec<String>,
    /// Its disparities against the privileged group.
    pub disparity: PairDisparity,
}

/// Privileged group vs every other row (AIF360 `ClassificationMetric` conventions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrivilegedComparison {
    /// Key of the privileged group.
    pub privileged: Vec<String>,
    /// SR_p.
    #[serde(with = "json_float")]
    pub privileged_selection_rate: f64,
    /// SR_u.
    #[serde(with = "json_float")]
    pub unprivileged_selection_rate: f64,
    /// TPR_p.
    #[serde(with = "json_float")]
    pub privileged_tpr: f64,
    /// TPR_u.
    #[serde(with = "json_float")]
    pub unprivileged_tpr: f64,
    /// FPR_p.
    #[serde(with = "json_float")]
    pub privileged_fpr: f64,
    /// FPR_u.
    #[serde(with = "json_float")]
    pub unprivileged_fpr: f64,
    /// Differences and ratios of the unprivileged rows against the privileged group.
    pub disparity: PairDisparity,
    /// Each non-privileged group with rows, alone against the privileged group.
    pub per_group: Vec<GroupVsPrivileged>,
}

/// Compares group `privileged` (a group code of `table`) with the rest.
pub fn privileged_comparison(
    table: &ConfusionTable,
    privileged: usize,
) -> Result<PrivilegedComparison> {
    let p = table
        .groups
        .get(privileged)
        .ok_or_else(|| FairnessError::InvalidParameter {
            name: "privileged",
            reason: format!("group code {privileged} out of range"),
        })?;
    let others = || {
        table
            .groups
            .iter()
            .zip(&table.keys)
            .enumerate()
            .filter(move |&(i, _)| i != privileged)
            .map(|(_, pair)| pair)
    };
    let u = others().fold(Confusion::default(), |acc, (g, _)| acc.add(g));
    let (sr_p, tpr_p, fpr_p) = aif_rates(p);
    let (sr_u, tpr_u, fpr_u) = aif_rates(&u);
    let per_group = others()
        .filter(|(g, _)| g.rows > 0)
        .map(|(g, key)| GroupVsPrivileged {
            key: key.clone(),
            disparity: PairDisparity::between(p, g),
        })
        .collect();
    Ok(PrivilegedComparison {
        privileged: table.keys[privileged].clone(),
        privileged_selection_rate: sr_p,
        unprivileged_selection_rate: sr_u,
        privileged_tpr: tpr_p,
        unprivileged_tpr: tpr_u,
        privileged_fpr: fpr_p,
        unprivileged_fpr: fpr_u,
        disparity: PairDisparity::between(p, &u),
        per_group,
    })
}
