//! The common interface over ONNX and XGBoost models: one [`Model`] type, its
//! [`Signature`], and batch predictions as labels, probabilities and values.

use ndarray::{Array2, ArrayView2};

use super::error::{InferenceError, Result};
use super::load::{load_onnx, OnnxModel, Outputs};
use super::signature::{OutputRole, Signature};
use super::tensor::Tensor;
use super::xgboost::{load_xgboost, XgbModel};

/// Predicted class labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Labels {
    /// Integer labels.
    Int(Vec<i64>),
    /// String labels.
    Str(Vec<String>),
}

impl Labels {
    /// Number of labels.
    pub fn len(&self) -> usize {
        match self {
            Self::Int(v) => v.len(),
            Self::Str(v) => v.len(),
        }
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A batch prediction; which parts are present depends on the model.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Prediction {
    /// Predicted labels (classifiers).
    pub labels: Option<Labels>,
    /// Class probabilities, `[rows, classes]`, columns in `Signature::classes` order.
    pub probabilities: Option<Array2<f64>>,
    /// Regression values, one per row.
    pub values: Option<Vec<f64>>,
}

/// Any model the runtime can evaluate.
#[derive(Debug)]
pub enum Model {
    /// An ONNX / ONNX-ML model.
    Onnx(OnnxModel),
    /// An XGBoost model in its JSON format.
    Xgboost(XgbModel),
}

impl Model {
    /// Loads either format: JSON (first non-blank byte `{`) is taken as XGBoost, anything
    /// else as ONNX protobuf.
    pub fn load(bytes: &[u8]) -> Result<Self> {
        match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => load_xgboost(bytes).map(Self::Xgboost),
            _ => load_onnx(bytes).map(Self::Onnx),
        }
    }

    /// The model's interface.
    pub fn signature(&self) -> &Signature {
        match self {
            Self::Onnx(m) => m.signature(),
            Self::Xgboost(m) => m.signature(),
        }
    }

    /// Predicts a batch of rows (`[rows, n_features]`).
    pub fn predict_batch(&self, rows: ArrayView2<'_, f64>) -> Result<Prediction> {
        match self {
            Self::Onnx(m) => m.predict_batch(rows),
            Self::Xgboost(m) => m.predict_batch(rows),
        }
    }
}

impl OnnxModel {
    /// Runs the model and maps its outputs to labels, probabilities and values using the
    /// roles in its signature.
    pub fn predict_batch(&self, rows: ArrayView2<'_, f64>) -> Result<Prediction> {
        let n = rows.nrows();
        let outputs = self.run(rows)?;
        to_prediction(self.signature(), &outputs, n)
    }
}

fn fail(msg: String) -> InferenceError {
    InferenceError::Prediction(msg)
}

fn to_prediction(sig: &Signature, outputs: &Outputs, n: usize) -> Result<Prediction> {
    let mut p = Prediction::default();
    for (info, (_, t)) in sig.outputs.iter().zip(outputs.iter()) {
        match info.role {
            OutputRole::Label => p.labels = Some(labels(t, n, &info.name)?),
            OutputRole::Probabilities => p.probabilities = Some(matrix(t, n, &info.name)?),
            OutputRole::Value => {
                let m = matrix(t, n, &info.name)?;
                if m.ncols() != 1 {
                    return Err(fail(format!(
                        "output `{}` has {} targets per row; use `run` for multi-target models",
                        info.name,
                        m.ncols()
                    )));
                }
                p.values = Some(m.into_iter().collect());
            }
            OutputRole::Other => {}
        }
    }
    Ok(p)
}

fn labels(t: &Tensor, n: usize, name: &str) -> Result<Labels> {
    let l = match t {
        Tensor::I64(a) => Labels::Int(super::tensor::row_major(a, |v| v)),
        Tensor::I32(a) => Labels::Int(a.iter().map(|&v| i64::from(v)).collect()),
        Tensor::Str(a) => Labels::Str(a.iter().cloned().collect()),
        other => {
            return Err(fail(format!(
                "output `{name}` holds {}",
                other.value_type()
            )))
        }
    };
    if l.len() != n {
        return Err(fail(format!(
            "output `{name}` has {} labels for {n} rows",
            l.len()
        )));
    }
    Ok(l)
}

/// A numeric output as `[n, k]` (a 1-D output of length `n` is one column).
fn matrix(t: &Tensor, n: usize, name: &str) -> Result<Array2<f64>> {
    let values = t
        .to_f64_vec()
        .ok_or_else(|| fail(format!("output `{name}` is not numeric")))?;
    // With no row the width comes from the shape.
    let k = match values.len().checked_div(n) {
        Some(k) => k,
        None => t.shape().get(1).copied().unwrap_or(1),
    };
    if k * n != values.len() || t.shape().first() != Some(&n) {
        return Err(fail(format!(
            "output `{name}` has shape {:?} for {n} rows",
            t.shape()
        )));
    }
    Array2::from_shape_vec((n, k), values).map_err(|e| fail(e.to_string()))
}
