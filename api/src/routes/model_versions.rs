//! `/api/v1/models/{id}/versions` (read) and aliases; uploads are in `model_upload`.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use commands::models;
use domain::model::{Alias, ModelCommand};
use serde::{Deserialize, Serialize};
use sqlx::{any::AnyRow, Row};
use utoipa::ToSchema;

use crate::{
    error::{ApiError, ApiResult},
    extract::{ApiJson, Ctx, IfMatch},
    routes::{models::parse_id, rfc3339},
    state::AppState,
};

/// A model version as the registry shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionView {
    /// Model id.
    pub model_id: String,
    /// Version number.
    pub version: i64,
    /// `draft`, `submitted`, `approved`, `rejected`, `deployed` or `retired`.
    pub status: String,
    /// `onnx` or `xgboost_json`.
    pub format: String,
    /// SHA-256 of the artifact.
    pub sha256: String,
    /// Size in bytes.
    pub size: i64,
    /// Uploaded file name.
    pub filename: Option<String>,
    /// Input/output signature extracted at upload.
    #[schema(value_type = Object)]
    pub signature: serde_json::Value,
    /// Description.
    pub description: Option<String>,
    /// Free JSON object.
    #[schema(value_type = Object)]
    pub metadata: serde_json::Value,
    /// Aliases pointing at it.
    pub aliases: Vec<String>,
    /// Uploaded by.
    pub created_by: String,
    /// Uploaded at (RFC 3339).
    pub created_at: String,
    /// Last submitter.
    pub submitted_by: Option<String>,
    /// Last reviewer.
    pub reviewed_by: Option<String>,
    /// Comment of the last lifecycle step.
    pub last_comment: Option<String>,
    /// Last change (RFC 3339).
    pub updated_at: String,
}

fn json_col(r: &AnyRow, col: &str) -> ApiResult<serde_json::Value> {
    serde_json::from_str(&r.try_get::<String, _>(col)?).map_err(ApiError::internal)
}

fn view(r: &AnyRow, aliases: Vec<String>) -> ApiResult<VersionView> {
    Ok(VersionView {
        model_id: r.try_get("model_id")?,
        version: r.try_get("version")?,
        status: r.try_get("status")?,
        format: r.try_get("format")?,
        sha256: r.try_get("sha256")?,
        size: r.try_get("size")?,
        filename: r.try_get("filename")?,
        signature: json_col(r, "signature")?,
        description: r.try_get("description")?,
        metadata: json_col(r, "metadata")?,
        aliases,
        created_by: r.try_get("created_by")?,
        created_at: rfc3339(r.try_get("created_at")?),
        submitted_by: r.try_get("submitted_by")?,
        reviewed_by: r.try_get("reviewed_by")?,
        last_comment: r.try_get("last_comment")?,
        updated_at: rfc3339(r.try_get("updated_at")?),
    })
}

async fn aliases(state: &AppState, id: &str) -> ApiResult<Vec<(String, i64)>> {
    let rows =
        sqlx::query("SELECT alias, version FROM model_aliases WHERE model_id = $1 ORDER BY alias")
            .bind(id.to_owned())
            .fetch_all(state.db.read())
            .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// Reads one version from the read model.
pub async fn read_version(state: &AppState, id: &str, version: i64) -> ApiResult<VersionView> {
    let row = sqlx::query("SELECT * FROM model_versions WHERE model_id = $1 AND version = $2")
        .bind(id.to_owned())
        .bind(version)
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "version_not_found",
                format!("model version {version} not found"),
            )
        })?;
    let names = aliases(state, id)
        .await?
        .into_iter()
        .filter(|(_, v)| *v == version)
        .map(|(a, _)| a)
        .collect();
    view(&row, names)
}

pub(crate) async fn model_row(state: &AppState, id: &str) -> ApiResult<AnyRow> {
    sqlx::query("SELECT model_type, feature_names FROM models WHERE id = $1")
        .bind(id.to_owned())
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(|| ApiError::not_found("model"))
}

