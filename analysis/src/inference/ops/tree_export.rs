//! Exporting a compiled tree operator for TreeSHAP: the [`Structure`] expanded into one
//! node list per tree, and the outputs that stay affine in the trees' vote sums, derived
//! from the same finalisation rules the kernels run (onnxruntime's aggregators).

use super::post::PostTransform;
use super::tree_attrs::{Child, Structure};
use super::tree_classify::ClassifierRule;
use super::tree_ensemble::Aggregate;
use crate::inference::trees::{AffineOutput, ExportedTrees, TreeNode, TreeOutput};

/// Expanded trees larger than this are not exported (shared subtrees are copied).
const MAX_EXPORTED_NODES: usize = 20_000_000;

/// One node list per root; a subtree shared by several parents is copied for each.
fn expand(s: &Structure) -> Result<Vec<Vec<TreeNode>>, String> {
    let mut total = 0usize;
    let mut trees = Vec::with_capacity(s.roots.len());
    for &root in &s.roots {
        let mut nodes: Vec<TreeNode> = Vec::new();
        // (child to place, parent index, is the yes side)
        let mut stack: Vec<(Child, Option<(usize, bool)>)> = vec![(root, None)];
        while let Some((c, parent)) = stack.pop() {
            total += 1;
            if total > MAX_EXPORTED_NODES {
                return Err("the expanded trees are too large".into());
            }
            let me = nodes.len();
            match c {
                Child::Leaf(l) => {
                    let votes = s.leaves.get(l).ok_or("leaf index out of range")?;
                    nodes.push(TreeNode::Leaf(votes.clone()));
                }
                Child::Node(b) => {
                    let br = s.branches.get(b).ok_or("node index out of range")?;
                    nodes.push(TreeNode::Branch {
                        feature: br.feature,
                        mode: br.mode,
                        threshold: br.threshold,
                        missing_true: br.missing_true,
                        yes: 0,
                        no: 0,
                    });
                    stack.push((br.no, Some((me, false))));
                    stack.push((br.yes, Some((me, true))));
                }
            }
            if let Some((p, yes_side)) = parent {
                if let TreeNode::Branch { yes, no, .. } = &mut nodes[p] {
                    *(if yes_side { yes } else { no }) = me;
                }
            }
        }
        trees.push(nodes);
    }
    Ok(trees)
}

/// The trees of a classifier or regressor kernel; `double`: computed in f64.
pub(super) fn export(
    s: &Structure,
    double: bool,
    outputs: Vec<(TreeOutput, AffineOutput)>,
) -> Option<ExportedTrees> {
    Some(ExportedTrees {
        trees: expand(s).ok()?,
        f32_inputs: !double,
        outputs,
    })
}

/// Whether every leaf votes for `class` (`Some(true)`), none does (`Some(false)`), or it
/// depends on the leaf (`None`: the "has a vote" flag would vary by row).
fn always_votes(s: &Structure, class: usize) -> Option<bool> {
    let all = s.leaves.iter().all(|l| l.iter().any(|v| v.0 == class));
    let none = s.leaves.iter().all(|l| l.iter().all(|v| v.0 != class));
    match (all, none) {
        (true, _) => Some(true),
        (false, true) => Some(false),
        (false, false) => None,
    }
}

fn affine(column: usize, offset: f64, scale: f64) -> AffineOutput {
    AffineOutput {
        column,
        offset,
        scale,
    }
}

/// A single-target regressor's value (`Value`), when not probit-transformed.
pub(super) fn regressor_outputs(
    n_targets: usize,
    base: &[f64],
    post: PostTransform,
    aggregate: Aggregate,
    n_trees: usize,
) -> Vec<(TreeOutput, AffineOutput)> {
    if n_targets != 1 || post == PostTransform::Probit {
        return Vec::new();
    }
    let origin = if base.len() == 1 { base[0] } else { 0.0 };
    let scale = match aggregate {
        Aggregate::Sum => 1.0,
        Aggregate::Average => 1.0 / n_trees.max(1) as f64,
        Aggregate::Min | Aggregate::Max => return Vec::new(),
    };
    vec![(TreeOutput::Value, affine(0, origin, scale))]
}

impl ClassifierRule {
    /// Probabilities and log-odds that are affine in one class's vote sum.
    pub(super) fn affine_outputs(&self, s: &Structure) -> Vec<(TreeOutput, AffineOutput)> {
        let mut out = Vec::new();
        let base = |k: usize| self.base.get(k).copied().unwrap_or(0.0);
        if self.n_classes > 2 {
            for k in 0..self.n_classes {
                let a = affine(k, base(k), 1.0);
                match self.post {
                    PostTransform::None => out.push((TreeOutput::Probability(k), a)),
                    PostTransform::Logistic => out.push((TreeOutput::LogOdds(k), a)),
                    _ => {}
                }
            }
            return out;
        }
        let (Some(has0), Some(has1)) = (always_votes(s, 0), always_votes(s, 1)) else {
            return out;
        };
        // The two written scores before the post-transform, as (column, offset, scale),
        // following `ClassifierRule::finalize` branch by branch.
        let zero = affine(0, 0.0, 0.0);
        let (size2, s0, s1) = match self.base.len() {
            2 if has1 => (true, affine(0, -base(1), -1.0), affine(0, base(1), 1.0)),
            2 => (true, affine(0, base(0), 1.0), affine(1, base(1), 0.0)),
            1 => (has1, affine(0, base(0), 1.0), affine(1, 0.0, 1.0)),
            _ => (has1, affine(0, 0.0, 1.0), affine(1, 0.0, 1.0)),
        };
        let s0 = if has0 { s0 } else { zero };
        if size2 {
            let s1 = if has1 { s1 } else { zero };
            let kind = match self.post {
                PostTransform::None => TreeOutput::Probability,
                PostTransform::Logistic => TreeOutput::LogOdds,
                _ => return out,
            };
            out.push((kind(0), s0));
            out.push((kind(1), s1));
            return out;
        }
        // One score column expanded to two (`extra` in `finalize`).
        let v = s0;
        let neg = affine(v.column, -v.offset, -v.scale);
        let complement = affine(v.column, 1.0 - v.offset, -v.scale);
        let extra = match (self.binary_case, self.all_positive, self.base.len()) {
            (true, true, _) => 0,
            (true, false, _) => 2,
            (false, _, 1) => -1,
            (false, _, _) => 3,
        };
        match (self.post, extra) {
            (PostTransform::Probit, _) => {}
            (_, 0) => {
                out.push((TreeOutput::Probability(0), complement));
                out.push((TreeOutput::Probability(1), v));
            }
            (PostTransform::Logistic, 2 | 3) => {
                out.push((TreeOutput::LogOdds(0), neg));
                out.push((TreeOutput::LogOdds(1), v));
            }
            (_, 2 | 3) => {
                out.push((TreeOutput::Probability(0), neg));
                out.push((TreeOutput::Probability(1), v));
            }
            _ => out.push((TreeOutput::Probability(0), v)),
        }
        out
    }
}
