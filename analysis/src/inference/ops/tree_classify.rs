//! How `TreeEnsembleClassifier` turns summed class scores into a label and probabilities.
//! This follows onnxruntime's `TreeAggregatorClassifier` exactly, including its handling
//! of binary models that store one score column (scikit-learn's random forests and
//! gradient boosting) and of classes that received no vote ("has no score").

use ndarray::Array1;

use super::numeric::Real;
use super::post::{logistic, probit, PostTransform};
use super::tree_attrs::Structure;
use crate::inference::tensor::{ClassLabels, Tensor};

/// A predicted label: a class index, or (binary models whose two classes both carry votes)
/// the literal 1 / 0 that onnxruntime returns in that case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LabelOut {
    Index(usize),
    Value(i64),
}

impl LabelOut {
    /// The label tensor for a batch.
    pub fn tensor(labels: &ClassLabels, outs: &[LabelOut]) -> Result<Tensor, String> {
        let bad = || "label out of range".to_string();
        Ok(match labels {
            ClassLabels::Int(v) => Tensor::I64(
                outs.iter()
                    .map(|o| match *o {
                        LabelOut::Index(i) => v.get(i).copied().ok_or_else(bad),
                        LabelOut::Value(x) => Ok(x),
                    })
                    .collect::<Result<Array1<_>, _>>()?
                    .into_dyn(),
            ),
            // String models index their labels; the literal 1 / 0 are indices too.
            ClassLabels::Str(v) => Tensor::Str(
                outs.iter()
                    .map(|o| {
                        let i = match *o {
                            LabelOut::Index(i) => i,
                            LabelOut::Value(x) => usize::try_from(x).map_err(|_| bad())?,
                        };
                        v.get(i).cloned().ok_or_else(bad)
                    })
                    .collect::<Result<Array1<_>, _>>()?
                    .into_dyn(),
            ),
        })
    }
}

/// The classifier's finalisation parameters.
#[derive(Debug)]
pub(super) struct ClassifierRule {
    pub(super) n_classes: usize,
    pub(super) base: Vec<f64>,
    pub(super) post: PostTransform,
    /// Two classes, and the votes name a single class id.
    pub(super) binary_case: bool,
    /// No vote weight is negative.
    pub(super) all_positive: bool,
}

impl ClassifierRule {
    /// Validates the base values and derives the binary-case flags from the votes.
    pub fn new(
        s: &Structure,
        base: &[f64],
        n_classes: usize,
        post: PostTransform,
    ) -> Result<Self, String> {
        if n_classes < 2 {
            return Err("a classifier needs at least two class labels".into());
        }
        let ok_base =
            base.is_empty() || base.len() == n_classes || (n_classes == 2 && base.len() == 1);
        if !ok_base {
            return Err(format!(
                "{} base values for {n_classes} classes",
                base.len()
            ));
        }
        let votes = s.leaves.iter().flatten();
        let first_class = votes.clone().next().map(|v| v.0);
        let single_class = votes.clone().all(|v| Some(v.0) == first_class);
        Ok(Self {
            n_classes,
            base: base.to_vec(),
            post,
            binary_case: n_classes == 2 && single_class,
            all_positive: votes.clone().all(|v| v.1 >= 0.0 || v.1.is_nan()),
        })
    }

    /// Finalises one row's scores into `out` (one probability per class) and its label.
    pub fn finalize<T: Real>(&self, s: &mut [T], has: &mut [bool], out: &mut [f32]) -> LabelOut {
        let base = |k: usize| T::from_f64(self.base.get(k).copied().unwrap_or(0.0));
        if self.n_classes > 2 {
            for k in 0..self.base.len() {
                s[k] = if has[k] { s[k] + base(k) } else { base(k) };
                has[k] = true;
            }
            let mut best: Option<usize> = None;
            for k in 0..self.n_classes {
                if has[k] && best.is_none_or(|b| s[k] > s[b]) {
                    best = Some(k);
                }
            }
            self.write(s, has, out);
            return LabelOut::Index(best.unwrap_or(0));
        }
        // Binary.
        let mut size = 2;
        let mut extra = -1;
        match self.base.len() {
            2 if has[1] => {
                // onnxruntime derives both scores from class 0's sum and base_values[1].
                s[1] = base(1) + s[0];
                s[0] = -s[1];
            }
            2 => {
                s[1] += base(1);
                s[0] += base(0);
            }
            1 => {
                s[0] += base(0);
                if !has[1] {
                    size = 1;
                }
            }
            _ => {
                extra = 3;
                if !has[1] {
                    size = 1;
                }
            }
        }
        let pos = if size == 2 && has[1] {
            s[1]
        } else if has[0] {
            s[0]
        } else {
            T::ZERO
        };
        let label = if self.binary_case {
            let (wins, threshold) = if self.all_positive {
                (0, 0.5)
            } else {
                (2, 0.0)
            };
            if pos > T::from_f64(threshold) {
                extra = wins;
                LabelOut::Index(1)
            } else {
                extra = wins + 1;
                LabelOut::Index(0)
            }
        } else {
            LabelOut::Value(i64::from(pos > T::ZERO))
        };
        if size == 2 {
            self.write(s, has, out);
            return label;
        }
        // One score column: expand it to two, as onnxruntime's `write_scores`.
        let v = if has[0] { s[0] } else { T::ZERO };
        let pair = match (self.post, extra) {
            (PostTransform::Probit, _) => [probit(v.to_f32()), 0.0],
            (_, 0 | 1) => [(T::ONE - v).to_f32(), v.to_f32()],
            (PostTransform::Logistic, 2 | 3) => [logistic(-v.to_f32()), logistic(v.to_f32())],
            (_, 2 | 3) => [(-v).to_f32(), v.to_f32()],
            _ => [v.to_f32(), 0.0],
        };
        out.iter_mut().zip(pair).for_each(|(o, p)| *o = p);
        label
    }

    /// Writes all class scores (a class without votes counts 0), post-transformed in float.
    fn write<T: Real>(&self, s: &[T], has: &[bool], out: &mut [f32]) {
        for ((o, &v), &h) in out.iter_mut().zip(s).zip(has) {
            *o = if h { v.to_f32() } else { 0.0 };
        }
        self.post.apply_row(out);
    }
}
