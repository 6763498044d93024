//! What can go wrong talking to a provider. Messages never contain the API key:
//! the upstream's text is cut short and scrubbed of it before it is kept.

/// A provider call's failure.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProviderError {
    /// 401/403: the key was refused.
    #[error("the provider refused the credentials: {0}")]
    Unauthorized(String),
    /// 429 after the retries (or a wait longer than RAIA will sleep).
    #[error("the provider is rate limiting: {message}")]
    RateLimited {
        /// Seconds the provider asked to wait.
        retry_after: Option<u64>,
        /// Its message.
        message: String,
    },
    /// Any other non-success answer (after retries for 5xx).
    #[error("the provider answered {status}: {message}")]
    Upstream {
        /// HTTP status.
        status: u16,
        /// Its message.
        message: String,
    },
    /// No answer in time.
    #[error("the provider did not answer within {0} s")]
    Timeout(u64),
    /// Could not connect.
    #[error("cannot reach the provider: {0}")]
    Network(String),
    /// A stream ended before its end marker.
    #[error("the provider's stream was interrupted: {0}")]
    Interrupted(String),
    /// The answer does not fit the protocol.
    #[error("unexpected answer from the provider: {0}")]
    BadResponse(String),
    /// The provider cannot do this (e.g. embeddings on TGI).
    #[error("{0}")]
    Unsupported(String),
}

/// Cuts an upstream message to 300 characters and removes `secret` from it.
pub fn scrub(message: &str, secret: Option<&str>) -> String {
    let mut m: String = message.chars().take(300).collect();
    if let Some(s) = secret.filter(|s| s.len() >= 4) {
        m = m.replace(s, "[redacted]");
    }
    m
}

/// The human message inside a provider's error body (OpenAI, Anthropic or TGI shape).
pub fn error_message(body: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    v["error"]["message"]
        .as_str()
        .or_else(|| v["error"].as_str())
        .or_else(|| v["message"].as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| body.to_owned())
}
