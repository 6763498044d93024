//! Notification channels: per-user preferences per kind (each change an
//! event); e-mail through the mailer and webhooks (Slack-compatible or signed
//! generic JSON), each delivery with its own checkpoint: exactly once across a
//! restart, retried with backoff, dead-lettered after the limit.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{body::Bytes, extract::State, http::HeaderMap, http::StatusCode, routing::post, Router};
use domain::Role;
use raia_tests::{both_backends, expect_problem, smtp::SmtpServer, Backend, TestApp};
use serde_json::{json, Value};
use sqlx::Row;

use crate::model_support::{register, step, upload_fixture};

/// One request a receiver saw: path, headers, body, when.
type Hit = (String, HeaderMap, String, Instant);

/// A webhook receiver on 127.0.0.1: `/ok` answers 200 after `delay`, `/fail` 500.
#[derive(Clone)]
struct Receiver {
    base: String,
    hits: Arc<Mutex<Vec<Hit>>>,
    /// `/ok` answers only while it holds permits (one per request).
    gate: Arc<tokio::sync::Semaphore>,
}

#[derive(Clone)]
struct RecvState {
    hits: Arc<Mutex<Vec<Hit>>>,
    delay: Duration,
    gate: Arc<tokio::sync::Semaphore>,
}

impl Receiver {
    async fn start(delay: Duration, permits: usize) -> Self {
        async fn ok(State(s): State<RecvState>, h: HeaderMap, b: Bytes) -> StatusCode {
            if let Ok(p) = s.gate.acquire().await {
                p.forget();
            }
            tokio::time::sleep(s.delay).await;
            let body = String::from_utf8_lossy(&b).into_owned();
            s.hits
                .lock()
                .unwrap()
                .push(("ok".into(), h, body, Instant::now()));
            StatusCode::OK
        }
        async fn fail(State(s): State<RecvState>, h: HeaderMap, b: Bytes) -> StatusCode {
            let body = String::from_utf8_lossy(&b).into_owned();
            s.hits
                .lock()
                .unwrap()
                .push(("fail".into(), h, body, Instant::now()));
            StatusCode::INTERNAL_SERVER_ERROR
        }
        let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
        let gate = Arc::new(tokio::sync::Semaphore::new(permits));
        let app = Router::new()
            .route("/ok", post(ok))
            .route("/fail", post(fail))
            .with_state(RecvState {
                hits: hits.clone(),
                delay,
                gate: gate.clone(),
            });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            base: format!("http://{addr}"),
            hits,
            gate,
        }
    }

    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }
}

async fn wait_until(what: &str, f: impl Fn() -> bool) {
    for _ in 0..600 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

fn notification_mails(smtp: &SmtpServer) -> Vec<raia_tests::smtp::Received> {
    smtp.received()
        .into_iter()
        .filter(|m| m.data.contains("Subject: RAIA: "))
        .collect()
}

async fn put_prefs(app: &TestApp, t: &str, body: Value) -> reqwest::Response {
    app.client
        .put(app.url("/api/v1/notifications/preferences"))
        .bearer_auth(t)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// A data scientist submits a version: every ML engineer and admin is a reviewer.
async fn submit_a_version(app: &TestApp) {
    let dana = app.token(Role::DataScientist).await;
    let id = register(app, &dana, json!({"name": "iris", "type": "classification", "feature_names": ["sl", "sw", "pl", "pw"]})).await;
    let v = upload_fixture(app, &dana, &id, "rf_iris_f32.onnx").await;
    let r = step(
        app,
        &dana,
        &format!("/api/v1/models/{id}/versions/{v}/submit"),
        json!({}),
    )
    .await;
    assert_eq!(r.status(), 200);
    api::notify::run_once(&app.server.state).await.unwrap();
    app.sync().await;
}

async fn deliver(app: &TestApp) -> usize {
    let client = api::notify::deliver::client().unwrap();
    api::notify::deliver::run_once(&app.server.state, &client, None)
        .await
        .unwrap()
}

async fn rows(app: &TestApp) -> Vec<(String, String, i64)> {
    sqlx::query("SELECT id, status, attempts FROM notification_deliveries ORDER BY id")
        .fetch_all(app.server.state.db.read())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("id"), r.get("status"), r.get("attempts")))
        .collect()
}

const SECRET: &str = "a webhook signing secret";

