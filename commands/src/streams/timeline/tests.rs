#![allow(clippy::unwrap_used)]

use domain::stream::Windowing;
use serde_json::json;

use super::*;

const SEC: i64 = 1_000_000;

fn event(duration: i64, slide: i64) -> Windowing<'static> {
    Windowing::Time {
        duration,
        slide,
        field: Some("t"),
        lateness: 0,
    }
}

fn rec(t: i64, arrived_us: i64) -> Record {
    Record {
        value: json!({"t": t}),
        received_at: arrived_us,
        bad: None,
    }
}

/// Closes every window the watermark allows at `now`; (window, size, leaving).
fn drain(w: &mut TimeWindows, now: i64) -> Vec<(i64, usize, i64)> {
    let mut out = Vec::new();
    while let Some(c) = w.closable(now, true) {
        let leaving = w.close(c.window);
        out.push((c.window, c.records.len(), leaving.good));
    }
    out
}

#[test]
fn tumbling_event_time_windows_close_as_event_time_passes() {
    let mut w = TimeWindows::resume(event(1000, 1000), 0, TimeState::default()).unwrap();
    for t in (0..2500).step_by(100) {
        w.push(rec(10_000 + t, 5 * SEC));
    }
    // Event time reached 12,400: windows 10 and 11 are over, 12 is open.
    assert_eq!(drain(&mut w, 5 * SEC), vec![(10, 10, 10), (11, 10, 10)]);
    assert_eq!(w.pending.len(), 5);
}

#[test]
fn a_quiet_stream_closes_its_last_window_on_the_clock() {
    let mut w = TimeWindows::resume(event(1000, 1000), 0, TimeState::default()).unwrap();
    for t in (0..500).step_by(100) {
        w.push(rec(7_000 + t, 5 * SEC));
    }
    assert!(drain(&mut w, 5 * SEC).is_empty(), "window 7 is still open");
    // 600 ms later nothing new arrived: event time is taken to be past 8,000.
    assert_eq!(drain(&mut w, 5 * SEC + 600_000), vec![(7, 5, 5)]);
}

#[test]
fn arrival_time_windows_close_after_their_lateness() {
    let w = Windowing::Time {
        duration: 1000,
        slide: 1000,
        field: None,
        lateness: 200,
    };
    let mut w = TimeWindows::resume(w, 0, TimeState::default()).unwrap();
    w.push(rec(0, 3 * SEC + 100_000));
    w.push(rec(0, 3 * SEC + 900_000));
    assert!(drain(&mut w, 4 * SEC + 100_000).is_empty());
    assert_eq!(drain(&mut w, 4 * SEC + 200_000), vec![(3, 2, 2)]);
}

#[test]
fn a_late_record_is_counted_late_and_in_no_window() {
    let mut w = TimeWindows::resume(event(1000, 1000), 0, TimeState::default()).unwrap();
    w.push(rec(1_500, SEC));
    w.push(rec(2_500, SEC));
    assert_eq!(drain(&mut w, SEC), vec![(1, 1, 1)]);
    w.push(rec(1_900, SEC));
    w.push(rec(2_600, SEC));
    assert_eq!(w.late, 1);
    assert_eq!(drain(&mut w, 2 * SEC), vec![(2, 2, 2)]);
    assert_eq!(w.state.late_records, 1);
}

#[test]
fn sliding_windows_show_a_record_in_each_window_and_count_it_once() {
    let mut w = TimeWindows::resume(event(1000, 250), 0, TimeState::default()).unwrap();
    for t in (0..2000).step_by(50) {
        w.push(rec(t, SEC));
    }
    let closed = drain(&mut w, 10 * SEC);
    // Windows 0..=7 start at 0, 250, ..., 1750; the first three hold 20 records.
    assert_eq!(closed.first().unwrap().0, 0);
    assert_eq!(closed.last().unwrap().0, 7);
    assert_eq!(closed[0].1, 20);
    assert_eq!(
        closed.iter().map(|c| c.2).sum::<i64>(),
        40,
        "each counted once"
    );
}

#[test]
fn a_restart_from_the_committed_state_neither_loses_nor_repeats_a_record() {
    // Out-of-order arrival: record times interleave two windows.
    let times: Vec<i64> = (0..40)
        .map(|i| if i % 3 == 0 { 1_000 + i * 20 } else { i * 20 })
        .collect();
    let mut whole = TimeWindows::resume(event(500, 500), 0, TimeState::default()).unwrap();
    for t in &times {
        whole.push(rec(*t, SEC));
    }
    let expected = drain(&mut whole, 9 * SEC);

    let mut first = TimeWindows::resume(event(500, 500), 0, TimeState::default()).unwrap();
    for t in &times[..25] {
        first.push(rec(*t, SEC));
    }
    let mut got = Vec::new();
    if let Some(c) = first.closable(SEC, true) {
        let leaving = first.close(c.window);
        got.push((c.window, c.records.len(), leaving.good));
    }
    // Crash after that commit: reload from `keep_from` with the committed state.
    let committed = first.state.clone();
    let mut again = TimeWindows::resume(event(500, 500), first.next_window, committed).unwrap();
    for t in &times[again.loaded_until as usize..] {
        again.push(rec(*t, SEC));
    }
    got.extend(drain(&mut again, 9 * SEC));
    assert_eq!(got, expected);
    assert_eq!(again.state.late_records, 0);
}
