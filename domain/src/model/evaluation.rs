//! A performance measurement of one version on labelled data.

use serde::{Deserialize, Serialize};

/// Metrics computed on labelled rows; the handler computes, the event records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Unique id (UUID v7).
    pub evaluation_id: String,
    /// Version measured.
    pub version: u32,
    /// Dataset id, or `None` for rows sent inline.
    pub dataset: Option<String>,
    /// `classification` or `regression`.
    pub task: String,
    /// Rows evaluated.
    pub n_rows: usize,
    /// The metrics as computed (names as in scikit-learn).
    pub metrics: serde_json::Value,
}
