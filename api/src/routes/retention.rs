//! `/api/v1/retention`: how long each kind of record is kept (every change an
//! event), and enforcing the policies now (as a job with `Prefer: respond-async`).

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use domain::retention::{RecordKind, RetentionCommand};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    error::{ApiError, ApiResult},
    extract::{ApiJson, Ctx, RespondAsync},
    retention::{self, Outcome},
    state::AppState,
};

/// One policy.
#[derive(Debug, Serialize, ToSchema)]
pub struct Policy {
    /// The kind of record.
    pub kind: String,
    /// Days kept.
    pub days: u32,
}

/// The policies in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct Policies {
    /// Limited kinds (others are kept indefinitely).
    pub policies: Vec<Policy>,
    /// Every kind a policy may name.
    pub kinds: Vec<&'static str>,
    /// Enforcements that removed something, so far.
    pub enforcements: u64,
}

/// A policy change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPolicy {
    /// Days to keep records of the kind (1 to 36500).
    pub days: u32,
}

fn kind(name: &str) -> ApiResult<RecordKind> {
    RecordKind::parse(name).ok_or_else(|| ApiError::not_found("record kind"))
}

async fn current(state: &AppState) -> ApiResult<Policies> {
    let loaded = commands::retention::policies(state.store.as_ref()).await?;
    Ok(Policies {
        policies: loaded
            .state
            .policies
            .iter()
            .map(|(k, d)| Policy {
                kind: k.name().into(),
                days: *d,
            })
            .collect(),
        kinds: retention::kinds(),
        enforcements: loaded.state.enforcements,
    })
}

/// The retention policies in force.
#[utoipa::path(get, path = "/api/v1/retention/policies", tag = "retention", security(("bearer" = [])),
    responses((status = 200, body = Policies)))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Policies>> {
    current(&state).await.map(Json)
}

/// Keeps records of a kind for `days` (`RetentionPolicySet`).
#[utoipa::path(put, path = "/api/v1/retention/policies/{kind}", tag = "retention", request_body = SetPolicy,
    params(("kind" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Policies), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn set(
    State(state): State<AppState>,
    Path(name): Path<String>,
    ctx: Ctx,
    ApiJson(b): ApiJson<SetPolicy>,
) -> ApiResult<Json<Policies>> {
    let kind = kind(&name)?;
    let cmd = RetentionCommand::SetPolicy { kind, days: b.days };
    let events = commands::retention::run(state.store.as_ref(), cmd, ctx.metadata).await?;
    state.settle(&events).await;
    current(&state).await.map(Json)
}

/// Keeps records of a kind indefinitely again (`RetentionPolicyCleared`).
#[utoipa::path(delete, path = "/api/v1/retention/policies/{kind}", tag = "retention",
    params(("kind" = String, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn clear(
    State(state): State<AppState>,
    Path(name): Path<String>,
    ctx: Ctx,
) -> ApiResult<StatusCode> {
    let cmd = RetentionCommand::ClearPolicy { kind: kind(&name)? };
    let events = commands::retention::run(state.store.as_ref(), cmd, ctx.metadata).await?;
    state.settle(&events).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Enforces every policy now: what is older is removed and each removal is a
/// `RetentionEnforced` event. `Prefer: respond-async` runs it as a job.
#[utoipa::path(post, path = "/api/v1/retention/enforce", tag = "retention", security(("bearer" = [])),
    responses((status = 200, body = [Outcome]), (status = 202), (status = 409, body = crate::error::Problem)))]
pub async fn enforce(
    State(state): State<AppState>,
    ctx: Ctx,
    RespondAsync(respond_async): RespondAsync,
) -> ApiResult<Response> {
    if respond_async {
        let id = retention::schedule::submit(&state, ctx.metadata).await?;
        return Ok(crate::jobs::accepted(id));
    }
    Ok(Json(retention::enforce(&state, ctx.metadata).await?).into_response())
}
