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
//! ring (`RAIA_WS_QUEUE_LEN`). A subscriber that overflows it is caught up from
//! the store if the overflow is young (a burst), and is told it is too slow
//! ([`Next::TooSlow`], with the position to resume after) if the oldest event
//! it still has queued was fanned out more than `RAIA_WS_SLOW_AFTER_MS` ago:
//! memory per subscriber stays bounded either way.

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
        Arc,
    },
    time::Duration,
};

use commands::EventStore;
use tokio::sync::{broadcast, watch};

const READ_BATCH: i64 = 500;

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
                        item.fanned_at = Some(std::time::Instant::now());
                        let _ = self.tx.send(Arc::new(item));
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

    /// The next event (every event, unfiltered), replaying from the store
    /// until caught up and then following the live fan-out.
    pub async fn next(&mut self) -> Next {
        loop {
            if let Some(item) = self.backlog.pop_front() {
                self.last = item.position();
                return Next::Item(item);
            }
            if !self.live {
                match self.feed.store.read_all(self.last, READ_BATCH).await {
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
                    // The oldest event still queued tells how far behind the
                    // subscriber is; the ones it missed are older still.
                    let old = match rx.recv().await {
                        Ok(item) => item
                            .fanned_at
                            .is_some_and(|t| t.elapsed() > self.feed.slow_after),
                        Err(_) => false,
                    };
                    if old {
                        return Next::TooSlow {
                            resume_after: self.last,
                        };
                    }
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
