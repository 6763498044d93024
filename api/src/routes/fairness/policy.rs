//! Decision policies: a post-processing rule attached to a model version
//! (`DecisionPolicyAttached` on the model stream) and applied by the predict endpoint,
//! which records the model's own label beside the policy's decision.

use analysis::fairness::{EqualizedOddsFit, RejectOptionFit, ThresholdOptimizerFit};
use domain::{fairness::DecisionPolicy, model::ModelCommand};
use serde::Serialize;
use sqlx::Row;

use super::input::Rows;
use crate::{
    error::{ApiError, ApiResult},
    extract::Ctx,
    routes::{models::parse_id, predict::RowPrediction},
    state::AppState,
};

/// Attaches the fitted rule of a mitigation run to the version RAIA ran.
#[allow(clippy::too_many_arguments)]
pub async fn attach(
    state: &AppState,
    ctx: &Ctx,
    model_id: &str,
    rows: &Rows,
    mitigation_id: &str,
    method: &str,
    sensitive: &[String],
    rule: &serde_json::Value,
) -> ApiResult<serde_json::Value> {
    let (Some(version), Some(fav)) = (rows.version, rows.favourable_class_index) else {
        return Err(ApiError::unprocessable(
            "version_required",
            "a decision policy is attached to the model version RAIA ran: give `version`",
        ));
    };
    let policy = DecisionPolicy {
        version,
        policy_version: 0,
        mitigation_id: mitigation_id.to_owned(),
        method: method.to_owned(),
        sensitive_features: sensitive.to_vec(),
        favourable_class_index: fav,
        rule: rule.clone(),
        attached_by: ctx
            .metadata
            .actor_id
            .clone()
            .unwrap_or_else(|| "system".into()),
    };
    let events = commands::models::execute(
        state.store.as_ref(),
        parse_id(model_id)?,
        None,
        ModelCommand::AttachDecisionPolicy(Box::new(policy)),
        ctx.metadata.clone(),
    )
    .await?;
    state.settle(&events).await;
    let attached = events
        .iter()
        .find_map(|e| serde_json::from_str::<serde_json::Value>(&e.payload).ok())
        .map(|p| {
            if p["data"].is_object() {
                p["data"].clone()
            } else {
                p
            }
        })
        .unwrap_or_default();
    Ok(serde_json::json!({
        "version": version,
        "policy_version": attached["policy_version"],
        "method": method,
    }))
}

/// What a policy decided for one row (recorded with the prediction).
#[derive(Debug, Clone, Serialize)]
pub struct PolicyDecision {
    /// Policy number for the version.
    pub policy_version: u32,
    /// Method.
    pub method: String,
    /// The model's own label.
    pub model_label: Option<serde_json::Value>,
    /// P(favourable) the rule gave.
    pub favourable_probability: f64,
}

fn bad(code: &'static str, d: impl Into<String>) -> ApiError {
    ApiError::unprocessable(code, d)
}

fn level(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(if *b { "True" } else { "False" }.to_owned()),
        _ => None,
    }
}

/// A uniform draw on [0, 1) from a prediction id (UUID v7: its last 8 bytes are random),
/// so a randomized decision is reproducible from the prediction log.
fn uniform(id: &str) -> f64 {
    let bytes = uuid::Uuid::parse_str(id)
        .map(|u| *u.as_bytes())
        .unwrap_or_default();
    let mut tail = [0u8; 8];
    tail.copy_from_slice(&bytes[8..]);
    (u64::from_be_bytes(tail) >> 11) as f64 / (1u64 << 53) as f64
}

/// Applies the latest policy of `(model_id, version)` to answered rows: replaces each
/// label with the policy's decision and returns what was decided (None without policy).
pub async fn apply(
    state: &AppState,
    model_id: &str,
    version: i64,
    signature: &serde_json::Value,
    rows: &[serde_json::Value],
    sensitive: Option<&[serde_json::Value]>,
    out: &mut [RowPrediction],
) -> ApiResult<Option<Vec<PolicyDecision>>> {
    let row = sqlx::query(
        "SELECT policy FROM decision_policies WHERE model_id = $1 AND version = $2 ORDER BY policy_version DESC LIMIT 1",
    )
    .bind(model_id.to_owned())
    .bind(version)
    .fetch_optional(state.db.read())
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let p: DecisionPolicy =
        serde_json::from_str(&row.try_get::<String, _>(0)?).map_err(ApiError::internal)?;
    if let Some(s) = sensitive.filter(|s| s.len() != rows.len()) {
        return Err(bad(
            "invalid_sensitive",
            format!("{} sensitive rows for {} rows", s.len(), rows.len()),
        ));
    }
    let classes = signature["classes"].as_array().cloned().unwrap_or_default();
    let fav = p.favourable_class_index;
    let (Some(fav_class), Some(other)) = (classes.get(fav), classes.get(1 - fav.min(1))) else {
        return Err(ApiError::internal("policy on a model without two classes"));
    };
    let mut decisions = Vec::with_capacity(out.len());
    for (i, ans) in out.iter_mut().enumerate() {
        let key = p
            .sensitive_features
            .iter()
            .map(|f| {
                sensitive
                    .and_then(|s| s[i].get(f))
                    .or_else(|| rows[i].get(f))
                    .and_then(level)
                    .ok_or_else(|| {
                        bad(
                            "sensitive_feature_required",
                            format!("row {i}: the version's decision policy needs `{f}` (send it in `sensitive`)"),
                        )
                    })
            })
            .collect::<ApiResult<Vec<String>>>()?;
        let score = ans
            .probabilities
            .as_ref()
            .and_then(|v| v.get(fav).copied())
            .ok_or_else(|| {
                bad(
                    "probabilities_required",
                    "the policy needs class probabilities",
                )
            })?;
        let probability = match p.method.as_str() {
            "threshold_optimizer" if p.rule["fit"]["constraint"] == "equalized_odds" => {
                let fit: EqualizedOddsFit =
                    serde_json::from_value(p.rule["fit"].clone()).map_err(ApiError::internal)?;
                let rule = fit.groups.iter().find(|g| g.key == key).ok_or_else(|| {
                    bad(
                        "unknown_group",
                        format!("row {i}: group {key:?} was not seen when the policy was fitted"),
                    )
                })?;
                rule.positive_probability(score)
            }
            "threshold_optimizer" => {
                let fit: ThresholdOptimizerFit =
                    serde_json::from_value(p.rule["fit"].clone()).map_err(ApiError::internal)?;
                let rule = fit.groups.iter().find(|g| g.key == key).ok_or_else(|| {
                    bad(
                        "unknown_group",
                        format!("row {i}: group {key:?} was not seen when the policy was fitted"),
                    )
                })?;
                rule.positive_probability(score)
            }
            "reject_option" => {
                let fit: RejectOptionFit =
                    serde_json::from_value(p.rule["fit"].clone()).map_err(ApiError::internal)?;
                let privileged: Vec<String> = serde_json::from_value(p.rule["privileged"].clone())
                    .map_err(ApiError::internal)?;
                f64::from(fit.predict_one(score, key == privileged))
            }
            other => return Err(ApiError::internal(format!("unknown policy method {other}"))),
        };
        let decision = probability >= uniform(&ans.id) && probability > 0.0;
        let model_label = ans.label.take();
        ans.label = Some(if decision {
            fav_class.clone()
        } else {
            other.clone()
        });
        decisions.push(PolicyDecision {
            policy_version: p.policy_version,
            method: p.method.clone(),
            model_label,
            favourable_probability: probability,
        });
    }
    Ok(Some(decisions))
}
