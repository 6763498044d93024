//! `/api/v1/cache`: what the read cache holds and did, and emptying it.

use axum::{
    extract::{Path, State},
    Json,
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    cache::{CacheStats, Category},
    error::{ApiError, ApiResult},
    state::AppState,
};

/// How many entries a clear removed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Cleared {
    /// The category cleared, or `all`.
    pub category: String,
    /// Entries removed.
    pub removed: u64,
}

/// Hits, misses, invalidations and evictions per category on this node, with
/// the entries held now.
#[utoipa::path(get, path = "/api/v1/cache/stats", tag = "cache", security(("bearer" = [])),
    responses((status = 200, body = CacheStats)))]
pub async fn stats(State(state): State<AppState>) -> ApiResult<Json<CacheStats>> {
    state.cache.stats().await.map(Json)
}

/// Drops every entry of one category (`dataset_profile`, `model`, `fairness_reports`).
#[utoipa::path(post, path = "/api/v1/cache/clear/{category}", tag = "cache",
    params(("category" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Cleared), (status = 404, body = crate::error::Problem)))]
pub async fn clear(
    State(state): State<AppState>,
    Path(category): Path<String>,
) -> ApiResult<Json<Cleared>> {
    let c = Category::parse(&category).ok_or_else(|| ApiError::not_found("cache category"))?;
    let removed = state.cache.clear(Some(c)).await?;
    tracing::info!(category = c.name(), removed, "cache category cleared");
    Ok(Json(Cleared { category, removed }))
}

/// Drops every entry of every category.
#[utoipa::path(delete, path = "/api/v1/cache/flush-all", tag = "cache", security(("bearer" = [])),
    responses((status = 200, body = Cleared)))]
pub async fn flush_all(State(state): State<AppState>) -> ApiResult<Json<Cleared>> {
    let removed = state.cache.clear(None).await?;
    tracing::info!(removed, "cache flushed");
    Ok(Json(Cleared {
        category: "all".into(),
        removed,
    }))
}
