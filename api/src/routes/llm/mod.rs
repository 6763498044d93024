//! `/api/v1/llm`: LLM configurations (create, list, update, delete), the
//! provider list, a test call, and usage. API keys are write-only: a request
//! may set one, no answer ever contains one.

pub mod doc;
pub mod routes;
pub mod test_call;
pub mod usage;

use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use domain::{
    ids::LlmConfigurationId,
    llm::{LlmCommand, LlmParameters, Provider},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    error::{ApiError, ApiResult},
    extract::{ApiJson, Ctx, IfMatch},
    llm::configs::{self, ConfigurationView},
    state::AppState,
};

/// A new configuration.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateConfiguration {
    /// Display name.
    pub name: String,
    /// `openai`, `openai_compatible`, `anthropic`, `tgi` or `local`.
    pub provider: String,
    /// Model name as the provider knows it.
    #[serde(default)]
    pub model: String,
    /// Base URL (required for `openai_compatible` and `tgi`).
    pub base_url: Option<String>,
    /// API key (write-only; sealed at rest).
    pub api_key: Option<String>,
    /// Parameters.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub parameters: LlmParameters,
    /// Prompt template with `{{variable}}` placeholders (`{{question}}`, `{{context}}`, ...).
    pub prompt_template: Option<String>,
    /// Whether usable (default true).
    pub active: Option<bool>,
}

/// Changes to a configuration; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateConfiguration {
    /// Display name.
    pub name: Option<String>,
    /// Provider.
    pub provider: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Base URL.
    pub base_url: Option<String>,
    /// New key; `""` removes the stored key.
    pub api_key: Option<String>,
    /// Parameters (replace the old ones).
    #[schema(value_type = Object)]
    pub parameters: Option<LlmParameters>,
    /// New template (a new version when it differs).
    pub prompt_template: Option<String>,
    /// Whether usable.
    pub active: Option<bool>,
}

/// Lists configurations (never their keys).
#[utoipa::path(get, path = "/api/v1/llm/configurations", tag = "llm", security(("bearer" = [])),
    responses((status = 200, body = [ConfigurationView])))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<ConfigurationView>>> {
    let rows = sqlx::query("SELECT * FROM llm_configurations ORDER BY created_at, id")
        .fetch_all(state.db.read())
        .await?;
    rows.iter()
        .map(configs::view)
        .collect::<ApiResult<Vec<_>>>()
        .map(Json)
}

/// Creates a configuration; records `LlmConfigurationCreated` (and the template's
/// first version, and the sealed key).
#[utoipa::path(post, path = "/api/v1/llm/configurations", tag = "llm", request_body = CreateConfiguration,
    security(("bearer" = [])), responses((status = 201, body = ConfigurationView), (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(b): ApiJson<CreateConfiguration>,
) -> ApiResult<(StatusCode, Json<ConfigurationView>)> {
    let id = LlmConfigurationId::from_uuid(uuid::Uuid::now_v7());
    let spec = configs::spec(
        b.name,
        &b.provider,
        b.model,
        b.base_url,
        b.parameters,
        b.active.unwrap_or(true),
    )?;
    // Validate before sealing so a refused request leaves no key behind.
    spec.validate()
        .map_err(|m| ApiError::unprocessable("invalid_configuration", m))?;
    if let Some(t) = &b.prompt_template {
        domain::llm::template::variables(t).map_err(domain::llm::LlmError::from)?;
    }
    let api_key = match b.api_key.as_deref().filter(|k| !k.is_empty()) {
        Some(k) => Some(configs::seal_key(&state, id, k).await?),
        None => None,
    };
    let cmd = LlmCommand::Create {
        id,
        spec,
        template: b.prompt_template,
        api_key,
    };
    configs::execute(&state, id, None, cmd, ctx.metadata).await?;
    let row = configs::row(&state, &id.to_string()).await?;
    Ok((StatusCode::CREATED, Json(configs::view(&row)?)))
}

fn parse_id(id: &str) -> ApiResult<LlmConfigurationId> {
    LlmConfigurationId::parse(id).ok_or_else(|| ApiError::not_found("LLM configuration"))
}

/// Changes a configuration; a changed template is a new `PromptTemplateVersioned`.
#[utoipa::path(put, path = "/api/v1/llm/configurations/{id}", tag = "llm", request_body = UpdateConfiguration,
    params(("id" = String, Path, description = "configuration id")), security(("bearer" = [])),
    responses((status = 200, body = ConfigurationView), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    IfMatch(if_match): IfMatch,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<UpdateConfiguration>,
) -> ApiResult<Json<ConfigurationView>> {
    let cid = parse_id(&id)?;
    let old = configs::view(&configs::row(&state, &id).await?)?;
    let provider = b.provider.unwrap_or(old.provider);
    let spec = configs::spec(
        b.name.unwrap_or(old.name),
        &provider,
        b.model.unwrap_or(old.model),
        b.base_url.or(old.base_url),
        b.parameters.unwrap_or(old.parameters),
        b.active.unwrap_or(old.active),
    )?;
    spec.validate()
        .map_err(|m| ApiError::unprocessable("invalid_configuration", m))?;
    let api_key = configs::key_change(&state, cid, b.api_key.as_deref()).await?;
    let cmd = LlmCommand::Update {
        spec: Some(spec),
        template: b.prompt_template,
        api_key,
    };
    configs::execute(&state, cid, if_match, cmd, ctx.metadata).await?;
    Ok(Json(configs::view(&configs::row(&state, &id).await?)?))
}

/// Deletes a configuration and erases its key (crypto-shredding).
#[utoipa::path(delete, path = "/api/v1/llm/configurations/{id}", tag = "llm",
    params(("id" = String, Path, description = "configuration id")), security(("bearer" = [])),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let cid = parse_id(&id)?;
    configs::execute(&state, cid, None, LlmCommand::Delete, ctx.metadata).await?;
    state
        .cipher
        .erase(&configs::key_subject(cid))
        .await
        .map_err(ApiError::internal)?;
    Ok(StatusCode::NO_CONTENT)
}

