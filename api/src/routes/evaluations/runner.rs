//! The run itself, as a job: each item is answered (run mode: retrieval over
//! the documents, then the configuration's provider) or taken as recorded,
//! scored, judged when a judge is set, and recorded as `EvaluationItemScored`.
//! A stop request is honoured between items.

use std::{collections::BTreeMap, time::Instant};

use domain::{
    evaluation::{EvaluationCommand, EvaluationMode, EvaluationSpec, ScoredItem},
    ids::EvaluationId,
    Metadata,
};
use serde_json::Value;

use super::{
    dataset::EvalItem,
    judge::{Judge, JudgeInput},
    score,
};
use crate::{
    jobs::JobHandle,
    llm::{configs::Usable, pricing, providers},
    routes::{
        chat::{answer, ChatRequest},
        documents::search::{self, SearchRequest},
    },
    state::AppState,
};

/// Everything a run needs, gathered before the job starts.
pub struct Plan {
    /// The evaluation.
    pub id: EvaluationId,
    /// Its spec.
    pub spec: EvaluationSpec,
    /// Its items.
    pub items: Vec<EvalItem>,
    /// The answering configuration (run mode).
    pub answerer: Option<Usable>,
    /// The judge, if any.
    pub judge: Option<Usable>,
    /// Metadata of the events the run records.
    pub metadata: Metadata,
}

/// An answer produced in run mode.
struct Answered {
    text: String,
    retrieved: Vec<String>,
    contexts: Vec<String>,
    latency_ms: u64,
    prompt_tokens: u64,
    completion_tokens: u64,
    cost_usd: f64,
}

/// Retrieves passages and asks the configuration, waiting out its rate limit.
async fn answer_with(
    state: &AppState,
    usable: &Usable,
    k: u32,
    item: &EvalItem,
) -> Result<Answered, String> {
    let query = SearchRequest {
        query: item.question.clone(),
        k: Some(k as usize),
        mode: None,
        document_ids: None,
        metadata: BTreeMap::new(),
        formats: None,
    };
    let hits = search::run(state, &query).await.map_err(|e| e.detail)?;
    let chat = ChatRequest {
        configuration_id: usable.id.to_string(),
        message: item.question.clone(),
        session_id: None,
        retrieval: Some(true),
        k: Some(k as usize),
        document_ids: None,
        metadata: BTreeMap::new(),
        variables: BTreeMap::new(),
        stream: false,
    };
    let req = answer::prompt(usable, &chat, &hits, Vec::new()).map_err(|e| e.detail)?;
    let key = usable.id.to_string();
    while let Err(secs) = state
        .llm
        .limiter
        .admit(&key, usable.target.params.requests_per_minute)
    {
        tokio::time::sleep(std::time::Duration::from_secs(secs.max(1))).await;
    }
    let started = Instant::now();
    let c = providers::complete(&state.llm.http, &usable.target, &req)
        .await
        .map_err(|e| format!("the configuration's provider failed: {e}"))?;
    let mut retrieved: Vec<String> = Vec::new();
    for h in &hits {
        if !retrieved.contains(&h.document_id) {
            retrieved.push(h.document_id.clone());
        }
    }
    Ok(Answered {
        latency_ms: started.elapsed().as_millis() as u64,
        cost_usd: pricing::cost(
            &state.config.llm_prices,
            &usable.target.model,
            c.prompt_tokens,
            c.completion_tokens,
        ),
        prompt_tokens: c.prompt_tokens,
        completion_tokens: c.completion_tokens,
        text: c.text,
        retrieved,
        contexts: hits.into_iter().map(|h| h.text).collect(),
    })
}

