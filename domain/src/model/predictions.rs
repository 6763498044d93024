//! The prediction log: every prediction RAIA serves is on record, many per event.

use serde::{Deserialize, Serialize};

use crate::ids::ModelId;

/// Stream type of prediction logs (one stream per model, appended without a
/// version check: nobody decides anything from it).
pub const PREDICTION_STREAM: &str = "model_predictions";

/// One served prediction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictionRecord {
    /// Unique id (UUID v7), returned to the caller.
    pub id: String,
    /// Version that answered.
    pub version: u32,
    /// The input row as sent (object keyed by feature name, or an array).
    pub input: serde_json::Value,
    /// The answer: label and probabilities, or value.
    pub output: serde_json::Value,
    /// Highest class probability, for classifiers.
    pub confidence: Option<f64>,
    /// When it was served, microseconds since the epoch.
    pub at: i64,
    /// The HTTP request that asked for it.
    pub request_id: Option<String>,
}

/// What happened on a prediction log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum PredictionEvent {
    /// A batch of predictions served by one model to one caller.
    PredictionsLogged {
        /// The model.
        model_id: ModelId,
        /// The predictions, in the order served.
        records: Vec<PredictionRecord>,
    },
}
