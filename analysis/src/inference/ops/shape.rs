//! Default-domain shape operators (Reshape, Cast, Identity) and `ai.onnx.ml`
//! ArrayFeatureExtractor, which skl2onnx uses to turn class indices into class labels.

use ndarray::{ArrayD, IxDyn};

use super::{BuildCtx, Built, Kernel};
use crate::inference::tensor::{map_dense, ElemType, Tensor, ValueType};

#[derive(Debug)]
struct Reshape {
    allowzero: bool,
}

/// Compiles `Reshape` (0 copies a dimension unless `allowzero`, -1 is inferred).
pub(super) fn reshape(ctx: &BuildCtx<'_>) -> Result<Built, String> {
    ctx.expect_inputs(2, 2)?;
    let t = ctx.tensor_input(0)?;
    if ctx.tensor_input(1)? != ElemType::I64 {
        return Err("shape must be tensor(int64)".into());
    }
    let allowzero = ctx.attrs.int("allowzero")?.unwrap_or(0) != 0;
    Ok(Built::new(
        Reshape { allowzero },
        vec![ValueType::Tensor(t)],
    ))
}

impl Reshape {
    fn target(&self, input: &[usize], spec: &[i64]) -> Result<Vec<usize>, String> {
        let total: usize = input.iter().product();
        let mut out = Vec::with_capacity(spec.len());
        let mut infer = None;
        for (i, &d) in spec.iter().enumerate() {
            match d {
                -1 if infer.is_none() => {
                    infer = Some(i);
                    out.push(1);
                }
                0 if !self.allowzero => out.push(
                    *input
                        .get(i)
                        .ok_or_else(|| format!("shape {spec:?} copies a missing dimension"))?,
                ),
                d if d >= 0 => out.push(d as usize),
                _ => return Err(format!("invalid shape {spec:?}")),
            }
        }
        let known = out
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
            .ok_or("shape overflows")?;
        if let Some(i) = infer {
            if total.checked_rem(known) != Some(0) {
                return Err(format!("cannot reshape {input:?} to {spec:?}"));
            }
            out[i] = total / known;
        } else if known != total {
            return Err(format!("cannot reshape {input:?} to {spec:?}"));
        }
        Ok(out)
    }
}

impl Kernel for Reshape {
    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, String> {
        let (Some(x), Some(Tensor::I64(spec))) = (inputs.first(), inputs.get(1)) else {
            return Err("expects data and an int64 shape".into());
        };
        let spec: Vec<i64> = spec.iter().copied().collect();
        let shape = self.target(x.shape(), &spec)?;
        let out = map_dense!(x, a => a
            .as_standard_layout()
            .into_owned()
            .into_shape_with_order(IxDyn(&shape))
            .map_err(|e| e.to_string())?,
            seqmap => return Err("cannot reshape a sequence".into()));
        Ok(vec![out])
    }
}

#[derive(Debug)]
struct Cast {
    to: ElemType,
}

/// Compiles `Cast` between numeric types (and string to string).
pub(super) fn cast(ctx: &BuildCtx<'_>) -> Result<Built, String> {
    ctx.expect_inputs(1, 1)?;
    let from = ctx.tensor_input(0)?;
    let code = ctx.attrs.int("to")?.ok_or("attribute `to` is missing")?;
    let to = i32::try_from(code)
        .ok()
        .and_then(ElemType::from_onnx)
        .ok_or_else(|| format!("casting to type {code} is not supported"))?;
    if from.is_numeric() != to.is_numeric() {
        return Err(format!("casting {from} to {to} is not supported"));
    }
    Ok(Built::new(Cast { to }, vec![ValueType::Tensor(to)]))
}

macro_rules! cast_numeric {
    ($a:expr, $to:expr) => {
        match $to {
            ElemType::F32 => Tensor::F32($a.mapv(|v| v as f32)),
            ElemType::F64 => Tensor::F64($a.mapv(|v| v as f64)),
            ElemType::I64 => Tensor::I64($a.mapv(|v| v as i64)),
            ElemType::I32 => Tensor::I32($a.mapv(|v| v as i32)),
            ElemType::Str => return Err("cannot cast a number to a string".into()),
        }
    };
}

