//! A data stream fed from an MQTT topic (Mosquitto): persistent session, QoS 1,
//! acknowledgement after commit, record-id deduplication across a restart.

use std::time::Duration;

use domain::Role;
use raia_tests::{both_backends, Backend, TestApp};
use rumqttc::{AsyncClient, Event, MqttOptions, Outgoing, Packet, QoS};
use serde_json::{json, Value};

use crate::streams::{records, wait_windows};

/// Publishes `payloads` at QoS 1 and returns once the broker acknowledged each.
pub async fn publish(url: &str, topic: &str, payloads: Vec<Vec<u8>>) {
    let (host, port) = domain::stream::mqtt::parse_url(url).unwrap();
    let mut opts = MqttOptions::new(format!("t-{}", uuid::Uuid::new_v4().simple()), host, port);
    opts.set_max_packet_size(1 << 20, 1 << 20);
    let (client, mut events) = AsyncClient::new(opts, 64);
    let n = payloads.len();
    let topic = topic.to_owned();
    let sender = tokio::spawn(async move {
        for p in payloads {
            client
                .publish(topic.clone(), QoS::AtLeastOnce, false, p)
                .await
                .unwrap();
        }
        client
    });
    let mut acked = 0;
    tokio::time::timeout(Duration::from_secs(30), async {
        while acked < n {
            match events.poll().await.unwrap() {
                Event::Incoming(Packet::PubAck(_)) => acked += 1,
                Event::Outgoing(Outgoing::Disconnect) => break,
                _ => {}
            }
        }
    })
    .await
    .expect("the broker acknowledged every message");
    let client = sender.await.unwrap();
    client.disconnect().await.unwrap();
}

/// Records `from..to` with ids `r<n>`.
fn with_ids(from: usize, to: usize) -> Vec<Value> {
    let mut v = records(from, to, 10_000, &[]).as_array().unwrap().clone();
    for (i, r) in v.iter_mut().enumerate() {
        r["rid"] = json!(format!("r{}", from + i));
    }
    v
}

fn messages(recs: &[Value], per: usize) -> Vec<Vec<u8>> {
    recs.chunks(per)
        .map(|c| serde_json::to_vec(&json!(c)).unwrap())
        .collect()
}

