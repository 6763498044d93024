//! Permutation Shapley values with antithetic sampling, as shap's `PermutationExplainer`.
//!
//! Each random permutation of the varying features is walked forward (adding features one
//! at a time, from all-background to all-x) and backward (removing them in the same order),
//! i.e. the permutation and its reverse. Marginal contributions along a walk telescope to
//! `v(all) - v(none)`, so values are exactly additive for any number of permutations, and
//! they converge to exact Shapley values. Coalitions repeated across permutations are
//! evaluated once.

use std::collections::HashMap;

use ndarray::{ArrayView1, ArrayView2};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::background::Background;
use super::coalition::{background_mean, CoalitionGame, DEFAULT_MAX_BATCH_ROWS};
use super::error::{invalid, Result};
use super::output::RowExplanation;
use super::parallel::{default_threads, map_rows};
use super::predictor::Predictor;

/// Permutation explainer settings (defaults = shap's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PermutationOptions {
    /// Model evaluation budget per row (shap default 500): `max_evals / (2 M + 1)`
    /// antithetic permutations are used, M = number of varying features.
    pub max_evals: usize,
    /// Seed of the per-row ChaCha8 streams.
    pub seed: u64,
    /// Rows per model call.
    pub max_batch_rows: usize,
    /// Worker threads (explained rows are split between them).
    pub threads: usize,
}

impl Default for PermutationOptions {
    fn default() -> Self {
        Self {
            max_evals: 500,
            seed: 0,
            max_batch_rows: DEFAULT_MAX_BATCH_ROWS,
            threads: default_threads(),
        }
    }
}

/// Antithetic permutation Shapley explainer.
pub struct PermutationExplainer<'a, P: ?Sized> {
    model: &'a P,
    background: &'a Background,
    options: PermutationOptions,
    base_value: f64,
}

impl<'a, P: Predictor + ?Sized> PermutationExplainer<'a, P> {
    /// Builds the explainer; `E f` over the background is computed once.
    pub fn new(
        model: &'a P,
        background: &'a Background,
        options: PermutationOptions,
    ) -> Result<Self> {
        let base_value = background_mean(model, background)?;
        Ok(Self {
            model,
            background,
            options,
            base_value,
        })
    }

    /// E[f(background)].
    pub fn base_value(&self) -> f64 {
        self.base_value
    }

    /// Explains every row; row i uses ChaCha8 stream i of the seed.
    pub fn explain(&self, rows: ArrayView2<f64>) -> Result<Vec<RowExplanation>> {
        self.background.check_features(rows.ncols())?;
        map_rows(rows.nrows(), self.options.threads, |i| {
            let mut rng = ChaCha8Rng::seed_from_u64(self.options.seed);
            rng.set_stream(i as u64);
            self.explain_row(rows.row(i), &mut rng)
        })
    }

    fn explain_row(&self, x: ArrayView1<f64>, rng: &mut ChaCha8Rng) -> Result<RowExplanation> {
        let game = CoalitionGame::new(self.model, self.background, x, self.options.max_batch_rows)?;
        let fx = game.output()?;
        let mut inds = self.background.varying_features(x);
        let m = inds.len();
        let mut phi = vec![0.0; x.len()];
        if m == 0 {
            return Ok(RowExplanation::new(self.base_value, phi, fx));
        }
        let nperm = self.options.max_evals / (2 * m + 1);
        if nperm == 0 {
            return Err(invalid(
                "max_evals",
                format!("must be at least 2 * {m} + 1 for {m} varying features"),
            ));
        }
        // Each walk is a list of coalition ids; coalitions are deduplicated across walks.
        let mut ids: HashMap<Vec<bool>, usize> = HashMap::new();
        let mut coalitions: Vec<Vec<bool>> = Vec::new();
        let mut walks: Vec<(Vec<usize>, Vec<usize>)> = Vec::with_capacity(nperm);
        let mut intern = |mask: &Vec<bool>| -> usize {
            *ids.entry(mask.clone()).or_insert_with(|| {
                coalitions.push(mask.clone());
                coalitions.len() - 1
            })
        };
        for _ in 0..nperm {
            inds.shuffle(rng);
            let mut mask = vec![false; x.len()];
            let mut walk = vec![intern(&mask)];
            for &j in &inds {
                mask[j] = true;
                walk.push(intern(&mask));
            }
            for &j in &inds {
                mask[j] = false;
                walk.push(intern(&mask));
            }
            walks.push((inds.clone(), walk));
        }
        let v = game.values_with(coalitions.len(), |k, mask| {
            mask.copy_from_slice(&coalitions[k])
        })?;
        for (order, walk) in &walks {
            for (k, &j) in order.iter().enumerate() {
                phi[j] += v[walk[k + 1]] - v[walk[k]];
                phi[j] += v[walk[m + k]] - v[walk[m + k + 1]];
            }
        }
        let denom = 2.0 * nperm as f64;
        phi.iter_mut().for_each(|p| *p /= denom);
        Ok(RowExplanation::new(self.base_value, phi, fx))
    }
}
