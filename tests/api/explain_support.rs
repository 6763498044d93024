//! Helpers of the explainability tests: the explain fixture uploaded as datasets, the
//! fixture models registered with their feature names, and number comparisons.

use raia_tests::TestApp;
use serde_json::{json, Value};

use crate::{
    datasets::{fixture_dir, upload},
    model_support::{register, upload as upload_model, upload_fixture},
};

/// The explain fixture in a running app.
pub struct ExplainFx {
    /// `expected.json`.
    pub expected: Value,
    /// Feature names in model input order.
    pub features: Vec<String>,
    /// Dataset id of `background.csv`.
    pub background: String,
    /// Dataset id of `explain.csv`.
    pub explain: String,
}

/// Uploads `background.csv` and `explain.csv`.
pub async fn explain_fixture(app: &TestApp, token: &str) -> ExplainFx {
    let dir = fixture_dir("explain");
    let expected: Value =
        serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    let features = expected["meta"]["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_owned())
        .collect();
    let mut ids = Vec::new();
    for f in ["background.csv", "explain.csv"] {
        let bytes = std::fs::read(dir.join(f)).unwrap();
        let d = upload(app, token, f, f, bytes).await;
        ids.push(d["id"].as_str().unwrap().to_owned());
    }
    ExplainFx {
        expected,
        features,
        background: ids.remove(0),
        explain: ids.remove(0),
    }
}

/// Registers a classifier with the fixture's feature names and uploads an explain-fixture
/// ONNX file; returns the model id.
pub async fn explain_model(app: &TestApp, token: &str, fx: &ExplainFx, file: &str) -> String {
    let id = register(
        app,
        token,
        json!({"name": file, "type": "classification", "feature_names": fx.features}),
    )
    .await;
    let bytes = std::fs::read(fixture_dir("explain").join(file)).unwrap();
    let r = upload_model(app, token, &id, bytes, file, None).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    id
}

/// Registers a model and uploads a `fixtures/models` file; returns the model id.
pub async fn models_fixture(app: &TestApp, token: &str, file: &str, kind: &str) -> String {
    let id = register(app, token, json!({"name": file, "type": kind})).await;
    upload_fixture(app, token, &id, file).await;
    id
}

/// POSTs an explanation request, asserts 201 and returns the explanation.
pub async fn post_explain(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let r = app.post(path, token, &body).await;
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{path}: {v}");
    v
}

/// Largest absolute difference between two equally shaped JSON number trees.
pub fn max_diff(a: &Value, b: &Value) -> f64 {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "shapes differ");
            x.iter()
                .zip(y)
                .map(|(p, q)| max_diff(p, q))
                .fold(0.0, f64::max)
        }
        _ => (a.as_f64().unwrap() - b.as_f64().unwrap()).abs(),
    }
}

/// `results.rows[*].<field>` as a JSON array.
pub fn column(explanation: &Value, field: &str) -> Value {
    Value::Array(
        explanation["results"]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r[field].clone())
            .collect(),
    )
}

/// Polls a job (its `Location`) until it ends; long explanation jobs get a minute.
pub async fn wait_job(app: &TestApp, location: &str, token: &str) -> Value {
    for _ in 0..600 {
        let job: Value = app.get(location, token).await.json().await.unwrap();
        if ["succeeded", "failed", "cancelled"].contains(&job["status"].as_str().unwrap()) {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("job {location} did not end in 60 s");
}
