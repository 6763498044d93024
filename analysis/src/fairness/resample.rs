//! One bootstrap replicate drawn from per-cell counts (the scheme is explained in
//! `bootstrap.rs`): multinomial cell counts by conditional binomials, then, only for
//! cells whose rows have unequal weights, a within-cell draw of that many weights.

use rand::distributions::{Distribution, Uniform};
use rand_chacha::ChaCha8Rng;

use super::binomial;
use super::confusion::{Confusion, ConfusionTable, Predictions};
use super::group::GroupIndex;

/// Sample weights of one (group, cell): all equal (no within-cell draw needed) or not.
enum CellWeights {
    Constant(f64),
    Varying(Vec<f64>),
}

/// Per-cell row counts and weights, in cell order `4 * group + cell`.
pub(crate) struct Resampler {
    counts: Vec<u64>,
    weights: Vec<CellWeights>,
    n: u64,
}

impl Resampler {
    /// Per-cell counts from `table`; weights are grouped by cell only when given.
    pub(crate) fn new(data: &Predictions<'_>, groups: &GroupIndex, table: &ConfusionTable) -> Self {
        let counts: Vec<u64> = table.counts.iter().flat_map(|c| c.as_array()).collect();
        let n = counts.iter().sum();
        let weights = match data.sample_weight {
            None => counts.iter().map(|_| CellWeights::Constant(1.0)).collect(),
            Some(w) => {
                let mut per_cell: Vec<Vec<f64>> = counts
                    .iter()
                    .map(|&c| Vec::with_capacity(c as usize))
                    .collect();
                let rows = data
                    .y_true
                    .iter()
                    .zip(data.y_pred)
                    .zip(groups.codes())
                    .zip(w);
                for (((&t, &p), &g), &w) in rows {
                    per_cell[4 * g as usize + usize::from(2 * t + p)].push(w);
                }
                per_cell
                    .into_iter()
                    .map(|ws| match ws.first() {
                        Some(&w0) if ws.iter().any(|&w| w != w0) => CellWeights::Varying(ws),
                        Some(&w0) => CellWeights::Constant(w0),
                        None => CellWeights::Constant(0.0),
                    })
                    .collect()
            }
        };
        Self { counts, weights, n }
    }

    /// One resample's per-group confusion cells.
    pub(crate) fn replicate(&self, rng: &mut ChaCha8Rng, out: &mut [Confusion]) {
        let mut rows_left = self.n;
        let mut mass_left = self.n;
        for (g, slot) in out.iter_mut().enumerate() {
            let mut cells = [0.0f64; 4];
            let mut rows = 0;
            for (cell, value) in cells.iter_mut().enumerate() {
                let k = 4 * g + cell;
                let c = self.counts[k];
                if c == 0 {
                    continue;
                }
                // Conditional binomial step of the multinomial: the last non-empty cell
                // takes what is left (p = 1).
                let m = binomial::sample(rng, rows_left, c as f64 / mass_left as f64);
                rows_left -= m;
                mass_left -= c;
                rows += m;
                *value = match &self.weights[k] {
                    CellWeights::Constant(w) => m as f64 * w,
                    CellWeights::Varying(ws) => draw_sum(rng, ws, m),
                };
            }
            *slot = Confusion::from_cells(rows, cells);
        }
    }
}

/// Sum of `m` weights drawn uniformly with replacement from `ws` (non-empty).
fn draw_sum(rng: &mut ChaCha8Rng, ws: &[f64], m: u64) -> f64 {
    let mut sum = 0.0;
    if let Ok(len) = u32::try_from(ws.len()) {
        // 32-bit draws: ChaCha emits 32-bit words, so this halves the generator cost.
        let pick = Uniform::new(0, len);
        for _ in 0..m {
            sum += ws[pick.sample(rng) as usize];
        }
    } else {
        let pick = Uniform::new(0, ws.len());
        for _ in 0..m {
            sum += ws[pick.sample(rng)];
        }
    }
    sum
}
