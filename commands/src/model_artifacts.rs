//! Validating an uploaded model artifact by loading it with RAIA's own runtime,
//! and describing its signature for the version event.

use analysis::inference::{
    ClassLabels, ElementType, InferenceError, Model, OutputRole, Signature, Task,
};
use domain::model::{ArtifactFormat, ArtifactSignature, SignatureOutput};

/// A loaded artifact and what it is.
#[derive(Debug)]
pub struct Inspected {
    /// The loaded model, ready to predict.
    pub model: Model,
    /// Its format.
    pub format: ArtifactFormat,
    /// Its signature.
    pub signature: ArtifactSignature,
}

/// Loads the bytes (ONNX protobuf or XGBoost JSON); the error says why they are refused.
pub fn inspect(bytes: &[u8]) -> Result<Inspected, InferenceError> {
    let model = Model::load(bytes)?;
    let format = match model {
        Model::Onnx(_) => ArtifactFormat::Onnx,
        Model::Xgboost(_) => ArtifactFormat::XgboostJson,
    };
    let signature = describe(model.signature());
    Ok(Inspected {
        model,
        format,
        signature,
    })
}

/// The runtime's signature in the event's terms.
pub fn describe(sig: &Signature) -> ArtifactSignature {
    ArtifactSignature {
        input_name: sig.input_name.clone(),
        element_type: match sig.element_type {
            ElementType::F32 => "float32",
            ElementType::F64 => "float64",
        }
        .into(),
        n_features: sig.n_features,
        feature_names: sig.feature_names.clone(),
        task: match sig.task {
            Task::Classification => "classification",
            Task::Regression => "regression",
        }
        .into(),
        classes: sig.classes.as_ref().map(classes_json),
        outputs: sig
            .outputs
            .iter()
            .map(|o| SignatureOutput {
                name: o.name.clone(),
                role: match o.role {
                    OutputRole::Label => "label",
                    OutputRole::Probabilities => "probabilities",
                    OutputRole::Value => "value",
                    OutputRole::Other => "other",
                }
                .into(),
                value_type: o.value_type.clone(),
            })
            .collect(),
    }
}

/// Class labels as a JSON array of integers or strings.
pub fn classes_json(c: &ClassLabels) -> serde_json::Value {
    match c {
        ClassLabels::Int(v) => serde_json::json!(v),
        ClassLabels::Str(v) => serde_json::json!(v),
    }
}
