//! Default-domain arithmetic: Add/Sub/Mul/Div with numpy broadcasting, Abs/Neg/Exp/Sigmoid,
//! MatMul and Softmax. Integer arithmetic wraps and integer division by zero is an error,
//! so no input can make the runtime panic.

use ndarray::{Array2, ArrayD, Axis, Ix2, IxDyn, Zip};

use super::numeric::Real;
use super::post::mlas_logistic;
use super::{BuildCtx, Built, Kernel};
use crate::inference::tensor::{Tensor, ValueType};

/// Broadcast shape of two shapes (numpy rules), `None` when incompatible.
pub(super) fn broadcast_shape(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    let dim = |s: &[usize], i: usize| {
        let pad = n - s.len();
        if i < pad {
            1
        } else {
            s[i - pad]
        }
    };
    (0..n)
        .map(|i| match (dim(a, i), dim(b, i)) {
            (x, y) if x == y || y == 1 => Some(x),
            (1, y) => Some(y),
            _ => None,
        })
        .collect()
}

fn zip_with<A, B, C>(
    a: &ArrayD<A>,
    b: &ArrayD<B>,
    f: impl Fn(&A, &B) -> C,
) -> Result<ArrayD<C>, String> {
    let shape = broadcast_shape(a.shape(), b.shape()).ok_or_else(|| {
        format!(
            "shapes {:?} and {:?} do not broadcast",
            a.shape(),
            b.shape()
        )
    })?;
    let (Some(av), Some(bv)) = (a.broadcast(IxDyn(&shape)), b.broadcast(IxDyn(&shape))) else {
        return Err("broadcast failed".into());
    };
    Ok(Zip::from(&av).and(&bv).map_collect(f))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug)]
struct Binary(BinOp);

/// Compiles `Add`/`Sub`/`Mul`/`Div` (both inputs of one numeric type).
pub(super) fn binary(ctx: &BuildCtx<'_>, op: &str) -> Result<Built, String> {
    ctx.expect_inputs(2, 2)?;
    let (a, b) = (ctx.tensor_input(0)?, ctx.tensor_input(1)?);
    if a != b || !a.is_numeric() {
        return Err(format!(
            "inputs must share one numeric type, got {a} and {b}"
        ));
    }
    let op = match op {
        "Add" => BinOp::Add,
        "Sub" => BinOp::Sub,
        "Mul" => BinOp::Mul,
        _ => BinOp::Div,
    };
    Ok(Built::new(Binary(op), vec![ValueType::Tensor(a)]))
}

macro_rules! int_binary {
    ($op:expr, $a:expr, $b:expr) => {{
        match $op {
            BinOp::Add => zip_with($a, $b, |x, y| x.wrapping_add(*y)),
            BinOp::Sub => zip_with($a, $b, |x, y| x.wrapping_sub(*y)),
            BinOp::Mul => zip_with($a, $b, |x, y| x.wrapping_mul(*y)),
            BinOp::Div => {
                let q = zip_with($a, $b, |x, y| x.checked_div(*y))?;
                if q.iter().any(Option::is_none) {
                    return Err("integer division by zero or overflow".into());
                }
                Ok(q.mapv(|v| v.unwrap_or(0)))
            }
        }
    }};
}

fn float_binary<T: Real>(op: BinOp, a: &ArrayD<T>, b: &ArrayD<T>) -> Result<ArrayD<T>, String> {
    match op {
        BinOp::Add => zip_with(a, b, |x, y| *x + *y),
        BinOp::Sub => zip_with(a, b, |x, y| *x - *y),
        BinOp::Mul => zip_with(a, b, |x, y| *x * *y),
        BinOp::Div => zip_with(a, b, |x, y| *x / *y),
    }
}

impl Kernel for Binary {
    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, String> {
        let out = match inputs {
            [Tensor::F32(a), Tensor::F32(b)] => Tensor::F32(float_binary(self.0, a, b)?),
            [Tensor::F64(a), Tensor::F64(b)] => Tensor::F64(float_binary(self.0, a, b)?),
            [Tensor::I64(a), Tensor::I64(b)] => Tensor::I64(int_binary!(self.0, a, b)?),
            [Tensor::I32(a), Tensor::I32(b)] => Tensor::I32(int_binary!(self.0, a, b)?),
            _ => return Err("inputs must be two numeric tensors of one type".into()),
        };
        Ok(vec![out])
    }
}

