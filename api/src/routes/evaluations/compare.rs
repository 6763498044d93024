//! `POST /api/v1/evaluations/compare`: two or more evaluations on the items
//! they share, metric by metric: means, and for every pair a paired bootstrap
//! interval of the mean difference and the exact sign test.
//!
//! A winner is named only where significant: with m evaluations each pairwise
//! test runs at level alpha / (m - 1) (Bonferroni over the m - 1 comparisons a
//! winner must win), and the winner must beat every other evaluation on both
//! tests: sign-test p below that level and a bootstrap interval (confidence
//! 1 - alpha / (m - 1)) that excludes zero on its side. Lower is better for
//! latency, tokens and cost; higher for every other metric. Default alpha 0.05.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use analysis::metrics::{mean_score, paired_bootstrap, sign_test, SignTest};
use axum::{extract::State, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{score::LOWER_IS_BETTER, views};
use crate::{
    error::{ApiError, ApiResult},
    extract::ApiJson,
    state::AppState,
};

/// What to compare.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompareRequest {
    /// The evaluations (two or more).
    pub evaluation_ids: Option<Vec<String>>,
    /// Or every evaluation of this benchmark suite.
    pub suite: Option<String>,
    /// Only these per-item metrics (default: every metric all of them have).
    pub metrics: Option<Vec<String>>,
    /// Family-wise significance level (default 0.05).
    pub alpha: Option<f64>,
    /// Bootstrap resamples (default 1,000).
    pub resamples: Option<u32>,
    /// Bootstrap seed (default 0).
    pub seed: Option<u64>,
}

/// One pair's tests (difference = first minus second).
#[derive(Debug, Serialize, ToSchema)]
pub struct PairTest {
    /// First evaluation.
    pub a: String,
    /// Second evaluation.
    pub b: String,
    /// Mean of a minus mean of b.
    pub mean_difference: f64,
    /// Bootstrap interval of the difference.
    pub ci_low: f64,
    /// Upper bound.
    pub ci_high: f64,
    /// Bootstrap two-sided p-value.
    pub bootstrap_p_value: f64,
    /// Sign test.
    #[schema(value_type = Object)]
    pub sign_test: SignTest,
    /// Which one is significantly better on both tests, if either.
    pub better: Option<String>,
}

/// One metric compared.
#[derive(Debug, Serialize, ToSchema)]
pub struct MetricComparison {
    /// Per-item metric name.
    pub metric: String,
    /// Direction.
    pub higher_is_better: bool,
    /// Items every evaluation scored on this metric.
    pub n_items: usize,
    /// Mean per evaluation over those items.
    pub means: BTreeMap<String, f64>,
    /// Every pair.
    pub pairs: Vec<PairTest>,
    /// The evaluation that significantly beats every other, if one does.
    pub winner: Option<String>,
}

/// The comparison.
#[derive(Debug, Serialize, ToSchema)]
pub struct Comparison {
    /// Evaluations compared.
    pub evaluation_ids: Vec<String>,
    /// Family-wise level.
    pub alpha: f64,
    /// Level of each pairwise test: alpha / (m - 1).
    pub pairwise_alpha: f64,
    /// Resamples.
    pub resamples: u32,
    /// Seed.
    pub seed: u64,
    /// Items all evaluations scored.
    pub common_items: usize,
    /// Per metric.
    pub metrics: Vec<MetricComparison>,
}

fn bad(detail: impl Into<String>) -> ApiError {
    ApiError::unprocessable("invalid_comparison", detail)
}

async fn ids(state: &AppState, b: &CompareRequest) -> ApiResult<Vec<String>> {
    let ids = match (&b.evaluation_ids, &b.suite) {
        (Some(ids), None) => ids.clone(),
        (None, Some(suite)) => {
            let rows: Vec<(String,)> = sqlx::query_as(
                "SELECT id FROM evaluations WHERE suite = $1 ORDER BY created_at, id",
            )
            .bind(suite.clone())
            .fetch_all(state.db.read())
            .await?;
            rows.into_iter().map(|r| r.0).collect()
        }
        _ => return Err(bad("give evaluation_ids or suite (one of them)")),
    };
    let distinct: BTreeSet<&String> = ids.iter().collect();
    if ids.len() < 2 || distinct.len() != ids.len() {
        return Err(bad("compare two or more distinct evaluations"));
    }
    Ok(ids)
}

