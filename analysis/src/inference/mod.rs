//! Evaluating models RAIA runs itself: ONNX-ML (scikit-learn exports) and XGBoost JSON.
//!
//! * [`load_onnx`] decodes an ONNX file (hand-written protobuf messages, see `proto`),
//!   validates operator sets, operators and declared types against the ONNX
//!   specification, and compiles an execution plan; [`OnnxModel::run`] evaluates a batch.
//!   Numerics follow onnxruntime: float32 models compute in float32 (tree thresholds
//!   compared and leaf weights summed in float32), float64 graphs in float64.
//! * [`load_xgboost`] reads XGBoost's JSON model; [`XgbModel`] predicts like XGBoost and
//!   exposes its trees ([`XgbTree`]: thresholds, children, leaf values, covers) for TreeSHAP.
//! * [`Model`] wraps both behind one interface: [`Model::signature`] and
//!   [`Model::predict_batch`] returning a [`Prediction`].
//!
//! Supported operators: `ai.onnx.ml` LinearClassifier, LinearRegressor,
//! TreeEnsembleClassifier, TreeEnsembleRegressor, TreeEnsemble (opset 5), Scaler,
//! Normalizer, ZipMap, ArrayFeatureExtractor; default domain Add, Sub, Mul, Div, Abs, Neg,
//! Exp, Sigmoid, MatMul, Softmax, ArgMax, ReduceSum, Reshape, Cast, Identity. Any other
//! operator is rejected at load time with [`InferenceError::UnsupportedOperator`].

mod attrs;
mod error;
mod graph;
mod initializer;
mod json;
mod load;
mod masked;
mod ops;
mod order;
mod predict;
mod proto;
mod signature;
mod tensor;
mod trees;
mod xgboost;

pub use error::{InferenceError, Result};
pub use load::{load_onnx, OnnxModel, Outputs};
pub use masked::{LinearPipeline, MaskedOutput};
pub use predict::{Labels, Model, Prediction};
pub use signature::{ElementType, OutputInfo, OutputRole, Signature, Task};
pub use tensor::{ClassLabels, ElemType, SeqMap, Tensor, ValueType};
pub use trees::{AffineOutput, ExportedTrees, SplitMode, TreeNode, TreeOutput};
pub use xgboost::{load_xgboost, Objective, XgbModel, XgbTree};

#[cfg(test)]
mod tests;
