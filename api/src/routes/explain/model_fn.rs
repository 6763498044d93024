//! A model version reduced to the one number an explainer explains.

use std::sync::Arc;

use analysis::{
    explain::{ExplainError, MaskedPredictor, Predictor},
    inference::{LinearPipeline, MaskedOutput, Model, Task},
};
use ndarray::{Array1, ArrayView2};
use serde::Serialize;

use super::bad;
use crate::error::ApiError;

/// Which output is explained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "output", content = "class_index", rename_all = "snake_case")]
pub enum Output {
    /// P(class k).
    Probability(usize),
    /// log(p / (1 - p)) of class k; for XGBoost the raw margin of class k.
    LogOdds(usize),
    /// The regression value.
    Regression,
}

impl Output {
    /// The output a request names, checked against the model.
    pub fn parse(
        model: &Model,
        output: Option<&str>,
        class: Option<usize>,
    ) -> Result<Self, ApiError> {
        let sig = model.signature();
        let n_classes = sig.classes.as_ref().map(|c| c.len()).unwrap_or(0);
        let class_of = || -> Result<usize, ApiError> {
            let k = match class {
                Some(k) => k,
                None if n_classes == 2 => 1,
                None => {
                    return Err(bad(
                        "class_index_required",
                        format!("the model has {n_classes} classes; name class_index"),
                    ))
                }
            };
            if k >= n_classes {
                return Err(bad(
                    "invalid_class_index",
                    format!("class_index {k} is out of range: the model has {n_classes} classes"),
                ));
            }
            Ok(k)
        };
        let classifier = sig.task == Task::Classification;
        match (output, classifier) {
            (None | Some("probability"), true) => Ok(Self::Probability(class_of()?)),
            (Some("log_odds"), true) => Ok(Self::LogOdds(class_of()?)),
            (None | Some("regression"), false) => Ok(Self::Regression),
            (Some("probability" | "log_odds"), false) => Err(bad(
                "invalid_output",
                "the model is a regressor: its output is `regression`",
            )),
            (Some("regression"), true) => Err(bad(
                "invalid_output",
                "the model is a classifier: explain `probability` or `log_odds` of a class",
            )),
            (Some(other), _) => Err(bad(
                "invalid_output",
                format!("unknown output `{other}`: probability, log_odds or regression"),
            )),
        }
    }

    /// The name recorded with the explanation.
    pub fn name(self) -> &'static str {
        match self {
            Self::Probability(_) => "probability",
            Self::LogOdds(_) => "log_odds",
            Self::Regression => "regression",
        }
    }
}

/// A loaded model and the output explained.
pub struct ModelFn {
    /// The model.
    pub model: Arc<Model>,
    /// Its explained output.
    pub output: Output,
}

impl ModelFn {
    /// The model's masked-row evaluator, when it is a linear ONNX pipeline.
    fn pipeline(&self) -> Option<&LinearPipeline> {
        match &*self.model {
            Model::Onnx(m) => m.linear_pipeline(),
            Model::Xgboost(_) => None,
        }
    }
}

fn fail(e: impl std::fmt::Display) -> ExplainError {
    ExplainError::Predictor(e.to_string())
}

impl Predictor for ModelFn {
    fn masked(&self) -> Option<&dyn MaskedPredictor> {
        self.pipeline().map(|_| self as _)
    }

    fn predict(&self, rows: ArrayView2<f64>) -> analysis::explain::Result<Array1<f64>> {
        if let (Model::Xgboost(x), Output::LogOdds(k)) = (&*self.model, self.output) {
            let m = x.margin(rows).map_err(fail)?;
            let k = if m.ncols() == 1 { 0 } else { k };
            return Ok(m.column(k).to_owned());
        }
        let p = self.model.predict_batch(rows).map_err(fail)?;
        match self.output {
            Output::Regression => p
                .values
                .map(Array1::from)
                .ok_or_else(|| fail("the model returned no regression value")),
            Output::Probability(k) | Output::LogOdds(k) => {
                let probs = p
                    .probabilities
                    .ok_or_else(|| fail("the model returned no probabilities"))?;
                let col = probs.column(k);
                Ok(match self.output {
                    Output::LogOdds(_) => col.mapv(|q| (q / (1.0 - q)).ln()),
                    _ => col.to_owned(),
                })
            }
        }
    }
}

/// Linear pipelines score the explainers' masked rows without their being built, with
/// the same bits as `predict` on the built rows.
impl MaskedPredictor for ModelFn {
    fn predict_masked(
        &self,
        x: &[f64],
        background: ArrayView2<f64>,
        masks: &[bool],
        out: &mut [f64],
    ) -> analysis::explain::Result<()> {
        let pipe = self
            .pipeline()
            .ok_or_else(|| fail("the model is not a linear pipeline"))?;
        let which = match self.output {
            Output::Probability(k) | Output::LogOdds(k) => MaskedOutput::Probability(k),
            Output::Regression => MaskedOutput::Value,
        };
        pipe.predict_masked(x, background, masks, which, out)
            .map_err(fail)?;
        if let Output::LogOdds(_) = self.output {
            out.iter_mut().for_each(|q| *q = (*q / (1.0 - *q)).ln());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::{path::PathBuf, sync::Arc};

    use analysis::{explain::Predictor, inference::Model};
    use ndarray::Array2;

    use super::{ModelFn, Output};

    fn fixture(path: &str) -> Vec<u8> {
        let root = std::env::var_os("RAIA_FIXTURES").map_or_else(
            || {
                PathBuf::from(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../../shared/fixtures"
                ))
            },
            PathBuf::from,
        );
        std::fs::read(root.join(path)).unwrap()
    }

    /// Every output of a linear pipeline, through the masked evaluator and through the
    /// built rows, bit for bit; other models have no evaluator.
    #[test]
    fn masked_outputs_equal_predictions_on_built_rows() {
        let model = Arc::new(Model::load(&fixture("explain/model_logreg.onnx")).unwrap());
        let x: Vec<f64> = (0..8).map(|j| 3.0 + j as f64 * 1.5).collect();
        let bg = Array2::from_shape_fn((5, 8), |(i, j)| (i * 8 + j) as f64 * 0.7 - 4.0);
        let masks: Vec<bool> = (0..6 * 8).map(|i| (i * 5 + i / 8) % 3 == 1).collect();
        let mut rows = Array2::zeros((6 * 5, 8));
        for (c, mask) in masks.chunks(8).enumerate() {
            for b in 0..5 {
                for j in 0..8 {
                    rows[[c * 5 + b, j]] = if mask[j] { x[j] } else { bg[[b, j]] };
                }
            }
        }
        for output in [
            Output::Probability(0),
            Output::Probability(1),
            Output::LogOdds(1),
        ] {
            let f = ModelFn {
                model: Arc::clone(&model),
                output,
            };
            let want = f.predict(rows.view()).unwrap();
            let mut got = vec![0.0; want.len()];
            f.masked()
                .unwrap()
                .predict_masked(&x, bg.view(), &masks, &mut got)
                .unwrap();
            let bits = |v: &[f64]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&got), bits(want.as_slice().unwrap()), "{output:?}");
        }
        let xgb = ModelFn {
            model: Arc::new(Model::load(&fixture("models/xgb_clf_bc.json")).unwrap()),
            output: Output::Probability(1),
        };
        assert!(xgb.masked().is_none());
    }
}
