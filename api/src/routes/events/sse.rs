//! `GET /api/v1/events/stream`: the feed as Server-Sent Events. Each event's
//! `id` is its position; a reconnecting client's `Last-Event-ID` (or `?after=`)
//! resumes after it. A client too slow for its queue gets an `error` event
//! with the position to resume after, and the stream ends.

use std::{convert::Infallible, sync::atomic::Ordering, time::Duration};

use axum::{
    extract::{Query, State},
    http::HeaderMap,
    response::sse::{Event, KeepAlive, Sse},
};
use futures::Stream;
use serde_json::json;

use crate::{
    access::Caller,
    feed::{Filter, FilterParams, Next, Subscription},
    state::AppState,
};

struct Open {
    state: AppState,
    sub: Subscription,
    filter: Filter,
    done: bool,
}

impl Drop for Open {
    fn drop(&mut self) {
        self.state
            .realtime
            .feed
            .stats
            .connections
            .fetch_sub(1, Ordering::Relaxed);
    }
}

/// Streams the events the caller's role may read, filtered like `/ws/real-time`.
#[utoipa::path(get, path = "/api/v1/events/stream", tag = "realtime", security(("bearer" = [])), responses((status = 200, description = "text/event-stream")))]
pub async fn stream(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(p): Query<FilterParams>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let after = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .or(p.after);
    let filter = Filter::new(caller.role, caller.user_id, &p);
    let sub = state.realtime.feed.subscribe(after).await;
    state
        .realtime
        .feed
        .stats
        .connections
        .fetch_add(1, Ordering::Relaxed);
    let open = Open {
        state,
        sub,
        filter,
        done: false,
    };
    let role = caller.role;
    let events = futures::stream::unfold(open, move |mut o| async move {
        if o.done {
            return None;
        }
        loop {
            match o.sub.next().await {
                Next::Item(item) => {
                    if !o.filter.admits(&item) {
                        continue;
                    }
                    o.state
                        .realtime
                        .feed
                        .stats
                        .delivered
                        .fetch_add(1, Ordering::Relaxed);
                    let ev = Event::default()
                        .id(item.position().to_string())
                        .event(item.event.event_type.clone())
                        .data(item.wire(role));
                    return Some((Ok(ev), o));
                }
                Next::TooSlow { resume_after } | Next::Failed { resume_after } => {
                    o.done = true;
                    let ev = Event::default().event("error").data(
                        json!({"error": "too_slow_or_failed", "resume_after": resume_after})
                            .to_string(),
                    );
                    return Some((Ok(ev), o));
                }
            }
        }
    });
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
