//! WebSockets: authentication, resume without gap, RBAC per event, slow and
//! misbehaving clients.

use domain::Role;
use raia_tests::{both_backends, Backend, TestApp};
use serde_json::Value;

use crate::ws_client::{connect, events_until, model, next, next_event, send_text, Got};

both_backends!(
    a_reconnect_with_the_last_position_loses_nothing_and_repeats_nothing,
    resume
);
async fn resume(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.token(Role::Admin).await;
    let start = app.event_count().await;
    let mut first = Vec::new();
    for i in 0..3 {
        first.push(model(&app, &admin, &format!("a{i}")).await);
    }
    let mut ws = connect(
        &app,
        &format!("/ws/real-time?stream_type=model&after={start}"),
        &admin,
    )
    .await;
    let mut seen = Vec::new();
    while seen.len() < 3 {
        seen.push(next_event(&mut ws, 10).await);
    }
    let ids: Vec<&str> = seen
        .iter()
        .map(|e| e["stream_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        first.iter().map(String::as_str).collect::<Vec<_>>(),
        "replayed in order"
    );
    // A live event arrives after the replay.
    let live = model(&app, &admin, "live").await;
    let e = next_event(&mut ws, 10).await;
    assert_eq!(e["stream_id"], live.as_str());
    let last = e["position"].as_i64().unwrap();
    drop(ws);
    // Written while disconnected.
    let mut missed = Vec::new();
    for i in 0..2 {
        missed.push(model(&app, &admin, &format!("b{i}")).await);
    }
    let mut ws = connect(
        &app,
        &format!("/ws/real-time?stream_type=model&after={last}"),
        &admin,
    )
    .await;
    let a = next_event(&mut ws, 10).await;
    let b = next_event(&mut ws, 10).await;
    let got = vec![
        a["stream_id"].as_str().unwrap().to_owned(),
        b["stream_id"].as_str().unwrap().to_owned(),
    ];
    assert_eq!(got, missed, "exactly the events after the resume position");
    assert!(
        a["position"].as_i64().unwrap() > last
            && b["position"].as_i64().unwrap() > a["position"].as_i64().unwrap()
    );
    let after = model(&app, &admin, "after").await;
    assert_eq!(
        next_event(&mut ws, 10).await["stream_id"],
        after.as_str(),
        "no duplicate, no gap"
    );
}

both_backends!(
    a_viewer_socket_never_receives_events_its_role_cannot_read,
    viewer_filter
);
async fn viewer_filter(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.token(Role::Admin).await;
    let viewer = app.token(Role::Viewer).await;
    let mut v = connect(&app, "/ws/real-time?after=0", &viewer).await;
    let mut a = connect(&app, "/ws/real-time?after=0", &admin).await;
    // Identity and security events: users registered and logged in, an API key.
    app.token(Role::DataScientist).await;
    let key = app
        .post(
            "/api/v1/auth/api-keys",
            &admin,
            &serde_json::json!({"name": "k", "role": "viewer"}),
        )
        .await;
    assert!(key.status().is_success(), "{}", key.status());
    let marker = model(&app, &admin, "marker").await;
    let is_marker = |e: &Value| e["stream_id"] == marker.as_str();
    let viewer_got = events_until(&mut v, 10, is_marker).await;
    let admin_got = events_until(&mut a, 10, is_marker).await;
    for e in &viewer_got {
        let st = e["stream_type"].as_str().unwrap();
        assert!(
            ["model", "dataset", "drift", "data_stream", "topic"].contains(&st),
            "viewer received {st}: {e}"
        );
        assert!(
            e["metadata"].get("client_ip").is_none(),
            "request metadata stays with admins"
        );
    }
    assert!(admin_got.iter().any(|e| e["stream_type"] == "user"));
    assert!(admin_got.iter().any(|e| e["stream_type"] == "api_key"));
    // Sealed personal data stays sealed even for admins.
    let reg = admin_got
        .iter()
        .find(|e| e["event_type"] == "UserRegistered")
        .unwrap();
    assert!(
        !reg["payload"].to_string().contains("@example.org"),
        "{reg}"
    );
}

both_backends!(sockets_need_a_token_or_a_single_use_ticket, auth);
async fn auth(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.token(Role::Viewer).await;
    // No credentials: the upgrade is refused.
    let url = format!("{}/ws/real-time", app.base.replacen("http", "ws", 1));
    assert!(tokio_tungstenite::connect_async(url.as_str())
        .await
        .is_err());
    let r = app
        .post("/api/v1/ws/ticket", &token, &serde_json::json!({}))
        .await;
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    let ticket = t["ticket"].as_str().unwrap();
    let with_ticket = format!("{url}?ticket={ticket}");
    let (mut ws, _) = tokio_tungstenite::connect_async(with_ticket.as_str())
        .await
        .unwrap();
    match next(&mut ws, 10).await {
        Got::Json(h) => assert_eq!(h["type"], "hello"),
        other => panic!("{other:?}"),
    }
    // Single use.
    assert!(tokio_tungstenite::connect_async(with_ticket.as_str())
        .await
        .is_err());
    // A garbage token is refused.
    let bad = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
        url.as_str(),
    );
    let mut bad = bad.unwrap();
    bad.headers_mut().insert(
        "sec-websocket-protocol",
        "raia.v1, bearer.nope".parse().unwrap(),
    );
    assert!(tokio_tungstenite::connect_async(bad).await.is_err());
}

