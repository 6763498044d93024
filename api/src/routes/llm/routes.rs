//! The LLM, document and chat routes with their access, added to the table in one go.

use axum::{
    http::Method,
    routing::{delete, get, post, put},
};
use domain::Role;

use crate::{
    access::{Access, Routes, WRITERS},
    routes::{chat, documents, llm},
};

/// Who may read usage and cost.
const USAGE_READERS: &[Role] = &[Role::Admin, Role::Auditor, Role::MlEngineer];

/// Adds every LLM/RAG route.
pub fn add(r: Routes) -> Routes {
    use Access::{Authenticated, Roles};
    r.add(
        Method::GET,
        "/api/v1/llm/configurations",
        Authenticated,
        get(llm::list),
    )
    .add(
        Method::POST,
        "/api/v1/llm/configurations",
        Roles(WRITERS),
        post(llm::create),
    )
    .add(
        Method::PUT,
        "/api/v1/llm/configurations/{id}",
        Roles(WRITERS),
        put(llm::update),
    )
    .add(
        Method::DELETE,
        "/api/v1/llm/configurations/{id}",
        Roles(WRITERS),
        delete(llm::delete),
    )
    .add(
        Method::GET,
        "/api/v1/llm/configurations/{id}/templates",
        Authenticated,
        get(llm::templates),
    )
    .add(
        Method::POST,
        "/api/v1/llm/test-configuration",
        Roles(WRITERS),
        post(llm::test_call::test_configuration),
    )
    .add(
        Method::GET,
        "/api/v1/llm/providers",
        Authenticated,
        get(llm::providers),
    )
    .add(
        Method::GET,
        "/api/v1/llm/usage",
        Roles(USAGE_READERS),
        get(llm::usage::usage),
    )
    .add(
        Method::POST,
        "/api/v1/documents/upload",
        Roles(WRITERS),
        // The upload streams the file under its own limit (`document_max_bytes`).
        post(documents::upload::upload).layer(axum::extract::DefaultBodyLimit::disable()),
    )
    .add(
        Method::GET,
        "/api/v1/documents",
        Authenticated,
        get(documents::list),
    )
    .add(
        Method::DELETE,
        "/api/v1/documents/{id}",
        Roles(WRITERS),
        delete(documents::delete),
    )
    .add(
        Method::POST,
        "/api/v1/documents/search",
        Authenticated,
        post(documents::search::search),
    )
    .add(
        Method::POST,
        "/api/v1/chat",
        Authenticated,
        post(chat::chat),
    )
    .add(
        Method::GET,
        "/api/v1/chat/sessions",
        Authenticated,
        get(chat::sessions::list),
    )
    .add(
        Method::GET,
        "/api/v1/chat/sessions/{id}/history",
        Authenticated,
        get(chat::sessions::history),
    )
    .add(
        Method::DELETE,
        "/api/v1/chat/sessions/{id}",
        Authenticated,
        delete(chat::sessions::delete),
    )
    .add(
        Method::POST,
        "/api/v1/chat/clear",
        Authenticated,
        post(chat::sessions::clear),
    )
}
