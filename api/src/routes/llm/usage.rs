//! `GET /api/v1/llm/usage`: tokens, cost and latency percentiles of answered
//! calls (chat answers, evaluation answers and judge calls), grouped by
//! configuration, user or day.

use std::collections::BTreeMap;

use axum::{
    extract::{Query, State},
    Json,
};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use crate::{
    error::{ApiError, ApiResult},
    state::AppState,
};

/// How to group.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UsageQuery {
    /// `configuration` (default), `user` or `day`.
    pub group_by: Option<String>,
}

/// One group's usage.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsageRow {
    /// Configuration id, user id or `YYYY-MM-DD`.
    pub key: String,
    /// Answered calls.
    pub calls: u64,
    /// Prompt tokens.
    pub prompt_tokens: u64,
    /// Completion tokens.
    pub completion_tokens: u64,
    /// Cost from the price table, USD.
    pub cost_usd: f64,
    /// Median latency, ms (nearest rank).
    pub latency_p50_ms: u64,
    /// 95th-percentile latency, ms (nearest rank).
    pub latency_p95_ms: u64,
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

/// Usage per configuration, user or day.
#[utoipa::path(get, path = "/api/v1/llm/usage", tag = "llm", params(UsageQuery), security(("bearer" = [])),
    responses((status = 200, body = [UsageRow])))]
pub async fn usage(
    State(state): State<AppState>,
    Query(q): Query<UsageQuery>,
) -> ApiResult<Json<Vec<UsageRow>>> {
    let column = match q.group_by.as_deref().unwrap_or("configuration") {
        "configuration" => "configuration_id",
        "user" => "user_id",
        "day" => "day",
        other => {
            return Err(ApiError::bad_request(
                "invalid_group_by",
                format!("group_by `{other}`: use configuration, user or day"),
            ))
        }
    };
    let rows = sqlx::query(&format!(
        "SELECT {column} AS k, prompt_tokens, completion_tokens, latency_ms, cost_usd FROM llm_calls \
         UNION ALL SELECT {column} AS k, prompt_tokens, completion_tokens, latency_ms, cost_usd \
         FROM evaluation_llm_calls"
    ))
    .fetch_all(state.db.read())
    .await?;
    let mut groups: BTreeMap<String, (Vec<u64>, u64, u64, f64)> = BTreeMap::new();
    for r in &rows {
        let key: Option<String> = r.try_get("k")?;
        let g = groups.entry(key.unwrap_or_else(|| "-".into())).or_default();
        g.0.push(r.try_get::<i64, _>("latency_ms")?.max(0) as u64);
        g.1 += r.try_get::<i64, _>("prompt_tokens")?.max(0) as u64;
        g.2 += r.try_get::<i64, _>("completion_tokens")?.max(0) as u64;
        g.3 += r.try_get::<f64, _>("cost_usd")?;
    }
    Ok(Json(
        groups
            .into_iter()
            .map(|(key, (mut lat, p, c, cost))| {
                lat.sort_unstable();
                UsageRow {
                    key,
                    calls: lat.len() as u64,
                    prompt_tokens: p,
                    completion_tokens: c,
                    cost_usd: cost,
                    latency_p50_ms: percentile(&lat, 50.0),
                    latency_p95_ms: percentile(&lat, 95.0),
                }
            })
            .collect(),
    ))
}
