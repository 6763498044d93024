//! `POST /api/v1/bias/mitigation/{modelId}`: fit a mitigation on a seeded training split,
//! measure it before and after on the held-out rows, record `BiasMitigationApplied`;
//! optionally store reweighing weights as a new dataset and attach a post-processing
//! rule to the model version as a decision policy.

use analysis::fairness::GroupIndex;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use domain::fairness::Mitigation;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    analyze::model_exists,
    derived, input,
    input::Source,
    job,
    methods::{self, RunInput},
    policy,
    split::{pick, split, summary},
};
use crate::{
    error::{ApiError, ApiResult},
    extract::{ApiJson, Ctx, RespondAsync},
    jobs::JobHandle,
    routes::rfc3339,
    state::AppState,
};

/// A mitigation run.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MitigationRequest {
    /// Rows, labels, predictions, scores, features and groups.
    #[serde(flatten)]
    pub source: Source,
    /// `reweighing`, `correlation_remover`, `threshold_optimizer`, `reject_option` or
    /// `exponentiated_gradient`.
    pub method: String,
    /// ThresholdOptimizer: `demographic_parity` (default), `equalized_odds`,
    /// `true_positive_rate_parity`, ...;
    /// ExponentiatedGradient: `demographic_parity` or `equalized_odds`; reject option:
    /// `statistical_parity_difference` (default), `average_odds_difference`,
    /// `equal_opportunity_difference`.
    pub constraint: Option<String>,
    /// Held-out share (default 0.3); 0 fits and measures on every row.
    pub test_size: Option<f64>,
    /// Seed of the split and of randomized predictions (default 0).
    pub seed: Option<u64>,
    /// CorrelationRemover strength (default 1).
    pub alpha: Option<f64>,
    /// ExponentiatedGradient allowed violation (default 0.01).
    pub eps: Option<f64>,
    /// Attach the fitted post-processing rule to the model version as a decision policy.
    #[serde(default)]
    pub attach_policy: bool,
}

/// A recorded mitigation.
#[derive(Debug, Serialize, ToSchema)]
pub struct MitigationView {
    /// Mitigation id.
    pub id: String,
    /// Model.
    pub model_id: String,
    /// Version RAIA ran, if any.
    pub version: Option<u32>,
    /// Method.
    pub method: String,
    /// Fitted parameters and settings.
    #[schema(value_type = Object)]
    pub parameters: serde_json::Value,
    /// Held-out metrics before.
    #[schema(value_type = Object)]
    pub before: serde_json::Value,
    /// Held-out metrics after.
    #[schema(value_type = Object)]
    pub after: serde_json::Value,
    /// Accuracy after minus before.
    pub accuracy_cost: Option<f64>,
    /// Dataset with a `sample_weight` column (reweighing).
    pub output_dataset_id: Option<String>,
    /// The decision policy attached, if any.
    #[schema(value_type = Option<Object>)]
    pub policy: Option<serde_json::Value>,
    /// When.
    pub created_at: String,
}

