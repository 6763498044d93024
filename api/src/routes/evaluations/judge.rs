//! LLM-judged metrics computed the way Ragas (0.2) defines them, with every
//! prompt and raw verdict kept on the item:
//!
//! - faithfulness: the judge splits the answer into standalone statements, then
//!   gives each a verdict (1 = inferable from the retrieved contexts);
//!   score = supported / statements (absent when there is no statement).
//! - answer relevancy: the judge writes `STRICTNESS` questions the answer would
//!   answer and flags a noncommittal answer; score = mean cosine between the
//!   embeddings of the real question and of each generated question, times 0
//!   when every generation flagged the answer noncommittal. Embeddings come
//!   from the judge's provider, or the local embedder where it has none.
//! - context precision (with reference): one verdict per retrieved context (1 =
//!   useful to reach the reference answer); score = sum over ranks i of
//!   precision@i * v_i, divided by (sum v_i + 1e-10).
//! - context recall: the judge classifies each sentence of the reference as
//!   attributable to the contexts or not; score = attributed / sentences.

use std::collections::BTreeMap;

use domain::evaluation::JudgeCall;
use serde_json::{json, Value};

use crate::{
    llm::{
        pricing,
        providers::{self, ChatRequest, Message, ProviderError, Target},
    },
    state::AppState,
};

/// Questions generated per answer for answer relevancy (Ragas' default).
pub const STRICTNESS: usize = 3;

/// What the judge sees of one item.
#[derive(Debug, Clone)]
pub struct JudgeInput<'a> {
    /// The question.
    pub question: &'a str,
    /// The answer under test.
    pub answer: Option<&'a str>,
    /// Retrieved passages, rank 1 first.
    pub contexts: &'a [String],
    /// The reference answer.
    pub reference: Option<&'a str>,
}

/// A judge bound to a configuration, collecting its calls.
pub struct Judge<'a> {
    state: &'a AppState,
    target: &'a Target,
    /// Calls made, in order.
    pub calls: Vec<JudgeCall>,
}

const FAITHFULNESS_STATEMENTS: &str =
    "Given a question and an answer, break every sentence of the answer \
into one or more standalone statements that can be understood without the others; use no pronouns.";
const FAITHFULNESS_VERDICTS: &str = "Judge the faithfulness of each statement to the context. For each \
statement give verdict 1 if it can be directly inferred from the context and 0 if it cannot, with a short reason.";
const RELEVANCY: &str = "Write the question that the given answer answers, and say whether the answer is \
noncommittal: noncommittal is 1 for an evasive, vague or ambiguous answer (such as \"I don't know\"), else 0.";
const PRECISION: &str =
    "Given a question, a reference answer and one context, decide whether the context \
was useful in arriving at the answer: verdict 1 if useful, 0 if not, with a short reason.";
const RECALL: &str =
    "Given a context and a reference answer, take each sentence of the answer and classify \
whether it can be attributed to the context: attributed 1 for yes, 0 for no, with a short reason.";

/// The user prompt: the task name, the input as JSON and the output shape.
fn user_prompt(task: &str, input: &Value, shape: &str) -> String {
    format!("Task: {task}\nInput:\n{input}\nAnswer with one JSON object only, shaped like: {shape}")
}

/// The first JSON object in a reply (judges often wrap it in prose or fences).
pub fn first_object(text: &str) -> Option<Value> {
    let start = text.find('{')?;
    let end = text.rfind('}')?;
    serde_json::from_str(text.get(start..=end)?)
        .ok()
        .filter(Value::is_object)
}

fn flag(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "1" | "yes" | "true" => Some(1.0),
            "0" | "no" | "false" => Some(0.0),
            _ => None,
        },
        _ => None,
    }
    .map(|x| if x >= 0.5 { 1.0 } else { 0.0 })
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum();
    let na: f64 = a.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na * nb)
    }
}

impl<'a> Judge<'a> {
    /// A judge calling `target`.
    pub fn new(state: &'a AppState, target: &'a Target) -> Self {
        Self {
            state,
            target,
            calls: Vec::new(),
        }
    }

    /// Asks one step and parses its JSON answer; the call is recorded either way.
    async fn ask(
        &mut self,
        step: &str,
        instruction: &str,
        input: Value,
        shape: &str,
    ) -> Result<Value, String> {
        let user = user_prompt(step, &input, shape);
        let req = ChatRequest {
            system: Some(instruction.to_owned()),
            messages: vec![Message {
                role: "user".into(),
                content: user.clone(),
            }],
            passages: Vec::new(),
            question: None,
        };
        let started = std::time::Instant::now();
        let reply = providers::complete(&self.state.llm.http, self.target, &req).await;
        let latency_ms = started.elapsed().as_millis() as u64;
        let (text, prompt_tokens, completion_tokens) = match &reply {
            Ok(c) => (c.text.clone(), c.prompt_tokens, c.completion_tokens),
            Err(e) => (format!("error: {e}"), 0, 0),
        };
        self.calls.push(JudgeCall {
            step: step.to_owned(),
            prompt: format!("{instruction}\n\n{user}"),
            verdict: text.clone(),
            prompt_tokens,
            completion_tokens,
            latency_ms,
            cost_usd: pricing::cost(
                &self.state.config.llm_prices,
                &self.target.model,
                prompt_tokens,
                completion_tokens,
            ),
            failed: reply.is_err(),
        });
        reply.map_err(|e: ProviderError| format!("judge call {step} failed: {e}"))?;
        first_object(&text).ok_or_else(|| format!("the judge answered no JSON object for {step}"))
    }