impl Kernel for Cast {
    // Float to integer truncates toward zero and saturates (C++ leaves overflow undefined).
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    fn cast_to(&self) -> Option<ElemType> {
        Some(self.to)
    }

    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, String> {
        let out = match inputs.first() {
            Some(Tensor::F32(a)) => cast_numeric!(a, self.to),
            Some(Tensor::F64(a)) => cast_numeric!(a, self.to),
            Some(Tensor::I64(a)) => cast_numeric!(a, self.to),
            Some(Tensor::I32(a)) => cast_numeric!(a, self.to),
            Some(Tensor::Str(a)) if self.to == ElemType::Str => Tensor::Str(a.clone()),
            _ => return Err("unsupported cast".into()),
        };
        Ok(vec![out])
    }
}

#[derive(Debug)]
struct Identity;

/// Compiles `Identity`.
pub(super) fn identity(ctx: &BuildCtx<'_>) -> Result<Built, String> {
    ctx.expect_inputs(1, 1)?;
    let t = ctx.inputs.first().cloned().ok_or("missing input")?;
    Ok(Built::new(Identity, vec![t]))
}

impl Kernel for Identity {
    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, String> {
        let x = inputs.first().ok_or("missing input")?;
        Ok(vec![(*x).clone()])
    }
}

#[derive(Debug)]
struct ArrayFeatureExtractor;

/// Compiles `ArrayFeatureExtractor` (int64 indices into the last axis).
pub(super) fn array_feature_extractor(ctx: &BuildCtx<'_>) -> Result<Built, String> {
    ctx.expect_inputs(2, 2)?;
    let t = ctx.tensor_input(0)?;
    if ctx.tensor_input(1)? != ElemType::I64 {
        return Err("indices must be tensor(int64)".into());
    }
    Ok(Built::new(
        ArrayFeatureExtractor,
        vec![ValueType::Tensor(t)],
    ))
}

/// Picks `idx` along the last axis of every row, as onnxruntime (a 1-D input gives `[1, k]`).
fn extract<T: Clone>(x: &ArrayD<T>, idx: &[usize]) -> Result<ArrayD<T>, String> {
    let stride = *x
        .shape()
        .last()
        .ok_or("input must have at least one dimension")?;
    if let Some(bad) = idx.iter().find(|&&j| j >= stride) {
        return Err(format!("index {bad} out of range for {stride} columns"));
    }
    let x = x.as_standard_layout();
    let data = x.as_slice().ok_or("non-contiguous input")?;
    let mut out = Vec::with_capacity(idx.len() * data.len() / stride.max(1));
    if stride > 0 {
        for row in data.chunks_exact(stride) {
            out.extend(idx.iter().map(|&j| row[j].clone()));
        }
    }
    let mut shape = x.shape().to_vec();
    if shape.len() == 1 {
        shape.insert(0, 1);
    }
    if let Some(last) = shape.last_mut() {
        *last = idx.len();
    }
    ArrayD::from_shape_vec(IxDyn(&shape), out).map_err(|e| e.to_string())
}

impl Kernel for ArrayFeatureExtractor {
    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, String> {
        let (Some(x), Some(Tensor::I64(y))) = (inputs.first(), inputs.get(1)) else {
            return Err("expects data and int64 indices".into());
        };
        if y.is_empty() {
            return Err("no index given".into());
        }
        let idx = y
            .iter()
            .map(|&j| usize::try_from(j).map_err(|_| format!("negative index {j}")))
            .collect::<Result<Vec<_>, _>>()?;
        let out = map_dense!(x, a => extract(a, &idx)?,
            seqmap => return Err("expects a tensor".into()));
        Ok(vec![out])
    }
}
