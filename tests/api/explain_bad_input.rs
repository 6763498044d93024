//! Bad explanation requests get a precise problem, never a hang or a 500, and write no
//! event; only writers may generate, every reader may read.

use domain::Role;
use raia_tests::{both_backends, expect_problem, Backend, TestApp};
use serde_json::{json, Value};

use crate::explain_support::{explain_fixture, explain_model, models_fixture};

async fn bad_explanation_requests_are_precise_problems_and_write_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::DataScientist).await;
    let fx = explain_fixture(&app, &t).await;
    let id = explain_model(&app, &t, &fx, "model_logreg.onnx").await;
    let xgb = models_fixture(&app, &t, "xgb_clf_bc.json", "classification").await;
    let other =
        crate::datasets::upload(&app, &t, "other", "other.csv", b"a,b\n1,2\n3,4\n".to_vec()).await;
    let mut flat = fx.features.join(",");
    flat.push('\n');
    for _ in 0..5 {
        flat.push_str(&["1.5"; 8].join(","));
        flat.push('\n');
    }
    let constant = crate::datasets::upload(&app, &t, "flat", "flat.csv", flat.into_bytes()).await;
    let shap = format!("/api/v1/explainability/shap/{id}");
    let base = |extra: Value| {
        let mut b = json!({"version": 1, "dataset_id": fx.explain, "row_indices": [0],
                           "background_dataset_id": fx.background});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let before = app.event_count().await;
    let cases: Vec<(String, Value, u16, &str, &str)> = vec![
        (
            shap.clone(),
            json!({"version": 1, "rows": [{"mean radius": 1.0, "bogus": 2.0}], "background_dataset_id": fx.background}),
            422,
            "invalid_rows",
            "bogus",
        ),
        (
            format!("/api/v1/explainability/partial-dependence/{id}"),
            base(json!({"features": ["no such feature"]})),
            422,
            "unknown_feature",
            "no such feature",
        ),
        (
            shap.clone(),
            base(json!({"background_dataset_id": other["id"]})),
            422,
            "schema_mismatch",
            "mean radius",
        ),
        (
            format!("/api/v1/explainability/shap/{xgb}"),
            json!({"version": 1, "rows": [vec![1.0; 30]], "method": "exact", "output": "log_odds",
                   "background_dataset_id": fx.background}),
            422,
            "too_many_features",
            "16",
        ),
        (
            shap.clone(),
            base(json!({"background_dataset_id": constant["id"]})),
            422,
            "zero_variance_background",
            "constant",
        ),
        (
            shap.clone(),
            base(json!({"method": "kernel", "nsamples": 10_000_000})),
            422,
            "too_many_samples",
            "1000000",
        ),
        (
            format!("/api/v1/explainability/lime/{id}"),
            base(json!({"num_samples": 10_000_000})),
            422,
            "too_many_samples",
            "1000000",
        ),
        (
            shap.clone(),
            base(json!({"method": "tree"})),
            422,
            "method_unsupported",
            "XGBoost",
        ),
        (
            shap.clone(),
            base(json!({"output": "regression"})),
            422,
            "invalid_output",
            "classifier",
        ),
        (
            shap.clone(),
            base(json!({"row_indices": [99]})),
            422,
            "invalid_row_index",
            "99",
        ),
        (
            shap.clone(),
            base(json!({"version": 7})),
            404,
            "version_not_found",
            "7",
        ),
        (
            "/api/v1/explainability/shap/not-a-model".into(),
            base(json!({})),
            404,
            "not_found",
            "model",
        ),
    ];
    for (path, body, status, code, needle) in cases {
        let r = app.post(&path, &t, &body).await;
        let doc = expect_problem(r, status, code).await;
        let detail = doc["detail"].as_str().unwrap();
        assert!(detail.contains(needle), "{code}: {detail}");
    }
    // GET with a malformed query parameter.
    let r = app.get(&format!("{shap}?background_size=lots"), &t).await;
    expect_problem(r, 400, "invalid_query").await;
    assert_eq!(
        app.event_count().await,
        before,
        "a refused request wrote an event"
    );

    // Readers read, only writers generate.
    let viewer = app.token(Role::Viewer).await;
    let r = app.post(&shap, &viewer, &base(json!({}))).await;
    assert_eq!(r.status(), 403);
    let r = app
        .get(
            &format!("/api/v1/explainability/models/{id}/explanations"),
            &viewer,
        )
        .await;
    assert_eq!(r.status(), 200);
}

both_backends!(
    bad_explanation_requests_are_precise_problems_and_write_nothing,
    bad_explanation_requests_are_precise_problems_and_write_nothing
);
