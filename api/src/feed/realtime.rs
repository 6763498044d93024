//! The real-time side's shared state: the feed, the data-stream processor and
//! the analytics topics each user asked to have pushed.

use std::{
    collections::{BTreeSet, HashMap},
    sync::{Arc, Mutex},
    time::Duration,
};

use commands::EventStore;

use super::Feed;

/// Feed, stream processor and analytics subscriptions.
#[derive(Debug)]
pub struct Realtime {
    /// The event feed.
    pub feed: Arc<Feed>,
    /// The data-stream processor's handle.
    pub streams: crate::routes::streams::processor::Streams,
    analytics: Mutex<HashMap<String, BTreeSet<String>>>,
    /// Bumped whenever a user's analytics topics change, so sockets with no
    /// topic need no timer and learn when they get one.
    analytics_changed: tokio::sync::watch::Sender<u64>,
}

impl Realtime {
    /// A feed over `store` with per-subscriber queues of `queue_len`, cutting
    /// subscribers whose overflow is older than `slow_after`.
    pub fn new(store: Arc<dyn EventStore>, queue_len: usize, slow_after: Duration) -> Self {
        Self {
            feed: Arc::new(Feed::new(store, queue_len, slow_after)),
            streams: Default::default(),
            analytics: Mutex::new(HashMap::new()),
            analytics_changed: tokio::sync::watch::Sender::new(0),
        }
    }

    /// Adds (`on`) or removes an analytics topic for `user`; returns the user's topics.
    pub fn analytics_subscribe(&self, user: &str, topic: &str, on: bool) -> Vec<String> {
        let Ok(mut m) = self.analytics.lock() else {
            return Vec::new();
        };
        let set = m.entry(user.to_owned()).or_default();
        let changed = if on {
            set.insert(topic.to_owned())
        } else {
            set.remove(topic)
        };
        let topics = set.iter().cloned().collect();
        drop(m);
        if changed {
            self.analytics_changed.send_modify(|v| *v += 1);
        }
        topics
    }

    /// Wakes when any user's analytics topics change.
    pub fn analytics_changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.analytics_changed.subscribe()
    }

    /// The analytics topics `user` subscribed to over HTTP.
    pub fn analytics_topics(&self, user: &str) -> BTreeSet<String> {
        self.analytics
            .lock()
            .ok()
            .and_then(|m| m.get(user).cloned())
            .unwrap_or_default()
    }
}
