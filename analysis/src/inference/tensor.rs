//! The runtime's value type: dense tensors of the few element types scikit-learn exports
//! use, plus ZipMap's sequence of maps (kept as one matrix with shared keys, so a batch
//! costs one allocation instead of one map per row).

use std::fmt;
use std::sync::Arc;

use ndarray::{Array2, ArrayD};

/// Element type of a dense tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ElemType {
    /// float32.
    F32,
    /// float64.
    F64,
    /// int64.
    I64,
    /// int32.
    I32,
    /// UTF-8 string.
    Str,
}

impl ElemType {
    /// Maps an ONNX `DataType` code; `None` for types the runtime does not handle.
    pub fn from_onnx(code: i32) -> Option<Self> {
        use super::proto::data_type as dt;
        match code {
            dt::FLOAT => Some(Self::F32),
            dt::DOUBLE => Some(Self::F64),
            dt::INT64 => Some(Self::I64),
            dt::INT32 => Some(Self::I32),
            dt::STRING => Some(Self::Str),
            _ => None,
        }
    }

    /// True for float32 and float64.
    pub fn is_float(self) -> bool {
        matches!(self, Self::F32 | Self::F64)
    }

    /// True for the numeric types (everything but strings).
    pub fn is_numeric(self) -> bool {
        !matches!(self, Self::Str)
    }
}

impl fmt::Display for ElemType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::F32 => "float",
            Self::F64 => "double",
            Self::I64 => "int64",
            Self::I32 => "int32",
            Self::Str => "string",
        })
    }
}

/// Class labels of a classifier: integers or strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClassLabels {
    /// `classlabels_ints` / `classlabels_int64s`.
    Int(Vec<i64>),
    /// `classlabels_strings`.
    Str(Vec<String>),
}

impl ClassLabels {
    /// Number of classes.
    pub fn len(&self) -> usize {
        match self {
            Self::Int(v) => v.len(),
            Self::Str(v) => v.len(),
        }
    }

    /// True when there is no class.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Element type of a tensor holding these labels.
    pub fn elem_type(&self) -> ElemType {
        match self {
            Self::Int(_) => ElemType::I64,
            Self::Str(_) => ElemType::Str,
        }
    }
}

/// The type of a value flowing through the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueType {
    /// A dense tensor of this element type (shapes are checked at run time).
    Tensor(ElemType),
    /// `seq(map(key, tensor(value)))`, ZipMap's output.
    SeqMap {
        /// Key type: int64 or string.
        key: ElemType,
        /// Value element type (always float for ZipMap).
        value: ElemType,
    },
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tensor(t) => write!(f, "tensor({t})"),
            Self::SeqMap { key, value } => write!(f, "seq(map({key},tensor({value})))"),
        }
    }
}

/// ZipMap's output: row `i` is the map `keys[j] -> values[[i, j]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SeqMap {
    /// The map keys, shared by every row.
    pub keys: Arc<ClassLabels>,
    /// One row of values per map.
    pub values: Array2<f32>,
}

/// A runtime value.
#[derive(Debug, Clone, PartialEq)]
pub enum Tensor {
    /// float32 tensor.
    F32(ArrayD<f32>),
    /// float64 tensor.
    F64(ArrayD<f64>),
    /// int64 tensor.
    I64(ArrayD<i64>),
    /// int32 tensor.
    I32(ArrayD<i32>),
    /// string tensor.
    Str(ArrayD<String>),
    /// Sequence of maps (ZipMap).
    SeqMap(SeqMap),
}

impl Tensor {
    /// The value's type.
    pub fn value_type(&self) -> ValueType {
        match self {
            Self::F32(_) => ValueType::Tensor(ElemType::F32),
            Self::F64(_) => ValueType::Tensor(ElemType::F64),
            Self::I64(_) => ValueType::Tensor(ElemType::I64),
            Self::I32(_) => ValueType::Tensor(ElemType::I32),
            Self::Str(_) => ValueType::Tensor(ElemType::Str),
            Self::SeqMap(m) => ValueType::SeqMap {
                key: m.keys.elem_type(),
                value: ElemType::F32,
            },
        }
    }

    /// Shape (for a sequence of maps: `[rows, keys]`).
    pub fn shape(&self) -> &[usize] {
        match self {
            Self::F32(a) => a.shape(),
            Self::F64(a) => a.shape(),
            Self::I64(a) => a.shape(),
            Self::I32(a) => a.shape(),
            Self::Str(a) => a.shape(),
            Self::SeqMap(m) => m.values.shape(),
        }
    }

    /// The values as f64, row-major, for numeric tensors and sequences of maps.
    pub fn to_f64_vec(&self) -> Option<Vec<f64>> {
        match self {
            Self::F32(a) => Some(row_major(a, f64::from)),
            Self::F64(a) => Some(row_major(a, |v| v)),
            // i64 -> f64 is what a caller reading "values" asks for; precision loss above
            // 2^53 is inherent to the request.
            Self::I64(a) => Some(a.iter().map(|&v| v as f64).collect()),
            Self::I32(a) => Some(a.iter().map(|&v| f64::from(v)).collect()),
            Self::SeqMap(m) => Some(m.values.iter().map(|&v| f64::from(v)).collect()),
            Self::Str(_) => None,
        }
    }
}

/// `f` of every element in row-major order. A contiguous array is read as a
/// slice: stepping an n-dimensional iterator per element costs more than `f`.
pub(crate) fn row_major<T: Copy, U>(a: &ArrayD<T>, f: impl Fn(T) -> U) -> Vec<U> {
    match a.as_slice() {
        Some(all) => all.iter().map(|&v| f(v)).collect(),
        None => a.iter().map(|&v| f(v)).collect(),
    }
}

/// Rebuilds a tensor of the same variant from the array `$body` computes from `$a`.
macro_rules! map_dense {
    ($t:expr, $a:ident => $body:expr, seqmap => $other:expr) => {
        match $t {
            Tensor::F32($a) => Tensor::F32($body),
            Tensor::F64($a) => Tensor::F64($body),
            Tensor::I64($a) => Tensor::I64($body),
            Tensor::I32($a) => Tensor::I32($body),
            Tensor::Str($a) => Tensor::Str($body),
            Tensor::SeqMap(_) => $other,
        }
    };
}
pub(crate) use map_dense;
