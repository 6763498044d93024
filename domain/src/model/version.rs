//! A model version: an artifact RAIA can run, its signature, and where it stands
//! in the review lifecycle.

use serde::{Deserialize, Serialize};

/// The file format of an artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArtifactFormat {
    /// ONNX / ONNX-ML protobuf.
    Onnx,
    /// XGBoost's JSON model format.
    XgboostJson,
    /// No file: a model server RAIA calls (see [`RemoteEndpoint`]).
    Remote,
}

/// The wire protocol of a remote model server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemoteProtocol {
    /// KServe / Open Inference Protocol v2: `POST /v2/models/{name}/infer`.
    KserveV2,
    /// MLflow scoring server: `POST /invocations` with `dataframe_split`.
    Mlflow,
}

/// A model served elsewhere that RAIA calls for predictions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteEndpoint {
    /// Protocol.
    pub protocol: RemoteProtocol,
    /// Base URL of the server (`http://host:8080`).
    pub url: String,
    /// Model name on the server (KServe v2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_name: Option<String>,
    /// Input tensor name (KServe v2; default `input-0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_name: Option<String>,
    /// Per-attempt time limit, milliseconds.
    pub timeout_ms: u64,
    /// Extra attempts after a connection error, 429 or 5xx.
    pub retries: u32,
}

/// The stored artifact: content address, size and format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    /// SHA-256 of the bytes (the blob's name).
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Format.
    pub format: ArtifactFormat,
    /// The file name the uploader gave, if any.
    pub filename: Option<String>,
    /// The model server, for a remote version (its `sha256` is that of this
    /// endpoint's canonical JSON, so versions stay content-addressed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<RemoteEndpoint>,
}

/// One output of a model, as extracted at upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureOutput {
    /// Output name.
    pub name: String,
    /// `label`, `probabilities`, `value` or `other`.
    pub role: String,
    /// ONNX type, e.g. `tensor(float)`.
    pub value_type: String,
}

/// A model's interface, extracted by loading the artifact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArtifactSignature {
    /// Input tensor name (ONNX).
    pub input_name: Option<String>,
    /// `float32` or `float64`.
    pub element_type: String,
    /// Features per row.
    pub n_features: usize,
    /// Feature names stored in the artifact (XGBoost), if any.
    pub feature_names: Option<Vec<String>>,
    /// `classification` or `regression`.
    pub task: String,
    /// Class labels in probability order (integers or strings), for classifiers.
    pub classes: Option<serde_json::Value>,
    /// Outputs in model order.
    pub outputs: Vec<SignatureOutput>,
}

/// Where a version stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    /// Uploaded, not yet submitted.
    Draft,
    /// Waiting for review.
    Submitted,
    /// Approved by a reviewer other than the submitter.
    Approved,
    /// Refused by a reviewer (may be submitted again).
    Rejected,
    /// Serving predictions by default.
    Deployed,
    /// Out of service for good.
    Retired,
}

impl VersionStatus {
    /// The status as written in the API and the read model.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Deployed => "deployed",
            Self::Retired => "retired",
        }
    }
}

/// What an uploader provides for a new version (facts gathered by the handler).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewVersion {
    /// The stored artifact.
    pub artifact: Artifact,
    /// Its signature.
    pub signature: ArtifactSignature,
    /// Free text.
    pub description: Option<String>,
    /// Free JSON object (hyper-parameters, training run...).
    pub metadata: serde_json::Value,
}

/// A version in the aggregate's state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelVersion {
    /// 1, 2, ...
    pub number: u32,
    /// What was uploaded.
    #[serde(flatten)]
    pub spec: NewVersion,
    /// Status.
    pub status: VersionStatus,
    /// Who uploaded it.
    pub created_by: String,
    /// Who submitted it last.
    pub submitted_by: Option<String>,
    /// Who approved or rejected it last.
    pub reviewed_by: Option<String>,
}

/// Why an alias name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("alias must be 1 to 40 characters of a-z, 0-9, '-' or '_', start with a letter, and not be `latest` or `deployed`")]
pub struct InvalidAlias;

/// An alias such as `champion` that points at one version and can move.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Alias(String);

impl Alias {
    /// Checks an alias name.
    pub fn parse(s: &str) -> Result<Self, InvalidAlias> {
        let ok = !s.is_empty()
            && s.len() <= 40
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
            && s != "latest"
            && s != "deployed";
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(InvalidAlias)
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