/// Answers (or takes as recorded), scores and judges one item.
async fn score_item(state: &AppState, plan: &Plan, item: &EvalItem) -> ScoredItem {
    let mut metrics = BTreeMap::new();
    let mut errors: Vec<String> = Vec::new();
    let mut out = ScoredItem {
        index: item.index,
        item_id: item.id.clone(),
        question: item.question.clone(),
        answer: None,
        reference: item.reference.clone(),
        retrieved_ids: Vec::new(),
        metrics: BTreeMap::new(),
        prompt_tokens: 0,
        completion_tokens: 0,
        cost_usd: 0.0,
        latency_ms: 0,
        judge: Vec::new(),
        error: None,
    };
    let mut contexts = Vec::new();
    let mut ranked = None;
    match (plan.spec.mode, &plan.answerer) {
        (EvaluationMode::Run, Some(usable)) => {
            match answer_with(state, usable, plan.spec.k, item).await {
                Ok(a) => {
                    metrics.insert("latency_ms".into(), a.latency_ms as f64);
                    metrics.insert("prompt_tokens".into(), a.prompt_tokens as f64);
                    metrics.insert("completion_tokens".into(), a.completion_tokens as f64);
                    metrics.insert("cost_usd".into(), a.cost_usd);
                    (out.latency_ms, out.prompt_tokens) = (a.latency_ms, a.prompt_tokens);
                    (out.completion_tokens, out.cost_usd) = (a.completion_tokens, a.cost_usd);
                    out.answer = Some(a.text);
                    ranked = Some(a.retrieved);
                    contexts = a.contexts;
                }
                Err(e) => errors.push(e),
            }
        }
        (EvaluationMode::Run, None) => errors.push("no configuration to answer with".into()),
        (EvaluationMode::Recorded, _) => {
            out.answer = item.generated.clone();
            ranked = item.retrieved.clone();
            contexts = item.contexts.clone().unwrap_or_default();
            let u = item.usage;
            for (name, v) in [
                ("latency_ms", u.latency_ms),
                ("prompt_tokens", u.prompt_tokens),
                ("completion_tokens", u.completion_tokens),
                ("cost_usd", u.cost_usd),
            ] {
                if let Some(v) = v {
                    metrics.insert(name.to_owned(), v);
                }
            }
            out.latency_ms = u.latency_ms.unwrap_or(0.0) as u64;
            out.prompt_tokens = u.prompt_tokens.unwrap_or(0.0) as u64;
            out.completion_tokens = u.completion_tokens.unwrap_or(0.0) as u64;
            out.cost_usd = u.cost_usd.unwrap_or(0.0);
        }
    }
    let cutoffs: Vec<usize> = plan.spec.cutoffs.iter().map(|k| *k as usize).collect();
    if let Some(r) = &ranked {
        if let Err(e) = score::retrieval(item, r, &cutoffs, &mut metrics) {
            errors.push(format!("retrieval metrics: {e}"));
        }
        out.retrieved_ids.clone_from(r);
    }
    if let (Some(a), Some(r)) = (&out.answer, &item.reference) {
        score::answer(a, r, &mut metrics);
    }
    if let Some(j) = &plan.judge {
        let mut judge = Judge::new(state, &j.target);
        let input = JudgeInput {
            question: &item.question,
            answer: out.answer.as_deref(),
            contexts: &contexts,
            reference: item.reference.as_deref(),
        };
        let (judged, judge_errors) = judge.score(&input).await;
        metrics.extend(judged);
        errors.extend(judge_errors);
        out.judge = judge.calls;
    }
    out.metrics = metrics;
    out.error = (!errors.is_empty()).then(|| errors.join("; "));
    out
}

async fn record(state: &AppState, plan: &Plan, cmd: EvaluationCommand) -> Result<(), String> {
    let events =
        commands::evaluations::run(state.store.as_ref(), plan.id, cmd, plan.metadata.clone())
            .await
            .map_err(|e| format!("could not record the evaluation: {e}"))?;
    state.settle(&events).await;
    Ok(())
}

async fn summary(
    plan: &Plan,
    scored: Vec<ScoredItem>,
) -> Result<Box<domain::evaluation::EvaluationSummary>, String> {
    let (resamples, seed) = (plan.spec.resamples, plan.spec.seed);
    tokio::task::spawn_blocking(move || Box::new(score::summarize(&scored, resamples, seed)))
        .await
        .map_err(|e| e.to_string())
}

/// Appends the scored items not yet on record.
async fn flush(state: &AppState, plan: &Plan, pending: &mut Vec<ScoredItem>) -> Result<(), String> {
    if pending.is_empty() {
        return Ok(());
    }
    let events = commands::evaluations::score_all(
        state.store.as_ref(),
        plan.id,
        pending,
        plan.metadata.clone(),
    )
    .await
    .map_err(|e| format!("could not record the scored items: {e}"))?;
    state.settle(&events).await;
    pending.clear();
    Ok(())
}

/// Items recorded per append (recorded outputs score fast; one append each would dominate).
const BATCH: usize = 50;

/// Scores every item, stopping between items when asked; ends the evaluation
/// `completed`, `stopped` or `failed`. Items are appended in batches of up to
/// [`BATCH`], at least every half second. The job's result is the summary.
pub async fn run(state: AppState, handle: JobHandle, plan: Plan) -> Result<Value, String> {
    let total = plan.items.len() as u64;
    let mut scored = Vec::with_capacity(plan.items.len());
    let mut pending = Vec::new();
    let mut last = Instant::now();
    for item in &plan.items {
        if handle.is_cancelled() {
            flush(&state, &plan, &mut pending).await?;
            let s = summary(&plan, scored).await?;
            let json = serde_json::to_value(&s).map_err(|e| e.to_string())?;
            record(&state, &plan, EvaluationCommand::Stopped { summary: s }).await?;
            return Ok(json);
        }
        let s = score_item(&state, &plan, item).await;
        pending.push(s.clone());
        scored.push(s);
        if pending.len() >= BATCH || last.elapsed().as_millis() >= 500 {
            if let Err(e) = flush(&state, &plan, &mut pending).await {
                let _ = record(&state, &plan, EvaluationCommand::Fail { error: e.clone() }).await;
                return Err(e);
            }
            last = Instant::now();
            handle.progress(scored.len() as u64, total).await;
        }
    }
    flush(&state, &plan, &mut pending).await?;
    handle.progress(total, total).await;
    let s = summary(&plan, scored).await?;
    let json = serde_json::to_value(&s).map_err(|e| e.to_string())?;
    record(&state, &plan, EvaluationCommand::Finish { summary: s }).await?;
    Ok(json)
}
