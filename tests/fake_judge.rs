//! Deterministic answers to RAIA's judge prompts (`Task: <step>`, `Input:` a
//! JSON object, then the output shape), for the fake OpenAI server. A statement
//! or sentence is "supported" when every one of its words occurs in the context
//! (lower-cased, split on anything but letters and digits). Replies wrap the
//! JSON in prose and a code fence, as real judges often do.

use serde_json::{json, Value};

fn words(s: &str) -> Vec<String> {
    s.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The sentences of a text (split on `.`, trimmed, empty ones dropped).
pub fn sentences(s: &str) -> Vec<String> {
    s.split('.')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether every word of `claim` occurs in `context`.
pub fn supported(claim: &str, context: &str) -> bool {
    let ctx = words(context);
    words(claim).iter().all(|w| ctx.contains(w))
}

/// The question the fake writes for an answer (answer relevancy).
pub fn question_for(answer: &str) -> String {
    format!("What does this say: {answer}?")
}

/// The fake judge's reply to a prompt, or `None` when the prompt is no judge task.
pub fn reply(prompt: &str) -> Option<String> {
    let rest = prompt.strip_prefix("Task: ")?;
    let (task, rest) = rest.split_once('\n')?;
    let input = rest
        .strip_prefix("Input:\n")?
        .split_once("\nAnswer with")?
        .0;
    let input: Value = serde_json::from_str(input).ok()?;
    let text = |k: &str| input[k].as_str().unwrap_or_default().to_owned();
    let flag = |b: bool| u8::from(b);
    let out = match task {
        "faithfulness.statements" => json!({"statements": sentences(&text("answer"))}),
        "faithfulness.verdicts" => {
            let ctx = text("context");
            let verdicts: Vec<Value> = input["statements"]
                .as_array()?
                .iter()
                .map(|s| {
                    let s = s.as_str().unwrap_or_default();
                    json!({"statement": s, "reason": "word overlap", "verdict": flag(supported(s, &ctx))})
                })
                .collect();
            json!({ "verdicts": verdicts })
        }
        "answer_relevancy.question" => {
            let a = text("answer");
            json!({"question": question_for(&a), "noncommittal": flag(a.contains("don't know"))})
        }
        "context_precision.verdict" => {
            json!({"reason": "word overlap", "verdict": flag(supported(&text("answer"), &text("context")))})
        }
        "context_recall.classify" => {
            let ctx = text("context");
            let c: Vec<Value> = sentences(&text("answer"))
                .iter()
                .map(|s| json!({"statement": s, "reason": "word overlap", "attributed": flag(supported(s, &ctx))}))
                .collect();
            json!({ "classifications": c })
        }
        _ => return None,
    };
    Some(format!("Here is my verdict:\n```json\n{out}\n```"))
}
