//! A version's lifecycle over HTTP: submit, approve, reject (four eyes), deploy
//! and retire. Every step is an event with its actor and comment.

use axum::{
    extract::{Path, State},
    Json,
};
use commands::models;
use domain::model::{ModelCommand, ReviewAction};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    error::{ApiError, ApiResult},
    extract::{ApiJson, Ctx, IfMatch},
    routes::{
        model_versions::{parse_version, read_version, VersionView},
        models::parse_id,
    },
    state::AppState,
};

/// A lifecycle step's comment.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Why (required to reject).
    pub comment: Option<String>,
}

/// Which version to deploy or retire.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Version number (retire: default the deployed version).
    pub version: Option<u32>,
    /// Why.
    pub comment: Option<String>,
}

fn check_comment(c: Option<String>) -> ApiResult<Option<String>> {
    match c {
        Some(c) if c.trim().is_empty() => Ok(None),
        Some(c) if c.chars().count() > 4000 => Err(ApiError::unprocessable(
            "invalid_comment",
            "a comment has at most 4000 characters",
        )),
        other => Ok(other),
    }
}

async fn step(
    state: &AppState,
    id: &str,
    version: u32,
    action: ReviewAction,
    comment: Option<String>,
    if_match: Option<i64>,
    ctx: Ctx,
) -> ApiResult<Json<VersionView>> {
    let model_id = parse_id(id)?;
    let actor =
        ctx.metadata.actor_id.clone().ok_or_else(|| {
            ApiError::unauthorized("lifecycle steps need an authenticated caller")
        })?;
    let cmd = ModelCommand::Review {
        version,
        action,
        actor,
        comment: check_comment(comment)?,
    };
    let events =
        models::execute(state.store.as_ref(), model_id, if_match, cmd, ctx.metadata).await?;
    state.settle(&events).await;
    Ok(Json(read_version(state, id, i64::from(version)).await?))
}

fn number(v: &str) -> ApiResult<u32> {
    u32::try_from(parse_version(v)?).map_err(|_| ApiError::not_found("version"))
}

macro_rules! review_route {
    ($name:ident, $path:literal, $action:expr, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "models", request_body = Step,
            params(("id" = String, Path), ("version" = i64, Path)), security(("bearer" = [])),
            responses((status = 200, body = VersionView), (status = 403, body = crate::error::Problem),
                      (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
        pub async fn $name(
            State(state): State<AppState>,
            Path((id, version)): Path<(String, String)>,
            IfMatch(if_match): IfMatch,
            ctx: Ctx,
            ApiJson(b): ApiJson<Step>,
        ) -> ApiResult<Json<VersionView>> {
            step(&state, &id, number(&version)?, $action, b.comment, if_match, ctx).await
        }
    };
}

review_route!(
    submit,
    "/api/v1/models/{id}/versions/{version}/submit",
    ReviewAction::Submit,
    "Submits a draft (or rejected) version for review."
);
review_route!(
    approve,
    "/api/v1/models/{id}/versions/{version}/approve",
    ReviewAction::Approve,
    "Approves a submitted version; the submitter may not (four eyes)."
);
review_route!(
    reject,
    "/api/v1/models/{id}/versions/{version}/reject",
    ReviewAction::Reject,
    "Rejects a submitted version with a comment; the submitter may not (four eyes)."
);

/// Deploys an approved version (the previously deployed one is retired).
#[utoipa::path(post, path = "/api/v1/models/{id}/deploy", tag = "models", request_body = Target,
    params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = VersionView), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn deploy(
    State(state): State<AppState>,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    ctx: Ctx,
    ApiJson(b): ApiJson<Target>,
) -> ApiResult<Json<VersionView>> {
    let version = b
        .version
        .ok_or_else(|| ApiError::bad_request("invalid_body", "`version` is required"))?;
    step(
        &state,
        &id,
        version,
        ReviewAction::Deploy,
        b.comment,
        if_match,
        ctx,
    )
    .await
}

/// Retires a version (default: the deployed one).
#[utoipa::path(post, path = "/api/v1/models/{id}/retire", tag = "models", request_body = Target,
    params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = VersionView), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn retire(
    State(state): State<AppState>,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    ctx: Ctx,
    ApiJson(b): ApiJson<Target>,
) -> ApiResult<Json<VersionView>> {
    let model_id = parse_id(&id)?;
    let version = match b.version {
        Some(v) => v,
        None => {
            let loaded = models::get(state.store.as_ref(), model_id, commands::Until::Now).await?;
            loaded.state.deployed().map(|v| v.number).ok_or_else(|| {
                ApiError::unprocessable(
                    "no_deployed_version",
                    "the model has no deployed version to retire",
                )
            })?
        }
    };
    step(
        &state,
        &id,
        version,
        ReviewAction::Retire,
        b.comment,
        if_match,
        ctx,
    )
    .await
}
