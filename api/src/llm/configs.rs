//! Writing LLM configurations (load, decide, append) and reading them back,
//! including the one place a stored key is opened: to call its provider.

use commands::{
    handle::{load, Batch},
    Until,
};
use domain::{
    ids::LlmConfigurationId,
    llm::{KeyChange, LlmCommand, LlmConfiguration, LlmParameters, LlmSpec, Provider},
    sealed::Sealed,
    upcast::Upcasters,
    Metadata, StoredEvent,
};
use serde::Serialize;
use sqlx::Row;

use super::providers::Target;
use crate::{
    error::{ApiError, ApiResult},
    routes::rfc3339,
    state::AppState,
};

/// The cipher subject a configuration's key is sealed under.
pub fn key_subject(id: LlmConfigurationId) -> String {
    format!("llm_configuration:{id}")
}

/// Seals a key for a configuration.
pub async fn seal_key(state: &AppState, id: LlmConfigurationId, key: &str) -> ApiResult<Sealed> {
    state
        .cipher
        .seal(&key_subject(id), key)
        .await
        .map_err(ApiError::internal)
}

/// Runs one command on a configuration and appends its events.
pub async fn execute(
    state: &AppState,
    id: LlmConfigurationId,
    if_match: Option<i64>,
    cmd: LlmCommand,
    metadata: Metadata,
) -> ApiResult<Vec<StoredEvent>> {
    let loaded = load::<LlmConfiguration>(
        state.store.as_ref(),
        &Upcasters::domain(),
        &id.to_string(),
        Until::Now,
    )
    .await?;
    let mut batch = Batch::new(metadata);
    batch.decide(&loaded, if_match, cmd)?;
    let events = state.store.append(batch.into_events()).await?;
    state.settle(&events).await;
    Ok(events)
}

/// A key change from the API's `api_key` field: a string sets it, `""` removes it.
pub async fn key_change(
    state: &AppState,
    id: LlmConfigurationId,
    api_key: Option<&str>,
) -> ApiResult<Option<KeyChange>> {
    Ok(match api_key {
        None => None,
        Some("") => Some(KeyChange::Remove),
        Some(k) => Some(KeyChange::Set(seal_key(state, id, k).await?)),
    })
}

/// A configuration as the API shows it: never the key, only whether one is stored.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConfigurationView {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Provider.
    pub provider: String,
    /// Model.
    pub model: String,
    /// Base URL.
    pub base_url: Option<String>,
    /// Parameters.
    #[schema(value_type = Object)]
    pub parameters: LlmParameters,
    /// Whether usable.
    pub active: bool,
    /// Current prompt template.
    pub prompt_template: Option<String>,
    /// Its version (0 = none).
    pub template_version: i64,
    /// Whether a key is stored (the key is write-only).
    pub has_api_key: bool,
    /// Creator.
    pub created_by: Option<String>,
    /// Created.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
}

/// Builds a view from a `llm_configurations` row.
pub fn view(r: &sqlx::any::AnyRow) -> ApiResult<ConfigurationView> {
    Ok(ConfigurationView {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        provider: r.try_get("provider")?,
        model: r.try_get("model")?,
        base_url: r.try_get("base_url")?,
        parameters: serde_json::from_str(&r.try_get::<String, _>("parameters")?)
            .map_err(ApiError::internal)?,
        active: r.try_get::<i64, _>("active")? != 0,
        prompt_template: r.try_get("template")?,
        template_version: r.try_get("template_version")?,
        has_api_key: r.try_get::<Option<String>, _>("api_key_sealed")?.is_some(),
        created_by: r.try_get("created_by")?,
        created_at: rfc3339(r.try_get("created_at")?),
        updated_at: rfc3339(r.try_get("updated_at")?),
    })
}

/// Reads one configuration's row.
pub async fn row(state: &AppState, id: &str) -> ApiResult<sqlx::any::AnyRow> {
    sqlx::query("SELECT * FROM llm_configurations WHERE id = $1")
        .bind(id.to_owned())
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(|| ApiError::not_found("LLM configuration"))
}

/// A stored configuration ready to call: its spec, its opened key and its template.
#[derive(Debug)]
pub struct Usable {
    /// Id.
    pub id: LlmConfigurationId,
    /// Where and how to call.
    pub target: Target,
    /// Prompt template, if any.
    pub template: Option<String>,
}

/// Loads an active configuration and opens its key.
pub async fn usable(state: &AppState, id: &str) -> ApiResult<Usable> {
    let parsed =
        LlmConfigurationId::parse(id).ok_or_else(|| ApiError::not_found("LLM configuration"))?;
    let r = row(state, id).await?;
    let v = view(&r)?;
    if !v.active {
        return Err(ApiError::unprocessable(
            "configuration_inactive",
            "the LLM configuration is not active",
        ));
    }
    let provider =
        Provider::parse(&v.provider).ok_or_else(|| ApiError::internal("unknown provider"))?;
    let api_key = match r.try_get::<Option<String>, _>("api_key_sealed")? {
        Some(s) => state
            .cipher
            .open(&key_subject(parsed), &Sealed::from_ciphertext(s))
            .await
            .map_err(ApiError::internal)?,
        None => None,
    };
    Ok(Usable {
        id: parsed,
        target: Target::new(
            provider,
            v.base_url.as_deref(),
            &v.model,
            api_key,
            v.parameters,
        ),
        template: v.prompt_template,
    })
}

/// A spec from the API's fields, with the domain's validation as a 422.
pub fn spec(
    name: String,
    provider: &str,
    model: String,
    base_url: Option<String>,
    parameters: LlmParameters,
    active: bool,
) -> ApiResult<LlmSpec> {
    let provider = Provider::parse(provider).ok_or_else(|| {
        ApiError::unprocessable(
            "invalid_configuration",
            format!(
                "unknown provider `{provider}`; one of {}",
                Provider::ALL.map(Provider::as_str).join(", ")
            ),
        )
    })?;
    Ok(LlmSpec {
        name,
        provider,
        model,
        base_url,
        parameters,
        active,
    })
}
