//! Rebuilding the registry's projections from the log gives exactly the live
//! tables, after card edits, versions, lifecycle steps, aliases, predictions,
//! evaluations and deletions (row events and version events mixed in batches).

use domain::Role;
use raia_tests::{both_backends, Backend, TestApp};
use serde_json::json;

use crate::model_support::{reference, register, upload_fixture};

const TABLES: [&str; 7] = [
    "models",
    "model_tags",
    "model_owners",
    "model_versions",
    "model_aliases",
    "model_evaluations",
    "model_predictions",
];

async fn rebuilt_registry_tables_equal_the_live_ones(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.token(Role::MlEngineer).await;
    let bob = app.token(Role::Admin).await;
    let rf = reference("rf_iris.json");
    let mut ids = Vec::new();
    for i in 0..3 {
        let id = register(
            &app,
            &alice,
            json!({"name": format!("iris-{i}"), "type": "classification",
            "tags": ["iris", format!("t{i}")], "owners": ["lab"], "risk_tier": "limited"}),
        )
        .await;
        let base = format!("/api/v1/models/{id}");
        upload_fixture(&app, &alice, &id, "rf_iris_f32.onnx").await;
        upload_fixture(&app, &alice, &id, "pipe_scaler_logreg_iris_f32.onnx").await;
        // A card edit after version events, then lifecycle events after it.
        app.client
            .put(app.url(&base))
            .bearer_auth(&alice)
            .json(&json!({"tags": ["iris"], "owners": ["lab", "ops"]}))
            .send()
            .await
            .unwrap();
        app.post(&format!("{base}/versions/1/submit"), &alice, &json!({}))
            .await;
        app.post(
            &format!("{base}/versions/1/approve"),
            &bob,
            &json!({"comment": "ok"}),
        )
        .await;
        app.post(&format!("{base}/deploy"), &bob, &json!({"version": 1}))
            .await;
        app.client
            .put(app.url(&format!("{base}/aliases/challenger")))
            .bearer_auth(&bob)
            .json(&json!({"version": 2}))
            .send()
            .await
            .unwrap();
        app.post(
            &format!("{base}/predict"),
            &alice,
            &json!({"rows": rf["inputs"]}),
        )
        .await;
        app.post(
            &format!("{base}/evaluate"),
            &alice,
            &json!({"rows": rf["inputs"], "labels": vec![0; 50], "version": "challenger"}),
        )
        .await;
        ids.push(id);
    }
    // Retire one, delete another (after retiring it).
    let b1 = format!("/api/v1/models/{}", ids[1]);
    app.post(&format!("{b1}/retire"), &bob, &json!({})).await;
    let r = app
        .client
        .delete(app.url(&b1))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let s = &app.server.state;
    s.predictions.flush().await;
    app.sync().await;
    let head = app.event_count().await;
    let mut live = Vec::new();
    for t in TABLES {
        live.push(replay::tables::dump(&s.db, t).await.unwrap());
    }
    assert_eq!(live[3].len(), 4, "two models keep two versions each");
    assert_eq!(live[6].len(), 150, "every prediction has a row");
    for name in s.runner.names() {
        assert_eq!(s.runner.rebuild(name).await.unwrap(), head);
    }
    for (i, t) in TABLES.iter().enumerate() {
        assert_eq!(
            replay::tables::dump(&s.db, t).await.unwrap(),
            live[i],
            "{t} differs after rebuild"
        );
    }
}
both_backends!(
    rebuilt_registry_tables_equal_the_live_ones,
    rebuilt_registry_tables_equal_the_live_ones
);
