//! Building a [`TreeEnsemble`] from the trees of an ONNX tree-ensemble model, and
//! recomputing node covers by routing a dataset through the trees (ONNX trees carry no
//! covers, and path-dependent TreeSHAP needs them).

use ndarray::ArrayView2;

use super::model::{InputPrecision, Node, Split, SplitRule, Tree, TreeEnsemble};
use crate::explain::error::{ExplainError, Result};
use crate::inference::{ExportedTrees, SplitMode, TreeNode, TreeOutput};

impl TreeEnsemble {
    /// The ensemble computing `output` of an exported ONNX model (covers all zero until
    /// [`TreeEnsemble::with_routed_covers`]). Errors when the output is not affine in the
    /// trees (e.g. probabilities after a logistic or softmax), or when splits mix `<=`
    /// with `<` or test equality, which TreeSHAP's two-way splits cannot express.
    pub fn from_onnx(
        exported: &ExportedTrees,
        output: TreeOutput,
        n_features: usize,
    ) -> Result<Self> {
        let map = exported.output(output).ok_or_else(|| {
            ExplainError::InvalidTree(format!(
                "the model's {output:?} is not a sum of tree outputs (its post-transform is not affine)"
            ))
        })?;
        let mut rule = None;
        let mut trees = Vec::with_capacity(exported.trees.len());
        for t in &exported.trees {
            let mut nodes = Vec::with_capacity(t.len());
            for n in t {
                nodes.push(match n {
                    TreeNode::Leaf(votes) => Node {
                        split: None,
                        value: votes
                            .iter()
                            .filter(|v| v.0 == map.column)
                            .map(|v| v.1)
                            .sum(),
                        cover: 0.0,
                    },
                    &TreeNode::Branch {
                        feature,
                        mode,
                        threshold,
                        missing_true,
                        yes,
                        no,
                    } => {
                        // `x >= t` is `not (x < t)`: a `<` split with the children swapped.
                        let (r, swap) = match mode {
                            SplitMode::Leq => (SplitRule::LessOrEqual, false),
                            SplitMode::Lt => (SplitRule::Less, false),
                            SplitMode::Gte => (SplitRule::Less, true),
                            SplitMode::Gt => (SplitRule::LessOrEqual, true),
                            SplitMode::Eq | SplitMode::Neq => {
                                return Err(ExplainError::InvalidTree(
                                    "equality splits are not supported by TreeSHAP".into(),
                                ))
                            }
                        };
                        if rule.replace(r).is_some_and(|old| old != r) {
                            return Err(ExplainError::InvalidTree(
                                "the trees mix `<=` and `<` comparisons".into(),
                            ));
                        }
                        let (left, right) = if swap { (no, yes) } else { (yes, no) };
                        Node {
                            split: Some(Split {
                                feature,
                                threshold,
                                left,
                                right,
                                default_left: missing_true != swap,
                            }),
                            value: 0.0,
                            cover: 0.0,
                        }
                    }
                });
            }
            trees.push(Tree::new(nodes, n_features)?);
        }
        let precision = if exported.f32_inputs {
            InputPrecision::F32
        } else {
            InputPrecision::F64
        };
        TreeEnsemble::new(
            trees,
            n_features,
            rule.unwrap_or(SplitRule::LessOrEqual),
            precision,
            map.offset,
            map.scale,
        )
    }

    /// The same ensemble with every node's cover set to the (weighted) number of `data`
    /// rows reaching it, as sklearn's `weighted_n_node_samples` for the rows it was fitted
    /// on. `weights` default to 1 per row.
    pub fn with_routed_covers(
        &self,
        data: ArrayView2<f64>,
        weights: Option<&[f64]>,
    ) -> Result<Self> {
        self.check_features(data.ncols())?;
        if data.nrows() == 0 {
            return Err(ExplainError::InvalidParameter {
                name: "cover_data",
                reason: "no row to route through the trees".into(),
            });
        }
        if let Some(w) = weights {
            if w.len() != data.nrows() || w.iter().any(|v| !v.is_finite() || *v < 0.0) {
                return Err(ExplainError::InvalidWeights(
                    "one finite, non-negative weight per row".into(),
                ));
            }
        }
        let mut covers: Vec<Vec<f64>> = self
            .trees
            .iter()
            .map(|t| vec![0.0; t.nodes().len()])
            .collect();
        let mut x = Vec::with_capacity(self.n_features);
        for (r, row) in data.rows().into_iter().enumerate() {
            let w = weights.map_or(1.0, |w| w[r]);
            self.convert(row.iter().copied(), &mut x);
            for (tree, cover) in self.trees.iter().zip(&mut covers) {
                let mut i = 0;
                loop {
                    cover[i] += w;
                    match tree.nodes()[i].split {
                        None => break,
                        Some(s) => i = s.child(x[s.feature], self.rule),
                    }
                }
            }
        }
        if covers.iter().any(|c| c[0] <= 0.0) {
            return Err(ExplainError::InvalidWeights(
                "the rows routed through the trees have zero total weight".into(),
            ));
        }
        let mut out = self.clone();
        for (tree, cover) in out.trees.iter_mut().zip(covers) {
            tree.set_covers(&cover);
        }
        Ok(out)
    }
}
