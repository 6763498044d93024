//! Clients for LLM providers: OpenAI and OpenAI-compatible servers, Anthropic,
//! Hugging Face TGI, and the built-in extractive `local` provider. Every call
//! goes through [`send`]: a per-attempt timeout and retries with backoff on 429
//! (honouring `Retry-After`) and 5xx.

pub mod anthropic;
pub mod error;
pub mod local;
pub mod openai;
pub mod sse;
pub mod stream;
pub mod tgi;

use std::time::Duration;

use domain::llm::{LlmParameters, Provider};
use serde::{Deserialize, Serialize};

pub use error::ProviderError;

/// Longest `Retry-After` RAIA sleeps through; longer ones fail the call at once.
const MAX_RETRY_AFTER_SECS: u64 = 30;

/// Where and how to call a provider. The key is only ever sent to the provider.
#[derive(Clone)]
pub struct Target {
    /// Protocol.
    pub provider: Provider,
    /// Base URL (without `/v1`).
    pub base_url: String,
    /// Model name.
    pub model: String,
    /// API key, if any.
    pub api_key: Option<String>,
    /// Parameters.
    pub params: LlmParameters,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("provider", &self.provider)
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl Target {
    /// A target with the provider's default base URL when none is given.
    pub fn new(
        provider: Provider,
        base_url: Option<&str>,
        model: &str,
        api_key: Option<String>,
        params: LlmParameters,
    ) -> Self {
        let default = match provider {
            Provider::Openai => "https://api.openai.com",
            Provider::Anthropic => "https://api.anthropic.com",
            Provider::OpenaiCompatible | Provider::Tgi | Provider::Local => "",
        };
        let base = base_url.unwrap_or(default).trim_end_matches('/');
        let base = base.strip_suffix("/v1").unwrap_or(base).to_owned();
        Self {
            provider,
            base_url: base,
            model: model.to_owned(),
            api_key,
            params,
        }
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(self.params.timeout_secs.unwrap_or(60))
    }
}

/// One turn of a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Message {
    /// `user` or `assistant`.
    pub role: String,
    /// Text.
    pub content: String,
}

/// What to ask.
#[derive(Debug, Clone, Default)]
pub struct ChatRequest {
    /// System prompt.
    pub system: Option<String>,
    /// The conversation, oldest first; the last is the user's question.
    pub messages: Vec<Message>,
    /// Retrieved passages (the `local` provider answers from these only).
    pub passages: Vec<String>,
    /// The user's question alone, when the last message wraps it in a prompt.
    pub question: Option<String>,
}

/// A finished answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Completion {
    /// Text.
    pub text: String,
    /// Prompt tokens as the provider counted them.
    pub prompt_tokens: u64,
    /// Completion tokens.
    pub completion_tokens: u64,
    /// Why it stopped.
    pub finish_reason: Option<String>,
}

/// A piece of a streamed answer.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamItem {
    /// More text.
    Delta(String),
    /// The end, with the whole answer and usage.
    Done(Completion),
}

/// Sends one request with the target's timeout, retrying 429 and 5xx.
pub(crate) async fn send(
    target: &Target,
    build: impl Fn() -> reqwest::RequestBuilder,
) -> Result<reqwest::Response, ProviderError> {
    let retries = target.params.max_retries.unwrap_or(2);
    let secret = target.api_key.as_deref();
    let mut attempt = 0;
    loop {
        let sent = tokio::time::timeout(target.timeout(), build().send()).await;
        let resp = match sent {
            Err(_) => return Err(ProviderError::Timeout(target.timeout().as_secs())),
            Ok(Err(e)) if attempt < retries && e.is_connect() => {
                attempt += 1;
                tokio::time::sleep(backoff(attempt)).await;
                continue;
            }
            Ok(Err(e)) => return Err(ProviderError::Network(scrub_reqwest(&e))),
            Ok(Ok(r)) => r,
        };
        let status = resp.status().as_u16();
        if resp.status().is_success() {
            return Ok(resp);
        }
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let body = resp.text().await.unwrap_or_default();
        let message = error::scrub(&error::error_message(&body), secret);
        let retryable = status == 429 || status >= 500;
        let wait = match retry_after {
            Some(s) if status == 429 => Duration::from_secs(s),
            _ => backoff(attempt + 1),
        };
        if retryable && attempt < retries && wait.as_secs() <= MAX_RETRY_AFTER_SECS {
            attempt += 1;
            tracing::info!(
                status,
                attempt,
                wait_ms = wait.as_millis() as u64,
                "retrying the provider"
            );
            tokio::time::sleep(wait).await;
            continue;
        }
        return Err(match status {
            401 | 403 => ProviderError::Unauthorized(message),
            429 => ProviderError::RateLimited {
                retry_after,
                message,
            },
            _ => ProviderError::Upstream { status, message },
        });
    }
}

