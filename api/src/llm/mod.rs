//! LLM and RAG support for the routes: provider clients, the per-configuration
//! rate limit, prices, document text extraction and the retrieval index.

pub mod configs;
pub mod errors;
pub mod extract;
pub mod extract_pdf;
pub mod index;
pub mod limiter;
pub mod pricing;
pub mod providers;

/// LLM state shared by every request of one server process.
#[derive(Debug)]
pub struct LlmState {
    /// HTTP client for providers (no overall timeout: each call sets its own).
    pub http: reqwest::Client,
    /// Calls per configuration in the last minute.
    pub limiter: limiter::RateLimiter,
    /// The in-process retrieval index, rebuilt from `rag_documents` and the blobs.
    pub index: index::SharedIndex,
}

impl Default for LlmState {
    fn default() -> Self {
        Self {
            http: reqwest::Client::new(),
            limiter: limiter::RateLimiter::default(),
            index: index::SharedIndex::default(),
        }
    }
}
