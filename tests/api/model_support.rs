//! Helpers for the registry tests: fixture files, model registration, uploads.

use std::path::PathBuf;

use raia_tests::TestApp;
use serde_json::{json, Value};

/// `$RAIA_FIXTURES` or the repository's `../shared/fixtures`.
pub fn fixtures() -> PathBuf {
    match std::env::var_os("RAIA_FIXTURES") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/fixtures"
        )),
    }
}

/// Bytes of `fixtures/models/<name>`.
pub fn model_file(name: &str) -> Vec<u8> {
    let p = fixtures().join("models").join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e} (set RAIA_FIXTURES)", p.display()))
}

/// A parsed reference file.
pub fn reference(name: &str) -> Value {
    serde_json::from_slice(&model_file(name)).unwrap()
}

/// Registers a model; returns its id.
pub async fn register(app: &TestApp, token: &str, body: Value) -> String {
    let r = app.post("/api/v1/models", token, &body).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let m: Value = r.json().await.unwrap();
    m["id"].as_str().unwrap().to_owned()
}

/// Registers a classification or regression model with `n` unnamed features.
pub async fn plain_model(app: &TestApp, token: &str, kind: &str) -> String {
    register(
        app,
        token,
        json!({"name": format!("m-{kind}"), "type": kind}),
    )
    .await
}

/// Uploads an artifact (with optional metadata part).
pub async fn upload(
    app: &TestApp,
    token: &str,
    model: &str,
    bytes: Vec<u8>,
    filename: &str,
    metadata: Option<Value>,
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new().part(
        "artifact",
        reqwest::multipart::Part::bytes(bytes).file_name(filename.to_owned()),
    );
    if let Some(m) = metadata {
        form = form.text("metadata", m.to_string());
    }
    app.client
        .post(app.url(&format!("/api/v1/models/{model}/versions")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// Uploads a fixture and returns the version number.
pub async fn upload_fixture(app: &TestApp, token: &str, model: &str, file: &str) -> i64 {
    let r = upload(app, token, model, model_file(file), file, None).await;
    assert_eq!(r.status(), 201, "{file}: {}", r.text().await.unwrap());
    let v: Value = r.json().await.unwrap();
    v["version"].as_i64().unwrap()
}

/// POSTs a lifecycle step.
pub async fn step(app: &TestApp, token: &str, path: &str, body: Value) -> reqwest::Response {
    app.post(path, token, &body).await
}
