#![allow(clippy::unwrap_used)]
use super::*;

fn assessment() -> Assessment {
    Assessment {
        model_id: Some("m".into()),
        version: Some(1),
        dataset_id: None,
        dataset_hash: None,
        kind: "model".into(),
        protected_attributes: vec!["sex".into()],
        metrics: serde_json::json!({}),
        bias_detected: false,
        findings: Vec::new(),
        recommendations: Vec::new(),
        seed: Some(1),
        actor: "u".into(),
    }
}

#[test]
fn an_assessment_is_recorded_once() {
    let id = FairnessReportId::from_uuid(uuid::Uuid::nil());
    let mut r = FairnessReport::default();
    let cmd = FairnessCommand::Assess {
        report_id: id,
        assessment: Box::new(assessment()),
    };
    let events = r.decide(cmd.clone()).unwrap();
    assert!(matches!(&events[0], FairnessEvent::FairnessAssessed { .. }));
    r.apply(&events[0]);
    assert_eq!(r.decide(cmd), Err(FairnessReportError::AlreadyExists));
}

#[test]
fn the_event_payload_names_model_version_and_verdict() {
    let e = FairnessEvent::FairnessAssessed {
        report_id: FairnessReportId::from_uuid(uuid::Uuid::nil()),
        assessment: Box::new(assessment()),
    };
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(v["type"], "FairnessAssessed");
    assert_eq!(v["data"]["model_id"], "m");
    assert_eq!(v["data"]["version"], 1);
    assert_eq!(v["data"]["bias_detected"], false);
}
