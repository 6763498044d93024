#![allow(clippy::unwrap_used)]

use super::*;

fn record() -> ExplanationRecord {
    ExplanationRecord {
        model_id: "m".into(),
        version: 1,
        artifact_sha256: "00".into(),
        kind: "shap".into(),
        method: "exact".into(),
        parameters: serde_json::json!({"output": "probability"}),
        seed: 7,
        rows_sha256: "ab".into(),
        background_sha256: None,
        results: serde_json::json!([]),
    }
}

#[test]
fn an_explanation_is_recorded_once() {
    let id = ExplanationId::from_uuid(uuid::Uuid::nil());
    let cmd = || ExplanationCommand::Record {
        explanation_id: id,
        record: Box::new(record()),
    };
    let mut e = Explanation::default();
    let events = e.decide(cmd()).unwrap();
    assert_eq!(events.len(), 1);
    e.apply(&events[0]);
    assert_eq!(e.id, Some(id));
    assert_eq!(e.decide(cmd()), Err(ExplanationError::AlreadyExists));
}

#[test]
fn the_event_payload_names_model_version_and_method_at_the_top() {
    let e = ExplanationEvent::ExplanationGenerated {
        explanation_id: ExplanationId::from_uuid(uuid::Uuid::nil()),
        record: Box::new(record()),
    };
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(v["type"], "ExplanationGenerated");
    assert_eq!(v["data"]["model_id"], "m");
    assert_eq!(v["data"]["version"], 1);
    assert_eq!(v["data"]["method"], "exact");
}
