//! The single error type of the inference module.

use thiserror::Error;

/// Everything that can go wrong while loading or evaluating a model.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum InferenceError {
    /// The bytes are not a protobuf-encoded ONNX `ModelProto`.
    #[error("not a valid ONNX model (protobuf decoding failed: {0})")]
    Decode(String),
    /// The model imports an operator set version this runtime does not implement.
    #[error("unsupported operator set: domain `{domain}` version {version}")]
    UnsupportedOpset {
        /// Domain (`ai.onnx` for the default one).
        domain: String,
        /// Imported version.
        version: i64,
    },
    /// A node uses an operator this runtime does not implement.
    #[error("unsupported operator `{domain}:{op_type}` (node `{node}`)")]
    UnsupportedOperator {
        /// Operator domain (`ai.onnx` for the default one).
        domain: String,
        /// Operator name.
        op_type: String,
        /// Node name (or its first output when unnamed).
        node: String,
    },
    /// The model's structure is invalid (graph, value names, declared types, IR version...).
    #[error("invalid model: {0}")]
    InvalidModel(String),
    /// A node's attributes or inputs violate its operator's specification.
    #[error("invalid node `{node}` ({op_type}): {message}")]
    InvalidNode {
        /// Node name (or its first output when unnamed).
        node: String,
        /// Operator name.
        op_type: String,
        /// What is wrong.
        message: String,
    },
    /// A graph output is declared with a type other than the one its producer returns.
    #[error(
        "output `{output}` is declared {declared}, but {producer} produces {actual} \
         (per the ONNX specification)"
    )]
    OutputTypeMismatch {
        /// Output name.
        output: String,
        /// Type written in the model.
        declared: String,
        /// Type the producing operator returns.
        actual: String,
        /// Producing operator.
        producer: String,
    },
    /// The input batch does not have the model's feature count.
    #[error("the model expects {expected} features per row, got {got}")]
    FeatureCount {
        /// Features the model reads.
        expected: usize,
        /// Columns in the batch.
        got: usize,
    },
    /// Evaluation failed (e.g. a data-dependent index out of range).
    #[error("evaluation failed in node `{node}`: {message}")]
    Runtime {
        /// Node name.
        node: String,
        /// What went wrong.
        message: String,
    },
    /// The model has no output the common interface can map to labels, probabilities or values.
    #[error("cannot build a prediction: {0}")]
    Prediction(String),
    /// The bytes are not valid JSON.
    #[error("invalid JSON at byte {offset}: {message}")]
    Json {
        /// Byte offset of the problem.
        offset: usize,
        /// What is wrong.
        message: String,
    },
    /// The JSON is not a supported XGBoost model.
    #[error("invalid or unsupported XGBoost model: {0}")]
    Xgboost(String),
}

/// Result alias of the module.
pub type Result<T> = std::result::Result<T, InferenceError>;
