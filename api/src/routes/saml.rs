//! `/api/v1/auth/saml`: SAML 2.0 service-provider login — RAIA's SP metadata,
//! the redirect to the identity provider, and the assertion consumer service
//! that checks the signed response and answers with RAIA tokens.

use axum::{
    extract::{Path, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Form, Json,
};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    error::{ApiError, ApiResult},
    extract::Ctx,
    routes::auth::{tokens_for, TokenResponse},
    saml::{flow, SamlError},
    state::AppState,
};

impl From<SamlError> for ApiError {
    fn from(e: SamlError) -> Self {
        match e {
            SamlError::UnknownProvider(_) => Self::not_found("SAML provider"),
            SamlError::State(_) => Self::bad_request("saml_invalid_state", e.to_string()),
            SamlError::Rejected(_) => Self::unauthorized(e.to_string()),
            SamlError::Config(_) => Self::internal(e),
        }
    }
}

/// RAIA's service-provider metadata for one identity provider.
#[utoipa::path(get, path = "/api/v1/auth/saml/{provider}/metadata", tag = "auth",
    params(("provider" = String, Path, description = "provider name")),
    responses((status = 200, description = "SAML metadata XML", content_type = "application/samlmetadata+xml"),
              (status = 404, body = crate::error::Problem)))]
pub async fn metadata(
    State(state): State<AppState>,
    Path(provider): Path<String>,
) -> ApiResult<Response> {
    let xml = flow::metadata(&state, &provider)?;
    Ok((
        [(header::CONTENT_TYPE, "application/samlmetadata+xml")],
        xml,
    )
        .into_response())
}

/// Sends the browser to the identity provider with an AuthnRequest.
#[utoipa::path(get, path = "/api/v1/auth/saml/{provider}/start", tag = "auth",
    params(("provider" = String, Path, description = "provider name")),
    responses((status = 302, description = "to the identity provider"), (status = 404, body = crate::error::Problem)))]
pub async fn start(
    State(state): State<AppState>,
    Path(provider): Path<String>,
) -> ApiResult<Response> {
    let url = flow::start(&state, &provider)?;
    Ok((StatusCode::FOUND, [(header::LOCATION, url)]).into_response())
}

/// The identity provider's HTTP-POST back.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct AcsForm {
    /// The base64 `<samlp:Response>`.
    #[serde(rename = "SAMLResponse")]
    pub saml_response: String,
    /// The relay state RAIA sent with the request.
    pub relay_state: Option<String>,
}

/// Assertion consumer service: checks the signed response and logs the person in.
#[utoipa::path(post, path = "/api/v1/auth/saml/{provider}/acs", tag = "auth",
    params(("provider" = String, Path, description = "provider name")),
    request_body(content = AcsForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = TokenResponse), (status = 400, body = crate::error::Problem),
              (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn acs(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    ctx: Ctx,
    form: Result<Form<AcsForm>, axum::extract::rejection::FormRejection>,
) -> ApiResult<Json<TokenResponse>> {
    let Form(form) = form.map_err(|e| {
        ApiError::bad_request(
            "saml_invalid_form",
            format!(
                "send SAMLResponse and RelayState form-encoded: {}",
                e.body_text()
            ),
        )
    })?;
    let relay = form.relay_state.ok_or(SamlError::State(
        "RelayState missing (IdP-initiated login is not accepted)",
    ))?;
    // libxmlsec1 work is CPU-bound: keep it off the async workers.
    let (st, p) = (state.clone(), provider.clone());
    let identity =
        tokio::task::spawn_blocking(move || flow::consume(&st, &p, &form.saml_response, &relay))
            .await
            .map_err(ApiError::internal)??;
    let mut meta = ctx.metadata;
    meta.auth_method = Some(format!("saml:{provider}"));
    let ttl = state.config.refresh_token_ttl_secs * 1_000_000;
    let done = commands::sso::login(state.store.as_ref(), &state.cipher, identity, ttl, meta).await;
    state.runner.sync().await.ok();
    Ok(Json(tokens_for(&state, done?)?))
}
