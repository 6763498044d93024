//! Scalar disparities: fairlearn's between-groups aggregates and AIF360's
//! privileged-vs-unprivileged differences, computed from per-group confusion cells.
//!
//! Everything here is a function of `&[Confusion]` only, so the bootstrap can evaluate it
//! per replicate without touching rows.

use serde::{Deserialize, Serialize};

use super::confusion::Confusion;
use super::frame::nan_min_max;
use super::json_float;
use super::theil::{between_group_theil_index, theil_index};

/// Names of the scalar disparities, used to label bootstrap intervals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disparity {
    /// max_g SR_g - min_g SR_g (fairlearn).
    DemographicParityDifference,
    /// min_g SR_g / max_g SR_g (fairlearn); also the min/max disparate impact ratio.
    DemographicParityRatio,
    /// max(TPR difference, FPR difference) (fairlearn, worst case).
    EqualizedOddsDifference,
    /// min(TPR ratio, FPR ratio) (fairlearn, worst case).
    EqualizedOddsRatio,
    /// TPR max - min (fairlearn).
    EqualOpportunityDifference,
    /// TPR min / max (fairlearn).
    EqualOpportunityRatio,
    /// Theil index over all rows (AIF360).
    TheilIndex,
    /// Between-group Theil index with one group per level (AIF360).
    BetweenGroupsTheilIndex,
    /// SR_u - SR_p (AIF360).
    StatisticalParityDifference,
    /// SR_u / SR_p (AIF360).
    DisparateImpact,
    /// TPR_u - TPR_p (AIF360 `equal_opportunity_difference`).
    PrivilegedEqualOpportunityDifference,
    /// ((FPR_u - FPR_p) + (TPR_u - TPR_p)) / 2 (AIF360).
    AverageOddsDifference,
    /// (|FPR_u - FPR_p| + |TPR_u - TPR_p|) / 2 (AIF360).
    AverageAbsOddsDifference,
    /// Between-group Theil index of privileged vs unprivileged (AIF360).
    PrivilegedBetweenGroupTheilIndex,
}

impl Disparity {
    /// Disparities defined without a privileged group.
    pub const GROUP: [Disparity; 8] = [
        Disparity::DemographicParityDifference,
        Disparity::DemographicParityRatio,
        Disparity::EqualizedOddsDifference,
        Disparity::EqualizedOddsRatio,
        Disparity::EqualOpportunityDifference,
        Disparity::EqualOpportunityRatio,
        Disparity::TheilIndex,
        Disparity::BetweenGroupsTheilIndex,
    ];
    /// Disparities that compare an unprivileged set of rows with a privileged group.
    pub const PRIVILEGED: [Disparity; 6] = [
        Disparity::StatisticalParityDifference,
        Disparity::DisparateImpact,
        Disparity::PrivilegedEqualOpportunityDifference,
        Disparity::AverageOddsDifference,
        Disparity::AverageAbsOddsDifference,
        Disparity::PrivilegedBetweenGroupTheilIndex,
    ];
}

/// AIF360 comparison of an unprivileged set of rows (u) with a privileged one (p). Plain
/// IEEE division as in AIF360: an empty denominator gives NaN or +-inf.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PairDisparity {
    /// SR_u - SR_p.
    #[serde(with = "json_float")]
    pub statistical_parity_difference: f64,
    /// SR_u / SR_p.
    #[serde(with = "json_float")]
    pub disparate_impact: f64,
    /// TPR_u - TPR_p.
    #[serde(with = "json_float")]
    pub equal_opportunity_difference: f64,
    /// ((FPR_u - FPR_p) + (TPR_u - TPR_p)) / 2.
    #[serde(with = "json_float")]
    pub average_odds_difference: f64,
    /// (|FPR_u - FPR_p| + |TPR_u - TPR_p|) / 2.
    #[serde(with = "json_float")]
    pub average_abs_odds_difference: f64,
    /// Between-group Theil index over the two sets of rows.
    #[serde(with = "json_float")]
    pub between_group_theil_index: f64,
}

/// AIF360 rates (no zero-division rescue): selection rate, TPR, FPR.
pub(crate) fn aif_rates(c: &Confusion) -> (f64, f64, f64) {
    (
        (c.tp + c.fp) / c.total(),
        c.tp / (c.tp + c.fn_),
        c.fp / (c.fp + c.tn),
    )
}

impl PairDisparity {
    /// Compares `unprivileged` with `privileged`.
    pub fn between(privileged: &Confusion, unprivileged: &Confusion) -> Self {
        let (sr_p, tpr_p, fpr_p) = aif_rates(privileged);
        let (sr_u, tpr_u, fpr_u) = aif_rates(unprivileged);
        Self {
            statistical_parity_difference: sr_u - sr_p,
            disparate_impact: sr_u / sr_p,
            equal_opportunity_difference: tpr_u - tpr_p,
            average_odds_difference: ((fpr_u - fpr_p) + (tpr_u - tpr_p)) / 2.0,
            average_abs_odds_difference: ((fpr_u - fpr_p).abs() + (tpr_u - tpr_p).abs()) / 2.0,
            between_group_theil_index: between_group_theil_index([privileged, unprivileged]),
        }
    }
}

