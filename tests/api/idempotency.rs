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