async fn preferences_choose_the_channels_and_each_change_is_an_event(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let url = format!("smtp://mailer:s3cret@{}", smtp.addr);
    let app = TestApp::spawn_with(backend, |c| {
        c.smtp_url = Some(url);
        c.notification_delivery = false;
    })
    .await;
    let hook = Receiver::start(Duration::ZERO, 1000).await;
    let bob_email = app.user(Role::MlEngineer).await;
    let bob = app.login(&bob_email).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let carol = app.token(Role::MlEngineer).await;
    // Defaults: everything in-app, nothing elsewhere.
    let d: Value = app
        .get("/api/v1/notifications/preferences", &bob)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["in_app"].as_array().unwrap().len(), 6);
    assert_eq!(d["email"], json!([]));
    assert_eq!(d["webhook_url"], Value::Null);
    // Bad input is refused precisely and writes nothing.
    let before = app.event_count().await;
    let ok_url = format!("{}/ok", hook.base);
    for (body, status, code) in [
        (
            json!({"in_app": [], "webhook": ["bias_found"]}),
            422,
            "webhook_required",
        ),
        (
            json!({"in_app": [], "webhook_url": ok_url, "webhook_format": "generic"}),
            422,
            "webhook_secret_required",
        ),
        (
            json!({"in_app": [], "webhook_url": "ftp://x.example/h", "webhook_format": "slack"}),
            400,
            "invalid_webhook_url",
        ),
        (
            json!({"in_app": [], "webhook_url": ok_url}),
            400,
            "invalid_webhook",
        ),
        (
            json!({"in_app": [], "webhook_url": ok_url, "webhook_format": "generic", "webhook_secret": "short"}),
            400,
            "invalid_webhook_secret",
        ),
        (json!({"in_app": ["weather"]}), 400, "invalid_body"),
    ] {
        expect_problem(put_prefs(&app, &bob, body).await, status, code).await;
    }
    assert_eq!(app.event_count().await, before);
    // Bob: approvals by e-mail and signed webhook, not in the inbox.
    let r = put_prefs(&app, &bob, json!({"in_app": ["bias_found"], "email": ["version_awaiting_approval"],
        "webhook": ["version_awaiting_approval"], "webhook_url": ok_url, "webhook_format": "generic",
        "webhook_secret": SECRET})).await;
    assert_eq!(r.status(), 200);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["webhook_secret_set"], true);
    assert!(!p.to_string().contains(SECRET));
    let set = app.server.state.store.read_all(before, 10).await.unwrap();
    assert_eq!(set.len(), 1);
    assert_eq!(set[0].event_type, "NotificationPreferencesSet");
    assert!(
        !set[0].payload.contains(SECRET),
        "the secret is sealed in the log"
    );

    submit_a_version(&app).await;
    let inbox = |t: String| {
        let app = &app;
        async move {
            let v: Value = app
                .get("/api/v1/notifications", &t)
                .await
                .json()
                .await
                .unwrap();
            v["items"].as_array().unwrap().len()
        }
    };
    assert_eq!(inbox(bob.clone()).await, 0);
    assert_eq!(inbox(carol.clone()).await, 1);
    assert_eq!(deliver(&app).await, 2);
    let mails = notification_mails(&smtp);
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, [bob_email]);
    assert!(mails[0]
        .data
        .contains("Subject: RAIA: Version awaiting approval"));
    let hits = hook.hits();
    assert_eq!(hits.len(), 1);
    let (_, headers, body, _) = &hits[0];
    let expected = api::routes::events::webhooks::signature(SECRET, body.as_bytes());
    assert_eq!(headers["x-raia-signature"].to_str().unwrap(), expected);
    let v: Value = serde_json::from_str(body).unwrap();
    assert_eq!(v["kind"], "version_awaiting_approval");
    assert_eq!(
        headers["x-raia-delivery-id"].to_str().unwrap(),
        v["delivery_id"].as_str().unwrap()
    );
    // Nothing is sent twice.
    assert_eq!(deliver(&app).await, 0);
    assert_eq!(notification_mails(&smtp).len(), 1);
    assert_eq!(hook.hits().len(), 1);
}
both_backends!(
    preferences_choose_the_channels_and_each_change_is_an_event,
    preferences_choose_the_channels_and_each_change_is_an_event
);