    /// Every judged metric the item's fields allow; errors name the failed step.
    pub async fn score(&mut self, i: &JudgeInput<'_>) -> (BTreeMap<String, f64>, Vec<String>) {
        let mut out = BTreeMap::new();
        let mut errors = Vec::new();
        let mut keep = |name: &str, r: Result<Option<f64>, String>| match r {
            Ok(Some(v)) => {
                out.insert(name.to_owned(), v);
            }
            Ok(None) => {}
            Err(e) => errors.push(e),
        };
        if let Some(answer) = i.answer.filter(|a| !a.trim().is_empty()) {
            if !i.contexts.is_empty() {
                let r = self.faithfulness(i.question, answer, i.contexts).await;
                keep("faithfulness", r);
            }
            let r = self.answer_relevancy(i.question, answer).await;
            keep("answer_relevancy", r);
        }
        if let (Some(reference), false) = (i.reference, i.contexts.is_empty()) {
            let r = self
                .context_precision(i.question, reference, i.contexts)
                .await;
            keep("context_precision", r);
            let r = self.context_recall(i.question, reference, i.contexts).await;
            keep("context_recall", r);
        }
        (out, errors)
    }

    async fn faithfulness(
        &mut self,
        question: &str,
        answer: &str,
        contexts: &[String],
    ) -> Result<Option<f64>, String> {
        let v = self
            .ask(
                "faithfulness.statements",
                FAITHFULNESS_STATEMENTS,
                json!({"question": question, "answer": answer}),
                r#"{"statements": ["..."]}"#,
            )
            .await?;
        let statements: Vec<String> = v["statements"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        if statements.is_empty() {
            return Ok(None);
        }
        let v = self
            .ask(
                "faithfulness.verdicts",
                FAITHFULNESS_VERDICTS,
                json!({"context": contexts.join("\n"), "statements": statements}),
                r#"{"verdicts": [{"statement": "...", "reason": "...", "verdict": 0}]}"#,
            )
            .await?;
        let verdicts: Vec<f64> = v["verdicts"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| flag(&x["verdict"])).collect())
            .unwrap_or_default();
        if verdicts.is_empty() {
            return Err("the judge gave no faithfulness verdict".into());
        }
        Ok(Some(verdicts.iter().sum::<f64>() / verdicts.len() as f64))
    }

    async fn answer_relevancy(
        &mut self,
        question: &str,
        answer: &str,
    ) -> Result<Option<f64>, String> {
        let mut generated = Vec::new();
        let mut noncommittal = Vec::new();
        for _ in 0..STRICTNESS {
            let v = self
                .ask(
                    "answer_relevancy.question",
                    RELEVANCY,
                    json!({"answer": answer}),
                    r#"{"question": "...", "noncommittal": 0}"#,
                )
                .await?;
            generated.push(v["question"].as_str().unwrap_or_default().to_owned());
            noncommittal.push(flag(&v["noncommittal"]).unwrap_or(0.0) == 1.0);
        }
        if generated.iter().all(|q| q.trim().is_empty()) {
            return Ok(None);
        }
        let mut texts = vec![question.to_owned()];
        texts.extend(generated);
        let vectors = match providers::embed(&self.state.llm.http, self.target, &texts).await {
            Ok(v) => v,
            Err(ProviderError::Unsupported(_)) => texts
                .iter()
                .map(|t| analysis::retrieval::embed::embed(t))
                .collect(),
            Err(e) => return Err(format!("embedding for answer relevancy failed: {e}")),
        };
        let (q, rest) = vectors.split_first().ok_or("no embedding returned")?;
        let mean = rest.iter().map(|g| cosine(q, g)).sum::<f64>() / rest.len().max(1) as f64;
        let all_noncommittal = noncommittal.iter().all(|n| *n);
        Ok(Some(if all_noncommittal { 0.0 } else { mean }))
    }

    async fn context_precision(
        &mut self,
        question: &str,
        reference: &str,
        contexts: &[String],
    ) -> Result<Option<f64>, String> {
        let mut verdicts = Vec::with_capacity(contexts.len());
        for c in contexts {
            let v = self
                .ask(
                    "context_precision.verdict",
                    PRECISION,
                    json!({"question": question, "context": c, "answer": reference}),
                    r#"{"reason": "...", "verdict": 0}"#,
                )
                .await?;
            verdicts
                .push(flag(&v["verdict"]).ok_or("the judge gave no context precision verdict")?);
        }
        let mut hits = 0.0;
        let mut numerator = 0.0;
        for (i, v) in verdicts.iter().enumerate() {
            hits += v;
            numerator += hits / (i + 1) as f64 * v;
        }
        Ok(Some(numerator / (verdicts.iter().sum::<f64>() + 1e-10)))
    }

    async fn context_recall(
        &mut self,
        question: &str,
        reference: &str,
        contexts: &[String],
    ) -> Result<Option<f64>, String> {
        let v = self
            .ask(
                "context_recall.classify",
                RECALL,
                json!({"question": question, "context": contexts.join("\n"), "answer": reference}),
                r#"{"classifications": [{"statement": "...", "reason": "...", "attributed": 0}]}"#,
            )
            .await?;
        let flags: Vec<f64> = v["classifications"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| flag(&x["attributed"])).collect())
            .unwrap_or_default();
        if flags.is_empty() {
            return Ok(None);
        }
        Ok(Some(flags.iter().sum::<f64>() / flags.len() as f64))
    }
}
