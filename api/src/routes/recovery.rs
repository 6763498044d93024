//! `/api/v1/auth`: forgot and reset password, verify e-mail and resend the link.
//!
//! Forgot-password and resend-verification answer `202` with the same body
//! whether or not the address exists, and do the work after answering, so
//! neither the answer nor its timing tells which addresses are registered.

use axum::{extract::State, http::StatusCode, Json};
use commands::one_time::{self, TokenError};
use domain::{ids::Email, user::TokenPurpose};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    error::{ApiError, ApiResult},
    extract::{ApiJson, Ctx},
    state::AppState,
};

/// An address to send a link to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressRequest {
    /// E-mail address.
    pub email: String,
}

/// The answer to a link request (the same whatever the address).
#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {
    /// Always `accepted`.
    pub status: String,
    /// What happens next.
    pub detail: String,
}

fn accepted() -> (StatusCode, Json<Accepted>) {
    (
        StatusCode::ACCEPTED,
        Json(Accepted {
            status: "accepted".into(),
            detail: "If an account uses this address, a message with a link is on its way.".into(),
        }),
    )
}

/// Issues the token in the background (after the answer has gone out).
fn issue_later(state: AppState, email: &str, purpose: TokenPurpose, ctx: Ctx) {
    let Ok(email) = Email::parse(email) else {
        return;
    };
    tokio::spawn(async move {
        match one_time::issue_for_address(
            state.store.as_ref(),
            &state.cipher,
            &email,
            purpose,
            ctx.metadata,
        )
        .await
        {
            Ok(events) => state.settle(&events).await,
            Err(e) => tracing::warn!(error = %e, "issuing a one-time token"),
        }
    });
}

/// Sends a password-reset link if an account uses the address.
#[utoipa::path(post, path = "/api/v1/auth/forgot-password", tag = "auth", request_body = AddressRequest,
    responses((status = 202, body = Accepted)))]
pub async fn forgot_password(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(b): ApiJson<AddressRequest>,
) -> (StatusCode, Json<Accepted>) {
    issue_later(state, &b.email, TokenPurpose::ResetPassword, ctx);
    accepted()
}

/// Sends a new verification link if an unverified account uses the address.
#[utoipa::path(post, path = "/api/v1/auth/resend-verification", tag = "auth", request_body = AddressRequest,
    responses((status = 202, body = Accepted)))]
pub async fn resend_verification(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(b): ApiJson<AddressRequest>,
) -> (StatusCode, Json<Accepted>) {
    issue_later(state, &b.email, TokenPurpose::VerifyEmail, ctx);
    accepted()
}

/// A token from a mailed link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// The token.
    pub token: String,
}

/// A reset: the mailed token and the new password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    /// The token from the reset link.
    pub token: String,
    /// The new password (the password policy applies).
    pub new_password: String,
}

/// What was done.
#[derive(Debug, Serialize, ToSchema)]
pub struct Done {
    /// `verified` or `password_reset`.
    pub status: String,
}

impl From<TokenError> for ApiError {
    fn from(e: TokenError) -> Self {
        match e {
            TokenError::Invalid => Self::bad_request("invalid_token", e.to_string()),
            TokenError::Policy(_) => Self::unprocessable("weak_password", e.to_string()),
            TokenError::Other(o) => o.into(),
        }
    }
}

/// Confirms the address with the token from the verification link.
#[utoipa::path(post, path = "/api/v1/auth/verify-email", tag = "auth", request_body = TokenRequest,
    responses((status = 200, body = Done), (status = 400, body = crate::error::Problem)))]
pub async fn verify_email(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(b): ApiJson<TokenRequest>,
) -> ApiResult<Json<Done>> {
    let events = one_time::verify_email(state.store.as_ref(), &b.token, ctx.metadata).await?;
    state.settle(&events).await;
    Ok(Json(Done {
        status: "verified".into(),
    }))
}

/// Sets a new password with the token from the reset link; every session ends.
#[utoipa::path(post, path = "/api/v1/auth/reset-password", tag = "auth", request_body = ResetRequest,
    responses((status = 200, body = Done), (status = 400, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn reset_password(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(b): ApiJson<ResetRequest>,
) -> ApiResult<Json<Done>> {
    let events = one_time::reset_password(
        state.store.as_ref(),
        &state.cipher,
        state.config.password,
        &b.token,
        &b.new_password,
        ctx.metadata,
    )
    .await?;
    state.settle(&events).await;
    Ok(Json(Done {
        status: "password_reset".into(),
    }))
}
