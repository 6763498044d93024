//! The OpenAPI operations of the LLM, document and chat routes, merged into the
//! main document.

use utoipa::OpenApi;

use crate::routes::{chat, documents, llm};

/// The annotated LLM/RAG operations.
#[derive(OpenApi)]
#[openapi(paths(
    llm::list,
    llm::create,
    llm::update,
    llm::delete,
    llm::templates,
    llm::providers,
    llm::test_call::test_configuration,
    llm::usage::usage,
    documents::upload::upload,
    documents::list,
    documents::delete,
    documents::search::search,
    chat::chat,
    chat::sessions::list,
    chat::sessions::history,
    chat::sessions::delete,
    chat::sessions::clear,
))]
pub struct LlmDoc;
