//! The in-process store: a size-bounded moka cache of JSON bytes.

use std::{sync::Arc, time::Duration};

use moka::{notification::RemovalCause, sync::Cache};

use super::{category::Category, stats::Tally, Entry};

/// Entries of this node, weighed by their JSON size.
pub struct Local {
    cache: Cache<(Category, String), Arc<Entry>>,
}

impl Local {
    /// A store of at most `max_bytes` of JSON whose entries live `ttl` at most.
    pub fn new(max_bytes: u64, ttl: Duration, tally: Arc<Tally>) -> Self {
        let cache = Cache::builder()
            .max_capacity(max_bytes)
            .weigher(|(_, k): &(Category, String), v: &Arc<Entry>| {
                u32::try_from(k.len() + v.json.len()).unwrap_or(u32::MAX)
            })
            .time_to_live(ttl)
            .eviction_listener(move |k: Arc<(Category, String)>, _, cause| {
                if matches!(cause, RemovalCause::Size | RemovalCause::Expired) {
                    tally.evicted(k.0);
                }
            })
            .build();
        Self { cache }
    }

    /// The entry under a key, whatever its label.
    pub fn get(&self, category: Category, key: &str) -> Option<Arc<Entry>> {
        self.cache.get(&(category, key.to_owned()))
    }

    /// Stores an entry (replacing an older one).
    pub fn put(&self, category: Category, key: &str, entry: Entry) {
        self.cache
            .insert((category, key.to_owned()), Arc::new(entry));
    }

    /// Drops one category's entries; returns how many there were.
    pub fn clear(&self, category: Category) -> u64 {
        let keys: Vec<_> = self
            .cache
            .iter()
            .filter(|(k, _)| k.0 == category)
            .map(|(k, _)| k)
            .collect();
        for k in &keys {
            self.cache.invalidate(k.as_ref());
        }
        keys.len() as u64
    }

    /// Entries and bytes held for a category.
    pub fn holdings(&self, category: Category) -> (u64, u64) {
        self.cache.run_pending_tasks();
        self.cache
            .iter()
            .filter(|(k, _)| k.0 == category)
            .fold((0, 0), |(n, b), (_, v)| (n + 1, b + v.json.len() as u64))
    }
}
