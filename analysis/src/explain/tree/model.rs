//! A plain tree-ensemble representation shared by evaluation and TreeSHAP.

use ndarray::{Array1, ArrayView2};

use crate::explain::error::{ExplainError, Result};
use crate::explain::predictor::Predictor;

/// How a split compares a feature value with its threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitRule {
    /// Go left iff `x <= threshold` (scikit-learn).
    LessOrEqual,
    /// Go left iff `x < threshold` (XGBoost, LightGBM numerical splits).
    Less,
}

/// Precision the runtime converts inputs to before comparing (both sklearn and XGBoost
/// compare `float32(x)`, so 0.1 and 0.1f32 can fall on different sides of a threshold).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputPrecision {
    /// Round inputs to f32 first.
    F32,
    /// Compare the f64 inputs as given.
    F64,
}

/// An internal node's test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Split {
    /// Feature (column) index tested.
    pub feature: usize,
    /// Threshold, compared according to the ensemble's [`SplitRule`].
    pub threshold: f64,
    /// Index of the left child in the tree's node vector.
    pub left: usize,
    /// Index of the right child.
    pub right: usize,
    /// Where a missing (NaN) value goes.
    pub default_left: bool,
}

/// One node: a split (internal) or none (leaf), its value and its cover.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Node {
    /// The test, `None` at leaves.
    pub split: Option<Split>,
    /// Output at a leaf (ignored at internal nodes).
    pub value: f64,
    /// Training weight reaching the node (sklearn `weighted_n_node_samples`, XGBoost
    /// `sum_hessian`); path-dependent TreeSHAP uses it as the conditional distribution.
    pub cover: f64,
}

/// One tree; node 0 is the root.
#[derive(Debug, Clone, PartialEq)]
pub struct Tree {
    nodes: Vec<Node>,
    depth: usize,
}

impl Tree {
    /// Validates that every node is reachable exactly once from the root (a proper tree).
    pub fn new(nodes: Vec<Node>, n_features: usize) -> Result<Self> {
        if nodes.is_empty() {
            return Err(ExplainError::InvalidTree("a tree has no node".into()));
        }
        let mut seen = vec![false; nodes.len()];
        let mut stack = vec![(0usize, 0usize)];
        let mut depth = 0;
        while let Some((i, d)) = stack.pop() {
            let node = nodes.get(i).ok_or_else(|| {
                ExplainError::InvalidTree(format!("child index {i} out of range"))
            })?;
            if std::mem::replace(&mut seen[i], true) {
                return Err(ExplainError::InvalidTree(format!("node {i} reached twice")));
            }
            depth = depth.max(d);
            if let Some(s) = node.split {
                if s.feature >= n_features {
                    return Err(ExplainError::InvalidTree(format!(
                        "node {i} splits on feature {} of {n_features}",
                        s.feature
                    )));
                }
                stack.push((s.left, d + 1));
                stack.push((s.right, d + 1));
            }
        }
        Ok(Self { nodes, depth })
    }

    /// The nodes, root first.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// Replaces the covers, node by node.
    pub(crate) fn set_covers(&mut self, covers: &[f64]) {
        for (n, &c) in self.nodes.iter_mut().zip(covers) {
            n.cover = c;
        }
    }

    /// Longest root-to-leaf path, in edges.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Leaf value reached by an (already precision-converted) row.
    pub(crate) fn leaf_value(&self, x: &[f64], rule: SplitRule) -> f64 {
        let mut i = 0;
        loop {
            let node = &self.nodes[i];
            match node.split {
                None => return node.value,
                Some(s) => i = s.child(x[s.feature], rule),
            }
        }
    }

    /// Cover-weighted mean leaf value. Children are weighted by their cover and divided by
    /// the node's own cover (XGBoost's `FillNodeMeanValues`), the same fractions that
    /// path-dependent TreeSHAP uses, so its values add up exactly even when float32 covers
    /// do not sum (shap divides by the children's sum instead: equal for sklearn trees).
    pub(crate) fn expected_value(&self) -> f64 {
        self.node_mean(0)
    }

