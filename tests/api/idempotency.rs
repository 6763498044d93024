//! `Idempotency-Key`: a retried write runs once.

use domain::Role;
use raia_tests::{both_backends, expect_problem, Backend, TestApp};
use serde_json::{json, Value};

async fn a_retried_write_with_the_same_key_runs_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::Admin).await;
    let send = |body: Value| {
        app.client
            .post(app.url("/api/v1/models"))
            .bearer_auth(&t)
            .header("idempotency-key", "k-1")
            .json(&body)
            .send()
    };
    let before = app.event_count().await;
    let first = send(json!({"name": "once", "type": "llm"})).await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = send(json!({"name": "once", "type": "llm"})).await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap()["id"], first["id"]);
    assert_eq!(app.event_count().await, before + 1);
    expect_problem(
        send(json!({"name": "other", "type": "llm"})).await.unwrap(),
        422,
        "idempotency_key_reused",
    )
    .await;
    // Another caller may use the same key for its own request.
    let other = app.token(Role::Admin).await;
    let r = app
        .client
        .post(app.url("/api/v1/models"))
        .bearer_auth(&other)
        .header("idempotency-key", "k-1")
        .json(&json!({"name": "theirs", "type": "llm"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}
both_backends!(
    a_retried_write_with_the_same_key_runs_once,
    a_retried_write_with_the_same_key_runs_once
);

async fn a_large_answer_is_returned_whole(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.body_limit_bytes = 8 * 1024 * 1024).await;
    let t = app.token(Role::Admin).await;
    // A write whose answer exceeds what the cache keeps (1 MiB): a model with a
    // very long feature list.
    let features: Vec<String> = (0..70_000).map(|i| format!("feature_{i:06}")).collect();
    let body = json!({"name": "wide", "type": "classification", "feature_names": features});
    let send = || {
        app.client
            .post(app.url("/api/v1/models"))
            .bearer_auth(&t)
            .header("idempotency-key", "wide-1")
            .json(&body)
            .send()
    };
    let r = send().await.unwrap();
    assert_eq!(r.status(), 201);
    let text = r.text().await.unwrap();
    assert!(
        text.len() > 1024 * 1024,
        "answer was cut: {} bytes",
        text.len()
    );
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["feature_names"].as_array().unwrap().len(), 70_000);
}
both_backends!(
    a_large_answer_is_returned_whole,
    a_large_answer_is_returned_whole
);
