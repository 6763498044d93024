//! How LLM and RAG failures become problems. No message here can hold an API
//! key: provider messages are scrubbed where they are read.

use axum::http::StatusCode;
use domain::{chat::ChatError, document::DocumentError, llm::LlmError};

use super::providers::ProviderError;
use crate::error::ApiError;

impl From<LlmError> for ApiError {
    fn from(e: LlmError) -> Self {
        match e {
            LlmError::NotFound => Self::not_found("LLM configuration"),
            LlmError::AlreadyExists => Self::conflict("already_exists", e.to_string()),
            LlmError::InvalidSpec(_) => Self::unprocessable("invalid_configuration", e.to_string()),
            LlmError::InvalidTemplate(_) => Self::unprocessable("invalid_template", e.to_string()),
            LlmError::Unchanged => Self::unprocessable("unchanged", e.to_string()),
        }
    }
}

impl From<DocumentError> for ApiError {
    fn from(e: DocumentError) -> Self {
        match e {
            DocumentError::NotFound => Self::not_found("document"),
            DocumentError::AlreadyExists => Self::conflict("already_exists", e.to_string()),
            DocumentError::Empty => Self::unprocessable("empty_document", e.to_string()),
        }
    }
}

impl From<ChatError> for ApiError {
    fn from(e: ChatError) -> Self {
        match e {
            ChatError::NotFound => Self::not_found("chat session"),
        }
    }
}

impl From<ProviderError> for ApiError {
    fn from(e: ProviderError) -> Self {
        let detail = e.to_string();
        match e {
            ProviderError::Unauthorized(_) => {
                Self::new(StatusCode::BAD_GATEWAY, "llm_unauthorized", detail)
            }
            ProviderError::RateLimited { retry_after, .. } => {
                let p = Self::new(StatusCode::TOO_MANY_REQUESTS, "llm_rate_limited", detail);
                match retry_after {
                    Some(s) => p.retry_after(s),
                    None => p,
                }
            }
            ProviderError::Upstream { .. } => {
                Self::new(StatusCode::BAD_GATEWAY, "llm_upstream_error", detail)
            }
            ProviderError::Timeout(_) => {
                Self::new(StatusCode::GATEWAY_TIMEOUT, "llm_timeout", detail)
            }
            ProviderError::Network(_) => {
                Self::new(StatusCode::BAD_GATEWAY, "llm_unreachable", detail)
            }
            ProviderError::Interrupted(_) => {
                Self::new(StatusCode::BAD_GATEWAY, "llm_stream_interrupted", detail)
            }
            ProviderError::BadResponse(_) => {
                Self::new(StatusCode::BAD_GATEWAY, "llm_bad_response", detail)
            }
            ProviderError::Unsupported(_) => Self::unprocessable("llm_unsupported", detail),
        }
    }
}

/// The stable code of a provider error (for SSE `error` events).
pub fn code(e: &ProviderError) -> &'static str {
    match e {
        ProviderError::Unauthorized(_) => "llm_unauthorized",
        ProviderError::RateLimited { .. } => "llm_rate_limited",
        ProviderError::Upstream { .. } => "llm_upstream_error",
        ProviderError::Timeout(_) => "llm_timeout",
        ProviderError::Network(_) => "llm_unreachable",
        ProviderError::Interrupted(_) => "llm_stream_interrupted",
        ProviderError::BadResponse(_) => "llm_bad_response",
        ProviderError::Unsupported(_) => "llm_unsupported",
    }
}
