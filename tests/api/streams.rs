//! Data streams: signed webhook ingest, schema validation, windows, streaming
//! drift against a reference dataset, resume after a restart.

use std::time::Duration;

use domain::Role;
use hmac::{Hmac, Mac};
use raia_tests::{both_backends, Backend, TestApp};
use serde_json::{json, Value};
use sha2::Sha256;

/// `frac(i * golden ratio)`: an evenly spread, reproducible sequence in [0, 1).
pub fn spread(i: usize, offset: f64) -> f64 {
    (i as f64 * 0.618_033_988_749_895 + offset).fract()
}

/// A signed ingest request.
pub async fn ingest(
    app: &TestApp,
    id: &str,
    secret: &str,
    records: &Value,
    batch: Option<&str>,
) -> reqwest::Response {
    let body = records.to_string();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    let sig = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    let mut r = app
        .client
        .post(app.url(&format!("/api/v1/streams/{id}/ingest")))
        .header("x-raia-signature", sig)
        .header("content-type", "application/json")
        .body(body);
    if let Some(b) = batch {
        r = r.header("x-raia-batch-id", b);
    }
    r.send().await.unwrap()
}

/// Records `from..to`: `x` shifts by +2 from record `shift_at` on; record numbers
/// in `bad` violate the schema.
pub fn records(from: usize, to: usize, shift_at: usize, bad: &[usize]) -> Value {
    let now_ms = chrono::Utc::now().timestamp_millis();
    Value::Array(
        (from..to)
            .map(|i| {
                if bad.contains(&i) {
                    return json!({"x": "not a number", "c": "a"});
                }
                let shift = if i >= shift_at { 2.0 } else { 0.0 };
                json!({
                    "x": spread(i, 0.5) + shift,
                    "c": if i % 2 == 0 { "a" } else { "b" },
                    "pred": if spread(i, 0.1) > 0.5 { "yes" } else { "no" },
                    "ts": now_ms - 5,
                })
            })
            .collect(),
    )
}

/// Uploads the reference (1000 rows of the unshifted distribution) and creates
/// a running stream with tumbling windows of 200; returns (id, secret).
pub async fn running_stream(app: &TestApp, token: &str) -> (String, String) {
    running_stream_with(app, token, json!({"size": 200})).await
}