    fn node_mean(&self, i: usize) -> f64 {
        let node = &self.nodes[i];
        match node.split {
            None => node.value,
            Some(s) => {
                let (wl, wr) = (self.nodes[s.left].cover, self.nodes[s.right].cover);
                let w = if node.cover > 0.0 {
                    node.cover
                } else {
                    wl + wr
                };
                if w == 0.0 {
                    0.0
                } else {
                    (wl * self.node_mean(s.left) + wr * self.node_mean(s.right)) / w
                }
            }
        }
    }
}

impl Split {
    /// The child a value goes to (NaN follows the default direction).
    #[inline]
    pub(crate) fn child(&self, v: f64, rule: SplitRule) -> usize {
        if self.goes_left(v, rule) {
            self.left
        } else {
            self.right
        }
    }

    /// Whether a value goes left.
    #[inline]
    pub(crate) fn goes_left(&self, v: f64, rule: SplitRule) -> bool {
        if v.is_nan() {
            return self.default_left;
        }
        match rule {
            SplitRule::LessOrEqual => v <= self.threshold,
            SplitRule::Less => v < self.threshold,
        }
    }
}

/// A sum (or mean) of trees: `output = base_offset + scale * sum_t tree_t(x)`.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeEnsemble {
    pub(crate) trees: Vec<Tree>,
    pub(crate) n_features: usize,
    pub(crate) rule: SplitRule,
    pub(crate) precision: InputPrecision,
    pub(crate) base_offset: f64,
    pub(crate) scale: f64,
}

impl TreeEnsemble {
    /// Assembles an ensemble; `scale` is `1 / n_trees` for averaging forests, else 1.
    pub fn new(
        trees: Vec<Tree>,
        n_features: usize,
        rule: SplitRule,
        precision: InputPrecision,
        base_offset: f64,
        scale: f64,
    ) -> Result<Self> {
        if trees.is_empty() {
            return Err(ExplainError::InvalidTree("the ensemble has no tree".into()));
        }
        if !base_offset.is_finite() || !scale.is_finite() {
            return Err(ExplainError::NonFinite("ensemble offset or scale"));
        }
        Ok(Self {
            trees,
            n_features,
            rule,
            precision,
            base_offset,
            scale,
        })
    }

    /// The trees.
    pub fn trees(&self) -> &[Tree] {
        &self.trees
    }

    /// Number of input features.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Constant added to the (scaled) sum of trees, e.g. XGBoost's base margin.
    pub fn base_offset(&self) -> f64 {
        self.base_offset
    }

    /// Factor applied to the sum of trees (`1 / n_trees` for a random forest).
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// Deepest tree's depth.
    pub fn max_depth(&self) -> usize {
        self.trees.iter().map(Tree::depth).max().unwrap_or(0)
    }

    /// Rounds a row as the runtime would before comparing (f32 or unchanged).
    pub(crate) fn convert(&self, row: impl Iterator<Item = f64>, out: &mut Vec<f64>) {
        out.clear();
        match self.precision {
            InputPrecision::F32 => out.extend(row.map(|v| v as f32 as f64)),
            InputPrecision::F64 => out.extend(row),
        }
    }

    /// Output for one converted row; trees are summed first, then scaled (as sklearn does).
    pub(crate) fn predict_converted(&self, x: &[f64]) -> f64 {
        let sum: f64 = self.trees.iter().map(|t| t.leaf_value(x, self.rule)).sum();
        self.base_offset + self.scale * sum
    }

    /// Cover-weighted expected output (path-dependent TreeSHAP's base value).
    pub fn expected_value(&self) -> f64 {
        let sum: f64 = self.trees.iter().map(Tree::expected_value).sum();
        self.base_offset + self.scale * sum
    }

    pub(crate) fn check_features(&self, got: usize) -> Result<()> {
        if got == self.n_features {
            Ok(())
        } else {
            Err(ExplainError::FeatureCount {
                expected: self.n_features,
                got,
            })
        }
    }
}

impl Predictor for TreeEnsemble {
    fn predict(&self, rows: ArrayView2<f64>) -> Result<Array1<f64>> {
        self.check_features(rows.ncols())?;
        let mut buf = Vec::with_capacity(self.n_features);
        Ok(rows
            .rows()
            .into_iter()
            .map(|r| {
                self.convert(r.iter().copied(), &mut buf);
                self.predict_converted(&buf)
            })
            .collect())
    }
}
