//! The reference data that stands in for "absent" features.

use ndarray::{Array2, ArrayView1, ArrayView2};

use super::error::{ExplainError, Result};

/// Background rows with normalised weights (uniform unless summarised, e.g. by k-means).
#[derive(Debug, Clone, PartialEq)]
pub struct Background {
    data: Array2<f64>,
    weights: Vec<f64>,
}

impl Background {
    /// Every row weighs `1 / n`, as shap's `Independent` masker and `KernelExplainer` do.
    pub fn uniform(data: Array2<f64>) -> Result<Self> {
        let n = data.nrows();
        if n == 0 {
            return Err(ExplainError::EmptyBackground);
        }
        Ok(Self {
            data,
            weights: vec![1.0 / n as f64; n],
        })
    }

    /// Rows with explicit non-negative weights; they are rescaled to sum to one.
    pub fn weighted(data: Array2<f64>, weights: Vec<f64>) -> Result<Self> {
        if data.nrows() == 0 {
            return Err(ExplainError::EmptyBackground);
        }
        if weights.len() != data.nrows() {
            return Err(ExplainError::InvalidWeights(format!(
                "{} weights for {} rows",
                weights.len(),
                data.nrows()
            )));
        }
        if weights.iter().any(|w| !w.is_finite() || *w < 0.0) {
            return Err(ExplainError::InvalidWeights(
                "weights must be finite and non-negative".into(),
            ));
        }
        let total: f64 = weights.iter().sum();
        if total <= 0.0 {
            return Err(ExplainError::InvalidWeights("weights sum to zero".into()));
        }
        let weights = weights.into_iter().map(|w| w / total).collect();
        Ok(Self { data, weights })
    }

    /// The background rows, `[n, n_features]`.
    pub fn data(&self) -> ArrayView2<'_, f64> {
        self.data.view()
    }

    /// Normalised row weights (sum to one).
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.data.nrows()
    }

    /// Always false: construction rejects empty data.
    pub fn is_empty(&self) -> bool {
        self.data.nrows() == 0
    }

    /// Number of features (columns).
    pub fn n_features(&self) -> usize {
        self.data.ncols()
    }

    /// Weighted mean of per-row values (the expectation over the background).
    pub(crate) fn mean_of(&self, values: ArrayView1<f64>) -> f64 {
        values.iter().zip(&self.weights).map(|(v, w)| v * w).sum()
    }

    /// Features whose value in `x` differs from at least one background row (numpy's
    /// `isclose` with rtol 1e-5, atol 1e-8, NaN equal to NaN). shap skips the others: no
    /// coalition can change the model input through them.
    pub(crate) fn varying_features(&self, x: ArrayView1<f64>) -> Vec<usize> {
        (0..x.len())
            .filter(|&j| {
                let a = x[j];
                self.data.column(j).iter().any(|&b| {
                    if a.is_nan() || b.is_nan() {
                        !(a.is_nan() && b.is_nan())
                    } else {
                        (a - b).abs() > 1e-8 + 1e-5 * b.abs()
                    }
                })
            })
            .collect()
    }

    /// Errors unless `row` has as many features as the background.
    pub(crate) fn check_features(&self, got: usize) -> Result<()> {
        if got == self.n_features() {
            Ok(())
        } else {
            Err(ExplainError::FeatureCount {
                expected: self.n_features(),
                got,
            })
        }
    }
}
