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
