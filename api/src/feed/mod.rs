//! The event feed: one task per process tails the log by position and fans each
//! event out to every subscriber (WebSockets, Server-Sent Events, webhooks).
//!
//! The tail wakes on local appends (the store's notifier, poked by every append
//! that `AppState::settle` follows), on other nodes' appends (PostgreSQL
//! `NOTIFY`, which `projections::listen_postgres` turns into the same notifier)
//! and once a second regardless, because a wake-up is only a hint: the log is the
//! truth. A subscriber that resumes from a position first replays from the
//! store, then switches to the live fan-out, skipping what it already has: no
//! gap and no duplicate. Each subscriber's queue is bounded by the broadcast
//! ring (`RAIA_WS_QUEUE_LEN`).
//!
//! The slow-client rule: a subscriber that overflows its ring is caught up by
//! replaying [`REPLAY_BATCH`] events at a time, taken from the tail's recent
//! items (the last 64 MiB fanned out) or else read from the store (memory stays
//! bounded by the ring plus one batch per subscriber). While it is catching up, each event due to it is
//! judged by its age, the time since this server's tail fanned it out: if that
//! is more than `RAIA_WS_SLOW_AFTER_MS`, the subscriber is that far behind the
//! live feed and is cut instead
//! ([`Next::TooSlow`] with the last position it was given: close code 4008,
//! `resume_after=<position>` on a socket). Once caught up it follows the live
//! fan-out again and the rule lapses; a client resuming from an old position
//! is not judged until it has once been live. Judging never waits for another
//! event, so a burst that ends while the subscriber lags cannot leave it
//! hanging. The tail remembers when it fanned out each of the last
//! [`FANNED_KEPT`] positions; an event older than that counts as fanned out
//! when the oldest remembered one was (an age never overstated).

mod filter;
mod item;
pub mod rbac;
mod realtime;

pub use filter::{Filter, FilterParams};
pub use item::FeedItem;
pub use realtime::Realtime;

