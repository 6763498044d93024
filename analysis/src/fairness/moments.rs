//! fairlearn's `DemographicParity` and `EqualizedOdds` moments (difference bound, ratio 1)
//! and the error-rate objective, as the exponentiated-gradient reduction uses them.
//!
//! Constraint index: `"+"` rows for every (event, group), then `"-"` rows in the same
//! order (pandas `concat(keys=["+", "-"])`). Events: one `all` event for demographic
//! parity; `label=0`, `label=1` for equalized odds.

use serde::{Deserialize, Serialize};

/// Which parity constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParityConstraint {
    /// Equal selection rate across groups.
    DemographicParity,
    /// Equal TPR and FPR across groups.
    EqualizedOdds,
}

/// Data-bound moment: events and groups of every row.
pub(crate) struct Moment {
    /// Event code of every row.
    event: Vec<usize>,
    /// Group code of every row.
    group: Vec<usize>,
    n_events: usize,
    n_groups: usize,
    /// Rows per event / n.
    prob_event: Vec<f64>,
    /// Rows per (event, group) / n.
    prob_group_event: Vec<f64>,
    /// Labels.
    y: Vec<u8>,
    /// fairlearn's default difference bound.
    pub bound: f64,
}

impl Moment {
    pub(crate) fn new(kind: ParityConstraint, y: &[u8], group: &[usize], n_groups: usize) -> Self {
        let n = y.len() as f64;
        let (event, n_events): (Vec<usize>, usize) = match kind {
            ParityConstraint::DemographicParity => (vec![0; y.len()], 1),
            ParityConstraint::EqualizedOdds => (y.iter().map(|&v| usize::from(v)).collect(), 2),
        };
        let mut prob_event = vec![0.0; n_events];
        let mut prob_group_event = vec![0.0; n_events * n_groups];
        for (&e, &g) in event.iter().zip(group) {
            prob_event[e] += 1.0 / n;
            prob_group_event[e * n_groups + g] += 1.0 / n;
        }
        Self {
            event,
            group: group.to_vec(),
            n_events,
            n_groups,
            prob_event,
            prob_group_event,
            y: y.to_vec(),
            bound: 0.01,
        }
    }

    /// Number of constraints (`2 * cells`).
    pub(crate) fn len(&self) -> usize {
        2 * self.n_events * self.n_groups
    }

    /// Constraint values of predictions `h`: `+` = E[h | e, g] - E[h | e], `-` its negation.
    /// Cells without rows are absent in pandas; they get 0 here and no weight.
    #[allow(clippy::needless_range_loop)]
    pub(crate) fn gamma(&self, h: &[u8]) -> Vec<f64> {
        let cells = self.n_events * self.n_groups;
        let mut sum_e = vec![0.0; self.n_events];
        let mut cnt_e = vec![0.0; self.n_events];
        let mut sum_c = vec![0.0; cells];
        let mut cnt_c = vec![0.0; cells];
        for i in 0..h.len() {
            let (e, c) = (self.event[i], self.event[i] * self.n_groups + self.group[i]);
            let v = f64::from(h[i]);
            sum_e[e] += v;
            cnt_e[e] += 1.0;
            sum_c[c] += v;
            cnt_c[c] += 1.0;
        }
        let mut out = vec![0.0; 2 * cells];
        for c in 0..cells {
            if cnt_c[c] == 0.0 {
                continue;
            }
            let e = c / self.n_groups;
            let diff = sum_c[c] / cnt_c[c] - sum_e[e] / cnt_e[e];
            out[c] = diff;
            out[cells + c] = -diff;
        }
        out
    }

    /// Per-row signed weights of the constraint part of the Lagrangian.
    pub(crate) fn signed_weights(&self, lambda: &[f64]) -> Vec<f64> {
        let cells = self.n_events * self.n_groups;
        let mut lambda_event = vec![0.0; self.n_events];
        for c in 0..cells {
            if self.prob_group_event[c] > 0.0 {
                lambda_event[c / self.n_groups] += lambda[c] - lambda[cells + c];
            }
        }
        let adjust: Vec<f64> = (0..cells)
            .map(|c| {
                let e = c / self.n_groups;
                let pge = self.prob_group_event[c];
                if pge > 0.0 {
                    lambda_event[e] / self.prob_event[e] - (lambda[c] - lambda[cells + c]) / pge
                } else {
                    0.0
                }
            })
            .collect();
        (0..self.y.len())
            .map(|i| adjust[self.event[i] * self.n_groups + self.group[i]])
            .collect()
    }

    /// fairlearn `project_lambda` (ratio 1): per event, shift the signed multipliers by the
    /// probability-weighted median, then split into positive and negative parts. It gives
    /// the same or a higher Lagrangian for every classifier.
    pub(crate) fn project_lambda(&self, lambda: &[f64]) -> Vec<f64> {
        let cells = self.n_events * self.n_groups;
        let mut out = vec![0.0; 2 * cells];
        for e in 0..self.n_events {
            let present: Vec<usize> = (e * self.n_groups..(e + 1) * self.n_groups)
                .filter(|&c| self.prob_group_event[c] > 0.0)
                .collect();
            let signed: Vec<f64> = present
                .iter()
                .map(|&c| lambda[c] - lambda[cells + c])
                .collect();
            let prob: Vec<f64> = present
                .iter()
                .map(|&c| self.prob_group_event[c] / self.prob_event[e])
                .collect();
            let normalized: Vec<f64> = signed.iter().zip(&prob).map(|(s, p)| s / p).collect();
            let mut order: Vec<usize> = (0..present.len()).collect();
            order.sort_by(|&a, &b| normalized[a].total_cmp(&normalized[b]));
            let half = prob.iter().sum::<f64>() / 2.0;
            let mut cumulative = 0.0;
            // numpy searchsorted (side left) on the cumulative probabilities.
            let mut median = order.len().saturating_sub(1);
            for (k, &o) in order.iter().enumerate() {
                cumulative += prob[o];
                if cumulative >= half {
                    median = k;
                    break;
                }
            }
            let Some(&m) = order.get(median) else {
                continue;
            };
            let shift = normalized[m];
            for (k, &c) in present.iter().enumerate() {
                let v = signed[k] - prob[k] * shift;
                out[c] = v.max(0.0);
                out[cells + c] = (-v).max(0.0);
            }
        }
        out
    }

    /// Error rate of predictions `h`.
    pub(crate) fn error(&self, h: &[u8]) -> f64 {
        h.iter().zip(&self.y).filter(|(a, b)| a != b).count() as f64 / self.y.len() as f64
    }

    /// Signed weights of the error objective: `2y - 1`.
    pub(crate) fn objective_weights(&self) -> Vec<f64> {
        self.y.iter().map(|&v| 2.0 * f64::from(v) - 1.0).collect()
    }
}
