//! Kamiran & Calders reweighing (AIF360 `Reweighing`): per (group, label) cell the weight
//! P(group) P(label) / P(group, label) that makes label and group independent.

use serde::{Deserialize, Serialize};

use super::confusion::{Confusion, ConfusionTable};
use super::error::{FairnessError, Result};
use super::group::GroupIndex;
use super::json_float;

/// Reweighing weight of one (group, label) cell. Sizes are row counts, or sums of the
/// input sample weights when the table is weighted (AIF360 sums instance weights).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReweighingCell {
    /// Group key (`["privileged"]` / `["unprivileged"]` in the two-group variant).
    pub key: Vec<String>,
    /// Label value (0 or 1).
    pub label: u8,
    /// Size of the group.
    #[serde(with = "json_float")]
    pub n_group: f64,
    /// Size of the label over all rows.
    #[serde(with = "json_float")]
    pub n_label: f64,
    /// Size of the (group, label) cell.
    #[serde(with = "json_float")]
    pub n_cell: f64,
    /// n_group * n_label / (n * n_cell); +inf (or NaN) for an empty cell, which no row uses.
    #[serde(with = "json_float")]
    pub weight: f64,
}

/// Reweighing weights for every (group, label) cell, ordered by group then label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reweighing {
    /// Cells `2 * group + label`.
    pub cells: Vec<ReweighingCell>,
}

/// Label sizes (label 0, label 1) of a group.
fn label_sizes(c: &Confusion) -> [f64; 2] {
    [c.tn + c.fp, c.tp + c.fn_]
}

/// Builds the cells for groups given as (key, cells) pairs.
fn cells_for<'a>(groups: impl Iterator<Item = (Vec<String>, &'a Confusion)> + Clone) -> Reweighing {
    let mut totals = [0.0f64; 2];
    for (_, c) in groups.clone() {
        let s = label_sizes(c);
        totals[0] += s[0];
        totals[1] += s[1];
    }
    let n = totals[0] + totals[1];
    let mut cells = Vec::new();
    for (key, c) in groups {
        let sizes = label_sizes(c);
        let n_group = sizes[0] + sizes[1];
        for label in 0..2u8 {
            let (n_label, n_cell) = (totals[usize::from(label)], sizes[usize::from(label)]);
            cells.push(ReweighingCell {
                key: key.clone(),
                label,
                n_group,
                n_label,
                n_cell,
                // Products first: for counts they are exact integers, so the one rounding is
                // the division, as with Python's int arithmetic.
                weight: (n_group * n_label) / (n * n_cell),
            });
        }
    }
    Reweighing { cells }
}

/// One cell pair per group of the table.
pub fn reweighing(table: &ConfusionTable) -> Reweighing {
    cells_for(table.keys.iter().cloned().zip(table.groups.iter()))
}

/// Two groups: the privileged group and all other rows (AIF360 `Reweighing.fit`'s
/// w_p_fav, w_p_unfav, w_up_fav, w_up_unfav).
pub fn reweighing_privileged(table: &ConfusionTable, privileged: usize) -> Result<Reweighing> {
    let p = table
        .groups
        .get(privileged)
        .ok_or_else(|| FairnessError::InvalidParameter {
            name: "privileged",
            reason: format!("group code {privileged} out of range"),
        })?;
    let u = table
        .groups
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != privileged)
        .fold(Confusion::default(), |a, (_, g)| a.add(g));
    let pairs = [
        (vec!["privileged".to_owned()], p),
        (vec!["unprivileged".to_owned()], &u),
    ];
    Ok(cells_for(pairs.into_iter()))
}

impl Reweighing {
    /// Per-row weights for training a mitigated model, from this table's cells
    /// (group-level reweighing built with [`reweighing`] on the same `groups`).
    pub fn row_weights(&self, y_true: &[u8], groups: &GroupIndex) -> Result<Vec<f64>> {
        if y_true.len() != groups.n_rows() {
            return Err(FairnessError::LengthMismatch {
                what: "groups",
                expected: y_true.len(),
                got: groups.n_rows(),
            });
        }
        if self.cells.len() != 2 * groups.n_groups() {
            return Err(FairnessError::InvalidParameter {
                name: "groups",
                reason: "grouping differs from the one the weights were built on".into(),
            });
        }
        y_true
            .iter()
            .zip(groups.codes())
            .enumerate()
            .map(|(row, (&t, &g))| {
                if t > 1 {
                    return Err(FairnessError::NonBinary {
                        what: "y_true",
                        row,
                        value: t,
                    });
                }
                Ok(self.cells[2 * g as usize + usize::from(t)].weight)
            })
            .collect()
    }
}
