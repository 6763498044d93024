use super::*;
use serde_json::json;

fn spec(name: &str) -> ModelSpec {
    ModelSpec {
        name: name.into(),
        model_type: ModelType::Classification,
        algorithm: Some("logistic_regression".into()),
        framework: None,
        version: Some("1.0".into()),
        status: ModelStatus::Draft,
        accuracy: Some(0.9),
        feature_names: vec!["a".into(), "b".into()],
        metadata: json!({}),
        card: ModelCard::default(),
    }
}

fn registered() -> Model {
    let mut m = Model::default();
    let id = ModelId::from_uuid(uuid::Uuid::nil());
    for e in m
        .decide(ModelCommand::Register {
            model_id: id,
            spec: spec("m"),
            created_by: "u".into(),
        })
        .unwrap()
    {
        m.apply(&e);
    }
    m
}

#[test]
fn a_model_is_registered_updated_and_deleted_once() {
    let mut m = registered();
    assert_eq!(
        m.decide(ModelCommand::Update { spec: spec("m") }),
        Err(ModelError::Unchanged)
    );
    let events = m.decide(ModelCommand::Update { spec: spec("n") }).unwrap();
    m.apply(&events[0]);
    assert_eq!(m.spec.as_ref().unwrap().name, "n");
    let events = m.decide(ModelCommand::Delete).unwrap();
    m.apply(&events[0]);
    assert_eq!(m.decide(ModelCommand::Delete), Err(ModelError::Deleted));
    assert_eq!(
        Model::default().decide(ModelCommand::Delete),
        Err(ModelError::NotFound)
    );
}

#[test]
fn invalid_specs_name_their_field() {
    let mut s = spec(" ");
    assert_eq!(s.clone().validate().unwrap_err().field, "name");
    s = spec("m");
    s.accuracy = Some(1.5);
    assert_eq!(s.clone().validate().unwrap_err().field, "accuracy");
    s = spec("m");
    s.feature_names = vec!["a".into(), "a".into()];
    assert_eq!(s.clone().validate().unwrap_err().field, "feature_names");
    s = spec("m");
    s.version = Some("x".repeat(21));
    assert_eq!(s.clone().validate().unwrap_err().field, "version");
    s = spec("m");
    s.metadata = json!([1]);
    assert_eq!(s.validate().unwrap_err().field, "metadata");
}

fn version() -> NewVersion {
    NewVersion {
        artifact: Artifact {
            sha256: "ab".repeat(32),
            size: 10,
            format: ArtifactFormat::Onnx,
            filename: None,
            remote: None,
        },
        signature: ArtifactSignature {
            input_name: Some("input".into()),
            element_type: "float32".into(),
            n_features: 2,
            feature_names: None,
            task: "classification".into(),
            classes: Some(json!([0, 1])),
            outputs: vec![],
        },
        description: None,
        metadata: json!({}),
    }
}

fn run(m: &mut Model, cmd: ModelCommand) -> Result<Vec<ModelEvent>, ModelError> {
    let events = m.decide(cmd)?;
    for e in &events {
        m.apply(e);
    }
    Ok(events)
}

fn review(v: u32, action: ReviewAction, actor: &str, comment: Option<&str>) -> ModelCommand {
    ModelCommand::Review {
        version: v,
        action,
        actor: actor.into(),
        comment: comment.map(Into::into),
    }
}

