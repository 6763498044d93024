//! The float types kernels compute in, and reading numeric tensors as rows of them.

use std::borrow::Cow;
use std::fmt::Debug;
use std::ops::{Add, AddAssign, Div, Mul, Neg, Sub};

use ndarray::ArrayD;

use crate::inference::tensor::Tensor;

/// float32 or float64.
pub(crate) trait Real:
    Copy
    + PartialOrd
    + Debug
    + Send
    + Sync
    + 'static
    + Add<Output = Self>
    + AddAssign
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    /// 0.
    const ZERO: Self;
    /// 1.
    const ONE: Self;
    /// Conversion (rounding to nearest for f32).
    fn from_f64(v: f64) -> Self;
    /// Exact conversion.
    fn from_f32(v: f32) -> Self;
    /// Rounding conversion, as C++'s `static_cast`.
    fn from_i64(v: i64) -> Self;
    /// Conversion to float32 (rounding for f64).
    fn to_f32(self) -> f32;
    /// Exact conversion to float64.
    fn to_f64(self) -> f64;
    /// NaN test.
    fn is_nan(self) -> bool;
    /// `e^self`.
    fn exp(self) -> Self;
    /// `a * b + c` rounded once, as the FMA kernels of onnxruntime's GEMMs compute it.
    fn fused(a: Self, b: Self, c: Self) -> Self;
    /// The array inside a tensor of this element type.
    fn borrow(t: &Tensor) -> Option<&ArrayD<Self>>;
}

macro_rules! impl_real {
    ($t:ty, $variant:ident, $fused:expr) => {
        impl Real for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            #[allow(clippy::cast_possible_truncation)]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            fn from_f32(v: f32) -> Self {
                Self::from(v)
            }
            #[allow(clippy::cast_precision_loss)]
            fn from_i64(v: i64) -> Self {
                v as $t
            }
            #[allow(clippy::cast_possible_truncation)]
            fn to_f32(self) -> f32 {
                self as f32
            }
            fn to_f64(self) -> f64 {
                f64::from(self)
            }
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            fn exp(self) -> Self {
                <$t>::exp(self)
            }
            fn fused(a: Self, b: Self, c: Self) -> Self {
                $fused(a, b, c)
            }
            fn borrow(t: &Tensor) -> Option<&ArrayD<Self>> {
                match t {
                    Tensor::$variant(a) => Some(a),
                    _ => None,
                }
            }
        }
    };
}

// f32: exact via f64 arithmetic (see `fma32`); f64: `mul_add` (libm `fma`, exact).
impl_real!(f32, F32, super::post::fma32);
impl_real!(f64, F64, f64::mul_add);

/// Reads a 1-D (one row) or 2-D numeric tensor as `(rows, width, row-major values)`,
/// borrowing when it already holds contiguous values of type `T` and converting otherwise.
pub(crate) fn rows_as<T: Real>(t: &Tensor) -> Result<(usize, usize, Cow<'_, [T]>), String> {
    let (n, width) = match t.shape() {
        [w] => (1, *w),
        [n, w] => (*n, *w),
        s => return Err(format!("expects a 1-D or 2-D tensor, got shape {s:?}")),
    };
    if let Some(s) = T::borrow(t).and_then(|a| a.as_slice()) {
        return Ok((n, width, Cow::Borrowed(s)));
    }
    let data: Vec<T> = match t {
        Tensor::F32(a) => a.iter().map(|&v| T::from_f32(v)).collect(),
        Tensor::F64(a) => a.iter().map(|&v| T::from_f64(v)).collect(),
        Tensor::I64(a) => a.iter().map(|&v| T::from_i64(v)).collect(),
        Tensor::I32(a) => a.iter().map(|&v| T::from_i64(i64::from(v))).collect(),
        Tensor::Str(_) | Tensor::SeqMap(_) => {
            return Err(format!("expects a numeric tensor, got {}", t.value_type()))
        }
    };
    Ok((n, width, Cow::Owned(data)))
}
