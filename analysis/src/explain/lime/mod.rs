//! LIME for tabular data, as the `lime` package's `LimeTabularExplainer` does by default
//! (`discretize_continuous=True`, `discretizer="quartile"`, `sample_around_instance=False`).
//!
//! Algorithm per explained row x:
//! 1. Training columns are cut at their quartiles; x's bin per feature is noted.
//! 2. `num_samples - 1` neighbours: each feature's bin is drawn from the training bin
//!    frequencies, and a value is drawn in that bin from a normal with the bin's training
//!    mean/std truncated to the bin's bounds. Row 0 is x itself.
//! 3. The interpretable representation is binary: 1 where the neighbour's bin equals x's.
//!    Distances are Euclidean in that space, weights `sqrt(exp(-d^2 / width^2))` with width
//!    `0.75 sqrt(M)`.
//! 4. Features are selected (`auto`: forward selection if `num_features <= 6`, else the
//!    largest |coef| of a weighted ridge with alpha 0.01), then a weighted ridge with
//!    alpha 1 and intercept is fitted on them against the model outputs.
//!
//! Randomness is ChaCha8 (seeded, one stream per row) instead of numpy's, so numbers differ
//! from the Python package for the same seed while the procedure is the same.

mod discretize;
pub(crate) mod fit;
mod normal;

use ndarray::{Array2, ArrayView1, ArrayView2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

pub use discretize::FeatureBins;

use super::error::{invalid, ExplainError, Result};
use super::parallel::{default_threads, map_rows};
use super::predictor::{predict_checked, Predictor};

/// How LIME picks the features of the local model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeatureSelection {
    /// `forward_selection` when `num_features <= 6`, else `highest_weights`.
    Auto,
    /// Greedily add the feature that most improves the weighted R^2 of an OLS fit.
    ForwardSelection,
    /// Largest |coefficient| of a weighted ridge (alpha 0.01) on all features.
    HighestWeights,
    /// Every feature.
    None,
}

/// LIME settings (defaults = the `lime` package's).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LimeOptions {
    /// Neighbourhood size including the row itself (5000).
    pub num_samples: usize,
    /// Features in the explanation (10).
    pub num_features: usize,
    /// Kernel width; `None` = `0.75 * sqrt(n_features)`.
    pub kernel_width: Option<f64>,
    /// Feature selection method.
    pub feature_selection: FeatureSelection,
    /// Seed of the per-row ChaCha8 streams.
    pub seed: u64,
    /// Worker threads (explained rows are split between them).
    pub threads: usize,
}

impl Default for LimeOptions {
    fn default() -> Self {
        Self {
            num_samples: 5000,
            num_features: 10,
            kernel_width: None,
            feature_selection: FeatureSelection::Auto,
            seed: 0,
            threads: default_threads(),
        }
    }
}

/// One feature of the local model: the condition "x's bin" and its weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimeWeight {
    /// Feature index.
    pub feature: usize,
    /// Coefficient of the indicator "feature in the same quartile bin as x".
    pub weight: f64,
    /// Lower bound of that bin (exclusive), `None` for the first bin.
    pub lower: Option<f64>,
    /// Upper bound (inclusive), `None` for the last bin.
    pub upper: Option<f64>,
}

/// LIME explanation of one row (lime's `intercept`, `local_exp`, `score`, `local_pred`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimeExplanation {
    /// Intercept of the local ridge model.
    pub intercept: f64,
    /// Selected features sorted by decreasing |weight|.
    pub weights: Vec<LimeWeight>,
    /// Weighted R^2 of the local model on the neighbourhood.
    pub score: f64,
    /// Local model's prediction for the row.
    pub local_prediction: f64,
    /// Model output for the row.
    pub model_output: f64,
}

/// A fitted LIME tabular explainer (training statistics only, no model).
#[derive(Debug, Clone, PartialEq)]
pub struct LimeTabular {
    bins: Vec<FeatureBins>,
    options: LimeOptions,
}

