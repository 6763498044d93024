//! Building a [`TreeEnsemble`] from XGBoost's own JSON model format (`save_model("*.json")`).

use serde::{Deserialize, Serialize};

use super::model::{InputPrecision, Node, Split, SplitRule, Tree, TreeEnsemble};
use crate::explain::error::{ExplainError, Result};

/// Top level of an XGBoost JSON model (only the fields TreeSHAP needs).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct XgbModel {
    /// The learner.
    pub learner: XgbLearner,
}

/// `learner` object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct XgbLearner {
    /// Global parameters (XGBoost writes them as strings).
    pub learner_model_param: XgbModelParam,
    /// Training objective; decides how `base_score` maps to a margin.
    pub objective: XgbObjective,
    /// The booster.
    pub gradient_booster: XgbBooster,
}

/// `learner_model_param`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct XgbModelParam {
    /// e.g. `"5E-1"` or, since XGBoost 3, `"[6.274165E-1]"`.
    pub base_score: String,
    /// Number of input features.
    pub num_feature: String,
}

/// `objective`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct XgbObjective {
    /// e.g. `binary:logistic`, `reg:squarederror`.
    pub name: String,
}

/// `gradient_booster` (gbtree only; dart models keep their trees one level deeper).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct XgbBooster {
    /// The tree model.
    pub model: XgbTrees,
}

/// `gradient_booster.model`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct XgbTrees {
    /// The trees.
    pub trees: Vec<XgbTree>,
    /// Output group (class) of every tree.
    pub tree_info: Vec<i64>,
}

/// One tree as XGBoost's parallel arrays.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct XgbTree {
    /// Left child per node, -1 at leaves.
    pub left_children: Vec<i64>,
    /// Right child per node, -1 at leaves.
    pub right_children: Vec<i64>,
    /// Split feature per node.
    pub split_indices: Vec<i64>,
    /// Threshold at internal nodes (go left iff x < it), leaf value at leaves.
    pub split_conditions: Vec<f64>,
    /// Missing values go left (1) or right (0).
    pub default_left: Vec<i64>,
    /// Node cover.
    pub sum_hessian: Vec<f64>,
    /// 0 numerical, 1 categorical (unsupported).
    #[serde(default)]
    pub split_type: Vec<i64>,
}

impl XgbTree {
    fn to_tree(&self, n_features: usize) -> Result<Tree> {
        let n = self.left_children.len();
        let ok = [
            self.right_children.len(),
            self.split_indices.len(),
            self.split_conditions.len(),
            self.default_left.len(),
            self.sum_hessian.len(),
        ]
        .iter()
        .all(|&l| l == n);
        if !ok {
            return Err(ExplainError::InvalidTree(
                "XGBoost tree arrays differ in length".into(),
            ));
        }
        if self.split_type.iter().any(|&t| t != 0) {
            return Err(ExplainError::InvalidTree(
                "categorical splits are not supported".into(),
            ));
        }
        let index = |v: i64| {
            usize::try_from(v).map_err(|_| ExplainError::InvalidTree(format!("bad index {v}")))
        };
        let mut nodes = Vec::with_capacity(n);
        for i in 0..n {
            let split = if self.left_children[i] < 0 {
                None
            } else {
                Some(Split {
                    feature: index(self.split_indices[i])?,
                    // XGBoost stores float32 thresholds; the f64 holds that value exactly.
                    threshold: self.split_conditions[i] as f32 as f64,
                    left: index(self.left_children[i])?,
                    right: index(self.right_children[i])?,
                    default_left: self.default_left[i] != 0,
                })
            };
            nodes.push(Node {
                split,
                value: self.split_conditions[i] as f32 as f64,
                cover: self.sum_hessian[i],
            });
        }
        Tree::new(nodes, n_features)
    }
}

impl TreeEnsemble {
    /// The margin (raw score) of output `group` of an XGBoost gbtree model: base margin
    /// (`base_score` through the objective's link) plus the sum of that group's trees.
    pub fn from_xgboost(model: &XgbModel, group: usize) -> Result<Self> {
        let learner = &model.learner;
        let param = &learner.learner_model_param;
        let n_features: usize =
            param.num_feature.trim().parse().map_err(|_| {
                ExplainError::InvalidTree(format!("num_feature {}", param.num_feature))
            })?;
        let scores = parse_base_score(&param.base_score)?;
        let base = scores
            .get(group)
            .or_else(|| scores.first())
            .copied()
            .ok_or_else(|| ExplainError::InvalidTree("empty base_score".into()))?;
        let base_margin = match learner.objective.name.as_str() {
            "binary:logistic" | "reg:logistic" | "binary:logitraw" => (base / (1.0 - base)).ln(),
            "count:poisson" | "reg:gamma" | "reg:tweedie" | "survival:cox" => base.ln(),
            _ => base,
        };
        let booster = &learner.gradient_booster.model;
        let mut trees = Vec::new();
        for (i, t) in booster.trees.iter().enumerate() {
            let g = booster.tree_info.get(i).copied().unwrap_or(0);
            if usize::try_from(g).ok() == Some(group) {
                trees.push(t.to_tree(n_features)?);
            }
        }
        TreeEnsemble::new(
            trees,
            n_features,
            SplitRule::Less,
            InputPrecision::F32,
            base_margin,
            1.0,
        )
    }
}

/// `"5E-1"` or `"[6.274165E-1,...]"` -> the float32 values as f64.
fn parse_base_score(text: &str) -> Result<Vec<f64>> {
    text.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .map(|s| {
            s.trim()
                .parse::<f32>()
                .map(f64::from)
                .map_err(|_| ExplainError::InvalidTree(format!("base_score {text}")))
        })
        .collect()
}
