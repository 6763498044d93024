//! The outbox relay: every event reaches JetStream exactly once by event id,
//! also across a relay restart that re-publishes.

use std::collections::HashSet;

use async_nats::jetstream::{self, consumer::pull};
use commands::relay::NatsRelay;
use domain::ExpectedVersion;
use futures::StreamExt;
use raia_tests::{both_backends, nats_url, Backend, TestApp};

use crate::store::{event, fresh};

/// Every message in `stream`: (subject, Nats-Msg-Id).
async fn messages(url: &str, stream: &str) -> Vec<(String, String)> {
    let js = jetstream::new(async_nats::connect(url).await.unwrap());
    let mut s = js.get_stream(stream).await.unwrap();
    let n = s.info().await.unwrap().state.messages as usize;
    let consumer = s.create_consumer(pull::Config::default()).await.unwrap();
    let mut out = Vec::new();
    let mut batch = consumer
        .fetch()
        .max_messages(n.max(1))
        .messages()
        .await
        .unwrap();
    while out.len() < n {
        let m = batch.next().await.unwrap().unwrap();
        let id = m
            .headers
            .as_ref()
            .and_then(|h| h.get(async_nats::header::NATS_MESSAGE_ID))
            .map(|v| v.to_string())
            .unwrap_or_else(|| format!("{:?}", m.headers));
        out.push((m.subject.to_string(), id));
    }
    out
}

async fn every_event_reaches_jetstream_exactly_once_across_a_restart(backend: Backend) {
    let url = nats_url().await;
    let (store, db, _dir) = fresh(backend).await;
    let name = format!("RAIA_T_{}", uuid::Uuid::new_v4().simple());
    let prefix = format!("raiat.{}", uuid::Uuid::new_v4().simple());
    for i in 0..30 {
        store
            .append(vec![event(&format!("s{}", i % 4), ExpectedVersion::Any, i)])
            .await
            .unwrap();
    }
    let relay = NatsRelay::connect(store.clone(), &url, &name, &prefix)
        .await
        .unwrap();
    assert_eq!(relay.run_once(20).await.unwrap(), 20);
    // The relay crashes after publishing but before saving its cursor: simulate
    // by moving the cursor back, then restart it.
    sqlx::query("UPDATE relay_cursors SET position = 10")
        .execute(db.write())
        .await
        .unwrap();
    drop(relay);
    let relay = NatsRelay::connect(store.clone(), &url, &name, &prefix)
        .await
        .unwrap();
    assert_eq!(relay.cursor().await.unwrap(), 10);
    while relay.run_once(7).await.unwrap() > 0 {}
    assert_eq!(relay.cursor().await.unwrap(), 30);

    let got = messages(&url, &name).await;
    let ids: HashSet<_> = got.iter().map(|(_, id)| id.clone()).collect();
    let events = store.read_all(0, 100).await.unwrap();
    assert_eq!(got.len(), 30, "republished events were deduplicated");
    assert_eq!(
        ids,
        events
            .iter()
            .map(|e| e.event_id.clone())
            .collect::<HashSet<_>>()
    );
    assert!(got
        .iter()
        .all(|(s, _)| s == &format!("{prefix}.test.Happened")));
    let js = jetstream::new(async_nats::connect(&url).await.unwrap());
    js.delete_stream(&name).await.unwrap();
}
both_backends!(
    every_event_reaches_jetstream_exactly_once_across_a_restart,
    every_event_reaches_jetstream_exactly_once_across_a_restart
);

async fn the_server_relays_its_events_when_nats_is_configured(backend: Backend) {
    let url = nats_url().await;
    let name = format!("RAIA_T_{}", uuid::Uuid::new_v4().simple());
    let prefix = format!("raiat.{}", uuid::Uuid::new_v4().simple());
    let app = TestApp::spawn_with(backend, |c| {
        c.nats_url = Some(url.clone());
        c.nats_stream = name.clone();
        c.nats_subject_prefix = prefix.clone();
    })
    .await;
    let token = app.token(domain::Role::Admin).await;
    let r = app
        .post(
            "/api/v1/models",
            &token,
            &serde_json::json!({"name": "n", "type": "llm"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let head = app.event_count().await;
    let state = &app.server.state;
    // The relay works in the background; wait for its cursor (bounded).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while state
        .relay
        .cursor
        .load(std::sync::atomic::Ordering::Relaxed)
        < head
    {
        assert!(
            std::time::Instant::now() < deadline,
            "relay did not catch up"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let got = messages(&url, &name).await;
    assert_eq!(got.len() as i64, head);
    assert!(got
        .iter()
        .any(|(s, _)| s == &format!("{prefix}.model.ModelRegistered")));
    let health: serde_json::Value = app
        .get("/api/v1/health/detailed", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(health["nats"]["status"], "ok", "{health}");
    jetstream::new(async_nats::connect(&url).await.unwrap())
        .delete_stream(&name)
        .await
        .unwrap();
}
both_backends!(
    the_server_relays_its_events_when_nats_is_configured,
    the_server_relays_its_events_when_nats_is_configured
);
