//! Operators: each node is compiled once at load time into a [`Kernel`] that knows its
//! attributes and input types, and reports its output types so the loader can check the
//! graph against the ONNX specification before anything runs.

mod linear;
mod normalizer;
mod numeric;
/// Post-transforms (also the source of the float FMA used by the GEMM kernels).
pub(crate) mod post;
mod reduce;
mod scaler;
mod shape;
mod standard;
mod tree_attrs;
mod tree_classify;
mod tree_compile;
mod tree_ensemble;
mod tree_export;
mod tree_regress;
mod tree_v5;
mod zipmap;

use std::fmt;

pub(crate) use linear::{binary_probability, single_value, transform_row, Affine};
use post::PostTransform;
pub(crate) use scaler::{scale, Scaler};

use super::attrs::Attrs;
use super::proto::NodeProto;
use super::tensor::{ClassLabels, ElemType, Tensor, ValueType};
use super::trees::ExportedTrees;

/// The ONNX-ML domain name.
pub(crate) const ML_DOMAIN: &str = "ai.onnx.ml";

/// A compiled node: evaluates its inputs into its outputs.
pub(crate) trait Kernel: fmt::Debug + Send + Sync {
    /// Evaluates the node. `inputs` holds the present inputs in order.
    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, String>;

    /// The class labels, for the classifier operators (used to build the signature).
    fn class_labels(&self) -> Option<&ClassLabels> {
        None
    }

    /// The trees, for the tree-ensemble operators (TreeSHAP).
    fn trees(&self) -> Option<ExportedTrees> {
        None
    }

    /// The element type a `Cast` converts to.
    fn cast_to(&self) -> Option<ElemType> {
        None
    }

    /// The stage of a linear pipeline this kernel is, for evaluating masked rows without
    /// building them (see `inference::masked`).
    fn linear_stage(&self) -> Option<LinearStage<'_>> {
        None
    }
}

/// A stage of a linear pipeline: `[Scaler] -> LinearClassifier | LinearRegressor`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum LinearStage<'a> {
    /// `Scaler`: `(x - offset) * scale`, per feature or one value for all.
    Scale(&'a Scaler),
    /// `LinearClassifier`.
    Classify {
        /// Scores.
        affine: &'a Affine,
        /// Transform of the scores.
        post: PostTransform,
    },
    /// `LinearRegressor`.
    Regress {
        /// Scores.
        affine: &'a Affine,
        /// Transform of the scores.
        post: PostTransform,
    },
}

/// What a kernel builder sees of its node.
#[derive(Debug)]
pub(crate) struct BuildCtx<'a> {
    /// The node.
    pub node: &'a NodeProto,
    /// Its attributes.
    pub attrs: Attrs<'a>,
    /// The operator set version imported for the node's domain.
    pub version: i64,
    /// Types of the present inputs, in order.
    pub inputs: Vec<ValueType>,
}

impl BuildCtx<'_> {
    /// The element type of dense input `i`, or an error naming the problem.
    pub fn tensor_input(&self, i: usize) -> Result<ElemType, String> {
        match self.inputs.get(i) {
            Some(ValueType::Tensor(t)) => Ok(*t),
            Some(other) => Err(format!("input {i} must be a tensor, got {other}")),
            None => Err(format!("input {i} is missing")),
        }
    }

    /// Checks the number of present inputs.
    pub fn expect_inputs(&self, min: usize, max: usize) -> Result<(), String> {
        let n = self.inputs.len();
        if n < min || n > max {
            return Err(if min == max {
                format!("expects {min} input(s), got {n}")
            } else {
                format!("expects {min} to {max} inputs, got {n}")
            });
        }
        Ok(())
    }
}

/// A compiled node and the types of its outputs.
#[derive(Debug)]
pub(crate) struct Built {
    /// The kernel.
    pub kernel: Box<dyn Kernel>,
    /// Output types, one per output the operator produces.
    pub outputs: Vec<ValueType>,
}

impl Built {
    /// Convenience constructor.
    pub fn new(kernel: impl Kernel + 'static, outputs: Vec<ValueType>) -> Self {
        Self {
            kernel: Box::new(kernel),
            outputs,
        }
    }
}

/// Why a node could not be compiled.
#[derive(Debug)]
pub(crate) enum BuildError {
    /// No implementation for this (domain, operator).
    Unsupported,
    /// The node violates its operator's specification.
    Invalid(String),
}

impl From<String> for BuildError {
    fn from(s: String) -> Self {
        Self::Invalid(s)
    }
}

/// Compiles one node. `domain` is normalised (`ai.onnx` -> empty).
pub(crate) fn build(domain: &str, ctx: &BuildCtx<'_>) -> Result<Built, BuildError> {
    let op = ctx.node.op_type.as_str();
    let built = match (domain, op) {
        (ML_DOMAIN, "LinearClassifier") => linear::classifier(ctx)?,
        (ML_DOMAIN, "LinearRegressor") => linear::regressor(ctx)?,
        (ML_DOMAIN, "TreeEnsembleClassifier") => tree_ensemble::classifier(ctx)?,
        (ML_DOMAIN, "TreeEnsembleRegressor") => tree_regress::regressor(ctx)?,
        (ML_DOMAIN, "TreeEnsemble") if ctx.version >= 5 => tree_regress::ensemble_v5(ctx)?,
        (ML_DOMAIN, "Scaler") => scaler::build(ctx)?,
        (ML_DOMAIN, "Normalizer") => normalizer::build(ctx)?,
        (ML_DOMAIN, "ZipMap") => zipmap::build(ctx)?,
        (ML_DOMAIN, "ArrayFeatureExtractor") => shape::array_feature_extractor(ctx)?,
        ("", "Add" | "Sub" | "Mul" | "Div") => standard::binary(ctx, op)?,
        ("", "Abs" | "Neg" | "Exp" | "Sigmoid") => standard::unary(ctx, op)?,
        ("", "MatMul") => standard::matmul(ctx)?,
        ("", "Softmax") => standard::softmax(ctx)?,
        ("", "ArgMax") => reduce::argmax(ctx)?,
        ("", "ReduceSum") => reduce::reduce_sum(ctx)?,
        ("", "Reshape") => shape::reshape(ctx)?,
        ("", "Cast") => shape::cast(ctx)?,
        ("", "Identity") => shape::identity(ctx)?,
        _ => return Err(BuildError::Unsupported),
    };
    Ok(built)
}
