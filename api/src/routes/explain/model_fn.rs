//! A model version reduced to the one number an explainer explains.

use std::sync::Arc;

use analysis::{
    explain::{ExplainError, Predictor},
    inference::{Model, Task},
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

fn fail(e: impl std::fmt::Display) -> ExplainError {
    ExplainError::Predictor(e.to_string())
}

impl Predictor for ModelFn {
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
