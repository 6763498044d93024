//! Tree-ensemble evaluation shared by all versions (compute type, per-row vote
//! accumulation) and `TreeEnsembleClassifier`. Sums run in the threshold type the way
//! onnxruntime does (float32 for float attributes and float inputs, float64 when the input
//! or the attributes are double), tree after tree in file order. Regressors: `tree_regress`.

use std::sync::Arc;

use ndarray::Array2;

use super::linear::class_labels;
use super::numeric::{rows_as, Real};
use super::post::PostTransform;
use super::tree_attrs::{parse_v3, Structure};
use super::tree_classify::{ClassifierRule, LabelOut};
use super::tree_compile::{compile, Forest};
use super::tree_export::export;
use super::{BuildCtx, Built, Kernel};
use crate::inference::tensor::{ClassLabels, ElemType, Tensor, ValueType};
use crate::inference::trees::ExportedTrees;

/// How the trees' votes for one target are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Aggregate {
    Sum,
    Average,
    Min,
    Max,
}

/// The forest in its compute type.
#[derive(Debug)]
pub(super) enum Compiled {
    F32(Forest<f32>),
    F64(Forest<f64>),
}

/// Compiles the forest in float64 when `double`, else float32.
pub(super) fn compile_as(
    s: &Structure,
    n_targets: usize,
    double: bool,
) -> Result<Compiled, String> {
    Ok(if double {
        Compiled::F64(compile(s, n_targets)?)
    } else {
        Compiled::F32(compile(s, n_targets)?)
    })
}

/// Rows evaluated together: their traversals of one tree are interleaved (see
/// `Forest::leaves_block`), and the score buffers are reused across blocks.
const BLOCK: usize = 16;

/// Adds one leaf's votes to a row's scores (`has` marks targets that received a vote).
#[inline]
fn vote<T: Real>(forest: &Forest<T>, leaf: usize, s: &mut [T], h: &mut [bool], agg: Aggregate) {
    let Some(l) = forest.leaves.get(leaf) else {
        return;
    };
    if s.len() == 1 && l.len == 1 && matches!(agg, Aggregate::Sum | Aggregate::Average) {
        s[0] += l.single;
        h[0] = true;
        return;
    }
    for &(t, w) in forest.votes_of(l) {
        let (s, h) = (&mut s[t as usize], &mut h[t as usize]);
        *s = match agg {
            Aggregate::Sum | Aggregate::Average => *s + w,
            // onnxruntime: the first vote, then `w < s ? w : s` (NaN keeps s).
            Aggregate::Min => {
                if !*h || w < *s {
                    w
                } else {
                    *s
                }
            }
            Aggregate::Max => {
                if !*h || w > *s {
                    w
                } else {
                    *s
                }
            }
        };
        *h = true;
    }
}

/// Evaluates the batch and hands each row's accumulated scores (`k` per row, with the
/// "has a vote" flags) to `each`, in row order. Trees are added in file order per row,
/// so the sums are exactly onnxruntime's; nothing is allocated per row.
pub(super) fn score_rows<T: Real>(
    forest: &Forest<T>,
    x: &Tensor,
    k: usize,
    agg: Aggregate,
    mut each: impl FnMut(&mut [T], &mut [bool]),
) -> Result<usize, String> {
    let (n, width, data) = rows_as::<T>(x)?;
    if let Some(m) = forest.max_feature.filter(|&m| m >= width) {
        return Err(format!("the trees read feature {m}, the input has {width}"));
    }
    let mut scores = vec![T::ZERO; BLOCK * k];
    let mut has = vec![false; BLOCK * k];
    let mut leaves = [0usize; BLOCK];
    let mut start = 0;
    while start < n {
        let m = (n - start).min(BLOCK);
        let mut rows: [&[T]; BLOCK] = [&[]; BLOCK];
        for (i, r) in rows.iter_mut().enumerate().take(m) {
            *r = &data[(start + i) * width..(start + i + 1) * width];
        }
        scores[..m * k].fill(T::ZERO);
        has[..m * k].fill(false);
        for &root in &forest.roots {
            forest.leaves_block(root, &rows[..m], &mut leaves[..m]);
            for (i, &leaf) in leaves[..m].iter().enumerate() {
                let span = i * k..(i + 1) * k;
                vote(forest, leaf, &mut scores[span.clone()], &mut has[span], agg);
            }
        }
        for i in 0..m {
            let span = i * k..(i + 1) * k;
            each(&mut scores[span.clone()], &mut has[span]);
        }
        start += m;
    }
    Ok(n)
}

