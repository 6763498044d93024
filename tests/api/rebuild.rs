//! Rebuilding projections from the log gives exactly the live tables.

use commands::{models, users};
use domain::{
    ids::Email,
    model::{ModelSpec, ModelStatus, ModelType},
    Metadata, Role,
};
use raia_tests::{both_backends, Backend, TestApp, TEST_PASSWORD_PARAMS};

/// A valid model spec named `name`.
pub fn spec(name: &str) -> ModelSpec {
    ModelSpec {
        name: name.into(),
        model_type: ModelType::Classification,
        algorithm: Some("gbm".into()),
        framework: Some("xgboost".into()),
        version: Some("1".into()),
        status: ModelStatus::Draft,
        accuracy: Some(0.5),
        feature_names: vec!["a".into(), "b".into()],
        metadata: serde_json::json!({ "team": "risk" }),
        card: domain::model::ModelCard {
            tags: vec!["credit".into(), name.to_lowercase()],
            owners: vec!["risk".into()],
            risk_tier: Some(domain::model::RiskTier::High),
            ..Default::default()
        },
    }
}

async fn rebuilt_tables_equal_the_live_ones_after_thousands_of_mixed_events(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = &app.server.state;
    let store = s.store.as_ref();
    let meta = Metadata::system("test");
    for i in 0..20 {
        let new = users::NewUser {
            email: Email::parse(&format!("u{i}@example.org")).unwrap(),
            password: raia_tests::PASSWORD.into(),
            display_name: None,
            role: Role::ALL[i % 5],
        };
        users::register(store, &s.cipher, TEST_PASSWORD_PARAMS, new, meta.clone())
            .await
            .unwrap();
        let email = Email::parse(&format!("u{i}@example.org")).unwrap();
        users::login(
            store,
            &s.cipher,
            TEST_PASSWORD_PARAMS,
            &email,
            raia_tests::PASSWORD,
            1_000_000,
            meta.clone(),
        )
        .await
        .unwrap();
    }
    let mut ids = Vec::new();
    for i in 0..600 {
        let (id, _) = models::register(store, spec(&format!("m{i}")), meta.clone())
            .await
            .unwrap();
        ids.push(id);
    }
    for round in 0..3 {
        for (i, id) in ids.iter().enumerate() {
            let name = format!("m{i}-r{round}");
            models::update(
                store,
                *id,
                None,
                |c| {
                    Ok(ModelSpec {
                        name: name.clone(),
                        accuracy: Some(0.1 * round as f64),
                        ..c.clone()
                    })
                },
                meta.clone(),
            )
            .await
            .unwrap();
        }
    }
    for id in ids.iter().step_by(7) {
        models::delete(store, *id, None, meta.clone())
            .await
            .unwrap();
    }
    let head = app.event_count().await;
    assert!(head > 2500, "a few thousand events: {head}");
    app.sync().await;
    let mut live = Vec::new();
    for t in ["users", "sessions", "models", "model_tags", "model_owners"] {
        live.push(replay::tables::dump(&s.db, t).await.unwrap());
    }
    assert_eq!(live[2].len(), 600 - 600usize.div_ceil(7));
    for name in s.runner.names() {
        assert_eq!(s.runner.rebuild(name).await.unwrap(), head);
    }
    for (i, t) in ["users", "sessions", "models", "model_tags", "model_owners"]
        .iter()
        .enumerate()
    {
        assert_eq!(
            replay::tables::dump(&s.db, t).await.unwrap(),
            live[i],
            "{t} differs after rebuild"
        );
    }
}
both_backends!(
    rebuilt_tables_equal_the_live_ones_after_thousands_of_mixed_events,
    rebuilt_tables_equal_the_live_ones_after_thousands_of_mixed_events
);
