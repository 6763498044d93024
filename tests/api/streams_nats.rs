//! A data stream fed from a NATS subject through a JetStream durable consumer.

use domain::Role;
use raia_tests::{Backend, TestApp};
use serde_json::json;

use crate::streams::{records, wait_windows};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nats_subject_feeds_a_stream_once_per_message() {
    let url = raia_tests::nats_url().await;
    let app = TestApp::spawn_with(Backend::Postgres, |c| c.nats_url = Some(url.clone())).await;
    let token = app.token(Role::DataScientist).await;
    let subject = format!("raia.test.ingest.{}", uuid::Uuid::new_v4().simple());
    let v: serde_json::Value = app
        .post(
            "/api/v1/streams",
            &token,
            &json!({"name": "nats", "source": {"kind": "nats", "subject": subject},
                    "schema": [{"name": "x", "kind": "number", "required": true}], "window": {"size": 100}}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = v["id"].as_str().unwrap().to_owned();
    // The JetStream stream the consumer will use, so nothing published is lost.
    let js = async_nats::jetstream::new(async_nats::connect(&url).await.unwrap());
    js.get_or_create_stream(async_nats::jetstream::stream::Config {
        name: format!("RAIA_INGEST_{}", id.replace('-', "")),
        subjects: vec![subject.clone()],
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(
        app.post(&format!("/api/v1/streams/{id}/start"), &token, &json!({}))
            .await
            .status(),
        200
    );
    let all = records(0, 400, 10_000, &[7]);
    // One record per message for the first half, arrays of ten after.
    let all = all.as_array().unwrap();
    let mut messages: Vec<serde_json::Value> = all[..200].to_vec();
    messages.extend(all[200..].chunks(10).map(|c| json!(c)));
    for m in messages {
        js.publish(subject.clone(), serde_json::to_vec(&m).unwrap().into())
            .await
            .unwrap()
            .await
            .unwrap();
    }
    let m = wait_windows(&app, &token, &id, 4).await;
    assert_eq!(m["totals"]["records_received"], 400);
    assert_eq!(m["totals"]["good_records"], 399);
    assert_eq!(m["totals"]["bad_records"], 1);
}