async fn a_restart_in_the_middle_of_deliveries_sends_each_exactly_once(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let url = format!("smtp://mailer:s3cret@{}", smtp.addr);
    let hook = Receiver::start(Duration::from_millis(50), 2).await;
    let app = TestApp::spawn_with(backend, |c| c.smtp_url = Some(url)).await;
    let config = app.config.clone();
    const REVIEWERS: usize = 5;
    for _ in 0..REVIEWERS {
        let t = app.token(Role::MlEngineer).await;
        let r = put_prefs(
            &app,
            &t,
            json!({"in_app": [], "email": ["version_awaiting_approval"],
            "webhook": ["version_awaiting_approval"], "webhook_url": format!("{}/ok", hook.base),
            "webhook_format": "slack"}),
        )
        .await;
        assert_eq!(r.status(), 200);
    }
    submit_a_version(&app).await;
    // The background runner delivers; the receiver holds the third webhook
    // while the server is asked to stop, then lets it through.
    wait_until("the first webhook deliveries", || hook.hits().len() >= 2).await;
    let stopping = tokio::spawn(app.stop());
    tokio::time::sleep(Duration::from_millis(300)).await;
    hook.gate.add_permits(1000);
    let dir = stopping.await.unwrap();
    let sent = hook.hits().len() + notification_mails(&smtp).len();
    assert!(
        sent < 2 * REVIEWERS,
        "the stop came after every delivery ({sent})"
    );
    let app = TestApp::start(backend, dir, config).await;
    wait_until("every webhook", || hook.hits().len() >= REVIEWERS).await;
    smtp.wait_for(REVIEWERS).await;
    wait_until("every mail", || {
        notification_mails(&smtp).len() >= REVIEWERS
    })
    .await;
    // Another pass of both side effects finds nothing left to send.
    api::notify::run_once(&app.server.state).await.unwrap();
    deliver(&app).await;
    let r = rows(&app).await;
    assert_eq!(r.len(), 2 * REVIEWERS);
    assert!(
        r.iter().all(|(_, s, a)| s == "delivered" && *a == 1),
        "{r:?}"
    );
    let mut ids: Vec<String> = hook
        .hits()
        .iter()
        .map(|(_, h, _, _)| h["x-raia-delivery-id"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), REVIEWERS, "a webhook was sent twice");
    ids.dedup();
    assert_eq!(ids.len(), REVIEWERS);
    let mut to: Vec<Vec<String>> = notification_mails(&smtp)
        .into_iter()
        .map(|m| m.to)
        .collect();
    assert_eq!(to.len(), REVIEWERS, "a mail was sent twice");
    to.sort();
    to.dedup();
    assert_eq!(to.len(), REVIEWERS);
    let v: Value = serde_json::from_str(&hook.hits()[0].2).unwrap();
    assert!(v["text"]
        .as_str()
        .unwrap()
        .starts_with("*Version awaiting approval*"));
}
both_backends!(
    a_restart_in_the_middle_of_deliveries_sends_each_exactly_once,
    a_restart_in_the_middle_of_deliveries_sends_each_exactly_once
);

async fn a_failing_webhook_is_retried_with_backoff_and_dead_lettered(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.notification_delivery = false;
        c.delivery_retry_base_ms = 100;
        c.delivery_max_attempts = 3;
    })
    .await;
    let hook = Receiver::start(Duration::ZERO, 1000).await;
    let admin = app.token(Role::Admin).await;
    let viewer = app.token(Role::Viewer).await;
    let r = put_prefs(&app, &admin, json!({"in_app": [], "webhook": ["version_awaiting_approval"],
        "webhook_url": format!("{}/fail", hook.base), "webhook_format": "generic", "webhook_secret": SECRET})).await;
    assert_eq!(r.status(), 200);
    submit_a_version(&app).await;
    for _ in 0..200 {
        deliver(&app).await;
        if rows(&app).await.iter().any(|(_, s, _)| s == "dead") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let hits = hook.hits();
    assert_eq!(hits.len(), 3, "three attempts, then the dead-letter list");
    let gaps: Vec<Duration> = hits.windows(2).map(|w| w[1].3 - w[0].3).collect();
    assert!(gaps[0] >= Duration::from_millis(100), "{gaps:?}");
    assert!(
        gaps[1] >= Duration::from_millis(200),
        "backoff doubles: {gaps:?}"
    );
    let dead: Value = app
        .get("/api/v1/notifications/dead-letters", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(dead.as_array().unwrap().len(), 1);
    assert_eq!(dead[0]["channel"], "webhook");
    assert_eq!(dead[0]["attempts"], 3);
    assert_eq!(dead[0]["http_status"], 500);
    assert_eq!(dead[0]["kind"], "version_awaiting_approval");
    expect_problem(
        app.get("/api/v1/notifications/dead-letters", &viewer).await,
        403,
        "forbidden",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    deliver(&app).await;
    assert_eq!(hook.hits().len(), 3, "a dead letter is not sent again");
}
both_backends!(
    a_failing_webhook_is_retried_with_backoff_and_dead_lettered,
    a_failing_webhook_is_retried_with_backoff_and_dead_lettered
);
