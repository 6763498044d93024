//! One XGBoost regression tree as plain parallel arrays (XGBoost's own layout), ready for
//! evaluation and for TreeSHAP.

/// A tree; every `Vec` is indexed by node id and node 0 is the root.
#[derive(Debug, Clone, PartialEq)]
pub struct XgbTree {
    /// Left child of each node; `-1` marks a leaf.
    pub left_children: Vec<i32>,
    /// Right child of each node; `-1` marks a leaf.
    pub right_children: Vec<i32>,
    /// Split feature of each interior node (0 at leaves).
    pub split_features: Vec<usize>,
    /// Split threshold: go left iff `x < threshold` (compared in float32).
    pub thresholds: Vec<f32>,
    /// Where a missing (NaN) value goes: left when true.
    pub default_left: Vec<bool>,
    /// Leaf value (contribution to the margin) of each leaf; 0 at interior nodes.
    pub leaf_values: Vec<f32>,
    /// Cover of each node: the sum of hessians of the training rows reaching it.
    pub covers: Vec<f32>,
    /// Output group the tree adds to (the class of multi-class models, else 0).
    pub group: usize,
}

impl XgbTree {
    /// Number of nodes.
    pub fn n_nodes(&self) -> usize {
        self.left_children.len()
    }

    /// True when `node` is a leaf.
    pub fn is_leaf(&self, node: usize) -> bool {
        self.left_children.get(node).is_none_or(|&c| c < 0)
    }

    /// The node (a leaf for a valid tree) reached by `row` (features as float32; NaN or a
    /// feature beyond the row is missing). Never panics, even on an inconsistent tree.
    #[inline]
    pub fn leaf_index(&self, row: &[f32]) -> usize {
        let mut node = 0usize;
        // A valid tree ends at a leaf within `n_nodes` steps; the bound only guards
        // hand-built inconsistent trees.
        for _ in 0..=self.n_nodes() {
            let (Some(&left), Some(&right)) =
                (self.left_children.get(node), self.right_children.get(node))
            else {
                return node;
            };
            if left < 0 || right < 0 {
                return node;
            }
            let feature = self.split_features.get(node).copied().unwrap_or(usize::MAX);
            let x = row.get(feature).copied().unwrap_or(f32::NAN);
            let go_left = if x.is_nan() {
                self.default_left.get(node).copied().unwrap_or(true)
            } else {
                self.thresholds.get(node).is_some_and(|&t| x < t)
            };
            node = if go_left {
                left as usize
            } else {
                right as usize
            };
        }
        node
    }

    /// The leaf value reached by `row`.
    #[inline]
    pub fn predict_leaf(&self, row: &[f32]) -> f32 {
        self.leaf_values
            .get(self.leaf_index(row))
            .copied()
            .unwrap_or(0.0)
    }

    /// Checks array lengths, child indices and that every node is reached once from the
    /// root (no cycle, no shared node), and that leaves have both children at -1.
    pub(crate) fn validate(&self, n_features: usize) -> Result<(), String> {
        let n = self.n_nodes();
        if n == 0 {
            return Err("a tree has no node".into());
        }
        let lens = [
            self.right_children.len(),
            self.split_features.len(),
            self.thresholds.len(),
            self.default_left.len(),
            self.leaf_values.len(),
            self.covers.len(),
        ];
        if lens.iter().any(|&l| l != n) {
            return Err("a tree's arrays have different lengths".into());
        }
        let mut seen = vec![false; n];
        let mut stack = vec![0usize];
        seen[0] = true;
        while let Some(node) = stack.pop() {
            let (l, r) = (self.left_children[node], self.right_children[node]);
            if l < 0 || r < 0 {
                if l >= 0 || r >= 0 {
                    return Err(format!("node {node} has only one child"));
                }
                continue;
            }
            if self.split_features[node] >= n_features {
                return Err(format!(
                    "node {node} splits on feature {}, the model has {n_features}",
                    self.split_features[node]
                ));
            }
            for c in [l as usize, r as usize] {
                match seen.get_mut(c) {
                    None => return Err(format!("node {node} has child {c} out of range")),
                    Some(true) => return Err(format!("node {c} is reached twice")),
                    Some(s) => *s = true,
                }
                stack.push(c);
            }
        }
        Ok(())
    }
}