#[derive(Debug)]
struct Unary(String);

/// Compiles `Abs`/`Neg` (numeric) and `Exp`/`Sigmoid` (float).
pub(super) fn unary(ctx: &BuildCtx<'_>, op: &str) -> Result<Built, String> {
    ctx.expect_inputs(1, 1)?;
    let t = ctx.tensor_input(0)?;
    let ok = match op {
        "Abs" | "Neg" => t.is_numeric(),
        _ => t.is_float(),
    };
    if !ok {
        return Err(format!("input type {t} is not supported"));
    }
    Ok(Built::new(
        Unary(op.to_string()),
        vec![ValueType::Tensor(t)],
    ))
}

fn float_unary<T: Real>(op: &str, a: &ArrayD<T>) -> ArrayD<T> {
    match op {
        "Abs" => a.mapv(|v| if v < T::ZERO { -v } else { v }),
        "Neg" => a.mapv(|v| -v),
        "Exp" => a.mapv(T::exp),
        // onnxruntime: 1/(1+e^-|x|), mirrored for negative x (no overflow for large |x|).
        _ => a.mapv(|v| {
            let abs = if v < T::ZERO { -v } else { v };
            let s = T::ONE / (T::ONE + (-abs).exp());
            if v < T::ZERO {
                T::ONE - s
            } else {
                s
            }
        }),
    }
}

impl Kernel for Unary {
    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, String> {
        let op = self.0.as_str();
        let out = match (inputs.first(), op) {
            // onnxruntime's float Sigmoid is MLAS's logistic approximation.
            (Some(Tensor::F32(a)), "Sigmoid") => Tensor::F32(a.mapv(mlas_logistic)),
            (Some(Tensor::F32(a)), _) => Tensor::F32(float_unary(op, a)),
            (Some(Tensor::F64(a)), _) => Tensor::F64(float_unary(op, a)),
            (Some(Tensor::I64(a)), "Abs") => Tensor::I64(a.mapv(i64::wrapping_abs)),
            (Some(Tensor::I64(a)), "Neg") => Tensor::I64(a.mapv(i64::wrapping_neg)),
            (Some(Tensor::I32(a)), "Abs") => Tensor::I32(a.mapv(i32::wrapping_abs)),
            (Some(Tensor::I32(a)), "Neg") => Tensor::I32(a.mapv(i32::wrapping_neg)),
            _ => return Err(format!("{op}: unsupported input")),
        };
        Ok(vec![out])
    }
}

#[derive(Debug)]
struct MatMul;

/// Compiles `MatMul` (2-D float operands of one type).
pub(super) fn matmul(ctx: &BuildCtx<'_>) -> Result<Built, String> {
    ctx.expect_inputs(2, 2)?;
    let (a, b) = (ctx.tensor_input(0)?, ctx.tensor_input(1)?);
    if a != b || !a.is_float() {
        return Err(format!("inputs must share one float type, got {a} and {b}"));
    }
    Ok(Built::new(MatMul, vec![ValueType::Tensor(a)]))
}

/// `a @ b` for 2-D operands; each output is a fused multiply-add chain over the shared
/// dimension starting from 0, the order of onnxruntime's MLAS GEMM kernels.
fn matmul_2d<T: Real>(a: &ArrayD<T>, b: &ArrayD<T>) -> Result<ArrayD<T>, String> {
    let shapes = || format!("shapes {:?} and {:?}", a.shape(), b.shape());
    let (Ok(a2), Ok(b2)) = (
        a.view().into_dimensionality::<Ix2>(),
        b.view().into_dimensionality::<Ix2>(),
    ) else {
        return Err(format!("only 2-D operands are supported, got {}", shapes()));
    };
    if a2.ncols() != b2.nrows() {
        return Err(format!("cannot multiply {}", shapes()));
    }
    // Columns of `b` as contiguous rows, so each output is a dot product of two slices.
    let bt = b2.t().as_standard_layout().into_owned();
    let a2 = a2.as_standard_layout();
    let mut out = Array2::<T>::from_elem((a2.nrows(), bt.nrows()), T::ZERO);
    for (ar, mut or) in a2.rows().into_iter().zip(out.rows_mut()) {
        for (o, bc) in or.iter_mut().zip(bt.rows()) {
            *o = ar
                .iter()
                .zip(bc.iter())
                .fold(T::ZERO, |acc, (&x, &y)| T::fused(x, y, acc));
        }
    }
    Ok(out.into_dyn())
}