/// Every version of a model, oldest first.
#[utoipa::path(get, path = "/api/v1/models/{id}/versions", tag = "models", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = [VersionView]), (status = 404, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<VersionView>>> {
    parse_id(&id)?;
    model_row(&state, &id).await?;
    let rows = sqlx::query("SELECT * FROM model_versions WHERE model_id = $1 ORDER BY version")
        .bind(id.clone())
        .fetch_all(state.db.read())
        .await?;
    let all = aliases(&state, &id).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let v: i64 = r.try_get("version")?;
        let names = all
            .iter()
            .filter(|(_, n)| *n == v)
            .map(|(a, _)| a.clone())
            .collect();
        out.push(view(r, names)?);
    }
    Ok(Json(out))
}

/// One version.
#[utoipa::path(get, path = "/api/v1/models/{id}/versions/{version}", tag = "models",
    params(("id" = String, Path), ("version" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = VersionView), (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    Path((id, version)): Path<(String, String)>,
) -> ApiResult<Json<VersionView>> {
    parse_id(&id)?;
    let n = parse_version(&version)?;
    model_row(&state, &id).await?;
    Ok(Json(read_version(&state, &id, n).await?))
}

/// A version number from a path.
pub fn parse_version(s: &str) -> ApiResult<i64> {
    s.parse::<u32>()
        .ok()
        .filter(|n| *n > 0)
        .map(i64::from)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "version_not_found",
                format!("model version {s:?} not found"),
            )
        })
}

/// Where an alias should point.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetAlias {
    /// Version number.
    pub version: u32,
}

fn parse_alias(s: &str) -> ApiResult<Alias> {
    Alias::parse(s).map_err(|e| ApiError::unprocessable("invalid_alias", e.to_string()))
}

/// Points an alias (e.g. `champion`) at a version, creating or moving it.
#[utoipa::path(put, path = "/api/v1/models/{id}/aliases/{alias}", tag = "models", request_body = SetAlias,
    params(("id" = String, Path), ("alias" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = VersionView), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn set_alias(
    State(state): State<AppState>,
    Path((id, alias)): Path<(String, String)>,
    IfMatch(if_match): IfMatch,
    ctx: Ctx,
    ApiJson(b): ApiJson<SetAlias>,
) -> ApiResult<Json<VersionView>> {
    let model_id = parse_id(&id)?;
    let alias = parse_alias(&alias)?;
    let cmd = ModelCommand::SetAlias {
        alias,
        version: b.version,
    };
    match models::execute(state.store.as_ref(), model_id, if_match, cmd, ctx.metadata).await {
        Ok(events) => state.settle(&events).await,
        // Pointing an alias where it already points is a success with no event.
        Err(commands::CommandError::Rejected(domain::model::ModelError::Unchanged)) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(Json(read_version(&state, &id, i64::from(b.version)).await?))
}

/// Removes an alias.
#[utoipa::path(delete, path = "/api/v1/models/{id}/aliases/{alias}", tag = "models",
    params(("id" = String, Path), ("alias" = String, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn remove_alias(
    State(state): State<AppState>,
    Path((id, alias)): Path<(String, String)>,
    IfMatch(if_match): IfMatch,
    ctx: Ctx,
) -> ApiResult<StatusCode> {
    let model_id = parse_id(&id)?;
    let alias = parse_alias(&alias)?;
    let events = models::execute(
        state.store.as_ref(),
        model_id,
        if_match,
        ModelCommand::RemoveAlias { alias },
        ctx.metadata,
    )
    .await?;
    state.settle(&events).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `201 Created` with `Location` and the version that `events` added.
pub(crate) async fn created(
    state: &AppState,
    id: &str,
    events: &[domain::StoredEvent],
) -> ApiResult<axum::response::Response> {
    use axum::{http::header, response::IntoResponse};
    let number = events
        .iter()
        .find_map(|e| {
            (e.event_type == "ModelVersionAdded")
                .then(|| e.payload_json().ok()?.get("version")?.as_i64())
                .flatten()
        })
        .ok_or_else(|| ApiError::internal("version event without a number"))?;
    let v = read_version(state, id, number).await?;
    let mut headers = axum::http::HeaderMap::new();
    if let Ok(loc) =
        axum::http::HeaderValue::from_str(&format!("/api/v1/models/{id}/versions/{number}"))
    {
        headers.insert(header::LOCATION, loc);
    }
    Ok((axum::http::StatusCode::CREATED, headers, Json(v)).into_response())
}
