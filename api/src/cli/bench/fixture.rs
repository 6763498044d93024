//! Realistic events for benchmarks: model registrations and updates.

use domain::{
    ids::ModelId,
    model::{ModelEvent, ModelSpec, ModelStatus, ModelType},
    EventCodec, ExpectedVersion, Metadata, NewEvent,
};

fn spec(i: usize) -> ModelSpec {
    ModelSpec {
        name: format!("model-{i}"),
        model_type: ModelType::Classification,
        algorithm: Some("gradient_boosting".into()),
        framework: Some("xgboost".into()),
        version: Some(format!("1.{}", i % 10)),
        status: ModelStatus::Draft,
        accuracy: Some(0.8 + (i % 100) as f64 / 1000.0),
        feature_names: (0..8).map(|f| format!("feature_{f}")).collect(),
        metadata: serde_json::json!({ "team": "risk", "ticket": i }),
        card: domain::model::ModelCard::default(),
    }
}

fn meta() -> Metadata {
    Metadata {
        actor_id: Some("0190a1b2-0000-7000-8000-000000000001".into()),
        actor_role: Some(domain::Role::MlEngineer),
        auth_method: Some("jwt".into()),
        request_id: Some(uuid::Uuid::new_v4().to_string()),
        client_ip: Some("10.0.0.7".into()),
        user_agent: Some("raia-bench".into()),
        ..Metadata::default()
    }
}

/// Event `i` of a workload: every fourth registers a model, the others update
/// the most recent one (so rebuilds do inserts and updates).
pub fn event(i: usize) -> NewEvent {
    let model = i / 4;
    let id = ModelId::from_uuid(uuid::Uuid::from_u128(model as u128 + 1));
    let (e, expected) = if i.is_multiple_of(4) {
        (
            ModelEvent::ModelRegistered {
                model_id: id,
                spec: spec(model),
                created_by: "bench".into(),
            },
            ExpectedVersion::NoStream,
        )
    } else {
        let mut s = spec(model);
        s.version = Some(format!("2.{}", i % 4));
        (ModelEvent::ModelUpdated { spec: s }, ExpectedVersion::Any)
    };
    let (event_type, payload) = e.encode().unwrap_or_default();
    NewEvent {
        event_id: uuid::Uuid::new_v4().to_string(),
        stream_type: "model".into(),
        stream_id: id.to_string(),
        expected,
        event_type,
        schema_version: 1,
        payload,
        metadata: meta(),
    }
}

/// A self-contained event on its own stream (for racing writers).
pub fn solo(writer: usize, i: usize) -> NewEvent {
    let mut e = event(i * 4);
    e.stream_id = format!("w{writer}-{i}");
    e
}
