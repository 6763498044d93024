//! The `llm_configurations` and `llm_prompt_templates` tables.

use async_trait::async_trait;
use domain::{
    decode::decode,
    llm::{LlmConfiguration, LlmEvent, LlmSpec},
    upcast::Upcasters,
    Aggregate, StoredEvent,
};
use sqlx::{Any, Transaction};

use crate::{error::ProjectionError, Projection};

/// Projects LLM configuration events.
#[derive(Debug, Clone, Copy)]
pub struct LlmConfigurations;

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

async fn write_spec(
    tx: &mut Transaction<'static, Any>,
    id: String,
    spec: &LlmSpec,
    at: i64,
) -> Result<(), ProjectionError> {
    sqlx::query(
        "UPDATE llm_configurations SET name = $2, provider = $3, model = $4, base_url = $5, \
         parameters = $6, active = $7, updated_at = $8 WHERE id = $1",
    )
    .bind(id)
    .bind(spec.name.clone())
    .bind(spec.provider.as_str())
    .bind(spec.model.clone())
    .bind(spec.base_url.clone())
    .bind(json(&spec.parameters))
    .bind(i64::from(spec.active))
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[async_trait]
impl Projection for LlmConfigurations {
    fn name(&self) -> &'static str {
        "llm_configurations"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["llm_configurations", "llm_prompt_templates"]
    }

    fn stream_types(&self) -> &'static [&'static str] {
        &[LlmConfiguration::STREAM_TYPE]
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'static, Any>,
        e: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if e.stream_type != LlmConfiguration::STREAM_TYPE {
            return Ok(());
        }
        let event: LlmEvent =
            decode(e, &Upcasters::domain()).map_err(|source| ProjectionError::Decode {
                position: e.position,
                source,
            })?;
        let by = e.metadata().unwrap_or_default().actor_id;
        match event {
            LlmEvent::LlmConfigurationCreated {
                configuration_id,
                spec,
            } => {
                sqlx::query(
                    "INSERT INTO llm_configurations (id, name, provider, model, parameters, active, \
                     template_version, created_by, created_at, updated_at) \
                     VALUES ($1, '', '', '', '{}', 1, 0, $2, $3, $3)",
                )
                .bind(configuration_id.to_string())
                .bind(by)
                .bind(e.recorded_at)
                .execute(&mut **tx)
                .await?;
                write_spec(tx, configuration_id.to_string(), &spec, e.recorded_at).await?;
            }
            LlmEvent::LlmConfigurationUpdated {
                configuration_id,
                spec,
            } => write_spec(tx, configuration_id.to_string(), &spec, e.recorded_at).await?,
            LlmEvent::PromptTemplateVersioned {
                configuration_id,
                version,
                template,
                variables,
            } => {
                sqlx::query(
                    "UPDATE llm_configurations SET template = $2, template_version = $3, updated_at = $4 \
                     WHERE id = $1",
                )
                .bind(configuration_id.to_string())
                .bind(template.clone())
                .bind(i64::from(version))
                .bind(e.recorded_at)
                .execute(&mut **tx)
                .await?;
                sqlx::query(
                    "INSERT INTO llm_prompt_templates (configuration_id, version, template, variables, \
                     created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(configuration_id.to_string())
                .bind(i64::from(version))
                .bind(template)
                .bind(json(&variables))
                .bind(by)
                .bind(e.recorded_at)
                .execute(&mut **tx)
                .await?;
            }
            LlmEvent::LlmApiKeySet {
                configuration_id,
                api_key,
            } => {
                sqlx::query("UPDATE llm_configurations SET api_key_sealed = $2, updated_at = $3 WHERE id = $1")
                    .bind(configuration_id.to_string())
                    .bind(api_key.as_str().to_owned())
                    .bind(e.recorded_at)
                    .execute(&mut **tx)
                    .await?;
            }
            LlmEvent::LlmApiKeyRemoved { configuration_id } => {
                sqlx::query("UPDATE llm_configurations SET api_key_sealed = NULL, updated_at = $2 WHERE id = $1")
                    .bind(configuration_id.to_string())
                    .bind(e.recorded_at)
                    .execute(&mut **tx)
                    .await?;
            }
            LlmEvent::LlmConfigurationDeleted { configuration_id } => {
                sqlx::query("DELETE FROM llm_configurations WHERE id = $1")
                    .bind(configuration_id.to_string())
                    .execute(&mut **tx)
                    .await?;
            }
        }
        Ok(())
    }
}