/// The (numeric) element type of the single input.
pub(super) fn input_type(ctx: &BuildCtx<'_>) -> Result<ElemType, String> {
    ctx.expect_inputs(1, 1)?;
    let t = ctx.tensor_input(0)?;
    if !t.is_numeric() {
        return Err(format!("input type {t} is not supported"));
    }
    Ok(t)
}

/// Validates `n_targets`: positive, and not a huge count no vote or base value refers to
/// (it sizes every output row, so a corrupted value must not turn into an allocation).
pub(super) fn targets(n: i64, s: &Structure, n_base: usize) -> Result<usize, String> {
    let used = s
        .leaves
        .iter()
        .flatten()
        .map(|v| v.0 + 1)
        .max()
        .unwrap_or(0)
        .max(n_base);
    usize::try_from(n)
        .ok()
        .filter(|&n| n >= 1 && (n <= used || n <= 4096))
        .ok_or_else(|| format!("invalid number of targets {n}"))
}

/// The string `post_transform` attribute (default NONE).
pub(super) fn post_attr(ctx: &BuildCtx<'_>) -> Result<PostTransform, String> {
    PostTransform::parse(&ctx.attrs.string("post_transform")?.unwrap_or("NONE".into()))
}

#[derive(Debug)]
struct ClassifierKernel {
    forest: Compiled,
    structure: Structure,
    double: bool,
    labels: Arc<ClassLabels>,
    rule: ClassifierRule,
}

impl ClassifierKernel {
    fn run_typed<T: Real>(&self, forest: &Forest<T>, x: &Tensor) -> Result<Vec<Tensor>, String> {
        let k = self.labels.len();
        let mut probs: Vec<f32> = Vec::new();
        let mut labels: Vec<LabelOut> = Vec::new();
        let mut row_out = vec![0.0f32; k];
        let n = score_rows(forest, x, k, Aggregate::Sum, |s, has| {
            labels.push(self.rule.finalize(s, has, &mut row_out));
            probs.extend_from_slice(&row_out);
        })?;
        let probs = Array2::from_shape_vec((n, k), probs).map_err(|e| e.to_string())?;
        Ok(vec![
            LabelOut::tensor(&self.labels, &labels)?,
            Tensor::F32(probs.into_dyn()),
        ])
    }
}

impl Kernel for ClassifierKernel {
    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, String> {
        let x = inputs.first().ok_or("missing input")?;
        match &self.forest {
            Compiled::F32(f) => self.run_typed(f, x),
            Compiled::F64(f) => self.run_typed(f, x),
        }
    }

    fn class_labels(&self) -> Option<&ClassLabels> {
        Some(&self.labels)
    }

    fn trees(&self) -> Option<ExportedTrees> {
        let outputs = self.rule.affine_outputs(&self.structure);
        export(&self.structure, self.double, outputs)
    }
}

/// Compiles `TreeEnsembleClassifier` (ml opset 1/3): labels plus float probabilities.
pub(super) fn classifier(ctx: &BuildCtx<'_>) -> Result<Built, String> {
    let input = input_type(ctx)?;
    let labels = class_labels(ctx, "classlabels_int64s")?;
    let (s, base) = parse_v3(ctx, "class")?;
    let rule = ClassifierRule::new(&s, &base, labels.len(), post_attr(ctx)?)?;
    let double = s.double || input == ElemType::F64;
    let forest = compile_as(&s, labels.len(), double)?;
    let outputs = vec![
        ValueType::Tensor(labels.elem_type()),
        ValueType::Tensor(ElemType::F32),
    ];
    let kernel = ClassifierKernel {
        forest,
        structure: s,
        double,
        labels: Arc::new(labels),
        rule,
    };
    Ok(Built::new(kernel, outputs))
}
