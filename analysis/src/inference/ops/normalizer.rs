//! `ai.onnx.ml` Normalizer (MAX, L1, L2 per row), output float32, with onnxruntime's
//! arithmetic: squares and absolute values are taken in the input type, sums in float.

use ndarray::{ArrayD, IxDyn};

use super::{BuildCtx, Built, Kernel};
use crate::inference::tensor::{ElemType, Tensor, ValueType};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Norm {
    Max,
    L1,
    L2,
}

#[derive(Debug)]
struct Normalizer {
    norm: Norm,
}

/// Compiles `Normalizer` (`norm` MAX, L1 or L2).
pub(super) fn build(ctx: &BuildCtx<'_>) -> Result<Built, String> {
    ctx.expect_inputs(1, 1)?;
    if !ctx.tensor_input(0)?.is_numeric() {
        return Err("input must be numeric".into());
    }
    let norm = match ctx.attrs.string("norm")?.as_deref().unwrap_or("MAX") {
        "MAX" => Norm::Max,
        "L1" => Norm::L1,
        "L2" => Norm::L2,
        other => return Err(format!("unknown norm `{other}`")),
    };
    Ok(Built::new(
        Normalizer { norm },
        vec![ValueType::Tensor(ElemType::F32)],
    ))
}

/// One input element seen as (value, |value|, value^2), each computed in the input's own
/// type and then converted to float, like onnxruntime's templated kernel.
type Parts = (f32, f32, f32);

impl Normalizer {
    fn row(&self, parts: &[Parts], out: &mut Vec<f32>) {
        match self.norm {
            Norm::Max => {
                let max = parts.iter().fold(f32::MIN, |m, p| m.max(p.0));
                let div = if max == 0.0 { 1.0 } else { max };
                out.extend(
                    parts
                        .iter()
                        .map(|p| if max == 0.0 { p.0 } else { p.0 / div }),
                );
            }
            Norm::L1 => {
                let sum = parts.iter().fold(0.0f32, |s, p| s + p.1);
                out.extend(
                    parts
                        .iter()
                        .map(|p| if sum == 0.0 { p.0 } else { p.0 / sum }),
                );
            }
            Norm::L2 => {
                let sum = parts.iter().fold(0.0f32, |s, p| s + p.2);
                out.extend(parts.iter().map(|p| {
                    if sum == 0.0 {
                        p.0
                    } else if p.0 < 0.0 {
                        -(p.2 / sum).sqrt()
                    } else {
                        (p.2 / sum).sqrt()
                    }
                }));
            }
        }
    }
}

impl Kernel for Normalizer {
    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, String> {
        let x = inputs.first().ok_or("missing input")?;
        let shape = x.shape().to_vec();
        let stride = match shape.as_slice() {
            [w] | [_, w] => *w,
            s => return Err(format!("expects a 1-D or 2-D tensor, got shape {s:?}")),
        };
        let parts: Vec<Parts> = match x {
            Tensor::F32(a) => a.iter().map(|&v| (v, v.abs(), v * v)).collect(),
            Tensor::F64(a) => a
                .iter()
                .map(|&v| (v as f32, v.abs() as f32, (v * v) as f32))
                .collect(),
            Tensor::I64(a) => a
                .iter()
                .map(|&v| {
                    let sq = v.wrapping_mul(v);
                    (v as f32, v.wrapping_abs() as f32, sq as f32)
                })
                .collect(),
            Tensor::I32(a) => a
                .iter()
                .map(|&v| {
                    let sq = v.wrapping_mul(v);
                    (v as f32, v.wrapping_abs() as f32, sq as f32)
                })
                .collect(),
            other => {
                return Err(format!(
                    "expects a numeric tensor, got {}",
                    other.value_type()
                ))
            }
        };
        let mut out = Vec::with_capacity(parts.len());
        if stride > 0 {
            for row in parts.chunks(stride) {
                self.row(row, &mut out);
            }
        }
        ArrayD::from_shape_vec(IxDyn(&shape), out)
            .map(|a| vec![Tensor::F32(a)])
            .map_err(|e| e.to_string())
    }
}
