//! The model interface every explainer evaluates: a batch function of rows to one output.

use ndarray::{Array1, ArrayView2};

use super::error::{ExplainError, Result};

/// A model reduced to one real output per row (e.g. P(class k), log-odds or a regression value).
///
/// Explainers hand in large batches (thousands of masked rows at once) because a batch call
/// amortises per-call overhead of runtimes such as ONNX; implementations should vectorise.
/// `Sync` is required because rows are explained on several threads at once.
pub trait Predictor: Sync {
    /// Evaluates every row of `rows` (shape `[n, n_features]`), returning `n` outputs.
    fn predict(&self, rows: ArrayView2<f64>) -> Result<Array1<f64>>;

    /// The model's evaluator of masked rows, when it has one (see [`MaskedPredictor`]).
    fn masked(&self) -> Option<&dyn MaskedPredictor> {
        None
    }
}

/// A model that scores masked rows (features from one row, the others from each
/// background row) without the explainer building them, e.g. a linear pipeline that
/// computes each feature's term once. It must return exactly what
/// [`Predictor::predict`] returns for the built rows.
pub trait MaskedPredictor: Sync {
    /// For each coalition (`masks` holds `n_features` flags per coalition, `true` = the
    /// feature comes from `x`), writes f(x_S, b_notS) for every row `b` of `background`,
    /// coalition by coalition, into `out` (`n_coalitions * background.nrows()` values).
    fn predict_masked(
        &self,
        x: &[f64],
        background: ArrayView2<f64>,
        masks: &[bool],
        out: &mut [f64],
    ) -> Result<()>;
}

impl<P: Predictor + ?Sized> Predictor for &P {
    fn predict(&self, rows: ArrayView2<f64>) -> Result<Array1<f64>> {
        (**self).predict(rows)
    }

    fn masked(&self) -> Option<&dyn MaskedPredictor> {
        (**self).masked()
    }
}

impl<P: Predictor + ?Sized + Send> Predictor for Box<P> {
    fn predict(&self, rows: ArrayView2<f64>) -> Result<Array1<f64>> {
        (**self).predict(rows)
    }

    fn masked(&self) -> Option<&dyn MaskedPredictor> {
        (**self).masked()
    }
}

/// Adapts a closure that scores one row at a time; convenient for tests and simple models.
pub struct FnPredictor<F>(pub F);

impl<F> Predictor for FnPredictor<F>
where
    F: Fn(&[f64]) -> f64 + Sync,
{
    fn predict(&self, rows: ArrayView2<f64>) -> Result<Array1<f64>> {
        let mut out = Array1::zeros(rows.nrows());
        let mut buf = vec![0.0; rows.ncols()];
        for (o, row) in out.iter_mut().zip(rows.rows()) {
            // Rows of a view need not be contiguous, so copy into a slice first.
            for (b, v) in buf.iter_mut().zip(row.iter()) {
                *b = *v;
            }
            *o = (self.0)(&buf);
        }
        Ok(out)
    }
}

/// Applies the logistic function to another predictor's output (margin -> probability),
/// e.g. to explain an XGBoost classifier in probability space with a model-agnostic method.
pub struct Sigmoid<P>(pub P);

impl<P: Predictor> Predictor for Sigmoid<P> {
    fn predict(&self, rows: ArrayView2<f64>) -> Result<Array1<f64>> {
        Ok(self.0.predict(rows)?.mapv(|m| 1.0 / (1.0 + (-m).exp())))
    }
}

/// Calls the predictor and checks that it returned one finite-or-not value per row.
pub(crate) fn predict_checked<P: Predictor + ?Sized>(
    model: &P,
    rows: ArrayView2<f64>,
) -> Result<Array1<f64>> {
    let out = model.predict(rows)?;
    if out.len() != rows.nrows() {
        return Err(ExplainError::PredictionLength {
            expected: rows.nrows(),
            got: out.len(),
        });
    }
    Ok(out)
}