both_backends!(
    malformed_and_oversized_frames_are_counted_and_closed_cleanly,
    bad_frames
);
async fn bad_frames(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.ws_max_message_bytes = 1024).await;
    let admin = app.token(Role::Admin).await;
    let mut ws = connect(&app, "/ws/real-time", &admin).await;
    send_text(&mut ws, r#"{"type":"ping"}"#).await;
    loop {
        match next(&mut ws, 10).await {
            Got::Json(v) if v["type"] == "pong" => break,
            Got::Json(_) => {}
            Got::Closed(f) => panic!("{f:?}"),
        }
    }
    send_text(&mut ws, "this is not json").await;
    let code = loop {
        match next(&mut ws, 10).await {
            Got::Closed(f) => break f.map(|f| u16::from(f.code)),
            Got::Json(_) => {}
        }
    };
    assert_eq!(code, Some(1007));
    let mut ws = connect(&app, "/ws/real-time", &admin).await;
    let big = format!(r#"{{"type":"ping","pad":"{}"}}"#, "x".repeat(4096));
    let _ = futures::SinkExt::send(
        &mut ws,
        tokio_tungstenite::tungstenite::Message::Text(big.into()),
    )
    .await;
    let code = loop {
        match futures::StreamExt::next(&mut ws).await {
            Some(Ok(tokio_tungstenite::tungstenite::Message::Close(f))) => {
                break f.map(|f| u16::from(f.code))
            }
            Some(Ok(_)) => {}
            None | Some(Err(_)) => break None,
        }
    };
    assert!(matches!(code, Some(1009) | None), "{code:?}");
    // The server is up and counted both.
    let sys: Value = app
        .get("/api/v1/analytics/real-time/system", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert!(sys["rejected_frames"].as_u64().unwrap() >= 2, "{sys}");
    model(&app, &admin, "still-up").await;
}

fn tick(n: usize, pad: &str) -> Vec<domain::NewEvent> {
    (0..10)
        .map(|i| domain::NewEvent {
            event_id: uuid::Uuid::new_v4().to_string(),
            stream_type: "topic".into(),
            stream_id: format!("load-{n}-{i}"),
            expected: domain::ExpectedVersion::NoStream,
            event_type: "ApplicationEventPublished".into(),
            schema_version: 1,
            payload: serde_json::json!({"name": "Tick", "data": {"pad": pad}}),
            metadata: domain::Metadata::system("test"),
        })
        .collect()
}

both_backends!(
    a_slow_client_is_cut_with_4008_and_its_resume_position_while_others_keep_up,
    slow_client
);
async fn slow_client(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.ws_queue_len = 8;
        c.ws_slow_after_ms = 8000;
        // The slow client reads nothing (so answers no ping) while the burst goes
        // out, which a loaded machine can stretch past the default 45 s.
        c.ws_idle_after_ms = 600_000;
    })
    .await;
    let admin = app.token(Role::Admin).await;
    let mut slow = connect(&app, "/ws/real-time?stream_type=topic", &admin).await;
    let fast = connect(&app, "/ws/real-time?stream_type=topic", &admin).await;
    let total = 200;
    let reader = tokio::spawn(async move {
        let mut fast = fast;
        let mut positions = Vec::new();
        while positions.len() < total {
            positions.push(
                next_event(&mut fast, 60).await["position"]
                    .as_i64()
                    .unwrap(),
            );
        }
        positions
    });
    // 200 events of 100 kB: far more than the socket buffers hold.
    let pad = "x".repeat(100_000);
    let mut appended = Vec::new();
    for n in 0..total / 10 {
        for e in app.server.state.store.append(tick(n, &pad)).await.unwrap() {
            appended.push(e.position);
        }
    }
    let fast_got = reader.await.unwrap();
    assert_eq!(
        fast_got, appended,
        "the fast client got everything, in order"
    );
    // The slow client wakes up late, with everything it has not read older than
    // `slow_after`: it is cut with 4008 and a resume position.
    tokio::time::sleep(std::time::Duration::from_secs(10)).await;
    let mut got = Vec::new();
    let frame = loop {
        match next(&mut slow, 120).await {
            Got::Json(v) if v["type"] == "event" => got.push(v["position"].as_i64().unwrap()),
            Got::Json(_) => {}
            Got::Closed(f) => break f.unwrap(),
        }
    };
    assert_eq!(u16::from(frame.code), 4008);
    let resume: i64 = frame
        .reason
        .as_str()
        .strip_prefix("resume_after=")
        .unwrap()
        .parse()
        .unwrap();
    assert!(got.len() < total, "it was cut before the end");
    assert!(got.iter().all(|p| *p <= resume));
    let mut again = connect(
        &app,
        &format!("/ws/real-time?stream_type=topic&after={resume}"),
        &admin,
    )
    .await;
    let mut rest = Vec::new();
    while got.len() + rest.len() < total {
        rest.push(
            next_event(&mut again, 60).await["position"]
                .as_i64()
                .unwrap(),
        );
    }
    got.extend(rest);
    assert_eq!(
        got, appended,
        "reconnecting with the resume position loses nothing"
    );
}