/// Runs a mitigation and records its measured effect.
#[utoipa::path(post, path = "/api/v1/bias/mitigation/{modelId}", tag = "fairness", request_body = MitigationRequest,
    params(("modelId" = String, Path)), security(("bearer" = [])),
    responses((status = 201, body = MitigationView),
        (status = 202, description = "queued as a job (large dataset, or Prefer: respond-async); poll Location"),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn mitigate(
    State(state): State<AppState>,
    Path(model_id): Path<String>,
    ctx: Ctx,
    RespondAsync(respond_async): RespondAsync,
    ApiJson(b): ApiJson<MitigationRequest>,
) -> ApiResult<Response> {
    model_exists(&state, &model_id).await?;
    let post = matches!(b.method.as_str(), "threshold_optimizer" | "reject_option");
    if b.attach_policy && !post {
        return Err(ApiError::unprocessable(
            "policy_unavailable",
            "only post-processing methods (threshold_optimizer, reject_option) can be attached as a decision policy",
        ));
    }
    if !job::wanted(&state, &b.source.dataset_id, respond_async).await? {
        let view = mitigate_now(&state, ctx, model_id, b, None).await?;
        return Ok((StatusCode::CREATED, Json(view)).into_response());
    }
    let params = serde_json::json!({
        "model_id": model_id, "dataset_id": b.source.dataset_id, "method": b.method,
    });
    let (job_state, job_ctx) = (state.clone(), ctx.clone());
    job::queue(
        &state,
        &ctx,
        "fairness.mitigation",
        params,
        move |job| async move { mitigate_now(&job_state, job_ctx, model_id, b, Some(&job)).await },
    )
    .await
}

/// Loads, fits, measures and records a mitigation (and attaches its policy).
async fn mitigate_now(
    state: &AppState,
    ctx: Ctx,
    model_id: String,
    b: MitigationRequest,
    progress: Option<&JobHandle>,
) -> ApiResult<MitigationView> {
    let rows = input::load(state, Some(&model_id), &b.source, false).await?;
    job::phase(progress, 1).await;
    let features = match &b.source.feature_columns {
        Some(f) => Some(input::features(&rows.table, f)?),
        None => None,
    };
    let y_true = rows.y_true.clone().ok_or_else(|| {
        ApiError::unprocessable("labels_required", "mitigation needs a label column")
    })?;
    let names: Vec<String> = rows.sensitive.iter().map(|(n, _)| n.clone()).collect();
    if names.len() > super::metrics::MAX_INTERSECTION {
        return Err(ApiError::unprocessable(
            "too_many_intersection_features",
            "mitigation groups cross at most 3 sensitive features",
        ));
    }
    let cols: Vec<&[String]> = rows.sensitive.iter().map(|(_, v)| v.as_slice()).collect();
    let groups = GroupIndex::from_attributes(&cols)
        .map_err(|e| ApiError::unprocessable("invalid_fairness_input", e.to_string()))?;
    let privileged: Option<Vec<String>> = names
        .iter()
        .map(|n| rows.privileged.get(n).cloned())
        .collect();
    let seed = b.seed.unwrap_or(0);
    let sp = split(y_true.len(), b.test_size.unwrap_or(0.3), seed)?;
    let (train_rows, test_rows) = (sp.train.len(), sp.test.len());
    let method = b.method.clone();
    let (alpha, eps) = (b.alpha.unwrap_or(1.0), b.eps.unwrap_or(0.01));
    let constraint = b.constraint.clone();
    let (y_pred, score) = (rows.y_pred.clone(), rows.score.clone());
    let (out, before, after, acc_before, acc_after) = tokio::task::spawn_blocking(move || {
        let input = RunInput {
            y_true: &y_true,
            y_pred: y_pred.as_deref(),
            score: score.as_deref(),
            x: features.as_ref(),
            groups: &groups,
            privileged: privileged.as_ref(),
            split: &sp,
            seed,
            constraint: constraint.as_deref(),
            alpha,
            eps,
        };
        let out = methods::run(&method, &input)?;
        let yt = pick(&y_true, &sp.test);
        let test_groups =
            GroupIndex::from_codes(pick(groups.codes(), &sp.test), groups.keys().to_vec())
                .map_err(ApiError::internal)?;
        let (ab, before) = summary(&yt, &out.before, &test_groups, privileged.as_ref())?;
        let (aa, after) = summary(&yt, &out.after, &test_groups, privileged.as_ref())?;
        Ok::<_, ApiError>((out, before, after, ab, aa))
    })
    .await
    .map_err(ApiError::internal)??;
    job::phase(progress, 2).await;
    let output_dataset_id = match &out.weights {
        Some(w) => {
            Some(derived::weights_dataset(state, &ctx, &rows, &b.source.dataset_id, w).await?)
        }
        None => None,
    };
    let parameters = serde_json::json!({
        "method": b.method, "constraint": b.constraint, "test_size": b.test_size.unwrap_or(0.3),
        "seed": seed, "baseline": out.baseline, "train_rows": train_rows, "test_rows": test_rows,
        "sensitive_features": names, "fitted": out.parameters,
    });
    let mitigation = Mitigation {
        model_id: model_id.clone(),
        version: rows.version,
        dataset_id: Some(b.source.dataset_id.clone()),
        method: b.method.clone(),
        parameters: parameters.clone(),
        before: before.clone(),
        after: after.clone(),
        accuracy_cost: Some(acc_after - acc_before),
        output_dataset_id: output_dataset_id.clone(),
        actor: ctx
            .metadata
            .actor_id
            .clone()
            .unwrap_or_else(|| "system".into()),
    };
    let (id, events) =
        commands::fairness::mitigate(state.store.as_ref(), mitigation, ctx.metadata.clone())
            .await?;
    state.settle(&events).await;
    let attached = if b.attach_policy {
        Some(
            policy::attach(
                state,
                &ctx,
                &model_id,
                &rows,
                &id.to_string(),
                &b.method,
                &names,
                &out.parameters,
            )
            .await?,
        )
    } else {
        None
    };
    Ok(MitigationView {
        id: id.to_string(),
        model_id,
        version: rows.version,
        method: b.method,
        parameters,
        before,
        after,
        accuracy_cost: Some(acc_after - acc_before),
        output_dataset_id,
        policy: attached,
        created_at: rfc3339(events.first().map_or(0, |e| e.recorded_at)),
    })
}