/// Python's `max([a, b])`: keeps `a` unless `b > a` (so a NaN in front wins), which is what
/// fairlearn's `max(eo.difference())` does.
fn py_max2(a: f64, b: f64) -> f64 {
    if b > a {
        b
    } else {
        a
    }
}

/// Python's `min([a, b])`: keeps `a` unless `b < a`.
fn py_min2(a: f64, b: f64) -> f64 {
    if b < a {
        b
    } else {
        a
    }
}

/// All scalar disparities of one grouping.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Disparities {
    /// See [`Disparity::DemographicParityDifference`].
    #[serde(with = "json_float")]
    pub demographic_parity_difference: f64,
    /// See [`Disparity::DemographicParityRatio`].
    #[serde(with = "json_float")]
    pub demographic_parity_ratio: f64,
    /// See [`Disparity::EqualizedOddsDifference`].
    #[serde(with = "json_float")]
    pub equalized_odds_difference: f64,
    /// See [`Disparity::EqualizedOddsRatio`].
    #[serde(with = "json_float")]
    pub equalized_odds_ratio: f64,
    /// See [`Disparity::EqualOpportunityDifference`].
    #[serde(with = "json_float")]
    pub equal_opportunity_difference: f64,
    /// See [`Disparity::EqualOpportunityRatio`].
    #[serde(with = "json_float")]
    pub equal_opportunity_ratio: f64,
    /// See [`Disparity::TheilIndex`].
    #[serde(with = "json_float")]
    pub theil_index: f64,
    /// See [`Disparity::BetweenGroupsTheilIndex`].
    #[serde(with = "json_float")]
    pub between_groups_theil_index: f64,
    /// Privileged group (code) vs all other rows, when a privileged group was named.
    pub privileged: Option<PairDisparity>,
}

impl Disparities {
    /// Computes every disparity. Groups without rows are left out of the between-groups
    /// aggregates (fairlearn only sees groups that occur); `privileged` is a group code.
    pub fn compute(groups: &[Confusion], privileged: Option<usize>) -> Self {
        let present = || groups.iter().filter(|g| g.rows > 0);
        let (sr_lo, sr_hi) = nan_min_max(present().map(Confusion::selection_rate));
        let (tpr_lo, tpr_hi) = nan_min_max(present().map(Confusion::tpr));
        let (fpr_lo, fpr_hi) = nan_min_max(present().map(Confusion::fpr));
        let overall = groups.iter().fold(Confusion::default(), |a, g| a.add(g));
        let privileged = privileged.and_then(|p| {
            let unprivileged = groups
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != p)
                .fold(Confusion::default(), |a, (_, g)| a.add(g));
            groups
                .get(p)
                .map(|priv_cells| PairDisparity::between(priv_cells, &unprivileged))
        });
        Self {
            demographic_parity_difference: sr_hi - sr_lo,
            demographic_parity_ratio: sr_lo / sr_hi,
            equalized_odds_difference: py_max2(tpr_hi - tpr_lo, fpr_hi - fpr_lo),
            equalized_odds_ratio: py_min2(tpr_lo / tpr_hi, fpr_lo / fpr_hi),
            equal_opportunity_difference: tpr_hi - tpr_lo,
            equal_opportunity_ratio: tpr_lo / tpr_hi,
            theil_index: theil_index(&overall),
            between_groups_theil_index: between_group_theil_index(present()),
            privileged,
        }
    }

    /// Value of one disparity; `None` for a privileged disparity without a privileged group.
    pub fn get(&self, d: Disparity) -> Option<f64> {
        use Disparity as D;
        let p = self.privileged.as_ref();
        Some(match d {
            D::DemographicParityDifference => self.demographic_parity_difference,
            D::DemographicParityRatio => self.demographic_parity_ratio,
            D::EqualizedOddsDifference => self.equalized_odds_difference,
            D::EqualizedOddsRatio => self.equalized_odds_ratio,
            D::EqualOpportunityDifference => self.equal_opportunity_difference,
            D::EqualOpportunityRatio => self.equal_opportunity_ratio,
            D::TheilIndex => self.theil_index,
            D::BetweenGroupsTheilIndex => self.between_groups_theil_index,
            D::StatisticalParityDifference => p?.statistical_parity_difference,
            D::DisparateImpact => p?.disparate_impact,
            D::PrivilegedEqualOpportunityDifference => p?.equal_opportunity_difference,
            D::AverageOddsDifference => p?.average_odds_difference,
            D::AverageAbsOddsDifference => p?.average_abs_odds_difference,
            D::PrivilegedBetweenGroupTheilIndex => p?.between_group_theil_index,
        })
    }

    /// The disparities that are defined here, in declaration order.
    pub fn available(&self) -> Vec<Disparity> {
        let mut out = Disparity::GROUP.to_vec();
        if self.privileged.is_some() {
            out.extend(Disparity::PRIVILEGED);
        }
        out
    }
}