use std::{
    collections::VecDeque,
    sync::{
        atomic::{AtomicI64, AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use commands::EventStore;
use tokio::sync::{broadcast, watch};

const READ_BATCH: i64 = 500;
/// Events a subscriber replays per store read. Small, because the session
/// polls `next` in a `select!` with timers: a read that a timer interrupts is
/// dropped and redone, so each read must finish well within a tick.
const REPLAY_BATCH: i64 = 32;
/// Bytes of recent items the tail keeps for subscribers catching up.
const RECENT_BYTES: usize = 64 << 20;
/// Fan-out instants remembered for judging a lagging subscriber's age.
pub const FANNED_KEPT: usize = 65_536;

/// Counters of the real-time side, for `/api/v1/analytics/real-time/system`.
#[derive(Debug, Default)]
pub struct FeedStats {
    /// Open WebSocket and SSE connections.
    pub connections: AtomicI64,
    /// Events sent to subscribers.
    pub delivered: AtomicU64,
    /// Subscribers cut for being too slow.
    pub slow_closed: AtomicU64,
    /// Client frames rejected (malformed, oversized, unexpected).
    pub rejected_frames: AtomicU64,
    /// Events the tail has fanned out.
    pub fanned_out: AtomicU64,
}

/// The process-wide feed.
#[derive(Debug)]
pub struct Feed {
    store: Arc<dyn EventStore>,
    tx: broadcast::Sender<Arc<FeedItem>>,
    head: AtomicI64,
    slow_after: Duration,
    /// When the tail fanned out each recent position, oldest first.
    fanned: Mutex<VecDeque<(i64, Instant)>>,
    /// The latest items fanned out (at most `RECENT_BYTES`), so that catching up
    /// after a burst takes them as they are instead of re-reading the store.
    recent: Mutex<(VecDeque<Arc<FeedItem>>, usize)>,
    /// Counters.
    pub stats: FeedStats,
}

/// What a subscription yields next.
#[derive(Debug)]
pub enum Next {
    /// The next event after the last one seen.
    Item(Arc<FeedItem>),
    /// The subscriber fell more than its queue behind; resume after this position.
    TooSlow {
        /// The last position the subscriber saw.
        resume_after: i64,
    },
    /// The store failed; resume after this position.
    Failed {
        /// The last position the subscriber saw.
        resume_after: i64,
    },
}

impl Feed {
    /// A feed over `store` whose subscribers may each lag `queue_len` events.
    pub fn new(store: Arc<dyn EventStore>, queue_len: usize, slow_after: Duration) -> Self {
        let (tx, _) = broadcast::channel(queue_len.max(1));
        Self {
            store,
            tx,
            head: AtomicI64::new(-1),
            slow_after,
            fanned: Mutex::new(VecDeque::new()),
            recent: Mutex::new((VecDeque::new(), 0)),
            stats: FeedStats::default(),
        }
    }

    /// The last position fanned out (-1 before the tail started).
    pub fn head(&self) -> i64 {
        self.head.load(Ordering::Acquire)
    }

    /// Subscribes from after `after` (`None`: from now on).
    pub async fn subscribe(self: &Arc<Self>, after: Option<i64>) -> Subscription {
        let last = match after {
            Some(a) => a.max(0),
            None => match self.store.head().await {
                Ok(h) => h.position,
                Err(_) => self.head().max(0),
            },
        };
        Subscription {
            feed: self.clone(),
            rx: None,
            live: false,
            last,
            backlog: VecDeque::new(),
            catching_up: false,
        }
    }

    /// Up to `n` recent items right after position `last`, if the tail still
    /// holds the next one (positions have no gaps).
    fn recent_after(&self, last: i64, n: usize) -> Vec<Arc<FeedItem>> {
        let Ok(r) = self.recent.lock() else {
            return Vec::new();
        };
        let i = r.0.partition_point(|it| it.position() <= last);
        match r.0.get(i) {
            Some(it) if it.position() == last + 1 => r.0.range(i..).take(n).cloned().collect(),
            _ => Vec::new(),
        }
    }

    /// Tails the log until `stop`: reads new events and fans them out.
    pub async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let notify = self.store.notifier();
        let mut cursor = loop {
            match self.store.head().await {
                Ok(h) => break h.position,
                Err(e) => tracing::warn!(error = %e, "feed cannot read the head; retrying"),
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                _ = stop.changed() => return,
            }
        };
        self.head.store(cursor, Ordering::Release);
        loop {
            let notified = notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            match self.store.read_all(cursor, READ_BATCH).await {
                Ok(events) => {
                    let full = events.len() as i64 == READ_BATCH;
                    for e in events {
                        cursor = e.position;
                        let mut item = FeedItem::new(e);
                        let now = Instant::now();
                        item.fanned_at = Some(now);
                        if let Ok(mut f) = self.fanned.lock() {
                            if f.len() == FANNED_KEPT {
                                f.pop_front();
                            }
                            f.push_back((cursor, now));
                        }
                        let item = Arc::new(item);
                        if let Ok(mut r) = self.recent.lock() {
                            r.1 += item.size();
                            r.0.push_back(item.clone());
                            while r.1 > RECENT_BYTES {
                                match r.0.pop_front() {
                                    Some(old) => r.1 -= old.size(),
                                    None => r.1 = 0,
                                }
                            }
                        }
                        let _ = self.tx.send(item);
                        self.stats.fanned_out.fetch_add(1, Ordering::Relaxed);
                        self.head.store(cursor, Ordering::Release);
                    }
                    if full {
                        continue;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "feed cannot read the log"),
            }
            tokio::select! {
                _ = notified => {}
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                _ = stop.changed() => return,
            }
        }
    }
}

/// One subscriber's position in the feed.
#[derive(Debug)]
pub struct Subscription {
    feed: Arc<Feed>,
    rx: Option<broadcast::Receiver<Arc<FeedItem>>>,
    live: bool,
    last: i64,
    backlog: VecDeque<Arc<FeedItem>>,
    /// Whether it is catching up after overflowing its ring.
    catching_up: bool,
}

impl Subscription {
    /// The last position seen (what a client resumes after).
    pub fn last(&self) -> i64 {
        self.last
    }

    /// Events queued for this subscriber and not yet taken.
    pub fn queued(&self) -> usize {
        self.backlog.len() + self.rx.as_ref().map_or(0, |r| r.len())
    }

    /// Whether the tail fanned `item` out more than `slow_after` ago (an item
    /// not yet fanned out is not old).
    fn too_old(&self, item: &FeedItem) -> bool {
        if let Some(at) = item.fanned_at {
            return at.elapsed() > self.feed.slow_after;
        }
        let Ok(f) = self.feed.fanned.lock() else {
            return false;
        };
        let i = f.partition_point(|(p, _)| *p < item.position());
        let at = match f.get(i) {
            Some(at) => at.1,
            None => return false,
        };
        at.elapsed() > self.feed.slow_after
    }

    /// The next event (every event, unfiltered), replaying from the store
    /// until caught up and then following the live fan-out.
    pub async fn next(&mut self) -> Next {
        loop {
            if self.catching_up && self.backlog.front().is_some_and(|i| self.too_old(i)) {
                self.backlog.clear();
                self.rx = None;
                return Next::TooSlow {
                    resume_after: self.last,
                };
            }
            if let Some(item) = self.backlog.pop_front() {
                self.last = item.position();
                return Next::Item(item);
            }
            if !self.live {
                let recent = self.feed.recent_after(self.last, REPLAY_BATCH as usize);
                if !recent.is_empty() {
                    self.backlog.extend(recent);
                    continue;
                }
                match self.feed.store.read_all(self.last, REPLAY_BATCH).await {
                    Ok(events) if !events.is_empty() => {
                        self.backlog
                            .extend(events.into_iter().map(|e| Arc::new(FeedItem::new(e))));
                        continue;
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "feed replay failed");
                        return Next::Failed {
                            resume_after: self.last,
                        };
                    }
                }
                // Caught up with the store. Subscribe, then read the store once
                // more: anything fanned out before the subscription is in the
                // store, anything after it is in the receiver.
                if self.rx.is_none() {
                    self.rx = Some(self.feed.tx.subscribe());
                    continue;
                }
                self.live = true;
                self.catching_up = false;
            }
            let Some(rx) = self.rx.as_mut() else {
                self.live = false;
                continue;
            };
            match rx.recv().await {
                Ok(item) if item.position() <= self.last => continue,
                Ok(item) => {
                    self.last = item.position();
                    return Next::Item(item);
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    // Judged on the replayed events' age from here on.
                    self.catching_up = true;
                    self.rx = None;
                    self.live = false;
                }
                Err(broadcast::error::RecvError::Closed) => {
                    return Next::Failed {
                        resume_after: self.last,
                    }
                }
            }
        }
    }
}
