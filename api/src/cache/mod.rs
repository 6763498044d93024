//! The read cache for expensive reads: in-process by default, Redis when
//! `RAIA_REDIS_URL` is set. Entries carry the label (log position) they were
//! computed at, and are served only while it is current (see [`label`]), so a
//! read after a write, on this node or any other, never returns the old value.

pub mod category;
pub mod label;
mod local;
mod shared;
pub mod stats;

use std::{future::Future, sync::Arc, time::Duration};

use axum::{
    body::Bytes,
    http::header,
    response::{IntoResponse, Response},
};
use migrations::Db;
use serde::Serialize;
use utoipa::ToSchema;

pub use category::{Category, Dep};
use local::Local;
use shared::Shared;
use stats::{CategoryStats, Tally};

use crate::{
    config::Config,
    error::{ApiError, ApiResult},
};

/// A cached value: the label it is valid for and its JSON.
#[derive(Debug)]
pub struct Entry {
    /// Log position of the last event it reflects.
    pub label: i64,
    /// The serialized answer.
    pub json: Bytes,
}

enum Store {
    Local(Local),
    Shared(Shared),
}

/// The cache and its counters.
pub struct Cache {
    store: Store,
    tally: Arc<Tally>,
    db: Db,
}

/// A JSON answer, from the cache or just computed.
#[derive(Debug, Clone)]
pub struct CachedJson(pub Bytes);

impl CachedJson {
    /// An integer field of the top-level object.
    pub fn i64_field(&self, name: &str) -> Option<i64> {
        let v: serde_json::Value = serde_json::from_slice(&self.0).ok()?;
        v.get(name)?.as_i64()
    }
}

impl IntoResponse for CachedJson {
    fn into_response(self) -> Response {
        ([(header::CONTENT_TYPE, "application/json")], self.0).into_response()
    }
}

/// `GET /api/v1/cache/stats`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CacheStats {
    /// `memory` or `redis`.
    pub backend: &'static str,
    /// Per category.
    pub categories: Vec<CategoryStats>,
}

impl Cache {
    /// The store the configuration asks for (connects to Redis when set).
    pub async fn open(config: &Config, db: Db) -> anyhow::Result<Self> {
        let tally = Arc::new(Tally::default());
        let store = match &config.redis_url {
            Some(url) => Store::Shared(
                Shared::connect(url, &config.redis_prefix, config.cache_ttl_secs.max(1))
                    .await
                    .map_err(|e| anyhow::anyhow!("connecting to Redis at {url}: {e}"))?,
            ),
            None => Store::Local(Local::new(
                config.cache_max_bytes,
                Duration::from_secs(config.cache_ttl_secs.max(1)),
                tally.clone(),
            )),
        };
        Ok(Self { store, tally, db })
    }

    /// The answer to a read of `category` under `key` depending on `deps`: the
    /// stored one if it is current, else `compute`'s (then stored). Errors are
    /// not cached; a failing Redis only costs the computation.
    pub async fn json<T, F, Fut>(
        &self,
        category: Category,
        key: &str,
        deps: &[Dep<'_>],
        compute: F,
    ) -> ApiResult<CachedJson>
    where
        T: Serialize,
        F: FnOnce() -> Fut,
        Fut: Future<Output = ApiResult<T>>,
    {
        let label = label::current(&self.db, category, deps).await?;
        let found = match &self.store {
            Store::Local(l) => l.get(category, key).map(|e| (e.label, e.json.clone())),
            Store::Shared(s) => match s.get(category, key).await {
                Ok(e) => e.map(|e| (e.label, e.json)),
                Err(e) => {
                    tracing::warn!(error = %e, "cache read failed; computing");
                    None
                }
            },
        };
        match found {
            Some((l, json)) if l == label => {
                self.tally.hit(category);
                return Ok(CachedJson(json));
            }
            stale => self.tally.miss(category, stale.is_some()),
        }
        let json = serde_json::to_vec(&compute().await?).map_err(ApiError::internal)?;
        let entry = Entry {
            label,
            json: Bytes::from(json),
        };
        let out = entry.json.clone();
        match &self.store {
            Store::Local(l) => l.put(category, key, entry),
            Store::Shared(s) => {
                if let Err(e) = s.put(category, key, &entry).await {
                    tracing::warn!(error = %e, "cache write failed");
                }
            }
        }
        Ok(CachedJson(out))
    }

    /// Drops a category's entries (every node's, with Redis); returns how many.
    pub async fn clear(&self, category: Option<Category>) -> ApiResult<u64> {
        match &self.store {
            Store::Local(l) => Ok(match category {
                Some(c) => l.clear(c),
                None => Category::ALL.into_iter().map(|c| l.clear(c)).sum(),
            }),
            Store::Shared(s) => s.clear(category).await.map_err(ApiError::internal),
        }
    }

    /// Counters and holdings per category.
    pub async fn stats(&self) -> ApiResult<CacheStats> {
        let mut categories = Vec::new();
        for c in Category::ALL {
            let (entries, bytes) = match &self.store {
                Store::Local(l) => l.holdings(c),
                Store::Shared(s) => s.holdings(c).await.map_err(ApiError::internal)?,
            };
            categories.push(self.tally.stats(c, entries, bytes));
        }
        Ok(CacheStats {
            backend: match self.store {
                Store::Local(_) => "memory",
                Store::Shared(_) => "redis",
            },
            categories,
        })
    }
}
