//! Building a [`TreeEnsemble`] from scikit-learn's `tree_` arrays.

use serde::{Deserialize, Serialize};

use super::model::{InputPrecision, Node, Split, SplitRule, Tree, TreeEnsemble};
use crate::explain::error::{ExplainError, Result};

/// One fitted sklearn tree as parallel arrays (the `tree_` layout). Deserialises the
/// fixtures' `rf_trees.json` entries; parse thresholds exactly (serde_json's
/// `float_roundtrip`), since a 1-ulp error can flip a split where float32(x) == threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SklearnTree {
    /// Left child per node, -1 at leaves.
    pub children_left: Vec<i64>,
    /// Right child per node, -1 at leaves.
    pub children_right: Vec<i64>,
    /// Split feature per node (-2 at leaves).
    pub feature: Vec<i64>,
    /// Split threshold per node (go left iff float32(x) <= threshold).
    pub threshold: Vec<f64>,
    /// The explained output per node, e.g. the class-1 fraction or a regression value.
    #[serde(alias = "value_class1")]
    pub value: Vec<f64>,
    /// Node cover (`weighted_n_node_samples`).
    pub weighted_n_node_samples: Vec<f64>,
    /// sklearn >= 1.3 `missing_go_to_left` (absent: NaN goes to the child with more cover,
    /// which is what sklearn does for features without missing values at fit time).
    #[serde(default)]
    pub missing_go_to_left: Option<Vec<u8>>,
}

impl SklearnTree {
    /// Converts to the generic representation.
    pub fn to_tree(&self, n_features: usize) -> Result<Tree> {
        let n = self.children_left.len();
        let lens = [
            self.children_right.len(),
            self.feature.len(),
            self.threshold.len(),
            self.value.len(),
            self.weighted_n_node_samples.len(),
        ];
        if lens.iter().any(|&l| l != n) {
            return Err(ExplainError::InvalidTree(
                "sklearn tree arrays differ in length".into(),
            ));
        }
        let index = |v: i64| {
            usize::try_from(v).map_err(|_| ExplainError::InvalidTree(format!("bad index {v}")))
        };
        let mut nodes = Vec::with_capacity(n);
        for i in 0..n {
            let split = if self.children_left[i] < 0 {
                None
            } else {
                let left = index(self.children_left[i])?;
                let right = index(self.children_right[i])?;
                let cover = |c: usize| self.weighted_n_node_samples.get(c).copied().unwrap_or(0.0);
                let default_left = match &self.missing_go_to_left {
                    Some(m) => m.get(i).is_some_and(|&b| b != 0),
                    None => cover(left) >= cover(right),
                };
                Some(Split {
                    feature: index(self.feature[i])?,
                    threshold: self.threshold[i],
                    left,
                    right,
                    default_left,
                })
            };
            nodes.push(Node {
                split,
                value: self.value[i],
                cover: self.weighted_n_node_samples[i],
            });
        }
        Tree::new(nodes, n_features)
    }
}

impl TreeEnsemble {
    /// A `RandomForestClassifier`/`Regressor`: the mean of the trees' node values,
    /// `<=` splits on float32 inputs.
    pub fn from_sklearn_forest(trees: &[SklearnTree], n_features: usize) -> Result<Self> {
        let converted = trees
            .iter()
            .map(|t| t.to_tree(n_features))
            .collect::<Result<Vec<_>>>()?;
        let scale = 1.0 / converted.len().max(1) as f64;
        TreeEnsemble::new(
            converted,
            n_features,
            SplitRule::LessOrEqual,
            InputPrecision::F32,
            0.0,
            scale,
        )
    }
}