/// The next `analytics` message on `ws`, or `None` if none comes within `secs`.
async fn analytics_within(ws: &mut crate::ws_client::Socket, secs: f64) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs_f64(secs);
    loop {
        let msg = tokio::time::timeout_at(deadline, futures::StreamExt::next(ws))
            .await
            .ok()??;
        if let Ok(tokio_tungstenite::tungstenite::Message::Text(t)) = msg {
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["type"] == "analytics" {
                return Some(v);
            }
        }
    }
}

both_backends!(
    analytics_reach_an_open_socket_once_subscribed_and_stop_after_unsubscribe,
    analytics_push
);
async fn analytics_push(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.token(Role::Admin).await;
    let mut ws = connect(&app, "/ws/real-time", &admin).await;
    // No topic yet: nothing is pushed.
    assert!(analytics_within(&mut ws, 1.5).await.is_none());
    // Subscribed over HTTP while the socket is open.
    let topic = serde_json::json!({"topic": "system"});
    let r = app
        .post("/api/v1/analytics/subscribe", &admin, &topic)
        .await;
    assert_eq!(r.status(), 200);
    let pushed = analytics_within(&mut ws, 5.0).await.expect("a system push");
    assert_eq!(pushed["topic"], "system");
    assert!(
        pushed["data"]["connections"].as_u64().unwrap() >= 1,
        "{pushed}"
    );
    let r = app
        .post("/api/v1/analytics/unsubscribe", &admin, &topic)
        .await;
    assert_eq!(r.status(), 200);
    // One push may already be on its way; after that, none.
    let _ = analytics_within(&mut ws, 1.2).await;
    assert!(analytics_within(&mut ws, 2.5).await.is_none());
    // Asked on the socket itself.
    send_text(&mut ws, r#"{"type":"subscribe","analytics":"models"}"#).await;
    let pushed = analytics_within(&mut ws, 5.0).await.expect("a models push");
    assert_eq!(pushed["topic"], "models");
}
