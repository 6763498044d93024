//! One open socket: replay, then live events; heartbeats; client messages.

use std::{
    collections::BTreeSet,
    sync::atomic::Ordering,
    time::{Duration, Instant},
};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::json;

use super::close;
use crate::{
    access::Caller,
    feed::{Filter, Next},
    state::AppState,
};

const PING_EVERY: Duration = Duration::from_secs(15);
const SEND_TIMEOUT: Duration = Duration::from_secs(120);
const PUSH_EVERY: Duration = Duration::from_secs(1);

/// What a client may send.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum ClientMessage {
    /// Application-level ping; answered with the last position sent.
    Ping,
    /// Push real-time analytics (`models`, `streams`, `system`) every second.
    Subscribe { analytics: String },
    /// Stop pushing an analytics topic.
    Unsubscribe { analytics: String },
}

struct Counted<'a>(&'a AppState);

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0
            .realtime
            .feed
            .stats
            .connections
            .fetch_sub(1, Ordering::Relaxed);
    }
}

fn close_frame(code: u16, reason: String) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: Utf8Bytes::from(reason),
    }))
}

/// Serves one socket until it closes.
pub async fn run(
    state: AppState,
    socket: WebSocket,
    caller: Caller,
    filter: Filter,
    after: Option<i64>,
) {
    let stats = &state.realtime.feed.stats;
    stats.connections.fetch_add(1, Ordering::Relaxed);
    let _counted = Counted(&state);
    let (mut tx, mut rx) = socket.split();
    let mut sub = state.realtime.feed.subscribe(after).await;
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    // Analytics are pushed only to sockets with a topic (asked here or over HTTP):
    // ten thousand idle timers firing every second would cost the fan-out.
    let mut push = tokio::time::interval(PUSH_EVERY);
    push.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut changes = state.realtime.analytics_changes();
    let user = caller.user_id.to_string();
    let mut analytics: BTreeSet<String> = BTreeSet::new();
    let mut over_http = state.realtime.analytics_topics(&user);
    let mut heard = Instant::now();
    let hello = json!({"type": "hello", "position": sub.last(), "role": caller.role, "protocol": super::PROTOCOL});
    if tx
        .send(Message::Text(hello.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    let closing = loop {
        tokio::select! {
            next = sub.next() => match next {
                Next::Item(item) => {
                    if !filter.admits(&item) {
                        continue;
                    }
                    let text = Message::Text(item.wire_text(caller.role).clone());
                    match tokio::time::timeout(SEND_TIMEOUT, tx.send(text)).await {
                        Ok(Ok(())) => { stats.delivered.fetch_add(1, Ordering::Relaxed); }
                        // Gone, or not reading at all: nothing more can reach it.
                        _ => return,
                    }
                }
                Next::TooSlow { resume_after } => {
                    stats.slow_closed.fetch_add(1, Ordering::Relaxed);
                    break close_frame(close::TOO_SLOW, format!("resume_after={resume_after}"));
                }
                Next::Failed { resume_after } => {
                    break close_frame(close::SERVER_ERROR, format!("resume_after={resume_after}"));
                }
            },
            msg = rx.next() => {
                heard = Instant::now();
                match msg {
                    None | Some(Ok(Message::Close(_))) => return,
                    Some(Ok(Message::Pong(_) | Message::Ping(_))) => {}
                    Some(Ok(Message::Text(t))) => match serde_json::from_str::<ClientMessage>(t.as_str()) {
                        Ok(ClientMessage::Ping) => {
                            let pong = json!({"type": "pong", "position": sub.last()});
                            if tx.send(Message::Text(pong.to_string().into())).await.is_err() {
                                return;
                            }
                        }
                        Ok(ClientMessage::Subscribe { analytics: topic }) if crate::routes::analytics::TOPICS.contains(&topic.as_str())
                            && crate::routes::analytics::may_see(caller.role, &topic) => {
                            analytics.insert(topic);
                        }
                        Ok(ClientMessage::Unsubscribe { analytics: topic }) => {
                            analytics.remove(&topic);
                        }
                        Ok(ClientMessage::Subscribe { .. }) | Err(_) => {
                            stats.rejected_frames.fetch_add(1, Ordering::Relaxed);
                            break close_frame(close::MALFORMED, "expected {\"type\":\"ping\"|\"subscribe\"|\"unsubscribe\"}".into());
                        }
                    },
                    Some(Ok(Message::Binary(_))) => {
                        stats.rejected_frames.fetch_add(1, Ordering::Relaxed);
                        break close_frame(close::UNSUPPORTED, "binary frames are not accepted".into());
                    }
                    Some(Err(e)) => {
                        stats.rejected_frames.fetch_add(1, Ordering::Relaxed);
                        let too_big = e.to_string().to_ascii_lowercase().contains("too long")
                            || e.to_string().to_ascii_lowercase().contains("size");
                        let code = if too_big { close::TOO_BIG } else { close::MALFORMED };
                        break close_frame(code, "frame rejected".into());
                    }
                }
            },
            _ = ping.tick() => {
                if heard.elapsed() > Duration::from_millis(state.config.ws_idle_after_ms) {
                    break close_frame(close::IDLE, "no heartbeat".into());
                }
                if tx.send(Message::Ping(Default::default())).await.is_err() {
                    return;
                }
            },
            Ok(()) = changes.changed() => {
                over_http = state.realtime.analytics_topics(&user);
            },
            _ = push.tick(), if !(analytics.is_empty() && over_http.is_empty()) => {
                let mut topics = over_http.clone();
                topics.extend(analytics.iter().cloned());
                for topic in &topics {
                    let doc = crate::routes::analytics::snapshot(&state, topic).await;
                    let msg = json!({"type": "analytics", "topic": topic, "data": doc});
                    if tx.send(Message::Text(msg.to_string().into())).await.is_err() {
                        return;
                    }
                }
            },
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        let _ = tx.send(closing).await;
        let _ = tx.close().await;
    })
    .await;
}
