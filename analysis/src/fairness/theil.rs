//! Theil index (AIF360 `theil_index`, generalized entropy with alpha = 1) from confusion
//! cells.
//!
//! With benefit b_i = y_pred_i - y_true_i + 1, a row's benefit is 0 for a false negative,
//! 1 for a true positive or true negative and 2 for a false positive, so the index only
//! depends on the (weighted) cell totals: no per-row pass and no `ln` per row. With sample
//! weights the means become weighted means (AIF360 itself ignores instance weights here).

use super::confusion::Confusion;

/// Sum of benefits of a group: 1 per TP/TN, 2 per FP, 0 per FN.
fn benefit_sum(c: &Confusion) -> f64 {
    c.tp + c.tn + 2.0 * c.fp
}

/// T = (1/n) * sum_i (b_i/mu) ln(b_i/mu), terms with b_i = 0 counted as 0.
///
/// NaN when the group is empty or every benefit is 0 (AIF360 then divides 0 by 0).
pub fn theil_index(c: &Confusion) -> f64 {
    let n = c.total();
    let mu = benefit_sum(c) / n;
    if mu.is_nan() || mu <= 0.0 {
        return f64::NAN;
    }
    let ones = c.tp + c.tn;
    let per_one = (1.0 / mu).ln() / mu;
    let per_two = 2.0 * (2.0 / mu).ln() / mu;
    (ones * per_one + c.fp * per_two) / n
}

/// Between-group Theil index: every b_i is replaced by the mean benefit of its group, then
/// the Theil formula is applied (AIF360 `between_all_groups_theil_index`, or
/// `between_group_theil_index` when the groups are privileged / unprivileged).
pub fn between_group_theil_index<'a>(groups: impl IntoIterator<Item = &'a Confusion>) -> f64 {
    let groups: Vec<&Confusion> = groups.into_iter().collect();
    let total: f64 = groups.iter().map(|g| g.total()).sum();
    let mu = groups.iter().map(|g| benefit_sum(g)).sum::<f64>() / total;
    if mu.is_nan() || mu <= 0.0 {
        return f64::NAN;
    }
    let mut acc = 0.0;
    for g in groups {
        let w = g.total();
        if w > 0.0 {
            let rel = benefit_sum(g) / w / mu;
            if rel > 0.0 {
                acc += w * rel * rel.ln();
            }
        }
    }
    acc / total
}
