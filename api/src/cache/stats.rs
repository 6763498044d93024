//! Hit, miss, invalidation and eviction counters per category, mirrored to Prometheus.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;
use utoipa::ToSchema;

use super::category::Category;

/// Counters of one category on this node.
#[derive(Debug, Default)]
pub struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    invalidations: AtomicU64,
    evictions: AtomicU64,
}

/// Counters of every category on this node.
#[derive(Debug, Default)]
pub struct Tally([Counters; Category::ALL.len()]);

/// What the cache did for one category, as `GET /api/v1/cache/stats` shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryStats {
    /// Category name.
    pub category: Category,
    /// Reads answered from the cache (this node, since start).
    pub hits: u64,
    /// Reads computed because no entry was current.
    pub misses: u64,
    /// Misses that found an entry made stale by newer events.
    pub invalidations: u64,
    /// Entries dropped for room or age (in-process store only).
    pub evictions: u64,
    /// `hits / (hits + misses)`, 0 before the first read.
    pub hit_ratio: f64,
    /// Entries held now (in Redis: by every node).
    pub entries: u64,
    /// Bytes of cached JSON held now.
    pub bytes: u64,
}

impl Tally {
    fn of(&self, c: Category) -> &Counters {
        &self.0[c.index()]
    }

    /// Counts a hit.
    pub fn hit(&self, c: Category) {
        self.of(c).hits.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("raia_cache_hits_total", "category" => c.name()).increment(1);
    }

    /// Counts a miss; `stale` when an entry existed for an older label.
    pub fn miss(&self, c: Category, stale: bool) {
        self.of(c).misses.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("raia_cache_misses_total", "category" => c.name()).increment(1);
        if stale {
            self.of(c).invalidations.fetch_add(1, Ordering::Relaxed);
            metrics::counter!("raia_cache_invalidations_total", "category" => c.name())
                .increment(1);
        }
    }

    /// Counts an eviction.
    pub fn evicted(&self, c: Category) {
        self.of(c).evictions.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("raia_cache_evictions_total", "category" => c.name()).increment(1);
    }

    /// The counters with the store's current holdings.
    pub fn stats(&self, c: Category, entries: u64, bytes: u64) -> CategoryStats {
        let k = self.of(c);
        let hits = k.hits.load(Ordering::Relaxed);
        let misses = k.misses.load(Ordering::Relaxed);
        metrics::gauge!("raia_cache_entries", "category" => c.name()).set(entries as f64);
        CategoryStats {
            category: c,
            hits,
            misses,
            invalidations: k.invalidations.load(Ordering::Relaxed),
            evictions: k.evictions.load(Ordering::Relaxed),
            hit_ratio: if hits + misses == 0 {
                0.0
            } else {
                hits as f64 / (hits + misses) as f64
            },
            entries,
            bytes,
        }
    }
}
