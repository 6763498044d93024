//! `ai.onnx.ml` Scaler: `y = (x - offset) * scale`, output float32.

use ndarray::{ArrayD, IxDyn};

use super::{BuildCtx, Built, Kernel, LinearStage};
use crate::inference::tensor::{ElemType, Tensor, ValueType};

#[derive(Debug)]
pub(crate) struct Scaler {
    offset: Vec<f32>,
    scale: Vec<f32>,
}

/// Compiles `Scaler` (per-feature or scalar `offset`/`scale`).
pub(super) fn build(ctx: &BuildCtx<'_>) -> Result<Built, String> {
    ctx.expect_inputs(1, 1)?;
    if !ctx.tensor_input(0)?.is_numeric() {
        return Err("input must be numeric".into());
    }
    let scale = ctx.attrs.floats("scale")?.unwrap_or(&[]).to_vec();
    let offset = ctx.attrs.floats("offset")?.unwrap_or(&[]).to_vec();
    if scale.is_empty() || scale.len() != offset.len() {
        return Err(format!(
            "`scale` ({}) and `offset` ({}) must be non-empty and of equal length",
            scale.len(),
            offset.len()
        ));
    }
    Ok(Built::new(
        Scaler { offset, scale },
        vec![ValueType::Tensor(ElemType::F32)],
    ))
}

impl Scaler {
    /// `(offset, scale)` of the column `j`, for per-feature or scalar parameters.
    fn params(&self, stride: usize) -> Result<impl Fn(usize) -> (f32, f32) + '_, String> {
        let per_feature = self.scale.len() == stride;
        if !per_feature && self.scale.len() != 1 {
            return Err(format!(
                "scale/offset have {} values, the input has {stride} features",
                self.scale.len()
            ));
        }
        Ok(move |j: usize| {
            let k = if per_feature { j } else { 0 };
            (
                self.offset.get(k).copied().unwrap_or(0.0),
                self.scale.get(k).copied().unwrap_or(1.0),
            )
        })
    }
}

impl Scaler {
    /// `(offset, scale)` of each of `n_features` features (one value may serve all).
    pub(crate) fn per_feature(&self, n_features: usize) -> Result<Vec<(f32, f32)>, String> {
        Ok((0..n_features).map(self.params(n_features)?).collect())
    }
}

/// The Scaler's arithmetic on one float value.
#[inline]
pub(crate) fn scale(v: f32, offset: f32, scale: f32) -> f32 {
    (v - offset) * scale
}

impl Kernel for Scaler {
    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, String> {
        let x = inputs.first().ok_or("missing input")?;
        let shape = x.shape().to_vec();
        let stride = match shape.as_slice() {
            [w] | [_, w] => *w,
            s => return Err(format!("expects a 1-D or 2-D tensor, got shape {s:?}")),
        };
        let params = self.params(stride)?;
        // The common case, a contiguous float batch: whole rows against the per-column
        // parameters (no index arithmetic per element, so the loop vectorises).
        if let (Tensor::F32(a), true) = (x, stride > 0) {
            if let Some(data) = a.as_slice() {
                let (off, sc): (Vec<f32>, Vec<f32>) = (0..stride).map(&params).unzip();
                let mut values = Vec::with_capacity(data.len());
                for row in data.chunks_exact(stride) {
                    values.extend(
                        row.iter()
                            .zip(&off)
                            .zip(&sc)
                            .map(|((&v, &o), &c)| scale(v, o, c)),
                    );
                }
                return ArrayD::from_shape_vec(IxDyn(&shape), values)
                    .map(|a| vec![Tensor::F32(a)])
                    .map_err(|e| e.to_string());
            }
        }
        // `iter()` walks row-major, so element `i` sits in column `i % stride`.
        let column = |i: usize| if stride == 0 { 0 } else { i % stride };
        // Same arithmetic types as onnxruntime: float stays float, double computes in
        // double and rounds, integers are converted to float first.
        let values: Vec<f32> = match x {
            Tensor::F32(a) => a
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    let (off, sc) = params(column(i));
                    scale(v, off, sc)
                })
                .collect(),
            Tensor::F64(a) => a
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    let (off, sc) = params(column(i));
                    ((v - f64::from(off)) * f64::from(sc)) as f32
                })
                .collect(),
            Tensor::I64(a) => a
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    let (off, sc) = params(column(i));
                    (v as f32 - off) * sc
                })
                .collect(),
            Tensor::I32(a) => a
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    let (off, sc) = params(column(i));
                    (v as f32 - off) * sc
                })
                .collect(),
            other => {
                return Err(format!(
                    "expects a numeric tensor, got {}",
                    other.value_type()
                ))
            }
        };
        ArrayD::from_shape_vec(IxDyn(&shape), values)
            .map(|a| vec![Tensor::F32(a)])
            .map_err(|e| e.to_string())
    }

    fn linear_stage(&self) -> Option<LinearStage<'_>> {
        Some(LinearStage::Scale(self))
    }
}