/// 250 ms, 500 ms, 1 s, ... capped at 4 s.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250u64.saturating_mul(1 << attempt.min(4).saturating_sub(1)))
}

/// reqwest's error text names the URL but never headers, so the key cannot leak.
fn scrub_reqwest(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(src) = std::error::Error::source(e) {
        s = format!("{s}: {src}");
    }
    s
}

/// Asks for a whole answer.
pub async fn complete(
    http: &reqwest::Client,
    target: &Target,
    req: &ChatRequest,
) -> Result<Completion, ProviderError> {
    match target.provider {
        Provider::Openai | Provider::OpenaiCompatible => openai::complete(http, target, req).await,
        Provider::Anthropic => anthropic::complete(http, target, req).await,
        Provider::Tgi => tgi::complete(http, target, req).await,
        Provider::Local => Ok(local::answer(req)),
    }
}

/// Asks for a streamed answer; items arrive on the receiver, ending with `Done` or an error.
pub async fn stream(
    http: &reqwest::Client,
    target: &Target,
    req: &ChatRequest,
) -> Result<tokio::sync::mpsc::Receiver<Result<StreamItem, ProviderError>>, ProviderError> {
    match target.provider {
        Provider::Openai | Provider::OpenaiCompatible => openai::stream(http, target, req).await,
        Provider::Anthropic => anthropic::stream(http, target, req).await,
        Provider::Tgi => tgi::stream(http, target, req).await,
        Provider::Local => Ok(stream::local(local::answer(req))),
    }
}

/// Embeds texts with the provider's embedding endpoint.
pub async fn embed(
    http: &reqwest::Client,
    target: &Target,
    inputs: &[String],
) -> Result<Vec<Vec<f32>>, ProviderError> {
    match target.provider {
        Provider::Openai | Provider::OpenaiCompatible => openai::embed(http, target, inputs).await,
        Provider::Local => Ok(inputs
            .iter()
            .map(|t| analysis::retrieval::embed::embed(t))
            .collect()),
        Provider::Anthropic | Provider::Tgi => Err(ProviderError::Unsupported(format!(
            "provider {} has no embeddings endpoint; use an OpenAI-compatible or the local embedder",
            target.provider.as_str()
        ))),
    }
}

/// A JSON POST to `path` under the base URL, with the key as a bearer token
/// (OpenAI, compatible servers, TGI and Inference Endpoints).
pub(crate) fn bearer_post(
    http: &reqwest::Client,
    target: &Target,
    path: &str,
    body: &serde_json::Value,
) -> reqwest::RequestBuilder {
    let r = http.post(format!("{}{path}", target.base_url)).json(body);
    match &target.api_key {
        Some(k) => r.bearer_auth(k),
        None => r,
    }
}

/// Reads a JSON body, mapping a malformed one to `BadResponse`.
pub(crate) async fn json_body(resp: reqwest::Response) -> Result<serde_json::Value, ProviderError> {
    let text = resp
        .text()
        .await
        .map_err(|e| ProviderError::Interrupted(e.to_string()))?;
    serde_json::from_str(&text).map_err(|e| ProviderError::BadResponse(e.to_string()))
}
