//! `raia demo` loads a workspace through the public API in which every
//! listing a newcomer opens is populated, within a minute.

use std::time::Instant;

use api::cli::demo::{load, Api, DEMO_PASSWORD};
use domain::Role;
use raia_tests::{both_backends, Backend, TestApp, PASSWORD};
use serde_json::Value;

/// Entries in a listing: the array itself, or its longest array field.
fn entries(v: &Value) -> usize {
    match v {
        Value::Array(a) => a.len(),
        Value::Object(o) => o
            .values()
            .filter_map(Value::as_array)
            .map(Vec::len)
            .max()
            .unwrap_or(0),
        _ => 0,
    }
}

async fn the_demo_populates_every_listing_within_a_minute(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let email = app.user(Role::Admin).await;
    let api = Api::new(&app.base).unwrap();
    let admin = api.login(&email, PASSWORD).await.unwrap();
    let started = Instant::now();
    let s = load(&api, &admin, 7).await.unwrap();
    // The figure is reported, not asserted: debug builds on a shared machine vary.
    eprintln!("demo loaded in {:?}", started.elapsed());
    assert!(
        s.drift_detected,
        "the current data drifted from the training data"
    );
    assert!(s.bias_detected, "the fairness analysis found bias");
    assert!(!s.chat_answer.is_empty());
    api::notify::run_once(&app.server.state).await.unwrap();
    app.server.state.predictions.flush().await;
    app.sync().await;
    let m = &s.model_id;
    for path in [
        "/api/v1/users".to_owned(),
        "/api/v1/models".into(),
        "/api/v1/datasets".into(),
        format!("/api/v1/models/{m}/versions"),
        format!("/api/v1/models/{m}/predictions"),
        "/api/v1/drift/alerts".into(),
        format!("/api/v1/fairness/reports/{m}"),
        format!("/api/v1/explainability/models/{m}/explanations"),
        "/api/v1/llm/configurations".into(),
        "/api/v1/documents".into(),
        "/api/v1/jobs".into(),
        "/api/v1/export/jobs".into(),
        "/api/v1/export/schedules".into(),
        "/api/v1/evaluations".into(),
        "/api/v1/audit/logs".into(),
    ] {
        let v = api.get(&path, &admin).await.unwrap();
        assert!(entries(&v) > 0, "{path} is empty: {v}");
    }
    let e = api
        .get(&format!("/api/v1/evaluations/{}", s.evaluation_id), &admin)
        .await
        .unwrap();
    assert_eq!(e["status"], "completed", "{e}");
    // Each person finds their own part: reviewers an approval request, the
    // auditor the bias finding, the viewer their chat.
    for (who, path) in [
        ("bob", "/api/v1/notifications"),
        ("audrey", "/api/v1/notifications"),
        ("victor", "/api/v1/chat/sessions"),
    ] {
        let t = api
            .login(&format!("{who}@demo.raia.example"), DEMO_PASSWORD)
            .await
            .unwrap();
        let v = api.get(path, &t).await.unwrap();
        assert!(entries(&v) > 0, "{who}: {path} is empty: {v}");
    }
    // A second run on the same server loads again without conflicts.
    load(&api, &admin, 8).await.unwrap();
}
both_backends!(
    the_demo_populates_every_listing_within_a_minute,
    the_demo_populates_every_listing_within_a_minute
);
