//! Several servers as one: events and streams across nodes on one PostgreSQL.

use std::time::Duration;

use domain::Role;
use raia_tests::{test_config, Backend, TestApp};
use serde_json::json;

use crate::{
    streams::{ingest, records, running_stream, wait_windows},
    ws_client::{connect, model, next, next_event, Got},
};

/// Two servers on one PostgreSQL database.
async fn two_nodes() -> (TestApp, TestApp) {
    let config = test_config(Backend::Postgres, tempfile::tempdir().unwrap().path()).await;
    let a = TestApp::start(
        Backend::Postgres,
        tempfile::tempdir().unwrap(),
        config.clone(),
    )
    .await;
    let b = TestApp::start(Backend::Postgres, tempfile::tempdir().unwrap(), config).await;
    (a, b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_on_node_b_receives_an_event_appended_through_node_a_within_a_second() {
    let (a, b) = two_nodes().await;
    let token = a.token(Role::Admin).await;
    let mut ws = connect(&b, "/ws/real-time?stream_type=model", &token).await;
    model(&a, &token, "warm-up").await;
    next_event(&mut ws, 5).await;
    // From each append's commit on node A (its recorded time) to arrival on B;
    // the median of five, so one scheduling stall of a loaded machine does not decide.
    let mut took = Vec::new();
    for i in 0..5 {
        let id = model(&a, &token, &format!("m{i}")).await;
        let e = next_event(&mut ws, 5).await;
        let recorded =
            chrono::DateTime::parse_from_rfc3339(e["recorded_at"].as_str().unwrap()).unwrap();
        let t = (chrono::Utc::now() - recorded.with_timezone(&chrono::Utc))
            .to_std()
            .unwrap();
        assert_eq!(e["stream_id"], id.as_str());
        eprintln!("event {i} reached node B {t:?} after node A appended it");
        took.push(t);
    }
    took.sort();
    assert!(took[2] < Duration::from_secs(1), "median {:?}", took[2]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_is_consumed_by_one_node_and_fails_over_when_it_stops() {
    let (a, b) = two_nodes().await;
    let token = a.token(Role::Admin).await;
    let (id, secret) = running_stream(&a, &token).await;
    for n in 0..8 {
        let node = if n % 2 == 0 { &a } else { &b };
        assert_eq!(
            ingest(
                node,
                &id,
                &secret,
                &records(n * 50, n * 50 + 50, 100_000, &[]),
                None
            )
            .await
            .status(),
            202
        );
    }
    wait_windows(&b, &token, &id, 2).await;
    let holder: String =
        sqlx::query_scalar("SELECT holder FROM stream_leases WHERE stream_id = $1")
            .bind(id.clone())
            .fetch_one(a.server.state.db.read())
            .await
            .unwrap();
    let (dead, alive) = if holder == a.server.state.realtime.streams.node {
        (a, b)
    } else {
        (b, a)
    };
    dead.stop().await;
    for n in 8..32 {
        assert_eq!(
            ingest(
                &alive,
                &id,
                &secret,
                &records(n * 50, n * 50 + 50, 100_000, &[]),
                None
            )
            .await
            .status(),
            202
        );
    }
    let m = wait_windows(&alive, &token, &id, 8).await;
    let windows = m["windows"].as_array().unwrap();
    assert_eq!(
        windows
            .iter()
            .map(|w| w["window"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        (0..8).collect::<Vec<_>>()
    );
    assert!(windows.iter().all(|w| w["n_records"] == 200));
    assert_eq!(
        m["totals"]["good_records"], 1600,
        "nothing lost, nothing counted twice"
    );
    let holder: String =
        sqlx::query_scalar("SELECT holder FROM stream_leases WHERE stream_id = $1")
            .bind(id.clone())
            .fetch_one(alive.server.state.db.read())
            .await
            .unwrap();
    assert_eq!(holder, alive.server.state.realtime.streams.node);
    let _ = json!({});
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_issued_by_node_a_opens_a_socket_on_node_b_once() {
    let (a, b) = two_nodes().await;
    let token = a.token(Role::Viewer).await;
    let r = a.post("/api/v1/ws/ticket", &token, &json!({})).await;
    assert_eq!(r.status(), 200);
    let t: serde_json::Value = r.json().await.unwrap();
    let ticket = t["ticket"].as_str().unwrap();
    // Only its digest is stored.
    let stored: Vec<String> = sqlx::query_scalar("SELECT digest FROM ws_tickets")
        .fetch_all(a.server.state.db.read())
        .await
        .unwrap();
    assert!(!stored.is_empty() && !stored.iter().any(|d| d.contains(ticket)));
    let on = |app: &TestApp| {
        format!(
            "{}/ws/real-time?ticket={ticket}",
            app.base.replacen("http", "ws", 1)
        )
    };
    let (mut ws, _) = tokio_tungstenite::connect_async(on(&b).as_str())
        .await
        .unwrap();
    match next(&mut ws, 10).await {
        Got::Json(hello) => assert_eq!(hello["type"], "hello"),
        other => panic!("{other:?}"),
    }
    // Redeemed on B, so neither node accepts it again.
    for node in [&a, &b] {
        assert!(tokio_tungstenite::connect_async(on(node).as_str())
            .await
            .is_err());
    }
}
