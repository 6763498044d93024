//! The trees of an ONNX tree-ensemble model, exported for TreeSHAP: every tree as a plain
//! node list, and each explainable output as an affine function of one vote column's sum
//! over the trees (what onnxruntime computes before and after its post-transform).

use super::graph::Plan;
use super::tensor::ElemType;

/// Comparison of an exported split: the `yes` child is taken when `x MODE threshold`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitMode {
    /// `x <= t`.
    Leq,
    /// `x < t`.
    Lt,
    /// `x >= t`.
    Gte,
    /// `x > t`.
    Gt,
    /// `x == t`.
    Eq,
    /// `x != t`.
    Neq,
}

/// One node of an exported tree; children index the same tree's node list.
#[derive(Debug, Clone, PartialEq)]
pub enum TreeNode {
    /// An interior node.
    Branch {
        /// Input column tested.
        feature: usize,
        /// Comparison.
        mode: SplitMode,
        /// Split value (exact: float attributes widen to f64 without loss).
        threshold: f64,
        /// A NaN input takes the `yes` child.
        missing_true: bool,
        /// Child when the test holds.
        yes: usize,
        /// Child otherwise.
        no: usize,
    },
    /// A leaf and its (vote column, weight) votes.
    Leaf(Vec<(usize, f64)>),
}

/// Which model output is wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeOutput {
    /// Probability of class k (probability column k).
    Probability(usize),
    /// Log-odds `ln(p / (1 - p))` of class k.
    LogOdds(usize),
    /// The (single-target) regression value.
    Value,
}

/// `output = offset + scale * sum over trees of the reached leaf's vote for `column``.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AffineOutput {
    /// Vote column (class or target id) summed over the trees.
    pub column: usize,
    /// Constant term (base values).
    pub offset: f64,
    /// Factor on the sum (`1 / n_trees` for averaging ensembles, -1 for a complement).
    pub scale: f64,
}

/// A tree-ensemble model's trees and the outputs that are affine in them.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportedTrees {
    /// Trees in summation order; node 0 of each is its root.
    pub trees: Vec<Vec<TreeNode>>,
    /// Inputs are rounded to float32 before comparison (float32 input or computation).
    pub f32_inputs: bool,
    /// Outputs expressible as an [`AffineOutput`].
    pub outputs: Vec<(TreeOutput, AffineOutput)>,
}

impl ExportedTrees {
    /// The affine form of `output`, if the model's post-transform keeps it affine.
    pub fn output(&self, output: TreeOutput) -> Option<AffineOutput> {
        self.outputs
            .iter()
            .find(|(o, _)| *o == output)
            .map(|(_, a)| *a)
    }
}

/// Operators that only move, rename or retype values (no arithmetic on them).
const PASSTHROUGH: [&str; 4] = ["Cast", "Identity", "ZipMap", "Reshape"];

impl Plan {
    /// The trees when the graph is one tree operator fed by the input (through casts at
    /// most) and followed only by pass-through operators, or, for a regressor, by `Add`
    /// of a one-element constant (skl2onnx's base value beside `TreeEnsemble` opset 5);
    /// `None` for any other graph.
    pub(crate) fn trees(&self, f32_input: bool) -> Option<ExportedTrees> {
        let i = self.steps.iter().position(|s| s.kernel.trees().is_some())?;
        let mut trees = self.steps[i].kernel.trees()?;
        trees.f32_inputs |= self.input_rounded(i)?;
        trees.f32_inputs |= f32_input;
        let regressor = trees.outputs.iter().all(|(o, _)| *o == TreeOutput::Value);
        // Values computed from the tree operator's outputs.
        let mut derived: Vec<usize> = self.steps[i].outputs.iter().flatten().copied().collect();
        let mut offset = 0.0;
        for step in &self.steps[i + 1..] {
            let live: Vec<usize> = step
                .inputs
                .iter()
                .copied()
                .filter(|&s| self.consts[s].is_none())
                .collect();
            // A branch beside the trees could compute the explained output instead.
            if !live.iter().all(|s| derived.contains(s)) {
                return None;
            }
            if step.op_type == "Add" && regressor && live.len() == 1 {
                let c = step.inputs.iter().find_map(|&s| self.consts[s].as_ref())?;
                match c.to_f64_vec()?.as_slice() {
                    [v] => offset += v,
                    _ => return None,
                }
            } else if !PASSTHROUGH.contains(&step.op_type.as_str()) {
                return None;
            }
            derived.extend(step.outputs.iter().flatten().copied());
        }
        // Before the tree operator only the input chain may run.
        if !self.steps[..i]
            .iter()
            .all(|s| s.kernel.cast_to().is_some() || s.op_type == "Identity")
        {
            return None;
        }
        for (_, a) in &mut trees.outputs {
            a.offset += offset;
        }
        Some(trees)
    }

    /// Whether the path from the graph input to step `i`'s input casts to float32;
    /// `None` when anything but casts and identities lies on it.
    fn input_rounded(&self, i: usize) -> Option<bool> {
        let mut slot = *self.steps[i].inputs.first()?;
        let mut rounded = false;
        while slot != self.input_slot {
            let producer = self.steps[..i]
                .iter()
                .find(|s| s.outputs.contains(&Some(slot)))?;
            match producer.kernel.cast_to() {
                Some(ElemType::F32) => rounded = true,
                Some(ElemType::F64) => {}
                Some(_) => return None,
                None if producer.op_type == "Identity" => {}
                None => return None,
            }
            slot = *producer.inputs.first()?;
        }
        Some(rounded)
    }
}
