//! Events over HTTP: publishing application events and Server-Sent Events
//! with `Last-Event-ID` resume.

use std::time::Duration;

use domain::Role;
use raia_tests::{both_backends, expect_problem, Backend, TestApp};
use serde_json::{json, Value};

/// Reads SSE events (id, data) from a response until `n` arrived.
async fn sse_events(mut r: reqwest::Response, n: usize) -> Vec<(i64, Value)> {
    let mut buf = String::new();
    let mut out = Vec::new();
    while out.len() < n {
        let chunk = tokio::time::timeout(Duration::from_secs(20), r.chunk())
            .await
            .expect("no SSE data in time")
            .unwrap()
            .expect("stream ended");
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let id = block
                .lines()
                .find_map(|l| l.strip_prefix("id:"))
                .map(|s| s.trim().parse().unwrap());
            let data = block
                .lines()
                .find_map(|l| l.strip_prefix("data:"))
                .map(|s| serde_json::from_str(s.trim()).unwrap());
            if let (Some(id), Some(data)) = (id, data) {
                out.push((id, data));
            }
        }
    }
    out
}

async fn publish(app: &TestApp, token: &str, i: usize) -> Value {
    let r = app
        .post(
            "/api/v1/events/publish",
            token,
            &json!({"topic": "billing", "event_type": "InvoicePaid", "data": {"n": i}}),
        )
        .await;
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

both_backends!(
    published_events_are_recorded_with_their_actor_and_validated,
    publish_validated
);
async fn publish_validated(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.token(Role::MlEngineer).await;
    let viewer = app.token(Role::Viewer).await;
    let before = app.event_count().await;
    let v = publish(&app, &token, 1).await;
    let stored = app
        .server
        .state
        .store
        .read_all(v["position"].as_i64().unwrap() - 1, 1)
        .await
        .unwrap();
    assert_eq!(stored[0].stream_type, "topic");
    assert_eq!(stored[0].stream_id, "billing");
    assert_eq!(stored[0].payload_json().unwrap()["name"], "InvoicePaid");
    assert!(stored[0].metadata().unwrap().actor_id.is_some());
    for (body, status, code) in [
        (
            json!({"topic": "billing", "event_type": "lower", "data": {}}),
            422,
            "invalid_event",
        ),
        (
            json!({"topic": "bad topic", "event_type": "Ok", "data": {}}),
            422,
            "invalid_topic",
        ),
        (
            json!({"topic": "billing", "event_type": "Ok", "data": [1]}),
            422,
            "invalid_event",
        ),
        (
            json!({"topic": "billing", "event_type": "Ok", "data": {"pad": "x".repeat(70_000)}}),
            413,
            "event_too_large",
        ),
    ] {
        expect_problem(
            app.post("/api/v1/events/publish", &token, &body).await,
            status,
            code,
        )
        .await;
    }
    assert_eq!(
        app.post(
            "/api/v1/events/publish",
            &viewer,
            &json!({"topic": "t", "event_type": "A", "data": {}})
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        app.event_count().await,
        before + 1,
        "no half-written events"
    );
}

both_backends!(
    server_sent_events_resume_after_the_last_event_id,
    sse_resume
);
async fn sse_resume(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.token(Role::DataScientist).await;
    let start = app.event_count().await;
    for i in 0..3 {
        publish(&app, &token, i).await;
    }
    let r = app
        .client
        .get(app.url(&format!(
            "/api/v1/events/stream?stream_type=topic&after={start}"
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    let first = sse_events(r, 3).await;
    assert_eq!(
        first
            .iter()
            .map(|(_, d)| d["payload"]["data"]["n"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        vec![0, 1, 2]
    );
    let last = first[1].0;
    let r = app
        .client
        .get(app.url("/api/v1/events/stream?stream_type=topic"))
        .bearer_auth(&token)
        .header("last-event-id", last.to_string())
        .send()
        .await
        .unwrap();
    publish(&app, &token, 3).await;
    let rest = sse_events(r, 2).await;
    assert_eq!(
        rest.iter()
            .map(|(_, d)| d["payload"]["data"]["n"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        vec![2, 3]
    );
    assert!(rest[0].0 > last);
}
