//! Kernel SHAP exactly as shap 0.51's `KernelExplainer` defines it: coalition design in
//! [`sampling`], weighted least squares with optional L1 selection in [`solve`].
//!
//! Differences from shap: the random stream is ChaCha8 (seeded per row, so results do not
//! depend on threading), not numpy's global generator; everything else (budget, subset
//! enumeration order, weights, link, elimination of the last selected feature, the 1e-10
//! clean-up) follows the Python code.

mod sampling;
mod solve;

use ndarray::{ArrayView1, ArrayView2};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub use solve::L1Reg;

use super::background::Background;
use super::coalition::{background_mean, CoalitionGame, DEFAULT_MAX_BATCH_ROWS};
use super::error::Result;
use super::output::{Link, RowExplanation};
use super::parallel::{default_threads, map_rows};
use super::predictor::Predictor;

/// Kernel SHAP settings (defaults = shap's).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KernelOptions {
    /// Coalitions per row; `None` = shap's "auto", `2 M + 2048`. Capped at `2^M - 2`, where
    /// every coalition is enumerated and the result equals exact Shapley values.
    pub nsamples: Option<usize>,
    /// Scale on which values add up.
    pub link: Link,
    /// Feature selection (shap's default `num_features(10)`).
    pub l1_reg: L1Reg,
    /// Seed of the per-row ChaCha8 streams.
    pub seed: u64,
    /// Rows per model call.
    pub max_batch_rows: usize,
    /// Worker threads (explained rows are split between them).
    pub threads: usize,
}

impl Default for KernelOptions {
    fn default() -> Self {
        Self {
            nsamples: None,
            link: Link::Identity,
            l1_reg: L1Reg::NumFeatures(10),
            seed: 0,
            max_batch_rows: DEFAULT_MAX_BATCH_ROWS,
            threads: default_threads(),
        }
    }
}

/// shap's KernelExplainer over a (weighted) background.
pub struct KernelExplainer<'a, P: ?Sized> {
    model: &'a P,
    background: &'a Background,
    options: KernelOptions,
    fnull: f64,
}

impl<'a, P: Predictor + ?Sized> KernelExplainer<'a, P> {
    /// Builds the explainer; `E f` over the background is computed once.
    pub fn new(model: &'a P, background: &'a Background, options: KernelOptions) -> Result<Self> {
        let fnull = background_mean(model, background)?;
        Ok(Self {
            model,
            background,
            options,
            fnull,
        })
    }

    /// `link(E f(background))`, shap's `expected_value`.
    pub fn expected_value(&self) -> f64 {
        self.options.link.apply(self.fnull)
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
        let link = self.options.link;
        let game = CoalitionGame::new(self.model, self.background, x, self.options.max_batch_rows)?;
        let fx = game.output()?;
        let total = link.apply(fx) - link.apply(self.fnull);
        let varying = self.background.varying_features(x);
        let mut phi = vec![0.0; x.len()];
        match varying.len() {
            0 => {}
            1 => phi[varying[0]] = total,
            m => {
                let max_samples = if m <= 30 { (1usize << m) - 2 } else { 1 << 30 };
                let nsamples = self
                    .options
                    .nsamples
                    .unwrap_or(2 * m + 2048)
                    .min(max_samples);
                let design = sampling::design(m, nsamples, rng);
                let ey = game.values_with(design.len(), |k, mask| {
                    for (&on, &j) in design.mask(k).iter().zip(&varying) {
                        mask[j] = on;
                    }
                })?;
                let fnull = link.apply(self.fnull);
                let ey_adj: Vec<f64> = ey.iter().map(|&v| link.apply(v) - fnull).collect();
                let fraction = nsamples as f64 / max_samples as f64;
                let vphi = solve::solve(&design, &ey_adj, total, self.options.l1_reg, fraction);
                for (&j, v) in varying.iter().zip(vphi) {
                    phi[j] = v;
                }
            }
        }
        Ok(RowExplanation::new(
            self.expected_value(),
            phi,
            link.apply(fx),
        ))
    }
}
