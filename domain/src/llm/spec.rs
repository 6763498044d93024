//! What an LLM configuration says: provider, model, where, and how to call it.

use serde::{Deserialize, Serialize};

/// The wire protocol a configuration speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// OpenAI (`/v1/chat/completions`, `/v1/embeddings`) at api.openai.com.
    Openai,
    /// Any server speaking OpenAI's protocol (vLLM, Ollama, llama.cpp, Azure OpenAI).
    OpenaiCompatible,
    /// Anthropic's `/v1/messages`.
    Anthropic,
    /// Hugging Face Text Generation Inference / Inference Endpoints.
    Tgi,
    /// RAIA's built-in extractive answerer: no network, no model.
    Local,
}

impl Provider {
    /// Every provider, in a stable order.
    pub const ALL: [Provider; 5] = [
        Provider::Openai,
        Provider::OpenaiCompatible,
        Provider::Anthropic,
        Provider::Tgi,
        Provider::Local,
    ];

    /// The provider's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Openai => "openai",
            Provider::OpenaiCompatible => "openai_compatible",
            Provider::Anthropic => "anthropic",
            Provider::Tgi => "tgi",
            Provider::Local => "local",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Whether the provider needs a base URL (no public default).
    pub fn needs_base_url(self) -> bool {
        matches!(self, Provider::OpenaiCompatible | Provider::Tgi)
    }
}

/// Sampling and call parameters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmParameters {
    /// Sampling temperature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Largest completion, tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// Nucleus sampling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// Per-attempt time limit, seconds (default 60).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<u64>,
    /// Retries on 429 and 5xx (default 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<u32>,
    /// Calls per minute RAIA lets through for this configuration (none = unlimited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests_per_minute: Option<u32>,
    /// Model used for `/v1/embeddings` (OpenAI-style providers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedding_model: Option<String>,
}

/// The configuration's settings (everything but the key and the template).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LlmSpec {
    /// Display name.
    pub name: String,
    /// Wire protocol.
    pub provider: Provider,
    /// Model name as the provider knows it.
    pub model: String,
    /// Base URL (e.g. `http://127.0.0.1:8000`); the provider's default if absent.
    pub base_url: Option<String>,
    /// Parameters.
    pub parameters: LlmParameters,
    /// Whether it may be used.
    pub active: bool,
}

impl LlmSpec {
    /// Checks the settings; the message says what to fix.
    pub fn validate(&self) -> Result<(), String> {
        if self.name.trim().is_empty() || self.name.len() > 200 {
            return Err("name must be 1 to 200 characters".into());
        }
        if self.model.trim().is_empty() && self.provider != Provider::Local {
            return Err("model must not be empty".into());
        }
        match &self.base_url {
            Some(u) if !(u.starts_with("http://") || u.starts_with("https://")) => {
                return Err("base_url must start with http:// or https://".into())
            }
            None if self.provider.needs_base_url() => {
                return Err(format!(
                    "provider {} needs a base_url",
                    self.provider.as_str()
                ))
            }
            _ => {}
        }
        let p = &self.parameters;
        if p.temperature.is_some_and(|t| !(0.0..=2.0).contains(&t)) {
            return Err("temperature must be in [0, 2]".into());
        }
        if p.top_p.is_some_and(|t| !(t > 0.0 && t <= 1.0)) {
            return Err("top_p must be in (0, 1]".into());
        }
        if p.max_tokens == Some(0) || p.requests_per_minute == Some(0) {
            return Err("max_tokens and requests_per_minute must be positive".into());
        }
        if p.timeout_secs.is_some_and(|t| t == 0 || t > 600) {
            return Err("timeout_secs must be 1 to 600".into());
        }
        if p.max_retries.is_some_and(|r| r > 10) {
            return Err("max_retries must be at most 10".into());
        }
        Ok(())
    }
}
