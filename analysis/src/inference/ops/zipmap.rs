//! `ai.onnx.ml` ZipMap: turns a float matrix into one `{class: probability}` map per row.
//! The maps share their keys, so the output keeps the matrix and the keys once.

use std::sync::Arc;

use ndarray::Ix2;

use super::linear::class_labels;
use super::{BuildCtx, Built, Kernel};
use crate::inference::tensor::{ClassLabels, ElemType, SeqMap, Tensor, ValueType};

#[derive(Debug)]
struct ZipMap {
    keys: Arc<ClassLabels>,
}

/// Compiles `ZipMap` (keys from `classlabels_int64s` or `classlabels_strings`).
pub(super) fn build(ctx: &BuildCtx<'_>) -> Result<Built, String> {
    ctx.expect_inputs(1, 1)?;
    if ctx.tensor_input(0)? != ElemType::F32 {
        return Err("input must be tensor(float)".into());
    }
    let keys = class_labels(ctx, "classlabels_int64s")?;
    let out = ValueType::SeqMap {
        key: keys.elem_type(),
        value: ElemType::F32,
    };
    Ok(Built::new(
        ZipMap {
            keys: Arc::new(keys),
        },
        vec![out],
    ))
}

impl Kernel for ZipMap {
    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, String> {
        let Some(Tensor::F32(x)) = inputs.first() else {
            return Err("expects a float tensor".into());
        };
        let x2 = match x.ndim() {
            1 => x
                .view()
                .insert_axis(ndarray::Axis(0))
                .into_dimensionality::<Ix2>(),
            _ => x.view().into_dimensionality::<Ix2>(),
        }
        .map_err(|_| format!("expects a 1-D or 2-D tensor, got shape {:?}", x.shape()))?;
        if x2.ncols() != self.keys.len() {
            return Err(format!(
                "{} values per row for {} class labels",
                x2.ncols(),
                self.keys.len()
            ));
        }
        Ok(vec![Tensor::SeqMap(SeqMap {
            keys: Arc::clone(&self.keys),
            values: x2.to_owned(),
        })])
    }

    fn class_labels(&self) -> Option<&ClassLabels> {
        Some(&self.keys)
    }
}
