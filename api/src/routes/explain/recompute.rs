//! Re-running recorded explanations (`raia replay verify --recompute`): each
//! `ExplanationGenerated` in the log is computed again from its recorded parameters and
//! its results compared with the recorded ones.

use domain::{
    decode::decode,
    explanation::{ExplanationEvent, ExplanationRecord},
    upcast::Upcasters,
};
use serde::Serialize;
use sqlx::Row;

use super::{counterfactuals, importance, lime, pdp, shap, what_if, Computed};
use crate::{
    error::{ApiError, ApiResult},
    state::AppState,
};

/// One recorded explanation whose recomputation differs.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    /// Explanation id.
    pub id: String,
    /// Log position of its event.
    pub position: i64,
    /// What differs.
    pub reason: String,
}

/// What a recompute found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RecomputeReport {
    /// Explanations recomputed.
    pub checked: usize,
    /// Those that differ.
    pub differences: Vec<Difference>,
}

fn parse<T: serde::de::DeserializeOwned>(p: &serde_json::Value) -> ApiResult<T> {
    serde_json::from_value(p.clone()).map_err(ApiError::internal)
}

/// Runs a recorded explanation's request again.
pub async fn rerun(state: &AppState, r: &ExplanationRecord) -> ApiResult<Computed> {
    let id = r.model_id.as_str();
    let p = &r.parameters;
    match r.kind.as_str() {
        shap::KIND => shap::compute(state, id, &parse(p)?).await,
        lime::KIND => lime::compute(state, id, &parse(p)?).await,
        importance::KIND => importance::compute(state, id, &parse(p)?).await,
        pdp::KIND => pdp::compute(state, id, &parse(p)?).await,
        what_if::KIND => what_if::compute(state, id, &parse(p)?).await,
        counterfactuals::KIND => counterfactuals::compute(state, id, &parse(p)?).await,
        other => Err(ApiError::internal(format!(
            "unknown explanation kind {other}"
        ))),
    }
}

/// Numbers equal up to a few units in the last place (the log keeps shortest decimals).
fn same(a: &serde_json::Value, b: &serde_json::Value, path: &mut String) -> bool {
    use serde_json::Value as V;
    match (a, b) {
        (V::Number(x), V::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => {
                x == y || (x - y).abs() <= 4.0 * f64::EPSILON * x.abs().max(y.abs())
            }
            _ => x == y,
        },
        (V::Array(x), V::Array(y)) => {
            x.len() == y.len()
                && x.iter().zip(y).enumerate().all(|(i, (p, q))| {
                    let n = path.len();
                    path.push_str(&format!("[{i}]"));
                    let ok = same(p, q, path);
                    if ok {
                        path.truncate(n);
                    }
                    ok
                })
        }
        (V::Object(x), V::Object(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, p)| {
                    let n = path.len();
                    path.push_str(&format!(".{k}"));
                    let ok = y.get(k).is_some_and(|q| same(p, q, path));
                    if ok {
                        path.truncate(n);
                    }
                    ok
                })
        }
        _ => a == b,
    }
}

/// Why a recomputation differs from the record, if it does.
pub fn compare(r: &ExplanationRecord, c: &Computed) -> Option<String> {
    if c.prepared.sha256 != r.artifact_sha256 {
        return Some(format!(
            "the model artifact is now {}, recorded {}",
            c.prepared.sha256, r.artifact_sha256
        ));
    }
    if c.prepared.rows_sha256 != r.rows_sha256 {
        return Some("the explained rows hash differs".into());
    }
    if c.prepared.background_sha256 != r.background_sha256 {
        return Some("the background hash differs".into());
    }
    if c.method != r.method {
        return Some(format!("method {} ran, recorded {}", c.method, r.method));
    }
    let mut path = String::from("results");
    (!same(&r.results, &c.results, &mut path)).then(|| format!("{path} differs"))
}

/// Recomputes every recorded explanation, in log order.
pub async fn recompute_all(state: &AppState) -> ApiResult<RecomputeReport> {
    let rows = sqlx::query(
        "SELECT position FROM events WHERE stream_type = 'explanation' \
         AND event_type = 'ExplanationGenerated' ORDER BY position",
    )
    .fetch_all(state.db.read())
    .await?;
    let mut report = RecomputeReport::default();
    for row in rows {
        let position: i64 = row.try_get(0)?;
        let events = state
            .store
            .read_all(position - 1, 1)
            .await
            .map_err(ApiError::internal)?;
        let Some(e) = events.first() else { continue };
        let ExplanationEvent::ExplanationGenerated {
            explanation_id,
            record,
        } = decode(e, &Upcasters::domain()).map_err(ApiError::internal)?;
        report.checked += 1;
        let reason = match rerun(state, &record).await {
            Ok(c) => compare(&record, &c),
            Err(err) => Some(format!("recomputation failed: {}", err.detail)),
        };
        if let Some(reason) = reason {
            report.differences.push(Difference {
                id: explanation_id.to_string(),
                position,
                reason,
            });
        }
    }
    Ok(report)
}
