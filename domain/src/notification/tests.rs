use serde_json::json;

use super::*;
use crate::role::Role;

#[test]
fn rules_pick_kind_and_audience_by_event_type() {
    let r = decide(
        "model",
        "m1",
        "ModelVersionSubmitted",
        &json!({"version": 2, "by": "u1"}),
        Some("u1"),
    )
    .unwrap();
    assert_eq!(r.kind, Kind::VersionAwaitingApproval);
    assert_eq!(
        r.audience,
        Audience::Roles {
            roles: &[Role::Admin, Role::MlEngineer],
            except: Some("u1".into())
        }
    );
    assert!(decide(
        "fairness_report",
        "f",
        "FairnessAssessed",
        &json!({"model_id": "m", "bias_detected": false}),
        None
    )
    .is_none());
    let b = decide(
        "fairness_report",
        "f",
        "FairnessAssessed",
        &json!({"model_id": "m", "version": 1, "bias_detected": true}),
        None,
    )
    .unwrap();
    assert_eq!(b.kind, Kind::BiasFound);
    let e = decide(
        "export_job",
        "e1",
        "ExportCompleted",
        &json!({"filename": "r.pdf"}),
        Some("u9"),
    )
    .unwrap();
    assert_eq!(e.audience, Audience::User("u9".into()));
    assert!(decide("model", "m1", "ModelRegistered", &json!({}), Some("u1")).is_none());
}

#[test]
fn a_notification_is_created_once_read_once_and_deleted() {
    let n = NewNotification {
        recipient_user_id: "u".into(),
        kind: Kind::DriftAlert,
        title: "t".into(),
        body: "b".into(),
        link: "/".into(),
        source_position: 3,
        channels: vec![Channel::InApp],
    };
    let mut a = Notification::default();
    assert_eq!(
        a.decide(NotificationCommand::MarkRead),
        Err(NotificationError::NotFound)
    );
    for e in a.decide(NotificationCommand::Create(n.clone())).unwrap() {
        a.apply(&e);
    }
    assert_eq!(
        a.decide(NotificationCommand::Create(n)),
        Err(NotificationError::AlreadyExists)
    );
    for e in a.decide(NotificationCommand::MarkRead).unwrap() {
        a.apply(&e);
    }
    assert_eq!(
        a.decide(NotificationCommand::MarkRead),
        Err(NotificationError::AlreadyRead)
    );
    for e in a.decide(NotificationCommand::Delete).unwrap() {
        a.apply(&e);
    }
    assert_eq!(
        a.decide(NotificationCommand::Delete),
        Err(NotificationError::NotFound)
    );
}