impl Kernel for MatMul {
    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, String> {
        let out = match inputs {
            [Tensor::F32(a), Tensor::F32(b)] => Tensor::F32(matmul_2d(a, b)?),
            [Tensor::F64(a), Tensor::F64(b)] => Tensor::F64(matmul_2d(a, b)?),
            _ => return Err("inputs must be two float tensors of one type".into()),
        };
        Ok(vec![out])
    }
}

#[derive(Debug)]
struct Softmax {
    axis: i64,
    /// Before opset 13 the input is flattened to 2-D at `axis`; since 13 it is per axis.
    flatten: bool,
}

/// Compiles `Softmax` (flattening semantics before opset 13, per axis since).
pub(super) fn softmax(ctx: &BuildCtx<'_>) -> Result<Built, String> {
    ctx.expect_inputs(1, 1)?;
    let t = ctx.tensor_input(0)?;
    if !t.is_float() {
        return Err(format!("input type {t} is not supported"));
    }
    let flatten = ctx.version < 13;
    let axis = ctx
        .attrs
        .int("axis")?
        .unwrap_or(if flatten { 1 } else { -1 });
    Ok(Built::new(
        Softmax { axis, flatten },
        vec![ValueType::Tensor(t)],
    ))
}

fn softmax_lane<T: Real>(mut lane: ndarray::ArrayViewMut1<'_, T>) {
    let max = lane.iter().fold(None, |m: Option<T>, &v| match m {
        // Keeps the first maximum; NaN never replaces it (as `v > max` in C++).
        Some(m) if v.partial_cmp(&m) != Some(std::cmp::Ordering::Greater) => Some(m),
        _ => Some(v),
    });
    let Some(max) = max else { return };
    let mut sum = T::ZERO;
    lane.iter_mut().for_each(|v| {
        *v = (*v - max).exp();
        sum += *v;
    });
    lane.iter_mut().for_each(|v| *v = *v / sum);
}

fn softmax_array<T: Real>(a: &ArrayD<T>, axis: i64, flatten: bool) -> Result<ArrayD<T>, String> {
    let rank = a.ndim() as i64;
    let axis = if axis < 0 { axis + rank } else { axis };
    if axis < 0 || axis >= rank.max(1) {
        return Err(format!("axis out of range for rank {rank}"));
    }
    let axis = axis as usize;
    let mut out = a.as_standard_layout().into_owned();
    if flatten {
        let rows: usize = a.shape()[..axis].iter().product();
        let cols: usize = a.shape()[axis..].iter().product();
        let shape = out.shape().to_vec();
        let mut flat = out
            .into_shape_with_order((rows, cols))
            .map_err(|e| e.to_string())?;
        flat.rows_mut().into_iter().for_each(softmax_lane);
        return flat
            .into_shape_with_order(IxDyn(&shape))
            .map_err(|e| e.to_string());
    }
    if a.ndim() > 0 {
        out.lanes_mut(Axis(axis)).into_iter().for_each(softmax_lane);
    }
    Ok(out)
}

impl Kernel for Softmax {
    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, String> {
        let out = match inputs.first() {
            Some(Tensor::F32(a)) => Tensor::F32(softmax_array(a, self.axis, self.flatten)?),
            Some(Tensor::F64(a)) => Tensor::F64(softmax_array(a, self.axis, self.flatten)?),
            _ => return Err("expects a float tensor".into()),
        };
        Ok(vec![out])
    }
}
