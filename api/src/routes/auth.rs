//! `/api/v1/auth`: register, login, me.

use crate::routes::rfc3339;
use axum::{extract::State, http::StatusCode, response::IntoResponse, Json};
use commands::users::{self, NewUser};
use domain::{ids::Email, Role};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use crate::{
    access::{Caller, MaybeCaller},
    error::{ApiError, ApiResult},
    extract::{ApiJson, Ctx},
    state::AppState,
};

/// Registration request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// E-mail address (login name).
    pub email: String,
    /// At least 12 characters.
    pub password: String,
    /// Optional display name.
    pub display_name: Option<String>,
    /// Role to grant (admins only; self-registration always gets `viewer`).
    #[schema(value_type = Option<String>)]
    pub role: Option<Role>,
}

/// A registered user.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegisteredUser {
    /// New user id.
    pub id: String,
    /// Normalised address.
    pub email: String,
    /// Granted role.
    #[schema(value_type = String)]
    pub role: Role,
}

/// Creates a user: an admin may grant any role; when self-registration is
/// enabled anyone may register as `viewer`.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, body = RegisteredUser), (status = 400, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn register(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ctx: Ctx,
    ApiJson(body): ApiJson<RegisterRequest>,
) -> ApiResult<impl IntoResponse> {
    let is_admin = caller.as_ref().is_some_and(|c| c.role == Role::Admin);
    if !is_admin && !state.config.self_registration {
        return Err(ApiError::forbidden(
            "only an admin may create users (self-registration is disabled)",
        ));
    }
    if !is_admin && body.role.is_some_and(|r| r != Role::Viewer) {
        return Err(ApiError::forbidden(
            "self-registration grants the viewer role only",
        ));
    }
    let email = Email::parse(&body.email)
        .map_err(|e| ApiError::unprocessable("invalid_email", e.to_string()))?;
    let role = body.role.unwrap_or(Role::Viewer);
    let new = NewUser {
        email: email.clone(),
        password: body.password,
        display_name: body.display_name,
        role,
    };
    let (id, mut events) = users::register(
        state.store.as_ref(),
        &state.cipher,
        state.config.password,
        new,
        ctx.metadata.clone(),
    )
    .await?;
    // The new address gets its verification link (mailed by the mailer).
    match commands::one_time::issue(
        state.store.as_ref(),
        &state.cipher,
        id,
        domain::user::TokenPurpose::VerifyEmail,
        ctx.metadata,
    )
    .await
    {
        Ok(more) => events.extend(more),
        Err(e) => tracing::warn!(error = %e, "issuing the verification link"),
    }
    state.settle(&events).await;
    Ok((
        StatusCode::CREATED,
        Json(RegisteredUser {
            id: id.to_string(),
            email: email.as_str().to_owned(),
            role,
        }),
    ))
}

/// Login request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// E-mail address.
    pub email: String,
    /// Password.
    pub password: String,
}

/// Tokens issued at login.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Short-lived JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Opaque token to obtain new access tokens (stored only as a hash).
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Access-token lifetime, seconds.
    pub expires_in: i64,
}

/// Checks the password and issues tokens; the login is recorded as an event.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = crate::error::Problem)))]
pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let email = Email::parse(&body.email).map_err(|_| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "invalid e-mail or password",
        )
    })?;
    let mut metadata = ctx.metadata;
    metadata.auth_method = Some("password".into());
    let ip = metadata
        .client_ip
        .as_deref()
        .and_then(|s| s.parse::<std::net::IpAddr>().ok());
    crate::throttle::check(&state, ip, &metadata).await?;
    let ttl = state.config.refresh_token_ttl_secs * 1_000_000;
    let done = match users::login(
        state.store.as_ref(),
        &state.cipher,
        state.config.password,
        &email,
        &body.password,
        ttl,
        metadata.clone(),
    )
    .await
    {
        Ok(done) => done,
        Err(e) => {
            if matches!(
                e,
                users::UserCommandError::BadCredentials | users::UserCommandError::Throttled { .. }
            ) {
                crate::throttle::failed(&state, ip, &metadata).await;
            }
            // Failures and lockouts are events: let the read models see them.
            state.runner.sync().await.ok();
            return Err(e.into());
        }
    };
    state.settle(std::slice::from_ref(&done.event)).await;
    Ok(Json(tokens_for(&state, done)?))
}

/// The access and refresh tokens of a session just opened.
pub fn tokens_for(state: &AppState, done: users::LoggedIn) -> ApiResult<TokenResponse> {
    let access_token = state
        .tokens
        .issue(done.user_id, done.role, &done.session_id)
        .map_err(ApiError::internal)?;
    Ok(TokenResponse {
        access_token,
        refresh_token: done.refresh_token,
        token_type: "Bearer".into(),
        expires_in: state.tokens.ttl_secs(),
    })
}

/// The caller's profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// User id.
    pub id: String,
    /// Address (decrypted).
    pub email: Option<String>,
    /// Display name (decrypted).
    pub display_name: Option<String>,
    /// Role.
    pub role: String,
    /// Whether the account is active.
    pub is_active: bool,
    /// Whether the address was verified.
    pub email_verified: bool,
    /// Last login (RFC 3339).
    pub last_login: Option<String>,
    /// Created (RFC 3339).
    pub created_at: String,
}

/// Who the bearer token belongs to.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = crate::error::Problem)))]
pub async fn me(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Me>> {
    let row = sqlx::query(
        "SELECT email_sealed, display_name_sealed, role, is_active, last_login, created_at, email_verified FROM users WHERE id = $1",
    )
    .bind(caller.user_id.to_string())
    .fetch_optional(state.db.read())
    .await?
    .ok_or_else(|| ApiError::not_found("user"))?;
    let subject = caller.user_id.to_string();
    let open = |s: Option<String>| {
        let cipher = state.cipher.clone();
        let subject = subject.clone();
        async move {
            match s {
                Some(s) => cipher
                    .open(&subject, &domain::sealed::Sealed::from_ciphertext(s))
                    .await
                    .map_err(ApiError::internal),
                None => Ok(None),
            }
        }
    };
    Ok(Json(Me {
        id: subject.clone(),
        email: open(row.try_get(0)?).await?,
        display_name: open(row.try_get(1)?).await?,
        role: row.try_get(2)?,
        is_active: row.try_get::<i64, _>(3)? != 0,
        email_verified: row.try_get::<i64, _>(6)? != 0,
        last_login: row.try_get::<Option<i64>, _>(4)?.map(rfc3339),
        created_at: rfc3339(row.try_get(5)?),
    }))
}