/// One provider RAIA can talk to.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderInfo {
    /// Name used in configurations.
    pub name: &'static str,
    /// Endpoints used.
    pub endpoints: &'static str,
    /// Whether it needs a base URL.
    pub needs_base_url: bool,
    /// Whether it serves embeddings.
    pub embeddings: bool,
    /// Streaming support.
    pub streaming: bool,
    /// What it is.
    pub description: &'static str,
}

/// The supported providers.
#[utoipa::path(get, path = "/api/v1/llm/providers", tag = "llm", security(("bearer" = [])),
    responses((status = 200, body = [ProviderInfo])))]
pub async fn providers() -> Json<Vec<ProviderInfo>> {
    Json(
        Provider::ALL
            .into_iter()
            .map(|p| {
                let (endpoints, description) = match p {
                    Provider::Openai => ("/v1/chat/completions, /v1/embeddings", "OpenAI"),
                    Provider::OpenaiCompatible => (
                        "/v1/chat/completions, /v1/embeddings",
                        "Any OpenAI-compatible server: vLLM, Ollama, llama.cpp server, LiteLLM",
                    ),
                    Provider::Anthropic => ("/v1/messages", "Anthropic Messages API"),
                    Provider::Tgi => (
                        "/generate, /generate_stream",
                        "Hugging Face Text Generation Inference / Inference Endpoints",
                    ),
                    Provider::Local => (
                        "(in process)",
                        "Built-in extractive answerer: quotes the retrieved sentence that best matches the question. Not a language model; needs no network.",
                    ),
                };
                ProviderInfo {
                    name: p.as_str(),
                    endpoints,
                    needs_base_url: p.needs_base_url(),
                    embeddings: matches!(p, Provider::Openai | Provider::OpenaiCompatible | Provider::Local),
                    streaming: true,
                    description,
                }
            })
            .collect(),
    )
}

/// Prompt template versions of a configuration, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateVersion {
    /// Version.
    pub version: i64,
    /// Template.
    pub template: String,
    /// Its variables.
    pub variables: Vec<String>,
    /// Who changed it.
    pub created_by: Option<String>,
    /// When.
    pub created_at: String,
}

/// Every version of a configuration's prompt template.
#[utoipa::path(get, path = "/api/v1/llm/configurations/{id}/templates", tag = "llm",
    params(("id" = String, Path, description = "configuration id")), security(("bearer" = [])),
    responses((status = 200, body = [TemplateVersion])))]
pub async fn templates(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<TemplateVersion>>> {
    use sqlx::Row;
    configs::row(&state, &id).await?;
    let rows = sqlx::query(
        "SELECT * FROM llm_prompt_templates WHERE configuration_id = $1 ORDER BY version",
    )
    .bind(id)
    .fetch_all(state.db.read())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(TemplateVersion {
                version: r.try_get("version")?,
                template: r.try_get("template")?,
                variables: serde_json::from_str(&r.try_get::<String, _>("variables")?)
                    .map_err(ApiError::internal)?,
                created_by: r.try_get("created_by")?,
                created_at: crate::routes::rfc3339(r.try_get("created_at")?),
            })
        })
        .collect::<ApiResult<Vec<_>>>()
        .map(Json)
}
