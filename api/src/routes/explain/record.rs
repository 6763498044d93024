//! Recording an explanation, and reading recorded ones back.

use std::collections::BTreeMap;

use axum::{
    extract::{Path, Query, State},
    Json,
};
use domain::explanation::{ExplanationError, ExplanationId, ExplanationRecord};
use serde::Serialize;
use sqlx::{any::AnyRow, Row};
use utoipa::ToSchema;

use super::Computed;
use crate::{
    error::{ApiError, ApiResult},
    extract::Ctx,
    pagination::{encode, Page, PageQuery},
    routes::rfc3339,
    state::AppState,
};

/// A recorded explanation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExplanationView {
    /// Explanation id (the `ExplanationGenerated` stream id).
    pub id: String,
    /// Model id.
    pub model_id: String,
    /// Model version explained.
    pub version: i64,
    /// Endpoint family (`shap`, `lime`, `feature_importance`, `partial_dependence`,
    /// `what_if`, `counterfactuals`).
    pub kind: String,
    /// Method that ran.
    pub method: String,
    /// Seed (as text: it may exceed 2^53).
    pub seed: String,
    /// SHA-256 of the explained rows.
    pub rows_sha256: String,
    /// SHA-256 of the background (rows and weights).
    pub background_sha256: Option<String>,
    /// Every parameter, resolved.
    #[schema(value_type = Object)]
    pub parameters: serde_json::Value,
    /// The results.
    #[schema(value_type = Object)]
    pub results: serde_json::Value,
    /// Who asked.
    pub created_by: Option<String>,
    /// When.
    pub created_at: String,
}

impl From<ExplanationError> for ApiError {
    fn from(e: ExplanationError) -> Self {
        match e {
            ExplanationError::AlreadyExists => Self::conflict("already_exists", e.to_string()),
        }
    }
}

fn view(r: &AnyRow) -> ApiResult<ExplanationView> {
    let json = |c: &str| -> ApiResult<serde_json::Value> {
        serde_json::from_str(&r.try_get::<String, _>(c)?).map_err(ApiError::internal)
    };
    Ok(ExplanationView {
        id: r.try_get("id")?,
        model_id: r.try_get("model_id")?,
        version: r.try_get("version")?,
        kind: r.try_get("kind")?,
        method: r.try_get("method")?,
        seed: r.try_get("seed")?,
        rows_sha256: r.try_get("rows_sha256")?,
        background_sha256: r.try_get("background_sha256")?,
        parameters: json("parameters")?,
        results: json("results")?,
        created_by: r.try_get("created_by")?,
        created_at: rfc3339(r.try_get("created_at")?),
    })
}

/// The parameters as recorded: the request with the version and background pinned.
pub fn pinned(body: &impl Serialize, c: &Computed) -> ApiResult<serde_json::Value> {
    let mut p = serde_json::to_value(body).map_err(ApiError::internal)?;
    if let Some(o) = p.as_object_mut() {
        o.insert("version".into(), serde_json::json!(c.prepared.version));
        o.insert("seed".into(), serde_json::json!(c.prepared.seed));
        if let Some(b) = &c.prepared.background_dataset_id {
            o.insert("background_dataset_id".into(), serde_json::json!(b));
        }
    }
    Ok(p)
}

/// Records `ExplanationGenerated`; returns the new explanation's id.
pub async fn record(
    state: &AppState,
    metadata: domain::Metadata,
    kind: &str,
    parameters: serde_json::Value,
    c: Computed,
) -> ApiResult<ExplanationId> {
    let record = ExplanationRecord {
        model_id: c.prepared.model_id,
        version: c.prepared.version,
        artifact_sha256: c.prepared.sha256,
        kind: kind.to_owned(),
        method: c.method,
        parameters,
        seed: c.prepared.seed,
        rows_sha256: c.prepared.rows_sha256,
        background_sha256: c.prepared.background_sha256,
        results: c.results,
    };
    let (id, events) =
        commands::explanations::record(state.store.as_ref(), record, metadata).await?;
    state.settle(&events).await;
    Ok(id)
}

/// Records `ExplanationGenerated` and returns the stored view.
pub async fn finish(
    state: &AppState,
    ctx: Ctx,
    kind: &str,
    parameters: serde_json::Value,
    c: Computed,
) -> ApiResult<ExplanationView> {
    let id = record(state, ctx.metadata, kind, parameters, c).await?;
    load(state, id).await
}

async fn load(state: &AppState, id: ExplanationId) -> ApiResult<ExplanationView> {
    let r = sqlx::query("SELECT * FROM explanations WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(|| ApiError::not_found("explanation"))?;
    view(&r)
}

/// One recorded explanation.
#[utoipa::path(get, path = "/api/v1/explainability/explanations/{id}", tag = "explainability",
    params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = ExplanationView), (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<ExplanationView>> {
    let id = ExplanationId::parse(&id).ok_or_else(|| ApiError::not_found("explanation"))?;
    Ok(Json(load(&state, id).await?))
}

/// A model's recorded explanations, newest first (`?kind=` filters).
#[utoipa::path(get, path = "/api/v1/explainability/models/{id}/explanations", tag = "explainability",
    params(("id" = String, Path), PageQuery), security(("bearer" = [])),
    responses((status = 200, body = Object)))]
pub async fn list(
    State(state): State<AppState>,
    Path(model_id): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> ApiResult<Json<Page<ExplanationView>>> {
    let page = PageQuery {
        limit: q
            .get("limit")
            .map(|l| l.parse())
            .transpose()
            .map_err(|_| ApiError::bad_request("invalid_limit", "limit must be a number"))?,
        cursor: q.get("cursor").cloned(),
    };
    if let Some(k) = q
        .keys()
        .find(|k| !["limit", "cursor", "kind"].contains(&k.as_str()))
    {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!("unknown parameter `{k}`"),
        ));
    }
    let limit = page.limit()?;
    let cursor: Option<(i64, String)> = page.cursor()?;
    let (pos, id) = cursor.unwrap_or((i64::MAX, String::new()));
    let rows = sqlx::query(
        "SELECT * FROM explanations WHERE model_id = $1 AND ($2 = '' OR kind = $2) \
         AND position < $3 ORDER BY position DESC LIMIT $4",
    )
    .bind(model_id)
    .bind(q.get("kind").cloned().unwrap_or_default())
    .bind(if id.is_empty() { i64::MAX } else { pos })
    .bind(limit + 1)
    .fetch_all(state.db.read())
    .await?;
    let more = rows.len() as i64 > limit;
    let mut items = Vec::new();
    let mut last = None;
    for r in rows.iter().take(limit as usize) {
        last = Some((
            r.try_get::<i64, _>("position")?,
            r.try_get::<String, _>("id")?,
        ));
        items.push(view(r)?);
    }
    Ok(Json(Page {
        items,
        next_cursor: if more { last.map(|c| encode(&c)) } else { None },
    }))
}
