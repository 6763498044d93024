//! Which events count as compliance evidence, decided by their type names (so an
//! event another feature appends counts as soon as it exists in the log).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// What a piece of evidence is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Subject {
    /// A model as a whole (card, drift checks).
    Model(String),
    /// One version of a model.
    Version(String, u32),
    /// A dataset (its quality assessment).
    Dataset(String),
}

impl Subject {
    /// The key the evidence index stores: `model:ID`, `model:ID#N` or `dataset:ID`.
    pub fn key(&self) -> String {
        match self {
            Self::Model(id) => format!("model:{id}"),
            Self::Version(id, n) => format!("model:{id}#{n}"),
            Self::Dataset(id) => format!("dataset:{id}"),
        }
    }
}

/// Kind of the model card evidence (the latest registration or update).
pub const CARD: &str = "card";
/// Kind of a second person's approval.
pub const APPROVAL: &str = "approval";
/// Kind of logged predictions.
pub const PREDICTIONS: &str = "predictions";
/// Kind of a data-quality assessment.
pub const QUALITY: &str = "quality";
/// Kind of a drift check.
pub const DRIFT: &str = "drift";
/// Kind of a fairness assessment.
pub const FAIRNESS: &str = "fairness";
/// Kind of a generated explanation.
pub const EXPLANATION: &str = "explanation";
/// Prefix of evaluation kinds: `evaluation@DATASET` (one per dataset evaluated on).
pub const EVALUATION_PREFIX: &str = "evaluation@";

/// One event's claim: it is evidence of `kind` about `subject`.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    /// What it is about.
    pub subject: Subject,
    /// What it shows.
    pub kind: String,
    /// Facts the checklist needs later (card fields, dataset ids, verdicts).
    pub detail: Value,
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn number(v: &Value, key: &str) -> Option<u32> {
    match v.get(key)? {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// The card fields a complete model card has (EU AI Act Art. 11 and 13, Annex IV).
pub const CARD_FIELDS: [&str; 7] = [
    "intended_use",
    "out_of_scope_use",
    "limitations",
    "ethical_considerations",
    "owners",
    "training_dataset_id",
    "risk_tier",
];

fn card_detail(payload: &Value) -> Value {
    let missing: Vec<&str> = CARD_FIELDS
        .iter()
        .copied()
        .filter(|f| match payload.get(*f) {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.trim().is_empty(),
            Some(Value::Array(a)) => a.is_empty(),
            Some(_) => false,
        })
        .collect();
    json!({
        "risk_tier": payload.get("risk_tier").cloned().unwrap_or(Value::Null),
        "training_dataset_id": payload.get("training_dataset_id").cloned().unwrap_or(Value::Null),
        "missing_fields": missing,
    })
}

/// Subject of an event naming a model and, optionally, a version.
fn model_subject(payload: &Value) -> Option<Subject> {
    let model = text(payload, "model_id")?;
    Some(match number(payload, "version") {
        Some(v) => Subject::Version(model, v),
        None => Subject::Model(model),
    })
}

/// The claims one stored event makes (none for most events).
pub fn classify(
    stream_type: &str,
    stream_id: &str,
    event_type: &str,
    payload: &Value,
) -> Vec<Claim> {
    let claim = |subject, kind: &str, detail| Claim {
        subject,
        kind: kind.to_owned(),
        detail,
    };
    match (stream_type, event_type) {
        ("model", "ModelRegistered" | "ModelUpdated") => {
            vec![claim(Subject::Model(stream_id.to_owned()), CARD, card_detail(payload))]
        }
        ("model", "ModelVersionApproved") => number(payload, "version")
            .map(|v| {
                claim(
                    Subject::Version(stream_id.to_owned(), v),
                    APPROVAL,
                    json!({ "approved_by": payload.get("by").cloned().unwrap_or(Value::Null) }),
                )
            })
            .into_iter()
            .collect(),
        ("model", "ModelVersionEvaluated") => {
            match (number(payload, "version"), text(payload, "dataset")) {
                (Some(v), Some(ds)) => vec![claim(
                    Subject::Version(stream_id.to_owned(), v),
                    &format!("{EVALUATION_PREFIX}{ds}"),
                    json!({ "dataset": ds, "evaluation_id": payload.get("evaluation_id").cloned().unwrap_or(Value::Null) }),
                )],
                _ => Vec::new(),
            }
        }
        (_, "PredictionsLogged") => {
            let model = text(payload, "model_id").unwrap_or_else(|| stream_id.to_owned());
            let mut versions: Vec<u32> = payload
                .get("records")
                .and_then(Value::as_array)
                .map(|rs| rs.iter().filter_map(|r| number(r, "version")).collect())
                .unwrap_or_default();
            versions.sort_unstable();
            versions.dedup();
            versions
                .into_iter()
                .map(|v| claim(Subject::Version(model.clone(), v), PREDICTIONS, json!({})))
                .collect()
        }
        ("dataset", "DataQualityAssessed") => vec![claim(
            Subject::Dataset(stream_id.to_owned()),
            QUALITY,
            json!({ "score": payload.get("score").cloned().unwrap_or(Value::Null) }),
        )],
        (_, "DriftDetected") => text(payload, "model_id")
            .map(|m| {
                claim(
                    Subject::Model(m),
                    DRIFT,
                    json!({ "report_id": payload.get("report_id").cloned().unwrap_or(Value::Null),
                            "dataset_drift": payload.get("dataset_drift").cloned().unwrap_or(Value::Null) }),
                )
            })
            .into_iter()
            .collect(),
        (_, "FairnessAssessed") => model_subject(payload)
            .map(|s| {
                claim(
                    s,
                    FAIRNESS,
                    json!({ "bias_detected": payload.get("bias_detected").cloned().unwrap_or(Value::Null) }),
                )
            })
            .into_iter()
            .collect(),
        (_, "ExplanationGenerated") => model_subject(payload)
            .map(|s| {
                claim(
                    s,
                    EXPLANATION,
                    json!({ "method": payload.get("method").cloned().unwrap_or(Value::Null) }),
                )
            })
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}
