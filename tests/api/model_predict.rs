//! Predictions through HTTP: every valid fixture model answers its 50
//! reference rows within the README's tolerances, and every prediction is on
//! record in the prediction log.

use domain::Role;
use raia_tests::{both_backends, Backend, TestApp};
use serde_json::{json, Value};

use crate::model_support::{plain_model, reference, register, upload_fixture};

/// (artifact, reference, tolerance on probabilities / values vs the reference).
/// Tolerances from fixtures/models/README.md: 1e-6 where the file stores doubles;
/// onnxruntime's own error against scikit-learn plus 1e-6 otherwise.
const ONNX: &[(&str, &str, f64)] = &[
    ("logreg_bc_f32.onnx", "logreg_bc.json", 1e-7 + 1e-6),
    ("logreg_bc_f64.onnx", "logreg_bc.json", 1e-6),
    ("logreg_bc_zipmap_f32.onnx", "logreg_bc.json", 1e-7 + 1e-6),
    (
        "pipe_scaler_logreg_bc_f32.onnx",
        "pipe_scaler_logreg_bc.json",
        1e-7 + 1e-6,
    ),
    (
        "pipe_scaler_logreg_bc_f64.onnx",
        "pipe_scaler_logreg_bc.json",
        1e-6,
    ),
    (
        "pipe_scaler_logreg_iris_f32.onnx",
        "pipe_scaler_logreg_iris.json",
        1e-7 + 1e-6,
    ),
    (
        "pipe_normalizer_logreg_iris_f32.onnx",
        "pipe_normalizer_logreg_iris.json",
        1e-7 + 1e-6,
    ),
    ("rf_bc_f32.onnx", "rf_bc.json", 1e-7 + 1e-6),
    ("rf_bc_zipmap_f32.onnx", "rf_bc.json", 1e-7 + 1e-6),
    ("rf_iris_f32.onnx", "rf_iris.json", 1e-7 + 1e-6),
    ("gbc_bc_f32.onnx", "gbc_bc.json", 1e-7 + 1e-6),
    ("gbr_diabetes_f32.onnx", "gbr_diabetes.json", 8.1e-5 + 1e-6),
    ("gbr_diabetes_te5.onnx", "gbr_diabetes.json", 1e-6),
    ("rfr_diabetes_f32.onnx", "rfr_diabetes.json", 3.7e-5 + 1e-6),
    ("rfr_diabetes_te5.onnx", "rfr_diabetes.json", 1e-6),
];

fn max_err(a: &Value, b: &Value) -> f64 {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len());
            x.iter()
                .zip(y)
                .map(|(p, q)| max_err(p, q))
                .fold(0.0, f64::max)
        }
        _ => (a.as_f64().unwrap() - b.as_f64().unwrap()).abs(),
    }
}

