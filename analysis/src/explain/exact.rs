//! Exact interventional Shapley values by enumerating all 2^M coalitions.
//!
//! v(S) = sum_b w_b f(x_S, b_notS) (features in S from the explained row, the rest from
//! background row b) and phi_j = sum_{S not containing j} |S|! (M-|S|-1)! / M! (v(S+j) - v(S)),
//! the quantity `shap.explainers.Exact` computes with an `Independent` masker. Every
//! coalition is evaluated once and reused by all M features, so the cost is 2^M * n_background
//! model rows per explained row.

use ndarray::ArrayView2;

use super::background::Background;
use super::coalition::{background_mean, CoalitionGame, DEFAULT_MAX_BATCH_ROWS};
use super::error::{ExplainError, Result};
use super::output::RowExplanation;
use super::parallel::{default_threads, map_rows};
use super::predictor::Predictor;

/// Largest feature count accepted: 2^20 coalitions already mean a million batches of rows.
pub const MAX_EXACT_FEATURES: usize = 20;

/// Tuning knobs shared by the sampling-free explainers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExactOptions {
    /// Rows per model call (coalitions are stacked up to this size).
    pub max_batch_rows: usize,
    /// Worker threads; explained rows are split between them.
    pub threads: usize,
}

impl Default for ExactOptions {
    fn default() -> Self {
        Self {
            max_batch_rows: DEFAULT_MAX_BATCH_ROWS,
            threads: default_threads(),
        }
    }
}

/// Exact interventional Shapley explainer.
pub struct ExactExplainer<'a, P: ?Sized> {
    model: &'a P,
    background: &'a Background,
    options: ExactOptions,
    base_value: f64,
}

impl<'a, P: Predictor + ?Sized> ExactExplainer<'a, P> {
    /// Builds the explainer; evaluates the model on the background once for the base value.
    pub fn new(model: &'a P, background: &'a Background, options: ExactOptions) -> Result<Self> {
        let m = background.n_features();
        if m > MAX_EXACT_FEATURES {
            return Err(ExplainError::TooManyFeatures {
                features: m,
                max: MAX_EXACT_FEATURES,
            });
        }
        let base_value = background_mean(model, background)?;
        Ok(Self {
            model,
            background,
            options,
            base_value,
        })
    }

    /// E[f(background)], the value of the empty coalition.
    pub fn base_value(&self) -> f64 {
        self.base_value
    }

    /// Explains every row of `rows` (`[n, n_features]`).
    pub fn explain(&self, rows: ArrayView2<f64>) -> Result<Vec<RowExplanation>> {
        self.background.check_features(rows.ncols())?;
        map_rows(rows.nrows(), self.options.threads, |i| {
            self.explain_row(rows.row(i))
        })
    }

    fn explain_row(&self, x: ndarray::ArrayView1<f64>) -> Result<RowExplanation> {
        let game = CoalitionGame::new(self.model, self.background, x, self.options.max_batch_rows)?;
        let m = game.n_features();
        let n_masks = 1usize << m;
        // Bit j of the coalition index says whether feature j comes from x.
        let v = game.values_with(n_masks, |k, mask| {
            for (j, b) in mask.iter_mut().enumerate() {
                *b = (k >> j) & 1 == 1;
            }
        })?;
        let values = shapley_from_values(m, &v);
        Ok(RowExplanation::new(self.base_value, values, game.output()?))
    }
}

/// Shapley weights |S|! (M-|S|-1)! / M! for |S| = 0..M-1, as 1 / (M * C(M-1, |S|)).
pub(crate) fn shapley_weights(m: usize) -> Vec<f64> {
    let mut binom = 1.0_f64;
    (0..m)
        .map(|s| {
            if s > 0 {
                // C(M-1, s) = C(M-1, s-1) * (M-s) / s, exact in f64 for M <= 60.
                binom = binom * (m - s) as f64 / s as f64;
            }
            1.0 / (m as f64 * binom)
        })
        .collect()
}

/// phi_j from a full table of coalition values indexed by bitmask.
pub(crate) fn shapley_from_values(m: usize, v: &[f64]) -> Vec<f64> {
    let weights = shapley_weights(m);
    let mut phi = vec![0.0; m];
    for (s, vs) in v.iter().enumerate() {
        let w = weights.get(s.count_ones() as usize).copied().unwrap_or(0.0);
        for (j, p) in phi.iter_mut().enumerate() {
            if s & (1 << j) == 0 {
                *p += w * (v[s | (1 << j)] - vs);
            }
        }
    }
    phi
}