/// Like [`running_stream`], with the given windows.
pub async fn running_stream_with(app: &TestApp, token: &str, window: Value) -> (String, String) {
    let mut csv = String::from("x,c\n");
    for i in 0..1000 {
        csv.push_str(&format!(
            "{},{}\n",
            spread(i, 0.0),
            if i % 2 == 0 { "a" } else { "b" }
        ));
    }
    let reference =
        crate::datasets::upload(app, token, "reference", "ref.csv", csv.into_bytes()).await;
    let r = app
        .post(
            "/api/v1/streams",
            token,
            &json!({
                "name": "scores",
                "source": {"kind": "webhook"},
                "schema": [
                    {"name": "x", "kind": "number", "required": true},
                    {"name": "c", "kind": "string"},
                    {"name": "pred", "kind": "string"},
                    {"name": "ts", "kind": "number"}
                ],
                "reference_dataset_id": reference["id"],
                "prediction_field": "pred",
                "timestamp_field": "ts",
                "window": window,
                "drift_share": 0.5
            }),
        )
        .await;
    let v: Value = r.json().await.unwrap();
    assert!(v["ingest_secret"].is_string(), "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    let r = app
        .post(&format!("/api/v1/streams/{id}/start"), token, &json!({}))
        .await;
    assert_eq!(r.status(), 200);
    (id, v["ingest_secret"].as_str().unwrap().to_owned())
}

/// Polls the metrics until `windows` windows are closed (60 s at most).
pub async fn wait_windows(app: &TestApp, token: &str, id: &str, windows: i64) -> Value {
    for _ in 0..600 {
        let m: Value = app
            .get(&format!("/api/v1/streams/{id}/metrics?limit=1000"), token)
            .await
            .json()
            .await
            .unwrap();
        if m["totals"]["windows_closed"].as_i64().unwrap() >= windows {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("windows did not close");
}

/// The windows for which `DriftAlertRaised` was appended, in order.
pub async fn drift_alert_windows(app: &TestApp, id: &str) -> Vec<u64> {
    app.server
        .state
        .store
        .read_stream("data_stream", id, commands::Until::Now)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.event_type == "DriftAlertRaised")
        .map(|e| e.payload_json().unwrap()["window"].as_u64().unwrap())
        .collect()
}

both_backends!(
    streaming_drift_alerts_in_the_first_window_after_a_shift_and_none_before,
    drift
);
async fn drift(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.token(Role::DataScientist).await;
    let (id, secret) = running_stream(&app, &token).await;
    // A forged signature is rejected and counted; the stream stays up.
    let forged = ingest(&app, &id, "wrong secret", &records(0, 10, 1000, &[]), None).await;
    assert_eq!(forged.status(), 401);
    let bad_body = app
        .client
        .post(app.url(&format!("/api/v1/streams/{id}/ingest")))
        .header("x-raia-signature", "sha256=00")
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_body.status(), 401);
    // The shift starts at record 1000, the first record of window 5.
    for b in 0..16 {
        let r = ingest(
            &app,
            &id,
            &secret,
            &records(b * 100, b * 100 + 100, 1000, &[3, 150, 151]),
            Some(&format!("b{b}")),
        )
        .await;
        assert_eq!(r.status(), 202, "{}", r.text().await.unwrap());
    }
    // A retried batch counts once.
    let again: Value = ingest(
        &app,
        &id,
        &secret,
        &records(0, 100, 1000, &[3, 150, 151]),
        Some("b0"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(again["duplicate"], true);
    let m = wait_windows(&app, &token, &id, 8).await;
    assert_eq!(m["totals"]["records_received"], 1600);
    assert_eq!(m["totals"]["bad_records"], 3);
    assert_eq!(m["totals"]["good_records"], 1597);
    assert_eq!(m["totals"]["rejected_batches"], 2);
    let windows = m["windows"].as_array().unwrap();
    assert_eq!(windows.len(), 8);
    for w in windows {
        let k = w["window"].as_i64().unwrap();
        assert_eq!(w["drift"], k >= 5, "window {k}: {}", w["metrics"]["drift"]);
        assert_eq!(w["n_records"], 200);
    }
    let w0 = &windows[0]["metrics"];
    assert_eq!(w0["bad_records"], 3);
    assert!(w0["features"]["x"]["mean"].as_f64().is_some());
    assert!(w0["latency"]["p50_ms"].as_f64().is_some());
    assert!(w0["prediction_distribution"]["counts"]["yes"]
        .as_u64()
        .is_some());
    assert_eq!(m["bad_samples"].as_array().unwrap().len(), 3);
    app.sync().await;
    let alerts = drift_alert_windows(&app, &id).await;
    assert_eq!(
        alerts.first(),
        Some(&5),
        "first alert in window 5: {alerts:?}"
    );
    assert!(alerts.iter().all(|w| *w >= 5));
}

both_backends!(
    a_restarted_server_resumes_a_stream_without_losing_or_double_counting,
    restart
);
async fn restart(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.token(Role::Admin).await;
    let (id, secret) = running_stream(&app, &token).await;
    // 850 records: four windows close, 50 records wait for the fifth.
    for b in 0..17 {
        let r = ingest(
            &app,
            &id,
            &secret,
            &records(b * 50, b * 50 + 50, 10_000, &[]),
            None,
        )
        .await;
        assert_eq!(r.status(), 202);
    }
    wait_windows(&app, &token, &id, 4).await;
    let config = app.config.clone();
    let backend = app.backend;
    let dir = app.stop().await;
    let app = TestApp::start(backend, dir, config).await;
    for b in 17..32 {
        let r = ingest(
            &app,
            &id,
            &secret,
            &records(b * 50, b * 50 + 50, 10_000, &[]),
            None,
        )
        .await;
        assert_eq!(r.status(), 202);
    }
    let m = wait_windows(&app, &token, &id, 8).await;
    let windows = m["windows"].as_array().unwrap();
    let numbers: Vec<i64> = windows
        .iter()
        .map(|w| w["window"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, (0..8).collect::<Vec<_>>());
    assert!(windows.iter().all(|w| w["n_records"] == 200));
    assert_eq!(m["totals"]["good_records"], 1600);
    assert!(drift_alert_windows(&app, &id).await.is_empty());
}

both_backends!(
    stream_configuration_is_validated_and_access_controlled,
    config
);
async fn config(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.token(Role::DataScientist).await;
    let viewer = app.token(Role::Viewer).await;
    let body = json!({"name": "s", "source": {"kind": "webhook"}, "schema": [{"name": "x", "kind": "number"}], "window": {"size": 10, "slide": 20}});
    raia_tests::expect_problem(
        app.post("/api/v1/streams", &token, &body).await,
        422,
        "invalid_stream",
    )
    .await;
    let body = json!({"name": "s", "source": {"kind": "webhook"}, "schema": [{"name": "x", "kind": "number"}], "window": {"size": 10}});
    assert_eq!(
        app.post("/api/v1/streams", &viewer, &body).await.status(),
        403
    );
    let v: Value = app
        .post("/api/v1/streams", &token, &body)
        .await
        .json()
        .await
        .unwrap();
    let id = v["id"].as_str().unwrap();
    // Stopped streams refuse records.
    let r = ingest(
        &app,
        id,
        v["ingest_secret"].as_str().unwrap(),
        &json!([{"x": 1}]),
        None,
    )
    .await;
    raia_tests::expect_problem(r, 409, "stream_stopped").await;
    assert_eq!(
        app.post(&format!("/api/v1/streams/{id}/stop"), &token, &json!({}))
            .await
            .status(),
        409
    );
    let list: Value = app
        .get("/api/v1/streams", &viewer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(list[0].get("ingest_secret").is_none());
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/streams/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "data scientists may not delete");
    let admin = app.token(Role::Admin).await;
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/streams/{id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        app.get(&format!("/api/v1/streams/{id}"), &viewer)
            .await
            .status(),
        404
    );
}