async fn predict(app: &TestApp, t: &str, id: &str, body: Value) -> Value {
    let r = app
        .post(&format!("/api/v1/models/{id}/predict"), t, &body)
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

async fn every_fixture_model_predicts_its_reference_rows_over_http(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::MlEngineer).await;
    for &(file, refname, tol) in ONNX {
        let rf = reference(refname);
        let classifier = rf["classifier"].as_bool().unwrap();
        let kind = if classifier {
            "classification"
        } else {
            "regression"
        };
        let n = rf["n_features"].as_u64().unwrap() as usize;
        // Half the models get named features and object rows, half take a matrix.
        let named = file.contains("bc");
        let names: Vec<String> = (0..n).map(|i| format!("x{i}")).collect();
        let id = if named {
            register(
                &app,
                &t,
                json!({"name": file, "type": kind, "feature_names": names}),
            )
            .await
        } else {
            plain_model(&app, &t, kind).await
        };
        let v = upload_fixture(&app, &t, &id, file).await;
        let inputs = rf["inputs"].as_array().unwrap();
        let rows: Vec<Value> = if named {
            inputs
                .iter()
                .map(|r| {
                    let o: serde_json::Map<String, Value> = names
                        .iter()
                        .cloned()
                        .zip(r.as_array().unwrap().iter().cloned())
                        .collect();
                    Value::Object(o)
                })
                .collect()
        } else {
            inputs.clone()
        };
        let out = predict(&app, &t, &id, json!({"rows": rows, "version": v})).await;
        let preds = out["predictions"].as_array().unwrap();
        assert_eq!(preds.len(), 50, "{file}");
        if classifier {
            assert_eq!(out["classes"], rf["classes"], "{file}");
            let labels: Vec<Value> = preds.iter().map(|p| p["label"].clone()).collect();
            assert_eq!(Value::Array(labels), rf["predict"], "{file}");
            let probs: Vec<Value> = preds.iter().map(|p| p["probabilities"].clone()).collect();
            let err = max_err(&Value::Array(probs), &rf["predict_proba"]);
            assert!(
                err <= tol,
                "{file}: max probability error {err:e} > {tol:e}"
            );
        } else {
            let values: Vec<Value> = preds.iter().map(|p| p["value"].clone()).collect();
            let err = max_err(&Value::Array(values), &rf["predict"]);
            assert!(err <= tol, "{file}: max value error {err:e} > {tol:e}");
        }
    }
    // XGBoost JSON models match XGBoost's own outputs.
    for (file, refname, kind) in [
        ("xgb_clf_bc.json", "xgb_clf_bc_ref.json", "classification"),
        (
            "xgb_reg_diabetes.json",
            "xgb_reg_diabetes_ref.json",
            "regression",
        ),
    ] {
        let rf = reference(refname);
        let id = plain_model(&app, &t, kind).await;
        upload_fixture(&app, &t, &id, file).await;
        let out = predict(
            &app,
            &t,
            &id,
            json!({"rows": rf["inputs"], "version": "latest"}),
        )
        .await;
        let preds = out["predictions"].as_array().unwrap();
        if kind == "classification" {
            let probs: Vec<Value> = preds.iter().map(|p| p["probabilities"].clone()).collect();
            let err = max_err(&Value::Array(probs), &rf["predict_proba"]);
            assert!(err <= 1e-6, "{file}: {err:e}");
            let labels: Vec<Value> = preds.iter().map(|p| p["label"].clone()).collect();
            assert_eq!(Value::Array(labels), rf["predict"], "{file}");
        } else {
            for (p, want) in preds.iter().zip(rf["predict"].as_array().unwrap()) {
                let (got, want) = (p["value"].as_f64().unwrap(), want.as_f64().unwrap());
                assert!(
                    (got - want).abs() <= 1e-6 * want.abs().max(1.0),
                    "{file}: {got} vs {want}"
                );
            }
        }
    }
}
both_backends!(
    every_fixture_model_predicts_its_reference_rows_over_http,
    every_fixture_model_predicts_its_reference_rows_over_http
);

