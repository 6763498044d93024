//! Masked rows of a linear pipeline, evaluated without building them.
//!
//! The coalition explainers (exact and kernel SHAP) score rows that take some features
//! from the explained row `x` and the rest from a background row `b`: thousands of rows
//! per coalition batch. For `[Scaler] -> LinearClassifier | LinearRegressor` on float
//! input every feature passes through its own scaling and its own product with the
//! coefficient, so those are computed once per feature value (of `x` and of each
//! background row) instead of once per masked row. What remains per masked row is the
//! operator's own float FMA chain over the features, in the same order, and its
//! post-transform: every value is bit-identical to running the built rows through the
//! graph, which the tests check.

use ndarray::ArrayView2;

use super::error::{InferenceError, Result};
use super::graph::Plan;
use super::ops::post::PostTransform;
use super::ops::{binary_probability, scale, single_value, transform_row, Affine, LinearStage};
use super::signature::{ElementType, Signature};

/// Which number of a masked row's prediction is returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaskedOutput {
    /// P(class k) of a classifier.
    Probability(usize),
    /// The value of a regressor.
    Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Head {
    /// LinearClassifier with one score column (binary: `[1 - p, p]`).
    Binary(PostTransform),
    /// LinearClassifier with a score per class.
    Classes(PostTransform),
    /// LinearRegressor with one target.
    Value(PostTransform),
}

/// A linear pipeline's masked-row evaluator (see the module documentation).
#[derive(Debug)]
pub struct LinearPipeline {
    /// Per-feature `(offset, scale)` of the Scaler, if there is one.
    scaling: Option<Vec<(f32, f32)>>,
    affine: Affine,
    head: Head,
}

/// Recognises a plan that is exactly `[Scaler] -> LinearClassifier | LinearRegressor` on
/// float input, whose graph outputs are the last operator's outputs.
pub(crate) fn linear_pipeline(plan: &Plan, signature: &Signature) -> Option<LinearPipeline> {
    if signature.element_type != ElementType::F32 {
        return None;
    }
    let m = signature.n_features;
    let (scaler, last) = match plan.steps.as_slice() {
        [last] => (None, last),
        [first, last] => (Some(first), last),
        _ => return None,
    };
    // Each step reads the previous one's only output (the first step reads the input).
    let mut feeds = plan.input_slot;
    let scaling = match scaler {
        None => None,
        Some(step) => {
            let Some(LinearStage::Scale(scaler)) = step.kernel.linear_stage() else {
                return None;
            };
            if step.inputs != [feeds] || step.outputs.len() != 1 {
                return None;
            }
            feeds = step.outputs[0]?;
            Some(scaler.per_feature(m).ok()?)
        }
    };
    if last.inputs != [feeds] {
        return None;
    }
    let (affine, head) = match last.kernel.linear_stage()? {
        LinearStage::Classify { affine, post } if affine.n_targets() == 1 => {
            (affine, Head::Binary(post))
        }
        LinearStage::Classify { affine, post } => (affine, Head::Classes(post)),
        LinearStage::Regress { affine, post } if affine.n_targets() == 1 => {
            (affine, Head::Value(post))
        }
        _ => return None,
    };
    // The graph's outputs must be the last operator's own outputs.
    let produced: Vec<usize> = last.outputs.iter().flatten().copied().collect();
    let outputs_ok = plan.outputs.iter().all(|(_, s, _)| produced.contains(s));
    if !outputs_ok || affine.n_features() != m {
        return None;
    }
    Some(LinearPipeline {
        scaling,
        affine: affine.clone(),
        head,
    })
}

fn fail(msg: String) -> InferenceError {
    InferenceError::Prediction(msg)
}

impl LinearPipeline {
    /// Number of input features.
    pub fn n_features(&self) -> usize {
        self.affine.n_features()
    }

    /// The graph's float value of feature `j` after the Scaler.
    fn scaled(&self, j: usize, v: f64) -> f32 {
        let v = v as f32;
        match &self.scaling {
            Some(s) => scale(v, s[j].0, s[j].1),
            None => v,
        }
    }

