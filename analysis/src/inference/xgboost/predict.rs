//! XGBoost predictions: float32 margins (split over two threads for large batches) and
//! XGBoost's float transforms (sigmoid, softmax with double accumulation).

use ndarray::{Array2, ArrayView2, Axis};

use super::{Objective, XgbModel};
use crate::inference::error::{InferenceError, Result};
use crate::inference::load::worker_threads;
use crate::inference::predict::{Labels, Prediction};

/// Batches at least this long are split over two threads.
const PARALLEL_MIN_ROWS: usize = 512;

impl XgbModel {
    fn check(&self, rows: &ArrayView2<'_, f64>) -> Result<()> {
        if rows.ncols() != self.signature.n_features {
            return Err(InferenceError::FeatureCount {
                expected: self.signature.n_features,
                got: rows.ncols(),
            });
        }
        Ok(())
    }

    /// Float32 margins of a row block, row-major `[rows, groups]`.
    fn margins_f32(&self, rows: ArrayView2<'_, f64>) -> Vec<f32> {
        let g = self.base_margin.len();
        let mut out = Vec::with_capacity(rows.nrows() * g);
        let mut x = vec![0.0f32; rows.ncols()];
        for row in rows.rows() {
            x.iter_mut().zip(row).for_each(|(d, &v)| *d = v as f32);
            let start = out.len();
            out.extend_from_slice(&self.base_margin);
            let m = &mut out[start..];
            for t in &self.trees {
                m[t.group] += t.predict_leaf(&x);
            }
        }
        out
    }

    /// Margins, split over two threads for large batches.
    fn margins(&self, rows: ArrayView2<'_, f64>) -> Result<Array2<f32>> {
        self.check(&rows)?;
        let n = rows.nrows();
        let flat = if n >= PARALLEL_MIN_ROWS && worker_threads() > 1 {
            let (a, b) = rows.split_at(Axis(0), n / 2);
            let (mut first, second) = std::thread::scope(|s| {
                let h = s.spawn(|| self.margins_f32(b));
                (self.margins_f32(a), h.join())
            });
            first.extend(
                second.map_err(|_| InferenceError::Xgboost("a worker thread panicked".into()))?,
            );
            first
        } else {
            self.margins_f32(rows)
        };
        Array2::from_shape_vec((n, self.base_margin.len()), flat)
            .map_err(|e| InferenceError::Xgboost(e.to_string()))
    }

    /// Raw margins (`output_margin=True`), `[rows, groups]` (one column unless multi-class).
    pub fn margin(&self, rows: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        Ok(self.margins(rows)?.mapv(f64::from))
    }

    /// Class probabilities `[rows, classes]` (classifiers only), computed in float32 like
    /// XGBoost: `[1 - p, p]` for binary models, softmax for multi-class ones.
    pub fn predict_proba(&self, rows: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let m = self.margins(rows)?;
        match self.objective {
            Objective::BinaryLogistic => {
                let mut out = Array2::zeros((m.nrows(), 2));
                for (o, &v) in out.rows_mut().into_iter().zip(m.column(0)) {
                    let p = sigmoid(v);
                    let mut o = o;
                    o[0] = f64::from(1.0 - p);
                    o[1] = f64::from(p);
                }
                Ok(out)
            }
            Objective::Multiclass => Ok(softmax_rows(&m)),
            _ => Err(InferenceError::Prediction(
                "predict_proba needs a classifier".into(),
            )),
        }
    }

    /// XGBoost's `predict`: class labels for classifiers (p > 0.5, or the most probable
    /// class), transformed values for regressors.
    pub fn predict(&self, rows: ArrayView2<'_, f64>) -> Result<Vec<f64>> {
        if self.objective.is_classifier() {
            let p = self.predict_proba(rows)?;
            return Ok(argmax_rows(&p).into_iter().map(|c| c as f64).collect());
        }
        let m = self.margins(rows)?;
        Ok(m.column(0)
            .iter()
            .map(|&v| {
                f64::from(match self.objective {
                    Objective::LogisticRegression => sigmoid(v),
                    Objective::LogLink => v.exp(),
                    _ => v,
                })
            })
            .collect())
    }

    /// Labels and probabilities for classifiers, values for regressors.
    pub fn predict_batch(&self, rows: ArrayView2<'_, f64>) -> Result<Prediction> {
        if self.objective.is_classifier() {
            let p = self.predict_proba(rows)?;
            let labels = argmax_rows(&p).into_iter().map(|c| c as i64).collect();
            return Ok(Prediction {
                labels: Some(Labels::Int(labels)),
                probabilities: Some(p),
                values: None,
            });
        }
        Ok(Prediction {
            values: Some(self.predict(rows)?),
            ..Prediction::default()
        })
    }
}

/// XGBoost's float sigmoid.
fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// XGBoost's softmax: float exponentials, double accumulation, float division.
fn softmax_rows(m: &Array2<f32>) -> Array2<f64> {
    let mut out = Array2::zeros(m.raw_dim());
    for (row, mut o) in m.rows().into_iter().zip(out.rows_mut()) {
        let max = row.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
        let e: Vec<f32> = row.iter().map(|&v| (v - max).exp()).collect();
        let sum = e.iter().map(|&v| f64::from(v)).sum::<f64>() as f32;
        o.iter_mut()
            .zip(&e)
            .for_each(|(d, &v)| *d = f64::from(v / sum));
    }
    out
}

/// Index of the first maximum of each row (0.5 ties go to class 0 for binary models).
fn argmax_rows(p: &Array2<f64>) -> Vec<usize> {
    p.rows()
        .into_iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .fold((0, f64::NEG_INFINITY), |(bi, bv), (i, &v)| {
                    if v > bv {
                        (i, v)
                    } else {
                        (bi, bv)
                    }
                })
                .0
        })
        .collect()
}
