//! XGBoost models in XGBoost's JSON format (gbtree). Evaluation follows XGBoost's CPU
//! predictor: features and sums in float32, `x < split_condition` goes left, missing
//! (NaN) values follow `default_left`, and the margin starts at the base score (a
//! probability turned into a logit for `binary:logistic`) before adding the trees in order.

mod parse;
mod predict;
mod tree;

pub use tree::XgbTree;

use super::error::{InferenceError, Result};
use super::json;
use super::signature::{ElementType, OutputInfo, OutputRole, Signature, Task};
use super::tensor::ClassLabels;

/// The link between margin and prediction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Objective {
    /// Identity (`reg:squarederror`, `reg:linear`, `reg:absoluteerror`,
    /// `reg:pseudohubererror`, `reg:squaredlogerror`).
    Regression,
    /// `reg:logistic`: a regression through the sigmoid.
    LogisticRegression,
    /// `binary:logistic`: P(class 1) = sigmoid(margin).
    BinaryLogistic,
    /// `multi:softprob` / `multi:softmax`: softmax over one margin per class.
    Multiclass,
    /// `count:poisson`, `reg:gamma`, `reg:tweedie`: prediction = exp(margin).
    LogLink,
}

impl Objective {
    fn parse(name: &str) -> Result<Self> {
        Ok(match name {
            "reg:squarederror"
            | "reg:linear"
            | "reg:absoluteerror"
            | "reg:pseudohubererror"
            | "reg:squaredlogerror" => Self::Regression,
            "reg:logistic" => Self::LogisticRegression,
            "binary:logistic" => Self::BinaryLogistic,
            "multi:softprob" | "multi:softmax" => Self::Multiclass,
            "count:poisson" | "reg:gamma" | "reg:tweedie" => Self::LogLink,
            other => {
                return Err(InferenceError::Xgboost(format!(
                    "objective `{other}` is not supported"
                )))
            }
        })
    }

    /// Binary or multi-class classification.
    pub(crate) fn is_classifier(self) -> bool {
        matches!(self, Self::BinaryLogistic | Self::Multiclass)
    }
}

/// A loaded XGBoost model.
#[derive(Debug, Clone)]
pub struct XgbModel {
    /// Trees in summation order.
    pub(crate) trees: Vec<XgbTree>,
    /// Link between margin and prediction.
    pub(crate) objective: Objective,
    /// Starting margin of each output group.
    pub(crate) base_margin: Vec<f32>,
    /// Interface description.
    pub(crate) signature: Signature,
}

/// Parses and validates an XGBoost JSON model.
pub fn load_xgboost(bytes: &[u8]) -> Result<XgbModel> {
    let doc = json::parse(bytes)?;
    let p = parse::parse_model(&doc)?;
    let bad = |m: String| InferenceError::Xgboost(m);
    let objective = Objective::parse(&p.objective)?;
    if p.n_features == 0 {
        return Err(bad("`num_feature` is 0".into()));
    }
    let n_groups = if objective == Objective::Multiclass {
        p.n_class
    } else {
        1
    };
    if n_groups == 0 || (objective == Objective::Multiclass && n_groups < 2) {
        return Err(bad(format!(
            "`num_class` {} is invalid for {}",
            p.n_class, p.objective
        )));
    }
    for (k, t) in p.trees.iter().enumerate() {
        t.validate(p.n_features)
            .map_err(|m| bad(format!("tree {k}: {m}")))?;
        if t.group >= n_groups {
            return Err(bad(format!(
                "tree {k} belongs to group {}, the model has {n_groups}",
                t.group
            )));
        }
    }
    let base = match p.base_score.len() {
        1 => vec![p.base_score[0]; n_groups],
        n if n == n_groups => p.base_score.clone(),
        n => return Err(bad(format!("{n} base scores for {n_groups} output groups"))),
    };
    let base_margin = base
        .into_iter()
        .map(|b| match objective {
            // XGBoost's ProbToMargin, in float (`-logf(1/p - 1)`, `logf(p)`).
            Objective::BinaryLogistic | Objective::LogisticRegression if b > 0.0 && b < 1.0 => {
                Ok(-(1.0f32 / b - 1.0).ln())
            }
            Objective::LogLink if b > 0.0 => Ok(b.ln()),
            Objective::Regression | Objective::Multiclass => Ok(b),
            _ => Err(bad(format!(
                "base_score {b} is out of range for {}",
                p.objective
            ))),
        })
        .collect::<Result<Vec<_>>>()?;
    let classifier = objective.is_classifier();
    let info = |name: &str, role, t: &str| OutputInfo {
        name: name.into(),
        role,
        value_type: t.into(),
    };
    let signature = Signature {
        input_name: None,
        element_type: ElementType::F32,
        n_features: p.n_features,
        feature_names: (p.feature_names.len() == p.n_features).then_some(p.feature_names),
        task: if classifier {
            Task::Classification
        } else {
            Task::Regression
        },
        classes: classifier.then(|| ClassLabels::Int((0..n_groups.max(2) as i64).collect())),
        outputs: if classifier {
            vec![
                info("label", OutputRole::Label, "tensor(int64)"),
                info("probabilities", OutputRole::Probabilities, "tensor(float)"),
            ]
        } else {
            vec![info("value", OutputRole::Value, "tensor(float)")]
        },
    };
    Ok(XgbModel {
        trees: p.trees,
        objective,
        base_margin,
        signature,
    })
}

impl XgbModel {
    /// The trees, in summation order.
    pub fn trees(&self) -> &[XgbTree] {
        &self.trees
    }

    /// The objective.
    pub fn objective(&self) -> Objective {
        self.objective
    }

    /// The starting margin of each output group (the base score on the margin scale).
    pub fn base_margin(&self) -> &[f32] {
        &self.base_margin
    }

    /// The model's interface.
    pub fn signature(&self) -> &Signature {
        &self.signature
    }
}
