//! `TreeEnsembleRegressor` (ml opset 1/3, float output) and `TreeEnsemble` (ml opset 5,
//! output in the input type): aggregation, base values and post-transforms as onnxruntime.

use ndarray::{ArrayD, IxDyn};

use super::numeric::Real;
use super::post::{probit, PostTransform};
use super::tree_attrs::{parse_v3, Structure};
use super::tree_compile::Forest;
use super::tree_ensemble::{
    compile_as, input_type, post_attr, score_rows, targets, Aggregate, Compiled,
};
use super::tree_export::{export, regressor_outputs};
use super::tree_v5::parse_v5;
use super::{BuildCtx, Built, Kernel};
use crate::inference::tensor::{ElemType, Tensor, ValueType};
use crate::inference::trees::ExportedTrees;

/// Regression parameters.
#[derive(Debug)]
struct Regression {
    n_targets: usize,
    base: Vec<f64>,
    post: PostTransform,
    aggregate: Aggregate,
    /// float for TreeEnsembleRegressor, the input type for TreeEnsemble.
    out: ElemType,
}

impl Regression {
    fn run<T: Real>(&self, forest: &Forest<T>, x: &Tensor) -> Result<Tensor, String> {
        let k = self.n_targets;
        let n_trees = T::from_i64(forest.roots.len() as i64);
        let base: Vec<T> = self.base.iter().map(|&b| T::from_f64(b)).collect();
        let use_base = base.len() == k;
        let origin = if base.len() == 1 { base[0] } else { T::ZERO };
        let mut out: Vec<T> = Vec::new();

        let mut f32_row = vec![0.0f32; k];
        let n = score_rows(forest, x, k, self.aggregate, |scores, has_vote| {
            for (t, (s, &has)) in scores.iter_mut().zip(&*has_vote).enumerate() {
                let b = if use_base { base[t] } else { T::ZERO };
                *s = match self.aggregate {
                    // One target: onnxruntime adds the single base value ("origin").
                    Aggregate::Sum if k == 1 => *s + origin,
                    Aggregate::Average if k == 1 => *s / n_trees + origin,
                    _ if k == 1 => {
                        if has {
                            *s + origin
                        } else {
                            origin
                        }
                    }
                    Aggregate::Sum => *s + b,
                    Aggregate::Average => *s / n_trees + b,
                    Aggregate::Min | Aggregate::Max => b + if has { *s } else { T::ZERO },
                };
            }
            // onnxruntime writes several targets through `ScoreValue`, which reads 0 for a
            // target no tree voted for, even when a base value was added to it.
            if k > 1 {
                for (s, h) in scores.iter_mut().zip(&*has_vote) {
                    if !h {
                        *s = T::ZERO;
                    }
                }
            }
            match (k, self.post) {
                (_, PostTransform::None) => out.extend_from_slice(scores),
                (1, PostTransform::Probit) => out.push(T::from_f32(probit(scores[0].to_f32()))),
                (1, _) => out.push(scores[0]),
                _ => {
                    // Transforms compute in float, as onnxruntime's `write_scores`.
                    for (d, s) in f32_row.iter_mut().zip(&*scores) {
                        *d = s.to_f32();
                    }
                    self.post.apply_row(&mut f32_row);
                    out.extend(f32_row.iter().map(|&v| T::from_f32(v)));
                }
            }
        })?;
        let shape = IxDyn(&[n, k]);
        let tensor = match self.out {
            ElemType::F64 => Tensor::F64(
                ArrayD::from_shape_vec(shape, out.iter().map(|v| v.to_f64()).collect())
                    .map_err(|e| e.to_string())?,
            ),
            _ => Tensor::F32(
                ArrayD::from_shape_vec(shape, out.iter().map(|v| v.to_f32()).collect())
                    .map_err(|e| e.to_string())?,
            ),
        };
        Ok(tensor)
    }
}

#[derive(Debug)]
struct RegressorKernel {
    forest: Compiled,
    params: Regression,
    structure: Structure,
    double: bool,
}

impl Kernel for RegressorKernel {
    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, String> {
        let x = inputs.first().ok_or("missing input")?;
        Ok(vec![match &self.forest {
            Compiled::F32(f) => self.params.run(f, x)?,
            Compiled::F64(f) => self.params.run(f, x)?,
        }])
    }

    fn trees(&self) -> Option<ExportedTrees> {
        let p = &self.params;
        let n_trees = self.structure.roots.len();
        let outputs = regressor_outputs(p.n_targets, &p.base, p.post, p.aggregate, n_trees);
        export(&self.structure, self.double, outputs)
    }
}

/// Compiles `TreeEnsembleRegressor` (ml opset 1/3): output float, whatever the input.
pub(super) fn regressor(ctx: &BuildCtx<'_>) -> Result<Built, String> {
    let input = input_type(ctx)?;
    let (s, base) = parse_v3(ctx, "target")?;
    let n_targets = targets(ctx.attrs.int("n_targets")?.unwrap_or(0), &s, base.len())?;
    if !base.is_empty() && base.len() != n_targets {
        return Err(format!(
            "{} base values for {n_targets} targets",
            base.len()
        ));
    }
    let aggregate = match ctx
        .attrs
        .string("aggregate_function")?
        .as_deref()
        .unwrap_or("SUM")
    {
        "SUM" => Aggregate::Sum,
        "AVERAGE" => Aggregate::Average,
        "MIN" => Aggregate::Min,
        "MAX" => Aggregate::Max,
        other => return Err(format!("unknown aggregate_function `{other}`")),
    };
    let double = s.double || input == ElemType::F64;
    let params = Regression {
        n_targets,
        base,
        post: post_attr(ctx)?,
        aggregate,
        out: ElemType::F32,
    };
    let forest = compile_as(&s, n_targets, double)?;
    Ok(Built::new(
        RegressorKernel {
            forest,
            params,
            structure: s,
            double,
        },
        vec![ValueType::Tensor(ElemType::F32)],
    ))
}

/// Compiles `TreeEnsemble` (ml opset 5): attributes and output in the input's type.
pub(super) fn ensemble_v5(ctx: &BuildCtx<'_>) -> Result<Built, String> {
    let input = input_type(ctx)?;
    if !input.is_float() {
        return Err(format!(
            "input type {input} is not supported (float, double are)"
        ));
    }
    let s = parse_v5(ctx)?;
    if s.double != (input == ElemType::F64) {
        return Err("`nodes_splits` and `leaf_weights` must have the input's element type".into());
    }
    let n_targets = targets(ctx.attrs.int("n_targets")?.unwrap_or(0), &s, 0)?;
    let aggregate = match ctx.attrs.int("aggregate_function")?.unwrap_or(1) {
        0 => Aggregate::Average,
        1 => Aggregate::Sum,
        2 => Aggregate::Min,
        3 => Aggregate::Max,
        other => return Err(format!("unknown aggregate_function {other}")),
    };
    let post = PostTransform::from_code(ctx.attrs.int("post_transform")?.unwrap_or(0))?;
    let params = Regression {
        n_targets,
        base: Vec::new(),
        post,
        aggregate,
        out: input,
    };
    let forest = compile_as(&s, n_targets, s.double)?;
    let double = s.double;
    Ok(Built::new(
        RegressorKernel {
            forest,
            params,
            structure: s,
            double,
        },
        vec![ValueType::Tensor(input)],
    ))
}
