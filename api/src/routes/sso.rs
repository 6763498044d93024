//! `/api/v1/auth/sso`: OpenID Connect login (authorization code + PKCE).

use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    error::{ApiError, ApiResult},
    extract::Ctx,
    routes::auth::{tokens_for, TokenResponse},
    sso::{flow, SsoError},
    state::AppState,
};

impl From<SsoError> for ApiError {
    fn from(e: SsoError) -> Self {
        match e {
            SsoError::UnknownProvider(_) => Self::not_found("single sign-on provider"),
            SsoError::Provider(_) => Self::new(
                StatusCode::BAD_GATEWAY,
                "sso_provider_unavailable",
                e.to_string(),
            ),
            SsoError::State(_) => Self::bad_request("sso_invalid_state", e.to_string()),
            SsoError::Token(_) | SsoError::Refused(_) => Self::unauthorized(e.to_string()),
            SsoError::Config(_) => Self::internal(e),
        }
    }
}

impl From<commands::sso::SsoLoginError> for ApiError {
    fn from(e: commands::sso::SsoLoginError) -> Self {
        match e {
            commands::sso::SsoLoginError::NoAccount => Self::forbidden(e.to_string()),
            commands::sso::SsoLoginError::Other(o) => o.into(),
        }
    }
}

/// A configured provider.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderInfo {
    /// Its name (in the start and callback paths).
    pub name: String,
    /// Where to send the browser to log in with it.
    pub start_url: String,
    /// `oidc` or `saml`.
    pub protocol: String,
}

/// The configured single sign-on providers (OpenID Connect and SAML).
#[utoipa::path(get, path = "/api/v1/auth/sso/providers", tag = "auth",
    responses((status = 200, body = [ProviderInfo])))]
pub async fn providers(State(state): State<AppState>) -> Json<Vec<ProviderInfo>> {
    let mut names: Vec<String> = state.config.sso.iter().map(|p| p.name.clone()).collect();
    names.sort();
    let oidc = names.into_iter().map(|name| ProviderInfo {
        start_url: format!("/api/v1/auth/sso/{name}/start"),
        protocol: "oidc".into(),
        name,
    });
    let saml = state.saml.names().into_iter().map(|name| ProviderInfo {
        start_url: format!("/api/v1/auth/saml/{name}/start"),
        protocol: "saml".into(),
        name,
    });
    Json(oidc.chain(saml).collect())
}

/// Redirects the browser to the provider's login page.
#[utoipa::path(get, path = "/api/v1/auth/sso/{provider}/start", tag = "auth",
    params(("provider" = String, Path, description = "provider name")),
    responses((status = 302, description = "to the provider"), (status = 404, body = crate::error::Problem),
              (status = 502, body = crate::error::Problem)))]
pub async fn start(
    State(state): State<AppState>,
    Path(provider): Path<String>,
) -> ApiResult<Response> {
    let (url, cookie) = flow::start(&state, &provider).await?;
    let secure = if state.config.public_url().starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let set_cookie = format!(
        "{}={cookie}; Path=/api/v1/auth/sso; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        flow::COOKIE,
        flow::LOGIN_SECS
    );
    Ok((
        StatusCode::FOUND,
        [(header::LOCATION, url), (header::SET_COOKIE, set_cookie)],
    )
        .into_response())
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| kv.trim().strip_prefix(name)?.strip_prefix('='))
}

/// The provider's redirect back: checks everything, then logs the person in
/// and answers with RAIA tokens.
#[utoipa::path(get, path = "/api/v1/auth/sso/{provider}/callback", tag = "auth",
    params(("provider" = String, Path, description = "provider name"), flow::CallbackQuery),
    responses((status = 200, body = TokenResponse), (status = 400, body = crate::error::Problem),
              (status = 401, body = crate::error::Problem)))]
pub async fn callback(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    Query(q): Query<flow::CallbackQuery>,
    headers: HeaderMap,
    ctx: Ctx,
) -> ApiResult<Response> {
    let identity = flow::callback(&state, &provider, &q, cookie(&headers, flow::COOKIE)).await?;
    let mut meta = ctx.metadata;
    meta.auth_method = Some(format!("sso:{provider}"));
    let ttl = state.config.refresh_token_ttl_secs * 1_000_000;
    let done = commands::sso::login(state.store.as_ref(), &state.cipher, identity, ttl, meta).await;
    state.runner.sync().await.ok();
    let tokens = tokens_for(&state, done?)?;
    // The login cookie is spent.
    let clear = format!(
        "{}=; Path=/api/v1/auth/sso; HttpOnly; SameSite=Lax; Max-Age=0",
        flow::COOKIE
    );
    Ok(([(header::SET_COOKIE, clear)], Json(tokens)).into_response())
}
