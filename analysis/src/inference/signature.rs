//! What a model reads and returns: input name and element type, feature count, which
//! outputs hold labels, probabilities or regression values, and the classes.

use super::error::{InferenceError, Result};
use super::graph::Plan;
use super::proto::{TypeProto, ValueInfoProto};
use super::tensor::{ClassLabels, ElemType, Tensor, ValueType};

/// Element type a model computes in (its input is cast to it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElementType {
    /// float32.
    F32,
    /// float64.
    F64,
}

/// What the model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// Class labels and/or class probabilities.
    Classification,
    /// Numeric values.
    Regression,
}

/// The meaning of one model output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputRole {
    /// Predicted class labels, one per row.
    Label,
    /// Class probabilities, one row per input row, columns in class order.
    Probabilities,
    /// Regression values.
    Value,
    /// Anything else.
    Other,
}

/// One output of the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputInfo {
    /// Output name (`label`, `probability`, `margin`, `value` for XGBoost).
    pub name: String,
    /// Its meaning.
    pub role: OutputRole,
    /// Its ONNX type, e.g. `tensor(float)` or `seq(map(int64,tensor(float)))`.
    pub value_type: String,
}

/// A model's interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// Name of the input tensor (ONNX); `None` for XGBoost.
    pub input_name: Option<String>,
    /// Element type the input is cast to.
    pub element_type: ElementType,
    /// Number of features (columns) per row.
    pub n_features: usize,
    /// Feature names, when the model stores them (XGBoost).
    pub feature_names: Option<Vec<String>>,
    /// Classification or regression.
    pub task: Task,
    /// Class labels in probability-column order, for classifiers.
    pub classes: Option<ClassLabels>,
    /// Outputs in model order.
    pub outputs: Vec<OutputInfo>,
}

/// A declared type and, for tensors, the declared shape (`None` = symbolic dimension).
pub(crate) type Declared = (ValueType, Option<Vec<Option<usize>>>);

/// The declared type (and tensor shape) of a graph input or output; `None` if undeclared.
pub(crate) fn declared_type(v: &ValueInfoProto) -> std::result::Result<Option<Declared>, String> {
    let Some(t) = &v.r#type else { return Ok(None) };
    value_type(t, &v.name).map(Some)
}

fn value_type(t: &TypeProto, name: &str) -> std::result::Result<Declared, String> {
    let elem = |code: i32| {
        ElemType::from_onnx(code)
            .ok_or_else(|| format!("value `{name}` has unsupported element type {code}"))
    };
    if let Some(tt) = &t.tensor_type {
        let shape = tt.shape.as_ref().map(|s| {
            s.dim
                .iter()
                .map(|d| d.dim_value.and_then(|v| usize::try_from(v).ok()))
                .collect()
        });
        return Ok((ValueType::Tensor(elem(tt.elem_type)?), shape));
    }
    let map = t
        .sequence_type
        .as_ref()
        .and_then(|s| s.elem_type.as_ref())
        .and_then(|e| e.map_type.as_ref());
    if let Some(m) = map {
        let value = m
            .value_type
            .as_ref()
            .and_then(|v| v.tensor_type.as_ref())
            .ok_or_else(|| format!("value `{name}` has a map whose values are not tensors"))?;
        let key = elem(m.key_type)?;
        return Ok((
            ValueType::SeqMap {
                key,
                value: elem(value.elem_type)?,
            },
            None,
        ));
    }
    Err(format!(
        "value `{name}` has a type this runtime does not handle"
    ))
}

/// Derives the signature of a compiled ONNX graph.
pub(crate) fn onnx_signature(plan: &Plan) -> Result<Signature> {
    let (name, ty) = &plan.input;
    let element_type = match ty {
        ValueType::Tensor(ElemType::F32) => ElementType::F32,
        ValueType::Tensor(ElemType::F64) => ElementType::F64,
        other => {
            return Err(InferenceError::InvalidModel(format!(
                "input `{name}` is {other}; only tensor(float) and tensor(double) are supported"
            )))
        }
    };
    let n_features = match plan.input_shape.as_deref() {
        Some([_, Some(n)]) if *n > 0 => *n,
        _ => {
            return Err(InferenceError::InvalidModel(format!(
                "input `{name}` must be declared [N, n_features] with a fixed feature count"
            )))
        }
    };
    let classes = plan
        .steps
        .iter()
        .find_map(|s| s.kernel.class_labels().cloned())
        .or_else(|| constant_classes(plan));
    let has_label = plan.outputs.iter().any(|(_, _, t)| {
        matches!(t, ValueType::SeqMap { .. }) || matches!(t, ValueType::Tensor(e) if !e.is_float())
    });
    let task = if has_label || classes.is_some() {
        Task::Classification
    } else {
        Task::Regression
    };
    let (mut label, mut proba, mut value) = (false, false, false);
    let outputs = plan
        .outputs
        .iter()
        .map(|(name, _, t)| {
            let role = match t {
                ValueType::SeqMap { .. } if !proba => {
                    proba = true;
                    OutputRole::Probabilities
                }
                ValueType::Tensor(e) if !e.is_float() && !label => {
                    label = true;
                    OutputRole::Label
                }
                ValueType::Tensor(e) if e.is_float() && task == Task::Classification && !proba => {
                    proba = true;
                    OutputRole::Probabilities
                }
                ValueType::Tensor(e) if e.is_float() && task == Task::Regression && !value => {
                    value = true;
                    OutputRole::Value
                }
                _ => OutputRole::Other,
            };
            OutputInfo {
                name: name.clone(),
                role,
                value_type: t.to_string(),
            }
        })
        .collect();
    Ok(Signature {
        input_name: Some(name.clone()),
        element_type,
        n_features,
        feature_names: None,
        task,
        classes,
        outputs,
    })
}

/// Classes held as a constant looked up by ArrayFeatureExtractor (skl2onnx's
/// standard-operator classifiers map argmax indices to labels that way).
fn constant_classes(plan: &Plan) -> Option<ClassLabels> {
    plan.steps
        .iter()
        .filter(|s| s.op_type == "ArrayFeatureExtractor")
        .find_map(
            |s| match s.inputs.first().and_then(|&i| plan.consts[i].as_ref())? {
                Tensor::I64(a) => Some(ClassLabels::Int(a.iter().copied().collect())),
                Tensor::I32(a) => Some(ClassLabels::Int(a.iter().map(|&v| i64::from(v)).collect())),
                Tensor::Str(a) => Some(ClassLabels::Str(a.iter().cloned().collect())),
                _ => None,
            },
        )
}