impl LimeTabular {
    /// Learns quartile bins and bin statistics from the training data.
    pub fn new(training: ArrayView2<f64>, options: LimeOptions) -> Result<Self> {
        if training.nrows() == 0 {
            return Err(ExplainError::EmptyBackground);
        }
        if training.iter().any(|v| !v.is_finite()) {
            return Err(ExplainError::NonFinite("LIME training data"));
        }
        if options.num_samples < 2 || options.num_features == 0 {
            return Err(invalid(
                "num_samples/num_features",
                "need num_samples >= 2 and num_features >= 1",
            ));
        }
        Ok(Self {
            bins: discretize::fit_all(training),
            options,
        })
    }

    /// Per-feature bins and statistics.
    pub fn bins(&self) -> &[FeatureBins] {
        &self.bins
    }

    /// Explains every row of `rows` with `model`.
    pub fn explain<P: Predictor + ?Sized>(
        &self,
        model: &P,
        rows: ArrayView2<f64>,
    ) -> Result<Vec<LimeExplanation>> {
        if rows.ncols() != self.bins.len() {
            return Err(ExplainError::FeatureCount {
                expected: self.bins.len(),
                got: rows.ncols(),
            });
        }
        map_rows(rows.nrows(), self.options.threads, |i| {
            let mut rng = ChaCha8Rng::seed_from_u64(self.options.seed);
            rng.set_stream(i as u64);
            self.explain_row(model, rows.row(i), &mut rng)
        })
    }

    fn explain_row<P: Predictor + ?Sized>(
        &self,
        model: &P,
        x: ArrayView1<f64>,
        rng: &mut ChaCha8Rng,
    ) -> Result<LimeExplanation> {
        let (n, m) = (self.options.num_samples, self.bins.len());
        let mut binary = vec![0.0_f64; n * m];
        let mut inverse = Array2::<f64>::zeros((n, m));
        for (j, fb) in self.bins.iter().enumerate() {
            let own = fb.bin(x[j]);
            let cdf: Vec<f64> = fb
                .frequencies
                .iter()
                .scan(0.0, |a, f| {
                    *a += f;
                    Some(*a)
                })
                .collect();
            let last = cdf.last().copied().unwrap_or(1.0);
            for r in 0..n {
                if r == 0 {
                    binary[j] = 1.0;
                    inverse[[0, j]] = x[j];
                    continue;
                }
                // numpy's choice(p=...): searchsorted(cdf / cdf[-1], u, side="right").
                let u: f64 = rng.gen();
                let k = cdf
                    .iter()
                    .position(|&c| c / last > u)
                    .unwrap_or(cdf.len() - 1);
                let b = fb.values[k];
                binary[r * m + j] = if b == own { 1.0 } else { 0.0 };
                inverse[[r, j]] = fb.sample_in(b, rng);
            }
        }
        let labels = predict_checked(model, inverse.view())?.to_vec();
        let width = self
            .options
            .kernel_width
            .unwrap_or(0.75 * (m as f64).sqrt());
        let weights = fit::kernel_weights(&binary, m, width);
        let opts = &self.options;
        let (used, intercept, coef, score) = fit::surrogate(
            opts.feature_selection,
            opts.num_features,
            &binary,
            m,
            &labels,
            &weights,
        );
        let local_prediction = intercept + coef.iter().sum::<f64>();
        let mut out: Vec<LimeWeight> = used
            .iter()
            .zip(&coef)
            .map(|(&j, &w)| {
                let b = self.bins[j].bin(x[j]);
                let cuts = &self.bins[j].cuts;
                LimeWeight {
                    feature: j,
                    weight: w,
                    lower: b.checked_sub(1).map(|k| cuts[k]),
                    upper: cuts.get(b).copied(),
                }
            })
            .collect();
        out.sort_by(|a, b| b.weight.abs().total_cmp(&a.weight.abs()));
        Ok(LimeExplanation {
            intercept,
            weights: out,
            score,
            local_prediction,
            model_output: labels[0],
        })
    }
}

#[cfg(test)]
pub(crate) fn normal_cdf_for_tests(x: f64) -> f64 {
    normal::norm_cdf(x)
}

#[cfg(test)]
pub(crate) fn normal_ppf_for_tests(p: f64) -> f64 {
    normal::norm_ppf(p)
}
