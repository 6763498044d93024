//! Default-domain reductions: ArgMax (skl2onnx's label index) and ReduceSum (its
//! probability normalisation).

use ndarray::{ArrayD, Axis};

use super::{BuildCtx, Built, Kernel};
use crate::inference::tensor::{ElemType, Tensor, ValueType};

/// Normalises a possibly negative axis against `rank`.
fn axis_index(axis: i64, rank: usize) -> Result<usize, String> {
    let r = rank as i64;
    let a = if axis < 0 { axis + r } else { axis };
    if a < 0 || a >= r {
        return Err(format!("axis {axis} out of range for rank {rank}"));
    }
    Ok(a as usize)
}

#[derive(Debug)]
struct ArgMax {
    axis: i64,
    keepdims: bool,
    select_last: bool,
}

/// Compiles `ArgMax` (`axis`, `keepdims`, `select_last_index`).
pub(super) fn argmax(ctx: &BuildCtx<'_>) -> Result<Built, String> {
    ctx.expect_inputs(1, 1)?;
    if !ctx.tensor_input(0)?.is_numeric() {
        return Err("input must be numeric".into());
    }
    let kernel = ArgMax {
        axis: ctx.attrs.int("axis")?.unwrap_or(0),
        keepdims: ctx.attrs.int("keepdims")?.unwrap_or(1) != 0,
        select_last: ctx.attrs.int("select_last_index")?.unwrap_or(0) != 0,
    };
    Ok(Built::new(kernel, vec![ValueType::Tensor(ElemType::I64)]))
}

impl ArgMax {
    fn apply<T: PartialOrd>(&self, a: &ArrayD<T>) -> Result<ArrayD<i64>, String> {
        let axis = axis_index(self.axis, a.ndim())?;
        if a.shape()[axis] == 0 {
            return Err("cannot take the argmax of an empty axis".into());
        }
        let out = a.map_axis(Axis(axis), |lane| {
            let mut best = 0usize;
            for (i, v) in lane.iter().enumerate() {
                let better = if self.select_last {
                    *v >= lane[best]
                } else {
                    *v > lane[best]
                };
                if better {
                    best = i;
                }
            }
            best as i64
        });
        Ok(if self.keepdims {
            out.insert_axis(Axis(axis))
        } else {
            out
        })
    }
}

impl Kernel for ArgMax {
    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, String> {
        let out = match inputs.first() {
            Some(Tensor::F32(a)) => self.apply(a)?,
            Some(Tensor::F64(a)) => self.apply(a)?,
            Some(Tensor::I64(a)) => self.apply(a)?,
            Some(Tensor::I32(a)) => self.apply(a)?,
            _ => return Err("expects a numeric tensor".into()),
        };
        Ok(vec![Tensor::I64(out)])
    }
}

#[derive(Debug)]
struct ReduceSum {
    /// Axes from the attribute (opset < 13); since 13 they come from the second input.
    attr_axes: Option<Vec<i64>>,
    keepdims: bool,
    noop_with_empty_axes: bool,
}

/// Compiles `ReduceSum` (axes as an attribute before opset 13, as an input since).
pub(super) fn reduce_sum(ctx: &BuildCtx<'_>) -> Result<Built, String> {
    let t = ctx.tensor_input(0)?;
    if !t.is_numeric() {
        return Err("input must be numeric".into());
    }
    let attr_axes = if ctx.version < 13 {
        ctx.expect_inputs(1, 1)?;
        Some(ctx.attrs.ints("axes")?.unwrap_or(&[]).to_vec())
    } else {
        ctx.expect_inputs(1, 2)?;
        if ctx.inputs.len() == 2 && ctx.tensor_input(1)? != ElemType::I64 {
            return Err("axes must be tensor(int64)".into());
        }
        None
    };
    let kernel = ReduceSum {
        attr_axes,
        keepdims: ctx.attrs.int("keepdims")?.unwrap_or(1) != 0,
        noop_with_empty_axes: ctx.attrs.int("noop_with_empty_axes")?.unwrap_or(0) != 0,
    };
    Ok(Built::new(kernel, vec![ValueType::Tensor(t)]))
}

impl ReduceSum {
    fn apply<T: Clone>(
        &self,
        a: &ArrayD<T>,
        axes: &[i64],
        zero: T,
        add: impl Fn(&T, &T) -> T,
    ) -> Result<ArrayD<T>, String> {
        if axes.is_empty() && self.noop_with_empty_axes {
            return Ok(a.clone());
        }
        let mut axes = if axes.is_empty() {
            (0..a.ndim()).collect::<Vec<_>>()
        } else {
            axes.iter()
                .map(|&x| axis_index(x, a.ndim()))
                .collect::<Result<Vec<_>, _>>()?
        };
        axes.sort_unstable();
        axes.dedup();
        let mut out = a.clone();
        for &ax in axes.iter().rev() {
            out = out.fold_axis(Axis(ax), zero.clone(), |acc, x| add(acc, x));
        }
        if self.keepdims {
            for &ax in &axes {
                out = out.insert_axis(Axis(ax));
            }
        }
        Ok(out)
    }
}

impl Kernel for ReduceSum {
    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, String> {
        let axes: Vec<i64> = match (&self.attr_axes, inputs.get(1)) {
            (Some(a), _) => a.clone(),
            (None, Some(Tensor::I64(a))) => a.iter().copied().collect(),
            (None, Some(_)) => return Err("axes must be tensor(int64)".into()),
            (None, None) => Vec::new(),
        };
        let out = match inputs.first() {
            Some(Tensor::F32(a)) => Tensor::F32(self.apply(a, &axes, 0.0, |x, y| x + y)?),
            Some(Tensor::F64(a)) => Tensor::F64(self.apply(a, &axes, 0.0, |x, y| x + y)?),
            Some(Tensor::I64(a)) => {
                Tensor::I64(self.apply(a, &axes, 0, |x, y| x.wrapping_add(*y))?)
            }
            Some(Tensor::I32(a)) => {
                Tensor::I32(self.apply(a, &axes, 0, |x, y| x.wrapping_add(*y))?)
            }
            _ => return Err("expects a numeric tensor".into()),
        };
        Ok(vec![out])
    }
}