    /// For each coalition (`masks` holds `n_features` flags per coalition, `true` = the
    /// feature comes from `x`), writes the `output` of the row `(x_S, b_notS)` for every
    /// background row `b`, coalition by coalition, into `out`
    /// (`n_coalitions * background.nrows()` values).
    pub fn predict_masked(
        &self,
        x: &[f64],
        background: ArrayView2<'_, f64>,
        masks: &[bool],
        output: MaskedOutput,
        out: &mut [f64],
    ) -> Result<()> {
        let m = self.n_features();
        let n_bg = background.nrows();
        if x.len() != m || background.ncols() != m || !masks.len().is_multiple_of(m.max(1)) {
            return Err(InferenceError::FeatureCount {
                expected: m,
                got: if x.len() == m {
                    background.ncols()
                } else {
                    x.len()
                },
            });
        }
        let n_coalitions = masks.len() / m.max(1);
        if out.len() != n_coalitions * n_bg {
            return Err(fail(format!(
                "{} output slots for {n_coalitions} coalitions of {n_bg} rows",
                out.len()
            )));
        }
        let n_classes = match self.head {
            Head::Binary(_) => 2,
            Head::Classes(_) => self.affine.n_targets(),
            Head::Value(_) => 1,
        };
        let column = match (output, self.head) {
            (MaskedOutput::Probability(k), Head::Binary(_) | Head::Classes(_)) if k < n_classes => {
                k
            }
            (MaskedOutput::Value, Head::Value(_)) => 0,
            _ => return Err(fail(format!("{output:?} is not an output of this model"))),
        };
        // Softmax needs every score of a row; the element-wise transforms only the one read.
        let targets: Vec<usize> = match self.head {
            Head::Classes(PostTransform::Softmax | PostTransform::SoftmaxZero) => {
                (0..n_classes).collect()
            }
            Head::Classes(_) => vec![column],
            Head::Binary(_) | Head::Value(_) => vec![0],
        };
        // Scaled values: of x per feature, of the background feature-major.
        let sx: Vec<f32> = (0..m).map(|j| self.scaled(j, x[j])).collect();
        let mut sb = vec![0.0f32; m * n_bg];
        for (b, row) in background.rows().into_iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                sb[j * n_bg + b] = self.scaled(j, *v);
            }
        }
        // Per target, the exact f64 products the FMA chain adds, and the scores of every
        // masked row (target-major).
        let mut scores = vec![0.0f32; targets.len() * n_coalitions * n_bg];
        let mut pb = vec![0.0f64; m * n_bg];
        for (ti, &t) in targets.iter().enumerate() {
            let (w, bias) = self.affine.target(t);
            let px: Vec<f64> = sx
                .iter()
                .zip(w)
                .map(|(&s, &wj)| f64::from(s) * wj)
                .collect();
            for (j, (p, s)) in pb
                .chunks_exact_mut(n_bg)
                .zip(sb.chunks_exact(n_bg))
                .enumerate()
            {
                p.iter_mut()
                    .zip(s)
                    .for_each(|(p, &s)| *p = f64::from(s) * w[j]);
            }
            let block = &mut scores[ti * n_coalitions * n_bg..(ti + 1) * n_coalitions * n_bg];
            for (acc, mask) in block.chunks_exact_mut(n_bg).zip(masks.chunks_exact(m)) {
                for (j, &from_x) in mask.iter().enumerate() {
                    if from_x {
                        let p = px[j];
                        acc.iter_mut().for_each(|a| *a = (p + f64::from(*a)) as f32);
                    } else {
                        let p = &pb[j * n_bg..(j + 1) * n_bg];
                        acc.iter_mut()
                            .zip(p)
                            .for_each(|(a, &p)| *a = (p + f64::from(*a)) as f32);
                    }
                }
                acc.iter_mut().for_each(|a| *a += bias);
            }
        }
        let per_target = n_coalitions * n_bg;
        match self.head {
            Head::Binary(post) => {
                for (o, &s) in out.iter_mut().zip(&scores) {
                    let p = binary_probability(post, s);
                    *o = f64::from(if column == 0 { 1.0 - p } else { p });
                }
            }
            Head::Value(post) => {
                for (o, &s) in out.iter_mut().zip(&scores) {
                    *o = f64::from(single_value(post, s));
                }
            }
            // An element-wise transform (not softmax) over all scores at once.
            Head::Classes(post) if targets.len() == 1 => {
                transform_row(post, &mut scores);
                for (o, &s) in out.iter_mut().zip(&scores) {
                    *o = f64::from(s);
                }
            }
            Head::Classes(post) => {
                let mut row = vec![0.0f32; n_classes];
                for (i, o) in out.iter_mut().enumerate() {
                    for (t, r) in row.iter_mut().enumerate() {
                        *r = scores[t * per_target + i];
                    }
                    transform_row(post, &mut row);
                    *o = f64::from(row[column]);
                }
            }
        }
        Ok(())
    }
}
