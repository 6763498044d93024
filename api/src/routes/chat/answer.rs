//! Building the prompt from the template, history and passages, and recording
//! the exchange once the answer is complete.

use std::{collections::BTreeMap, time::Instant};

use domain::{
    chat::{ChatCommand, ChatMessage, ChatSession, Citation},
    ids::{ChatSessionId, DocumentId, LlmConfigurationId},
    llm::template,
    upcast::Upcasters,
    Metadata,
};

use super::{ChatAnswer, ChatRequest};
use crate::{
    access::Caller,
    error::{ApiError, ApiResult},
    llm::{
        configs::Usable,
        pricing,
        providers::{ChatRequest as LlmRequest, Completion, Message},
    },
    routes::documents::search::SearchHit,
    state::AppState,
};

/// The system prompt used when a configuration has no template.
const DEFAULT_SYSTEM: &str = "Answer the question using only the numbered context passages. \
Cite passages as [1], [2]. If the context does not contain the answer, say so.";

/// The numbered passages as one text.
fn context(hits: &[SearchHit]) -> String {
    hits.iter()
        .enumerate()
        .map(|(i, h)| format!("[{}] ({}) {}", i + 1, h.filename, h.text.trim()))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The request to the provider: the template (with `question`, `context` and
/// the caller's variables) or the default system prompt, after the history.
pub fn prompt(
    usable: &Usable,
    b: &ChatRequest,
    hits: &[SearchHit],
    mut history: Vec<Message>,
) -> ApiResult<LlmRequest> {
    let ctx = context(hits);
    let (system, user) = match &usable.template {
        Some(t) => {
            let mut vars: BTreeMap<String, String> = b.variables.clone();
            vars.insert("question".into(), b.message.clone());
            vars.insert("context".into(), ctx);
            let text = template::render(t, &vars).map_err(|e| {
                ApiError::unprocessable("invalid_template_variables", e.to_string())
            })?;
            (None, text)
        }
        None if hits.is_empty() => (None, b.message.clone()),
        None => (
            Some(DEFAULT_SYSTEM.to_owned()),
            format!("Context:\n{ctx}\n\nQuestion: {}", b.message),
        ),
    };
    history.push(Message {
        role: "user".into(),
        content: user,
    });
    Ok(LlmRequest {
        system,
        messages: history,
        passages: hits.iter().map(|h| h.text.clone()).collect(),
        question: Some(b.message.clone()),
    })
}

/// Citations of the retrieved passages.
pub fn citations(hits: &[SearchHit]) -> ApiResult<Vec<Citation>> {
    hits.iter()
        .map(|h| {
            Ok(Citation {
                document_id: DocumentId::parse(&h.document_id)
                    .ok_or_else(|| ApiError::internal("bad document id in the index"))?,
                filename: h.filename.clone(),
                chunk: h.chunk,
                start: h.start,
                end: h.end,
                score: h.score,
            })
        })
        .collect()
}

/// An exchange waiting for its answer.
pub struct Pending {
    /// State.
    pub state: AppState,
    /// The asker.
    pub caller: Caller,
    /// Event metadata.
    pub metadata: Metadata,
    /// Session.
    pub session_id: ChatSessionId,
    /// Configuration.
    pub configuration_id: LlmConfigurationId,
    /// Provider name.
    pub provider: String,
    /// Model.
    pub model: String,
    /// The user's message.
    pub question: String,
    /// Sources.
    pub citations: Vec<Citation>,
    /// When the call began.
    pub started: Instant,
}

impl Pending {
    /// Records the question and the answer in one append.
    pub async fn record(self, c: Completion) -> ApiResult<ChatAnswer> {
        let latency_ms = self.started.elapsed().as_millis() as u64;
        let cost_usd = pricing::cost(
            &self.state.config.llm_prices,
            &self.model,
            c.prompt_tokens,
            c.completion_tokens,
        );
        let message_id = uuid::Uuid::now_v7().to_string();
        let user = ChatMessage {
            message_id: uuid::Uuid::now_v7().to_string(),
            role: "user".into(),
            content: self.question.clone(),
            citations: Vec::new(),
            configuration_id: None,
            model: None,
            prompt_tokens: 0,
            completion_tokens: 0,
            latency_ms: 0,
            cost_usd: 0.0,
        };
        let assistant = ChatMessage {
            message_id: message_id.clone(),
            role: "assistant".into(),
            content: c.text.clone(),
            citations: self.citations.clone(),
            configuration_id: Some(self.configuration_id),
            model: Some(self.model.clone()),
            prompt_tokens: c.prompt_tokens,
            completion_tokens: c.completion_tokens,
            latency_ms,
            cost_usd,
        };
        let title: String = self.question.chars().take(80).collect();
        let loaded = commands::load::<ChatSession>(
            self.state.store.as_ref(),
            &Upcasters::domain(),
            &self.session_id.to_string(),
            commands::Until::Now,
        )
        .await?;
        let mut batch = commands::Batch::new(self.metadata);
        batch.decide(
            &loaded,
            None,
            ChatCommand::Record {
                id: self.session_id,
                user_id: self.caller.user_id,
                title,
                messages: vec![user, assistant],
            },
        )?;
        let events = self.state.store.append(batch.into_events()).await?;
        self.state.settle(&events).await;
        Ok(ChatAnswer {
            session_id: self.session_id.to_string(),
            message_id,
            answer: c.text,
            citations: self.citations,
            provider: self.provider,
            model: self.model,
            prompt_tokens: c.prompt_tokens,
            completion_tokens: c.completion_tokens,
            latency_ms,
            cost_usd,
        })
    }
}