#[test]
fn a_version_needs_a_second_pair_of_eyes_and_approval_before_deployment() {
    use ReviewAction::*;
    let mut m = registered();
    for _ in 0..2 {
        run(
            &mut m,
            ModelCommand::AddVersion {
                version: version(),
                created_by: "alice".into(),
            },
        )
        .unwrap();
    }
    assert_eq!(m.versions[1].number, 2);
    assert_eq!(
        run(&mut m, review(1, Deploy, "bob", None)),
        Err(ModelError::NotApproved {
            version: 1,
            status: VersionStatus::Draft
        })
    );
    run(&mut m, review(1, Submit, "alice", None)).unwrap();
    assert_eq!(
        run(&mut m, review(1, Approve, "alice", None)),
        Err(ModelError::SelfReview)
    );
    assert_eq!(
        run(&mut m, review(1, Reject, "bob", None)),
        Err(ModelError::CommentRequired)
    );
    run(&mut m, review(1, Reject, "bob", Some("no calibration"))).unwrap();
    assert_eq!(m.versions[0].status, VersionStatus::Rejected);
    run(&mut m, review(1, Submit, "alice", Some("calibrated"))).unwrap();
    run(&mut m, review(1, Approve, "bob", Some("ok"))).unwrap();
    run(&mut m, review(1, Deploy, "bob", None)).unwrap();
    assert_eq!(m.spec.as_ref().unwrap().status, ModelStatus::Deployed);
    assert_eq!(
        m.decide(ModelCommand::Delete),
        Err(ModelError::StillDeployed)
    );
    // Deploying v2 retires v1 in the same decision.
    run(&mut m, review(2, Submit, "alice", None)).unwrap();
    run(&mut m, review(2, Approve, "carol", None)).unwrap();
    let events = run(&mut m, review(2, Deploy, "carol", None)).unwrap();
    assert!(matches!(&events[0], ModelEvent::ModelVersionRetired(t) if t.version == 1));
    assert_eq!(m.deployed().map(|v| v.number), Some(2));
    run(&mut m, review(2, Retire, "carol", Some("end of life"))).unwrap();
    assert_eq!(m.spec.as_ref().unwrap().status, ModelStatus::Retired);
    assert!(matches!(
        run(&mut m, review(2, Deploy, "carol", None)),
        Err(ModelError::NotApproved { .. })
    ));
    assert!(matches!(
        run(&mut m, review(2, Submit, "carol", None)),
        Err(ModelError::InvalidTransition { .. })
    ));
    assert_eq!(
        run(&mut m, review(9, Submit, "a", None)),
        Err(ModelError::VersionNotFound(9))
    );
}

#[test]
fn aliases_move_between_existing_versions() {
    let mut m = registered();
    run(
        &mut m,
        ModelCommand::AddVersion {
            version: version(),
            created_by: "a".into(),
        },
    )
    .unwrap();
    run(
        &mut m,
        ModelCommand::AddVersion {
            version: version(),
            created_by: "a".into(),
        },
    )
    .unwrap();
    let champion = Alias::parse("champion").unwrap();
    run(
        &mut m,
        ModelCommand::SetAlias {
            alias: champion.clone(),
            version: 1,
        },
    )
    .unwrap();
    assert_eq!(
        run(
            &mut m,
            ModelCommand::SetAlias {
                alias: champion.clone(),
                version: 1
            }
        ),
        Err(ModelError::Unchanged)
    );
    run(
        &mut m,
        ModelCommand::SetAlias {
            alias: champion.clone(),
            version: 2,
        },
    )
    .unwrap();
    assert_eq!(m.aliases.get(&champion), Some(&2));
    assert_eq!(
        run(
            &mut m,
            ModelCommand::SetAlias {
                alias: champion.clone(),
                version: 3
            }
        ),
        Err(ModelError::VersionNotFound(3))
    );
    run(
        &mut m,
        ModelCommand::RemoveAlias {
            alias: champion.clone(),
        },
    )
    .unwrap();
    assert!(run(&mut m, ModelCommand::RemoveAlias { alias: champion }).is_err());
    for bad in [
        "",
        "Champion",
        "1st",
        "latest",
        "deployed",
        "a b",
        &"a".repeat(41),
    ] {
        assert!(Alias::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn card_fields_are_checked_and_old_events_decode_without_them() {
    let mut s = spec("m");
    s.card
        .feature_types
        .insert("zzz".into(), FeatureType::Numeric);
    assert_eq!(s.clone().validate().unwrap_err().field, "feature_types");
    s = spec("m");
    s.card.tags = vec!["Fraud".into()];
    assert_eq!(s.clone().validate().unwrap_err().field, "tags");
    s = spec("m");
    s.card.owners = vec!["risk".into(), "risk".into()];
    assert_eq!(s.clone().validate().unwrap_err().field, "owners");
    s = spec("m");
    s.card.target_column = Some("a".into());
    assert_eq!(s.clone().validate().unwrap_err().field, "target_column");
    let old = json!({"type": "ModelUpdated", "data": {"name": "n", "type": "regression",
        "algorithm": null, "framework": null, "version": null, "status": "draft",
        "accuracy": null, "feature_names": [], "metadata": {}}});
    let e: ModelEvent = serde_json::from_value(old).unwrap();
    let ModelEvent::ModelUpdated { spec } = e else {
        panic!()
    };
    assert_eq!(spec.card, ModelCard::default());
}