/// Compares evaluations on their common items.
#[utoipa::path(post, path = "/api/v1/evaluations/compare", tag = "evaluations", request_body = CompareRequest,
    security(("bearer" = [])), responses((status = 200, body = Comparison), (status = 404, body = crate::error::Problem),
    (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn compare(
    State(state): State<AppState>,
    ApiJson(b): ApiJson<CompareRequest>,
) -> ApiResult<Json<Comparison>> {
    let alpha = b.alpha.unwrap_or(0.05);
    if !(alpha > 0.0 && alpha <= 0.5) {
        return Err(bad("alpha must be in (0, 0.5]"));
    }
    let resamples = b.resamples.unwrap_or(1000);
    if !(1..=10_000).contains(&resamples) {
        return Err(bad("resamples must be 1 to 10000"));
    }
    let ids = ids(&state, &b).await?;
    let mut runs = Vec::with_capacity(ids.len());
    for id in &ids {
        let v = views::one(&state, id).await?;
        if !["completed", "stopped"].contains(&v.status.as_str()) {
            return Err(ApiError::conflict(
                "evaluation_not_ended",
                format!("evaluation {id} is {}; compare ended evaluations", v.status),
            ));
        }
        let items: HashMap<String, BTreeMap<String, f64>> = views::items(&state, id)
            .await?
            .into_iter()
            .map(|i| (i.item_id, i.metrics))
            .collect();
        runs.push(items);
    }
    let order: Vec<String> = {
        let first = views::items(&state, &ids[0]).await?;
        first
            .into_iter()
            .map(|i| i.item_id)
            .filter(|id| runs.iter().all(|r| r.contains_key(id)))
            .collect()
    };
    if order.is_empty() {
        return Err(bad("the evaluations share no item ids"));
    }
    let names: BTreeSet<String> = match &b.metrics {
        Some(m) => m.iter().cloned().collect(),
        None => runs
            .iter()
            .flat_map(|r| r.values().flat_map(|m| m.keys().cloned()))
            .collect(),
    };
    let seed = b.seed.unwrap_or(0);
    let level = alpha / (ids.len() - 1) as f64;
    let settings = Settings {
        seed,
        resamples: resamples as usize,
        level,
    };
    let (names_ids, common_items) = (ids.clone(), order.len());
    let metrics = tokio::task::spawn_blocking(move || {
        names
            .into_iter()
            .filter_map(|name| compare_metric(&name, &names_ids, &runs, &order, settings))
            .collect::<Vec<_>>()
    })
    .await
    .map_err(ApiError::internal)?;
    Ok(Json(Comparison {
        evaluation_ids: ids,
        alpha,
        pairwise_alpha: level,
        resamples,
        seed,
        common_items,
        metrics,
    }))
}

#[derive(Debug, Clone, Copy)]
struct Settings {
    seed: u64,
    resamples: usize,
    level: f64,
}

/// Which of a pair is significantly better on both tests, if either.
fn better(
    diff: f64,
    low: f64,
    high: f64,
    sign: &SignTest,
    higher: bool,
    level: f64,
) -> Option<bool> {
    if sign.p_value >= level {
        return None;
    }
    let (first, second) = if higher {
        (diff > 0.0 && low > 0.0, diff < 0.0 && high < 0.0)
    } else {
        (diff < 0.0 && high < 0.0, diff > 0.0 && low > 0.0)
    };
    match (first, second) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    }
}

type Run = HashMap<String, BTreeMap<String, f64>>;

fn compare_metric(
    name: &str,
    ids: &[String],
    runs: &[Run],
    order: &[String],
    s: Settings,
) -> Option<MetricComparison> {
    let items: Vec<&String> = order
        .iter()
        .filter(|id| {
            runs.iter()
                .all(|r| r.get(*id).is_some_and(|m| m.contains_key(name)))
        })
        .collect();
    if items.is_empty() {
        return None;
    }
    let columns: Vec<Vec<f64>> = runs
        .iter()
        .map(|r| {
            items
                .iter()
                .filter_map(|id| r.get(*id).and_then(|m| m.get(name)).copied())
                .collect()
        })
        .collect();
    let higher = !LOWER_IS_BETTER.contains(&name);
    let zeros = vec![0.0; items.len()];
    let mut pairs = Vec::new();
    let mut beaten: Vec<usize> = vec![0; ids.len()];
    for i in 0..ids.len() {
        for j in i + 1..ids.len() {
            let boot = paired_bootstrap(
                &zeros,
                &columns[i],
                &columns[j],
                mean_score,
                s.resamples,
                1.0 - s.level,
                s.seed,
            )
            .ok()?;
            let sign = sign_test(&columns[i], &columns[j]).ok()?;
            let won = better(boot.difference, boot.low, boot.high, &sign, higher, s.level);
            let who = won.map(|first| if first { i } else { j });
            if let Some(w) = who {
                beaten[w] += 1;
            }
            pairs.push(PairTest {
                a: ids[i].clone(),
                b: ids[j].clone(),
                mean_difference: boot.difference,
                ci_low: boot.low,
                ci_high: boot.high,
                bootstrap_p_value: boot.p_value,
                sign_test: sign,
                better: who.map(|w| ids[w].clone()),
            });
        }
    }
    let winner = beaten
        .iter()
        .position(|n| *n == ids.len() - 1)
        .map(|w| ids[w].clone());
    Some(MetricComparison {
        metric: name.to_owned(),
        higher_is_better: higher,
        n_items: items.len(),
        means: ids
            .iter()
            .zip(&columns)
            .map(|(id, c)| (id.clone(), mean_score(&[], c)))
            .collect(),
        pairs,
        winner,
    })
}
