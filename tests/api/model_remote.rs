//! Remote models: versions served by a KServe v2 or MLflow server that RAIA
//! calls, with retries, a time limit and a circuit breaker; predictions are
//! logged and evaluations run as for artifacts RAIA runs itself.

use domain::Role;
use raia_tests::{
    both_backends, expect_problem,
    model_server::{sigmoid_a_minus_b, ModelServer},
    Backend, TestApp,
};
use serde_json::{json, Value};

use crate::model_support::register;

async fn remote_versions_predict_evaluate_retry_time_out_and_trip_their_breaker(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::MlEngineer).await;
    let server = ModelServer::start().await;
    let clf = register(
        &app,
        &t,
        json!({"name": "churn", "type": "classification", "feature_names": ["a", "b"]}),
    )
    .await;
    let path = format!("/api/v1/models/{clf}/versions/remote");

    // Refused before anything is written: no model name, unreachable, wrong name, no classes.
    let before = app.event_count().await;
    for (body, status, code) in [
        (
            json!({"protocol": "kserve_v2", "url": server.base, "classes": [0, 1]}),
            422,
            "invalid_remote",
        ),
        (
            json!({"protocol": "kserve_v2", "url": "http://127.0.0.1:9", "model_name": "churn",
                "classes": [0, 1], "retries": 0}),
            422,
            "remote_unreachable",
        ),
        (
            json!({"protocol": "kserve_v2", "url": server.base, "model_name": "nope", "classes": [0, 1]}),
            422,
            "remote_unreachable",
        ),
        (
            json!({"protocol": "kserve_v2", "url": server.base, "model_name": "churn"}),
            422,
            "invalid_remote",
        ),
        (
            json!({"protocol": "kserve_v2", "url": "ftp://x", "model_name": "churn", "classes": [0, 1]}),
            422,
            "invalid_remote",
        ),
    ] {
        expect_problem(app.post(&path, &t, &body).await, status, code).await;
    }
    assert_eq!(app.event_count().await, before);

    let r = app
        .post(
            &path,
            &t,
            &json!({"protocol": "kserve_v2", "url": server.base, "model_name": "churn",
                    "classes": [0, 1], "timeout_ms": 300, "retries": 2}),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["format"], "remote");
    assert_eq!(v["signature"]["n_features"], 2);

    let rows = json!([{"a": 2.0, "b": 0.5}, {"a": -1.0, "b": 1.0}, [0.25, 0.25]]);
    let r = app
        .post(
            &format!("/api/v1/models/{clf}/predict"),
            &t,
            &json!({"rows": rows, "version": 1}),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let p: Value = r.json().await.unwrap();
    for (i, (a, b)) in [(2.0, 0.5), (-1.0, 1.0), (0.25, 0.25)]
        .into_iter()
        .enumerate()
    {
        let want = sigmoid_a_minus_b(a, b);
        let got = &p["predictions"][i];
        assert!((got["probabilities"][1].as_f64().unwrap() - want).abs() < 1e-15);
        assert_eq!(got["label"], i64::from(want > 0.5));
    }
    // Evaluated like any version.
    let r = app
        .post(
            &format!("/api/v1/models/{clf}/evaluate"),
            &t,
            &json!({"rows": rows, "labels": [1, 0, 1], "version": 1}),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let ev: Value = r.json().await.unwrap();
    assert!((ev["metrics"]["accuracy"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-12);

    // Two failures are retried away; the caller never sees them.
    let calls = server.calls();
    server.fail_next(2);
    let r = app
        .post(
            &format!("/api/v1/models/{clf}/predict"),
            &t,
            &json!({"rows": [[1, 0]], "version": 1}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(server.calls(), calls + 3);

    // A stalled server times out (per attempt, retried, then 504).
    server.set_delay(1000);
    let r = app
        .post(
            &format!("/api/v1/models/{clf}/predict"),
            &t,
            &json!({"rows": [[1, 0]], "version": 1}),
        )
        .await;
    expect_problem(r, 504, "model_server_timeout").await;
    server.set_delay(0);

    // A server that keeps failing trips the breaker: later calls fail fast without reaching it.
    server.set_down(true);
    for _ in 0..4 {
        let r = app
            .post(
                &format!("/api/v1/models/{clf}/predict"),
                &t,
                &json!({"rows": [[1, 0]], "version": 1}),
            )
            .await;
        expect_problem(r, 502, "model_server_error").await;
    }
    let calls = server.calls();
    let r = app
        .post(
            &format!("/api/v1/models/{clf}/predict"),
            &t,
            &json!({"rows": [[1, 0]], "version": 1}),
        )
        .await;
    assert!(r.headers().contains_key("retry-after"));
    expect_problem(r, 503, "model_server_unavailable").await;
    assert_eq!(server.calls(), calls);
    server.set_down(false);

    // MLflow: a regressor scored by column name.
    let reg = register(
        &app,
        &t,
        json!({"name": "price", "type": "regression", "feature_names": ["b", "a"]}),
    )
    .await;
    let mlflow = ModelServer::start().await;
    let r = app
        .post(
            &format!("/api/v1/models/{reg}/versions/remote"),
            &t,
            &json!({"protocol": "mlflow", "url": mlflow.base}),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let p: Value = app
        .post(
            &format!("/api/v1/models/{reg}/predict"),
            &t,
            &json!({"rows": [{"a": 1.5, "b": 2.0}], "version": 1}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p["predictions"][0]["value"], 5.5);
    // Predictions through remote servers are on record.
    app.server.state.predictions.flush().await;
    app.sync().await;
    let logged: Value = app
        .get(
            &format!("/api/v1/models/{reg}/predictions"),
            &app.token(Role::Auditor).await,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(logged["items"].as_array().unwrap().len(), 1, "{logged}");
}
both_backends!(
    remote_models,
    remote_versions_predict_evaluate_retry_time_out_and_trip_their_breaker
);