async fn wait_subscribed(app: &TestApp, token: &str, id: &str) {
    for _ in 0..300 {
        let m: Value = app
            .get(&format!("/api/v1/streams/{id}/metrics"), token)
            .await
            .json()
            .await
            .unwrap();
        if m["totals"]["source_subscribed_at"].is_string() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the MQTT source did not subscribe");
}

both_backends!(
    an_mqtt_topic_feeds_a_stream_and_a_restart_neither_loses_nor_double_counts,
    restart
);
async fn restart(backend: Backend) {
    let url = raia_tests::mqtt_url().await;
    let app = TestApp::spawn_with(backend, |c| c.mqtt_url = url.clone()).await;
    let token = app.token(Role::DataScientist).await;
    let topic = format!("raia/test/{}/readings", uuid::Uuid::new_v4().simple());
    let v: Value = app
        .post(
            "/api/v1/streams",
            &token,
            &json!({"name": "mqtt", "source": {"kind": "mqtt", "topic": topic.replace("readings", "+"), "qos": 1},
                    "schema": [{"name": "x", "kind": "number", "required": true}, {"name": "rid", "kind": "string"}],
                    "record_id_field": "rid", "window": {"size": 100}}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = v["id"].as_str().unwrap().to_owned();
    let r = app
        .post(&format!("/api/v1/streams/{id}/start"), &token, &json!({}))
        .await;
    assert_eq!(r.status(), 200);
    wait_subscribed(&app, &token, &id).await;
    // A payload that is not JSON is one bad record; the stream stays up.
    let mut first = vec![b"not json".to_vec()];
    first.extend(messages(&with_ids(0, 249), 10));
    publish(&url, &topic, first).await;
    wait_windows(&app, &token, &id, 2).await;
    let config = app.config.clone();
    let dir = app.stop().await;
    // While no node is connected: new records, and a producer's retry of
    // records already counted.
    let mut later = messages(&with_ids(249, 399), 1);
    later.extend(messages(&with_ids(180, 200), 5));
    publish(&url, &topic, later).await;
    let app = TestApp::start(backend, dir, config).await;
    let m = wait_windows(&app, &token, &id, 4).await;
    let t = &m["totals"];
    assert_eq!(t["records_received"], 400, "{t}");
    assert_eq!(t["good_records"], 399, "{t}");
    assert_eq!(t["bad_records"], 1, "{t}");
    assert_eq!(t["duplicate_records"], 20, "{t}");
    assert_eq!(m["bad_samples"][0]["value"], "not json");
    let windows = m["windows"].as_array().unwrap();
    assert!(windows.iter().all(|w| w["n_records"] == 100));
}

both_backends!(
    an_mqtt_stream_with_a_bad_topic_filter_or_broker_url_is_refused,
    config
);
async fn config(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.token(Role::DataScientist).await;
    let before = app.event_count().await;
    for source in [
        json!({"kind": "mqtt", "topic": "a/#/b"}),
        json!({"kind": "mqtt", "topic": "a", "url": "mqtt://user:secret@127.0.0.1"}),
        json!({"kind": "mqtt", "topic": "a", "qos": 3}),
    ] {
        let body = json!({"name": "s", "source": source, "schema": [{"name": "x", "kind": "number"}], "window": {"size": 10}});
        raia_tests::expect_problem(
            app.post("/api/v1/streams", &token, &body).await,
            422,
            "invalid_stream",
        )
        .await;
    }
    assert_eq!(
        app.event_count().await,
        before,
        "refused specs write no event"
    );
}

/// A client with stream `id`'s consumer id (the server's `raia-<id without dashes>`).
fn as_consumer(url: &str, id: &str, clean: bool) -> (AsyncClient, rumqttc::EventLoop) {
    let (host, port) = domain::stream::mqtt::parse_url(url).unwrap();
    let mut opts = MqttOptions::new(format!("raia-{}", id.replace('-', "")), host, port);
    opts.set_clean_session(clean);
    AsyncClient::new(opts, 10)
}

/// Connects as stream `id`'s consumer without cleaning; whether the broker still
/// held a session for it (then ends it, so the probe leaves nothing behind).
async fn broker_has_session(url: &str, id: &str) -> bool {
    let (client, mut events) = as_consumer(url, id, false);
    let present = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Event::Incoming(Packet::ConnAck(a)) = events.poll().await.unwrap() {
                return a.session_present;
            }
        }
    })
    .await
    .expect("the broker answered the connect");
    client.disconnect().await.unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(2), events.poll()).await;
    present
}

both_backends!(deleting_an_mqtt_stream_ends_its_broker_session, deletion);
async fn deletion(backend: Backend) {
    let url = raia_tests::mqtt_url().await;
    let app = TestApp::spawn_with(backend, |c| c.mqtt_url = url.clone()).await;
    let token = app.token(Role::DataScientist).await;
    let topic = format!("raia/test/{}/gone", uuid::Uuid::new_v4().simple());
    let v: Value = app
        .post(
            "/api/v1/streams",
            &token,
            &json!({"name": "mqtt", "source": {"kind": "mqtt", "topic": topic, "qos": 1},
                    "schema": [{"name": "x", "kind": "number"}], "window": {"size": 10}}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = v["id"].as_str().unwrap().to_owned();
    let r = app
        .post(&format!("/api/v1/streams/{id}/start"), &token, &json!({}))
        .await;
    assert_eq!(r.status(), 200);
    wait_subscribed(&app, &token, &id).await;
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/streams/{id}")))
        .bearer_auth(app.token(Role::Admin).await)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    // The server ends the session about a second after the delete.
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if !broker_has_session(&url, &id).await {
            // The probe's own connect opened a session; end it.
            let (client, mut events) = as_consumer(&url, &id, true);
            let _ = tokio::time::timeout(Duration::from_secs(5), async {
                while !matches!(
                    events.poll().await,
                    Ok(Event::Incoming(Packet::ConnAck(_))) | Err(_)
                ) {}
            })
            .await;
            let _ = client.disconnect().await;
            let _ = tokio::time::timeout(Duration::from_secs(2), events.poll()).await;
            return;
        }
    }
    panic!("the broker still holds a session for the deleted stream");
}
