//! `POST /api/v1/llm/test-configuration`: one call to a stored or an inline
//! configuration, whole or streamed as server-sent events.

use std::{convert::Infallible, future::Future, time::Instant};

use axum::{
    extract::State,
    response::{
        sse::{Event, KeepAlive, Sse},
        IntoResponse, Response,
    },
    Json,
};
use domain::llm::LlmParameters;
use futures::Stream;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    error::{ApiError, ApiResult},
    extract::ApiJson,
    llm::{
        configs,
        errors::code,
        providers::{self, stream::Items, ChatRequest, Completion, Message, StreamItem, Target},
    },
    state::AppState,
};

/// A test call.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestConfiguration {
    /// A stored configuration; or give `provider`, `model`, ... inline.
    pub configuration_id: Option<String>,
    /// Inline provider.
    pub provider: Option<String>,
    /// Inline model.
    pub model: Option<String>,
    /// Inline base URL.
    pub base_url: Option<String>,
    /// Inline key (used for this call only, never stored).
    pub api_key: Option<String>,
    /// Inline parameters.
    #[schema(value_type = Object)]
    pub parameters: Option<LlmParameters>,
    /// What to ask (default: a short greeting).
    pub prompt: Option<String>,
    /// System prompt.
    pub system: Option<String>,
    /// Stream the answer as server-sent events (`delta`, then `done` or `error`).
    #[serde(default)]
    pub stream: bool,
}

/// The answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct TestResult {
    /// Provider.
    pub provider: String,
    /// Model.
    pub model: String,
    /// Answer text.
    pub text: String,
    /// Prompt tokens.
    pub prompt_tokens: u64,
    /// Completion tokens.
    pub completion_tokens: u64,
    /// Why it stopped.
    pub finish_reason: Option<String>,
    /// Time to the whole answer, ms.
    pub latency_ms: u64,
}

async fn target(state: &AppState, b: &TestConfiguration) -> ApiResult<(String, Target)> {
    if let Some(id) = &b.configuration_id {
        return Ok((id.clone(), configs::usable(state, id).await?.target));
    }
    let (Some(provider), Some(model)) = (&b.provider, &b.model) else {
        return Err(ApiError::unprocessable(
            "invalid_configuration",
            "give configuration_id, or provider and model",
        ));
    };
    let spec = configs::spec(
        "test".into(),
        provider,
        model.clone(),
        b.base_url.clone(),
        b.parameters.clone().unwrap_or_default(),
        true,
    )?;
    spec.validate()
        .map_err(|m| ApiError::unprocessable("invalid_configuration", m))?;
    Ok((
        "inline".into(),
        Target::new(
            spec.provider,
            spec.base_url.as_deref(),
            &spec.model,
            b.api_key.clone(),
            spec.parameters,
        ),
    ))
}

/// Applies the configuration's rate limit (429 with `Retry-After` when exceeded).
pub fn admit(state: &AppState, key: &str, target: &Target) -> ApiResult<()> {
    state
        .llm
        .limiter
        .admit(key, target.params.requests_per_minute)
        .map_err(|secs| {
            ApiError::new(
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                "llm_rate_limited",
                "this configuration's requests_per_minute is used up",
            )
            .retry_after(secs)
        })
}

/// Calls a provider once and reports the answer (nothing is recorded).
#[utoipa::path(post, path = "/api/v1/llm/test-configuration", tag = "llm", request_body = TestConfiguration,
    security(("bearer" = [])), responses((status = 200, body = TestResult), (status = 429, body = crate::error::Problem),
    (status = 502, body = crate::error::Problem), (status = 504, body = crate::error::Problem)))]
pub async fn test_configuration(
    State(state): State<AppState>,
    ApiJson(b): ApiJson<TestConfiguration>,
) -> ApiResult<Response> {
    let (key, target) = target(&state, &b).await?;
    admit(&state, &key, &target)?;
    let req = ChatRequest {
        system: b.system.clone(),
        messages: vec![Message {
            role: "user".into(),
            content: b.prompt.clone().unwrap_or_else(|| "Say hello.".into()),
        }],
        passages: Vec::new(),
        question: None,
    };
    let started = Instant::now();
    let (provider, model) = (target.provider.as_str().to_owned(), target.model.clone());
    let result = move |c: Completion| TestResult {
        provider,
        model,
        text: c.text,
        prompt_tokens: c.prompt_tokens,
        completion_tokens: c.completion_tokens,
        finish_reason: c.finish_reason,
        latency_ms: started.elapsed().as_millis() as u64,
    };
    if b.stream {
        let items = providers::stream(&state.llm.http, &target, &req).await?;
        return Ok(relay(items, move |c| async move {
            serde_json::to_value(result(c)).map_err(ApiError::internal)
        })
        .into_response());
    }
    let c = providers::complete(&state.llm.http, &target, &req).await?;
    Ok(Json(result(c)).into_response())
}

/// Relays a provider stream as SSE: `delta` events with `{text}`, then `done`
/// with what `finish` makes of the whole answer, or `error` with `{code, detail}`.
pub fn relay<F, Fut>(
    mut items: Items,
    finish: F,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>>
where
    F: FnOnce(Completion) -> Fut + Send + 'static,
    Fut: Future<Output = ApiResult<serde_json::Value>> + Send,
{
    let (tx, rx) = tokio::sync::mpsc::channel::<Event>(64);
    tokio::spawn(async move {
        let mut finish = Some(finish);
        while let Some(item) = items.recv().await {
            let ev = match item {
                Ok(StreamItem::Delta(t)) => Event::default()
                    .event("delta")
                    .json_data(serde_json::json!({ "text": t })),
                Ok(StreamItem::Done(c)) => match finish.take() {
                    Some(f) => match f(c).await {
                        Ok(v) => Event::default().event("done").json_data(v),
                        Err(e) => Event::default().event("error").json_data(
                            serde_json::json!({"code": e.problem().code, "detail": e.problem().detail}),
                        ),
                    },
                    None => continue,
                },
                Err(e) => Event::default().event("error").json_data(
                    serde_json::json!({"code": code(&e), "detail": e.to_string()}),
                ),
            };
            let Ok(ev) = ev else { break };
            if tx.send(ev).await.is_err() {
                break;
            }
        }
    });
    let stream =
        futures::stream::unfold(
            rx,
            |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) },
        );
    Sse::new(stream).keep_alive(KeepAlive::default())
}
