use serde_json::json;

use super::*;

fn ev(position: i64, event_type: &str, days: i64, detail: serde_json::Value) -> Evidence {
    Evidence {
        position,
        hash: format!("{position:064x}"),
        event_type: event_type.into(),
        recorded_at: days * DAY,
        detail,
    }
}

fn status(items: &[ItemResult], item: Item) -> Status {
    items
        .iter()
        .find(|i| i.item == item)
        .map(|i| i.status)
        .unwrap_or(Status::Missing)
}

#[test]
fn a_card_claim_lists_the_missing_fields() {
    let c = classify(
        "model",
        "m1",
        "ModelRegistered",
        &json!({"name": "x", "risk_tier": "high", "owners": [], "intended_use": "scoring"}),
    );
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].subject, Subject::Model("m1".into()));
    let missing = c[0].detail["missing_fields"].as_array().unwrap();
    assert!(missing.contains(&json!("owners")));
    assert!(!missing.contains(&json!("risk_tier")));
    assert!(!missing.contains(&json!("intended_use")));
}

#[test]
fn predictions_claim_each_version_once() {
    let c = classify(
        "model_predictions",
        "m1",
        "PredictionsLogged",
        &json!({"model_id": "m1", "records": [{"version": 2}, {"version": 1}, {"version": 2}]}),
    );
    let subjects: Vec<_> = c.iter().map(|c| c.subject.key()).collect();
    assert_eq!(subjects, ["model:m1#1", "model:m1#2"]);
}

#[test]
fn other_helpers_events_count_by_type_name() {
    let f = classify(
        "fairness_report",
        "r1",
        "FairnessAssessed",
        &json!({"model_id": "m1", "version": 3, "bias_detected": true}),
    );
    assert_eq!(f[0].subject, Subject::Version("m1".into(), 3));
    assert_eq!(f[0].kind, claims::FAIRNESS);
    let e = classify(
        "explanation",
        "e1",
        "ExplanationGenerated",
        &json!({"model_id": "m1", "method": "shap"}),
    );
    assert_eq!(e[0].subject, Subject::Model("m1".into()));
    assert!(classify("user", "u", "UserRegistered", &json!({})).is_empty());
}

#[test]
fn items_flip_from_missing_to_met_to_stale() {
    let max_age = 30 * DAY;
    let mut f = Facts::default();
    let items = evaluate(&f, 0, max_age);
    assert!(items.iter().all(|i| i.status == Status::Missing));
    f.card = Some(ev(
        1,
        "ModelRegistered",
        0,
        json!({"risk_tier": "high", "training_dataset_id": "d1", "missing_fields": []}),
    ));
    f.training_quality = Some(ev(2, "DataQualityAssessed", 0, json!({})));
    f.predictions = Some(ev(3, "PredictionsLogged", 0, json!({})));
    f.approval = Some(ev(4, "ModelVersionApproved", 0, json!({})));
    f.evaluations = vec![
        ev(5, "ModelVersionEvaluated", 0, json!({"dataset": "d1"})),
        ev(6, "ModelVersionEvaluated", 0, json!({"dataset": "d2"})),
    ];
    f.fairness = Some(ev(7, "FairnessAssessed", 1, json!({})));
    f.drift = Some(ev(8, "DriftDetected", 2, json!({})));
    f.explanation = Some(ev(9, "ExplanationGenerated", 0, json!({})));
    let items = evaluate(&f, 10 * DAY, max_age);
    assert!(Summary::of(&items).compliant(), "{items:#?}");
    let held = items
        .iter()
        .find(|i| i.item == Item::HeldOutEvaluation)
        .unwrap();
    assert_eq!(
        held.evidence.iter().map(|e| e.position).collect::<Vec<_>>(),
        [6]
    );
    let items = evaluate(&f, 31 * DAY + DAY / 2, max_age);
    assert_eq!(status(&items, Item::FairnessAssessment), Status::Stale);
    assert_eq!(status(&items, Item::DriftCheck), Status::Met);
    assert_eq!(status(&items, Item::PredictionsLogged), Status::Met);
    let items = evaluate(&f, 40 * DAY, max_age);
    assert_eq!(
        Summary::of(&items),
        Summary {
            met: 7,
            stale: 2,
            missing: 0
        }
    );
}

#[test]
fn evaluation_on_the_training_data_is_not_held_out() {
    let f = Facts {
        card: Some(ev(
            1,
            "ModelRegistered",
            0,
            json!({"training_dataset_id": "d1", "missing_fields": ["risk_tier"]}),
        )),
        evaluations: vec![ev(5, "ModelVersionEvaluated", 0, json!({"dataset": "d1"}))],
        ..Facts::default()
    };
    let items = evaluate(&f, 0, DAY);
    assert_eq!(status(&items, Item::HeldOutEvaluation), Status::Missing);
    assert_eq!(status(&items, Item::RiskTierSet), Status::Missing);
    let card = items
        .iter()
        .find(|i| i.item == Item::ModelCardComplete)
        .unwrap();
    assert!(card.reason.contains("risk_tier"));
}

#[test]
fn a_report_is_generated_once() {
    let r = ReportRecord {
        report_id: "r".into(),
        model_id: None,
        sha256: "0".repeat(64),
        head_position: 3,
        met: 1,
        stale: 0,
        missing: 2,
    };
    let mut a = ComplianceReport::default();
    let events = a.decide(ComplianceCommand::Generate(r.clone())).unwrap();
    a.apply(&events[0]);
    assert_eq!(
        a.decide(ComplianceCommand::Generate(r)),
        Err(ComplianceError::AlreadyExists)
    );
}
