//! Decoding `TensorProto` constants (graph initializers and tensor attributes).
//!
//! Sizes are checked against the bytes actually present before anything is allocated,
//! so a file claiming huge dimensions is rejected instead of exhausting memory.

use ndarray::{ArrayD, IxDyn};

use super::proto::{data_type as dt, TensorProto};
use super::tensor::Tensor;

/// Decodes a constant tensor; the error says what is wrong with it.
pub(crate) fn decode_tensor(t: &TensorProto) -> Result<Tensor, String> {
    decode(t, false)
}

/// As [`decode_tensor`], also accepting 8- and 16-bit integers widened to int32 (tensor
/// attributes such as `TreeEnsemble.nodes_modes` are uint8).
pub(crate) fn decode_attribute_tensor(t: &TensorProto) -> Result<Tensor, String> {
    decode(t, true)
}

fn decode(t: &TensorProto, widen: bool) -> Result<Tensor, String> {
    if t.data_location == 1 {
        return Err(format!(
            "tensor `{}` keeps its data in an external file, which is not supported",
            t.name
        ));
    }
    let mut shape = Vec::with_capacity(t.dims.len());
    let mut count: usize = 1;
    for &d in &t.dims {
        let d = usize::try_from(d)
            .map_err(|_| format!("tensor `{}` has a negative dimension {d}", t.name))?;
        count = count
            .checked_mul(d)
            .ok_or_else(|| format!("tensor `{}` is too large", t.name))?;
        shape.push(d);
    }
    let raw = &t.raw_data;
    let name = &t.name;
    match t.data_type {
        dt::FLOAT => {
            let data = if raw.is_empty() {
                t.float_data.clone()
            } else {
                le_chunks::<4>(raw, count, name)?
                    .map(f32::from_le_bytes)
                    .collect()
            };
            build(shape, data, name).map(Tensor::F32)
        }
        dt::DOUBLE => {
            let data = if raw.is_empty() {
                t.double_data.clone()
            } else {
                le_chunks::<8>(raw, count, name)?
                    .map(f64::from_le_bytes)
                    .collect()
            };
            build(shape, data, name).map(Tensor::F64)
        }
        dt::INT64 => {
            let data = if raw.is_empty() {
                t.int64_data.clone()
            } else {
                le_chunks::<8>(raw, count, name)?
                    .map(i64::from_le_bytes)
                    .collect()
            };
            build(shape, data, name).map(Tensor::I64)
        }
        dt::INT32 => {
            let data = if raw.is_empty() {
                t.int32_data.clone()
            } else {
                le_chunks::<4>(raw, count, name)?
                    .map(i32::from_le_bytes)
                    .collect()
            };
            build(shape, data, name).map(Tensor::I32)
        }
        dt::STRING => {
            let data = t
                .string_data
                .iter()
                .map(|s| {
                    String::from_utf8(s.clone())
                        .map_err(|_| format!("tensor `{name}` holds a string that is not UTF-8"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            build(shape, data, name).map(Tensor::Str)
        }
        // UINT8, INT8, UINT16, INT16: carried in `int32_data` or packed in raw bytes.
        code @ 2..=5 if widen => {
            let data: Vec<i32> = if raw.is_empty() {
                t.int32_data.clone()
            } else if code <= 3 {
                le_chunks::<1>(raw, count, name)?
                    .map(|[b]| {
                        if code == 2 {
                            i32::from(b)
                        } else {
                            i32::from(b as i8)
                        }
                    })
                    .collect()
            } else {
                le_chunks::<2>(raw, count, name)?
                    .map(|b| {
                        if code == 4 {
                            i32::from(u16::from_le_bytes(b))
                        } else {
                            i32::from(i16::from_le_bytes(b))
                        }
                    })
                    .collect()
            };
            build(shape, data, name).map(Tensor::I32)
        }
        other => Err(format!(
            "tensor `{name}` has element type {other}, which is not supported \
             (float, double, int32, int64, string are)"
        )),
    }
}

/// Splits little-endian raw data into `count` chunks of `N` bytes, checking the length.
fn le_chunks<'a, const N: usize>(
    raw: &'a [u8],
    count: usize,
    name: &str,
) -> Result<impl Iterator<Item = [u8; N]> + 'a, String> {
    if Some(raw.len()) != count.checked_mul(N) {
        return Err(format!(
            "tensor `{name}` has {} bytes of raw data, its shape needs {count} x {N}",
            raw.len()
        ));
    }
    Ok(raw.chunks_exact(N).map(|c| {
        let mut a = [0u8; N];
        a.copy_from_slice(c);
        a
    }))
}

fn build<T>(shape: Vec<usize>, data: Vec<T>, name: &str) -> Result<ArrayD<T>, String> {
    let len = data.len();
    ArrayD::from_shape_vec(IxDyn(&shape), data).map_err(|_| {
        format!("tensor `{name}` has {len} values, which does not match its shape {shape:?}")
    })
}