async fn predictions_default_to_the_deployed_version_and_are_on_record(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.token(Role::MlEngineer).await;
    let admin = app.token(Role::Admin).await;
    let viewer = app.token(Role::Viewer).await;
    let rf = reference("rf_iris.json");
    let id = register(
        &app,
        &alice,
        json!({"name": "iris", "type": "classification",
        "feature_names": ["sl", "sw", "pl", "pw"]}),
    )
    .await;
    let base = format!("/api/v1/models/{id}");
    let v1 = upload_fixture(&app, &alice, &id, "rf_iris_f32.onnx").await;
    let v2 = upload_fixture(&app, &alice, &id, "pipe_scaler_logreg_iris_f32.onnx").await;
    let r = app
        .post(
            &format!("{base}/predict"),
            &alice,
            &json!({"rows": [[5.1, 3.5, 1.4, 0.2]]}),
        )
        .await;
    raia_tests::expect_problem(r, 422, "no_deployed_version").await;
    app.post(&format!("{base}/versions/{v1}/submit"), &alice, &json!({}))
        .await;
    app.post(&format!("{base}/versions/{v1}/approve"), &admin, &json!({}))
        .await;
    app.post(&format!("{base}/deploy"), &admin, &json!({"version": v1}))
        .await;
    app.client
        .put(app.url(&format!("{base}/aliases/challenger")))
        .bearer_auth(&admin)
        .json(&json!({"version": v2}))
        .send()
        .await
        .unwrap();
    let rows: Vec<Value> = rf["inputs"].as_array().unwrap()[..10].to_vec();
    let out = predict(&app, &viewer, &id, json!({"rows": rows})).await;
    assert_eq!(out["version"], v1);
    let c = predict(
        &app,
        &alice,
        &id,
        json!({"rows": [{"sl": 5.1, "sw": 3.5, "pl": 1.4, "pw": 0.2}], "version": "challenger"}),
    )
    .await;
    assert_eq!(c["version"], v2);
    let p = &c["predictions"][0];
    assert!(p["confidence"].as_f64().unwrap() >= 0.5);
    // Every prediction is on the record, with its caller, filterable.
    let auditor = app.token(Role::Auditor).await;
    let page: Value = app
        .get(&format!("{base}/predictions?limit=500"), &auditor)
        .await
        .json()
        .await
        .unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 11);
    assert_eq!(items[0]["id"], out["predictions"][0]["id"]);
    assert_eq!(items[0]["input"], rows[0]);
    assert_eq!(items[0]["output"]["label"], out["predictions"][0]["label"]);
    let only_v2: Value = app
        .get(&format!("{base}/predictions?version={v2}"), &auditor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(only_v2["items"].as_array().unwrap().len(), 1);
    assert_eq!(only_v2["items"][0]["id"], p["id"]);
    let me: Value = app
        .get("/api/v1/auth/me", &viewer)
        .await
        .json()
        .await
        .unwrap();
    let mine: Value = app
        .get(
            &format!(
                "{base}/predictions?caller={}&limit=4",
                me["id"].as_str().unwrap()
            ),
            &auditor,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"].as_array().unwrap().len(), 4);
    let next: Value = app
        .get(
            &format!(
                "{base}/predictions?caller={}&limit=4&cursor={}",
                me["id"].as_str().unwrap(),
                mine["next_cursor"].as_str().unwrap()
            ),
            &auditor,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(next["items"][0]["id"], out["predictions"][4]["id"]);
    let sure: Value = app
        .get(
            &format!("{base}/predictions?min_confidence=0.99&limit=500"),
            &auditor,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(sure["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["confidence"].as_f64().unwrap() >= 0.99));
    // Viewers predict but may not read others' inputs.
    assert_eq!(
        app.get(&format!("{base}/predictions"), &viewer)
            .await
            .status(),
        403
    );
    // The log is events: one PredictionsLogged per batch, not one per row.
    let logs: Value = app
        .get(
            "/api/v1/audit/logs?event_type=PredictionsLogged&limit=100",
            &auditor,
        )
        .await
        .json()
        .await
        .unwrap();
    let n_rows: usize = logs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["payload"]["records"].as_array().unwrap().len())
        .sum();
    assert_eq!(n_rows, 11);
}
both_backends!(
    predictions_default_to_the_deployed_version_and_are_on_record,
    predictions_default_to_the_deployed_version_and_are_on_record
);

async fn predictions_waiting_at_shutdown_are_flushed_to_the_log(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::MlEngineer).await;
    let id = plain_model(&app, &t, "regression").await;
    upload_fixture(&app, &t, &id, "gbr_diabetes_te5.onnx").await;
    let rows = reference("gbr_diabetes.json")["inputs"].clone();
    predict(&app, &t, &id, json!({"rows": rows, "version": 1})).await;
    let store = app.server.state.store.clone();
    let _dir = app.stop().await;
    let events = store
        .read_stream(domain::model::PREDICTION_STREAM, &id, commands::Until::Now)
        .await
        .unwrap();
    let n: usize = events
        .iter()
        .map(|e| {
            e.payload_json().unwrap()["records"]
                .as_array()
                .unwrap()
                .len()
        })
        .sum();
    assert_eq!(n, 50);
}
both_backends!(
    predictions_waiting_at_shutdown_are_flushed_to_the_log,
    predictions_waiting_at_shutdown_are_flushed_to_the_log
);
