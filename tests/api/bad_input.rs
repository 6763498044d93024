//! Bad input gets a precise problem+json and writes no event.

use domain::Role;
use raia_tests::{both_backends, expect_problem, Backend, TestApp};
use serde_json::json;

async fn bad_requests_are_precise_problems_and_write_nothing(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.body_limit_bytes = 4096).await;
    let t = app.token(Role::Admin).await;
    let before = app.event_count().await;
    let post = |body: &'static str, ct: Option<&'static str>| {
        let mut r = app
            .client
            .post(app.url("/api/v1/models"))
            .bearer_auth(&t)
            .body(body);
        if let Some(ct) = ct {
            r = r.header("content-type", ct);
        }
        r.send()
    };
    expect_problem(
        post("{\"name\": ", Some("application/json")).await.unwrap(),
        400,
        "malformed_json",
    )
    .await;
    expect_problem(
        post(
            "{\"name\":\"x\",\"type\":\"classification\"}",
            Some("text/plain"),
        )
        .await
        .unwrap(),
        415,
        "unsupported_media_type",
    )
    .await;
    expect_problem(
        post("{\"name\":\"x\",\"type\":\"classification\"}", None)
            .await
            .unwrap(),
        415,
        "unsupported_media_type",
    )
    .await;
    let unknown = expect_problem(
        post(
            "{\"name\":\"x\",\"type\":\"classification\",\"colour\":1}",
            Some("application/json"),
        )
        .await
        .unwrap(),
        400,
        "invalid_body",
    )
    .await;
    assert!(unknown["detail"].as_str().unwrap().contains("colour"));
    expect_problem(
        post(
            "{\"name\":\"x\",\"type\":\"quantum\"}",
            Some("application/json"),
        )
        .await
        .unwrap(),
        400,
        "invalid_body",
    )
    .await;
    expect_problem(
        post("{\"type\":\"llm\"}", Some("application/json"))
            .await
            .unwrap(),
        400,
        "invalid_body",
    )
    .await;
    expect_problem(
        post(
            "{\"name\":\"  \",\"type\":\"llm\"}",
            Some("application/json"),
        )
        .await
        .unwrap(),
        422,
        "invalid_model",
    )
    .await;
    let big = json!({"name": "x", "type": "llm", "metadata": {"blob": "a".repeat(10_000)}});
    expect_problem(
        app.post("/api/v1/models", &t, &big).await,
        413,
        "payload_too_large",
    )
    .await;
    expect_problem(
        app.get("/api/v1/models?cursor=bm90LWEtY3Vyc29y", &t).await,
        400,
        "invalid_cursor",
    )
    .await;
    let m: serde_json::Value = app
        .post("/api/v1/models", &t, &json!({"name": "ok", "type": "llm"}))
        .await
        .json()
        .await
        .unwrap();
    let after_create = app.event_count().await;
    assert_eq!(after_create, before + 1);
    let path = app.url(&format!("/api/v1/models/{}", m["id"].as_str().unwrap()));
    let stale = app
        .client
        .put(&path)
        .bearer_auth(&t)
        .header("if-match", "\"7\"")
        .json(&json!({"name": "z"}))
        .send()
        .await
        .unwrap();
    expect_problem(stale, 409, "version_conflict").await;
    let garbage = app
        .client
        .put(&path)
        .bearer_auth(&t)
        .header("if-match", "abc")
        .json(&json!({"name": "z"}))
        .send()
        .await
        .unwrap();
    expect_problem(garbage, 400, "invalid_if_match").await;
    expect_problem(
        app.client
            .patch(&path)
            .bearer_auth(&t)
            .send()
            .await
            .unwrap(),
        405,
        "method_not_allowed",
    )
    .await;
    expect_problem(app.get("/api/v1/nothing-here", &t).await, 404, "not_found").await;
    assert_eq!(
        app.event_count().await,
        after_create,
        "no refused request wrote an event"
    );
    // The server is still up.
    assert_eq!(
        app.client
            .get(app.url("/api/v1/health"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}
both_backends!(
    bad_requests_are_precise_problems_and_write_nothing,
    bad_requests_are_precise_problems_and_write_nothing
);
