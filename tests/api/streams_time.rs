//! Time windows: by event time (a record field) or arrival time, closed by the
//! watermark on the processor's clock, not only by the next record.

use domain::Role;
use raia_tests::{both_backends, Backend, TestApp};
use serde_json::{json, Value};

use crate::streams::{drift_alert_windows, ingest, records, running_stream_with, wait_windows};

/// 2020-09-13T12:26:40Z: a whole second, so window `k` starts at `k * 1000`.
const BASE_MS: i64 = 1_600_000_000_000;

/// Records `from..to` 10 ms apart in event time from `BASE_MS`; `x` shifts at `shift_at`.
fn timed(from: usize, to: usize, shift_at: usize) -> Value {
    let mut v = records(from, to, shift_at, &[]);
    for (i, r) in v.as_array_mut().unwrap().iter_mut().enumerate() {
        r["ts"] = json!(BASE_MS + 10 * (from + i) as i64);
    }
    v
}

both_backends!(
    time_window_drift_alerts_in_the_first_window_after_a_shift_and_none_before,
    drift
);
async fn drift(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.token(Role::DataScientist).await;
    let (id, secret) = running_stream_with(
        &app,
        &token,
        json!({"duration_ms": 1000, "time_field": "ts"}),
    )
    .await;
    // 100 records a second; the shift starts at record 500, the first of second 5.
    for b in 0..8 {
        let r = ingest(
            &app,
            &id,
            &secret,
            &timed(b * 100, b * 100 + 100, 500),
            None,
        )
        .await;
        assert_eq!(r.status(), 202, "{}", r.text().await.unwrap());
    }
    // The last window closes on the clock: no later record pushes it out.
    let m = wait_windows(&app, &token, &id, 8).await;
    let windows = m["windows"].as_array().unwrap();
    assert_eq!(windows.len(), 8);
    let first = BASE_MS / 1000;
    for (i, w) in windows.iter().enumerate() {
        let k = w["window"].as_i64().unwrap();
        assert_eq!(k, first + i as i64);
        assert_eq!(w["start_ms"], k * 1000);
        assert_eq!(w["end_ms"], k * 1000 + 1000);
        assert_eq!(w["n_records"], 100);
        assert_eq!(w["drift"], i >= 5, "window {i}: {}", w["metrics"]["drift"]);
    }
    assert_eq!(m["totals"]["good_records"], 800);
    app.sync().await;
    let alerts = drift_alert_windows(&app, &id).await;
    assert_eq!(alerts.first(), Some(&(first as u64 + 5)), "{alerts:?}");
    assert!(alerts.iter().all(|w| *w >= first as u64 + 5));
    // A record for a second already closed is late: counted, in no window.
    let r = ingest(&app, &id, &secret, &timed(10, 11, 500), None).await;
    assert_eq!(r.status(), 202);
    let r = ingest(&app, &id, &secret, &timed(900, 1000, 500), None).await;
    assert_eq!(r.status(), 202);
    let m = wait_windows(&app, &token, &id, 9).await;
    assert_eq!(m["totals"]["late_records"], 1, "{}", m["totals"]);
    assert_eq!(m["totals"]["good_records"], 900);
}

both_backends!(sliding_arrival_time_windows_close_on_the_clock, arrival);
async fn arrival(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.token(Role::DataScientist).await;
    let (id, secret) = running_stream_with(
        &app,
        &token,
        json!({"duration_ms": 400, "slide_ms": 200, "lateness_ms": 100}),
    )
    .await;
    let r = ingest(&app, &id, &secret, &records(0, 30, 10_000, &[7]), None).await;
    assert_eq!(r.status(), 202);
    // One batch, arrived at one instant: it falls in two overlapping windows,
    // both closed by the clock alone.
    let m = wait_windows(&app, &token, &id, 2).await;
    let windows = m["windows"].as_array().unwrap();
    assert_eq!(windows.len(), 2);
    assert!(windows.iter().all(|w| w["n_records"] == 30));
    assert_eq!(
        windows[1]["window"].as_i64().unwrap(),
        windows[0]["window"].as_i64().unwrap() + 1
    );
    assert_eq!(
        m["totals"]["good_records"], 29,
        "counted once, not per window"
    );
    assert_eq!(m["totals"]["bad_records"], 1);
}

both_backends!(
    a_window_is_by_count_or_by_time_and_an_event_time_field_must_be_a_number,
    config
);
async fn config(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.token(Role::DataScientist).await;
    let before = app.event_count().await;
    for window in [
        json!({"size": 10, "duration_ms": 1000}),
        json!({}),
        json!({"duration_ms": 1000, "slide_ms": 2000}),
        json!({"duration_ms": 1000, "time_field": "c"}),
        json!({"duration_ms": 1000, "time_field": "nope"}),
    ] {
        let body = json!({"name": "s", "source": {"kind": "webhook"}, "window": window,
            "schema": [{"name": "x", "kind": "number"}, {"name": "c", "kind": "string"}]});
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
