//! `/api/v1/chat`: ask a configuration, optionally over retrieved passages, and
//! record both messages (tokens, latency, cost, citations) as events. Sessions
//! belong to the user who started them; nobody else sees or changes them.

pub mod answer;
pub mod sessions;

use std::{collections::BTreeMap, time::Instant};

use axum::{
    extract::State,
    response::{IntoResponse, Response},
    Json,
};
use domain::{
    chat::{ChatMessage, Citation},
    ids::ChatSessionId,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    access::Caller,
    error::{ApiError, ApiResult},
    extract::{ApiJson, Ctx},
    llm::{
        configs,
        providers::{self, Completion},
    },
    routes::{documents::search::SearchRequest, llm::test_call},
    state::AppState,
};

/// A question.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatRequest {
    /// The configuration that answers.
    pub configuration_id: String,
    /// The user's message.
    pub message: String,
    /// Continue this session (default: start a new one).
    pub session_id: Option<String>,
    /// Retrieve passages from the documents first (default true).
    pub retrieval: Option<bool>,
    /// Passages to retrieve (default 4).
    pub k: Option<usize>,
    /// Restrict retrieval to these documents.
    pub document_ids: Option<Vec<String>>,
    /// Restrict retrieval by document metadata.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// Extra template variables.
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    /// Stream the answer as server-sent events.
    #[serde(default)]
    pub stream: bool,
}

/// The answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChatAnswer {
    /// Session.
    pub session_id: String,
    /// The assistant message's id.
    pub message_id: String,
    /// Answer text.
    pub answer: String,
    /// Sources.
    #[schema(value_type = [Object])]
    pub citations: Vec<Citation>,
    /// Provider.
    pub provider: String,
    /// Model.
    pub model: String,
    /// Prompt tokens.
    pub prompt_tokens: u64,
    /// Completion tokens.
    pub completion_tokens: u64,
    /// Time to the whole answer, ms.
    pub latency_ms: u64,
    /// Cost from the price table, USD.
    pub cost_usd: f64,
}

/// Asks a question; records `ChatMessageRecorded` for the question and the answer.
#[utoipa::path(post, path = "/api/v1/chat", tag = "chat", request_body = ChatRequest, security(("bearer" = [])),
    responses((status = 200, body = ChatAnswer), (status = 404, body = crate::error::Problem), (status = 502, body = crate::error::Problem)))]
pub async fn chat(
    State(state): State<AppState>,
    caller: Caller,
    ctx: Ctx,
    ApiJson(b): ApiJson<ChatRequest>,
) -> ApiResult<Response> {
    if b.message.trim().is_empty() {
        return Err(ApiError::unprocessable(
            "empty_message",
            "message must not be empty",
        ));
    }
    let usable = configs::usable(&state, &b.configuration_id).await?;
    let session_id = match &b.session_id {
        Some(s) => {
            let id = ChatSessionId::parse(s).ok_or_else(|| ApiError::not_found("chat session"))?;
            sessions::owned(&state, &caller, s).await?;
            id
        }
        None => ChatSessionId::from_uuid(uuid::Uuid::now_v7()),
    };
    let hits = if b.retrieval.unwrap_or(true) {
        let search = SearchRequest {
            query: b.message.clone(),
            k: Some(b.k.unwrap_or(4)),
            mode: None,
            document_ids: b.document_ids.clone(),
            metadata: b.metadata.clone(),
            formats: None,
        };
        crate::routes::documents::search::run(&state, &search).await?
    } else {
        Vec::new()
    };
    let history = sessions::recent(&state, &session_id.to_string(), 10).await?;
    let req = answer::prompt(&usable, &b, &hits, history)?;
    test_call::admit(&state, &usable.id.to_string(), &usable.target)?;
    let citations = answer::citations(&hits)?;
    let started = Instant::now();
    let pending = answer::Pending {
        state: state.clone(),
        caller,
        metadata: ctx.metadata,
        session_id,
        configuration_id: usable.id,
        provider: usable.target.provider.as_str().to_owned(),
        model: usable.target.model.clone(),
        question: b.message.clone(),
        citations,
        started,
    };
    if b.stream {
        let items = providers::stream(&state.llm.http, &usable.target, &req).await?;
        return Ok(test_call::relay(items, move |c: Completion| async move {
            serde_json::to_value(pending.record(c).await?).map_err(ApiError::internal)
        })
        .into_response());
    }
    let c = providers::complete(&state.llm.http, &usable.target, &req).await?;
    Ok(Json(pending.record(c).await?).into_response())
}

/// A message as history shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageView {
    /// The message.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub message: ChatMessage,
    /// When.
    pub created_at: String,
}
