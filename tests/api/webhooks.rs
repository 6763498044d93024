//! Webhook subscriptions: signed deliveries, retries with backoff, the
//! delivery log and dead letters, and no re-sending after a rebuild.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
    Router,
};
use domain::Role;
use hmac::{Hmac, Mac};
use raia_tests::{both_backends, Backend, TestApp};
use serde_json::{json, Value};
use sha2::Sha256;

type Seen = Arc<Mutex<Vec<(String, HeaderMap, Bytes)>>>;

async fn receiver() -> (String, Seen) {
    let seen: Seen = Arc::default();
    async fn ok(State(s): State<Seen>, h: HeaderMap, b: Bytes) -> StatusCode {
        s.lock().unwrap().push(("ok".into(), h, b));
        StatusCode::OK
    }
    async fn fail(State(s): State<Seen>, h: HeaderMap, b: Bytes) -> StatusCode {
        s.lock().unwrap().push(("fail".into(), h, b));
        StatusCode::INTERNAL_SERVER_ERROR
    }
    let app = Router::new()
        .route("/ok", post(ok))
        .route("/fail", post(fail))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), seen)
}

async fn wait_until(what: &str, f: impl Fn() -> bool) {
    for _ in 0..300 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

both_backends!(
    webhooks_are_signed_retried_logged_and_dead_lettered_once,
    webhooks
);
async fn webhooks(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.token(Role::MlEngineer).await;
    let viewer_topic = app
        .post(
            "/api/v1/events/subscribe/user",
            &token,
            &json!({"url": "http://127.0.0.1:1/x"}),
        )
        .await;
    assert_eq!(
        viewer_topic.status(),
        403,
        "identity events are not for this role"
    );
    let (base, seen) = receiver().await;
    let ok: Value = app
        .post(
            "/api/v1/events/subscribe/model.ModelRegistered",
            &token,
            &json!({"url": format!("{base}/ok")}),
        )
        .await
        .json()
        .await
        .unwrap();
    let fail: Value = app
        .post(
            "/api/v1/events/subscribe/billing",
            &token,
            &json!({"url": format!("{base}/fail")}),
        )
        .await
        .json()
        .await
        .unwrap();
    let secret = ok["secret"].as_str().unwrap().to_owned();
    let r = app
        .post(
            "/api/v1/models",
            &token,
            &json!({"name": "hooked", "type": "llm"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let r = app
        .post(
            "/api/v1/events/publish",
            &token,
            &json!({"topic": "billing", "event_type": "InvoicePaid", "data": {}}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let s = seen.clone();
    wait_until("deliveries", move || {
        let v = s.lock().unwrap();
        v.iter().filter(|(p, ..)| p == "ok").count() == 1
            && v.iter().filter(|(p, ..)| p == "fail").count() == 4
    })
    .await;
    let (_, headers, body) = seen
        .lock()
        .unwrap()
        .iter()
        .find(|(p, ..)| p == "ok")
        .cloned()
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(&body);
    assert_eq!(
        headers["x-raia-signature"].to_str().unwrap(),
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    );
    let event: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(event["event_type"], "ModelRegistered");
    // The delivery log and the dead-letter list.
    // The receiver answering the last attempt comes before the server records it
    // (and its dead letter), so read the log once that record is there.
    let mut log = Value::Null;
    for _ in 0..100 {
        log = app
            .get(
                &format!(
                    "/api/v1/events/subscriptions/{}/deliveries",
                    fail["id"].as_str().unwrap()
                ),
                &token,
            )
            .await
            .json()
            .await
            .unwrap();
        if log
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["status"] == "dead")
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let statuses: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == "failed").count(), 3);
    assert_eq!(statuses.iter().filter(|s| **s == "dead").count(), 1);
    let subs: Value = app
        .get("/api/v1/events/subscriptions", &token)
        .await
        .json()
        .await
        .unwrap();
    let f = subs
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == fail["id"])
        .unwrap();
    assert_eq!(f["dead_letters"], 1);
    // Rebuilding projections and restarting never re-sends.
    let before = seen.lock().unwrap().len();
    app.server
        .state
        .runner
        .rebuild("webhook_subscriptions")
        .await
        .unwrap();
    let config = app.config.clone();
    let dir = app.stop().await;
    let app = TestApp::start(backend, dir, config).await;
    app.sync().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(seen.lock().unwrap().len(), before);
}
