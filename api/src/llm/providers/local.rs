//! The built-in `local` provider: an extractive answerer, not a language model.
//! It returns the retrieved sentences that share the most words with the
//! question (ranked by BM25-style overlap), so it needs no network and no
//! download, and every word of its answer is quoted from the passages.

use std::collections::HashSet;

use analysis::retrieval::terms::tokens;

use super::{ChatRequest, Completion};

/// Model name the local provider reports.
pub const LOCAL_MODEL: &str = "raia-extractive-v1";

/// Words too common to count as overlap.
const STOP: [&str; 24] = [
    "a", "an", "the", "of", "to", "in", "on", "for", "and", "or", "is", "are", "was", "were",
    "what", "which", "who", "how", "when", "why", "does", "do", "did", "with",
];

fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let b = text.as_bytes();
    for (i, c) in text.char_indices() {
        let end =
            matches!(c, '.' | '!' | '?') && b.get(i + 1).is_none_or(|n| n.is_ascii_whitespace());
        if end || c == '\n' {
            let s = text[start..=i].trim();
            if !s.is_empty() {
                out.push(s);
            }
            start = i + c.len_utf8();
        }
    }
    let s = text[start..].trim();
    if !s.is_empty() {
        out.push(s);
    }
    out
}

/// Answers the last user message from the passages (empty passages: says so).
pub fn answer(req: &ChatRequest) -> Completion {
    let question = req.question.as_deref().unwrap_or_else(|| {
        req.messages
            .iter()
            .rev()
            .find(|m| m.role == "user")
            .map_or("", |m| m.content.as_str())
    });
    let q: HashSet<String> = tokens(question)
        .into_iter()
        .filter(|t| !STOP.contains(&t.as_str()))
        .collect();
    let mut best: Vec<(f64, usize, &str)> = Vec::new();
    for (order, s) in req.passages.iter().flat_map(|p| sentences(p)).enumerate() {
        let words: HashSet<String> = tokens(s).into_iter().collect();
        let overlap = q.iter().filter(|t| words.contains(*t)).count() as f64;
        if overlap > 0.0 {
            // Prefer dense sentences: overlap discounted by length.
            best.push((overlap / (1.0 + (words.len() as f64).ln()), order, s));
        }
    }
    best.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let text = match best.first() {
        Some((_, _, s)) => (*s).to_owned(),
        None if req.passages.is_empty() => {
            "The local extractive provider answers only from retrieved documents, and none were retrieved.".to_owned()
        }
        None => "No retrieved passage answers this question.".to_owned(),
    };
    let prompt: usize = req
        .passages
        .iter()
        .map(|p| p.split_whitespace().count())
        .sum::<usize>()
        + question.split_whitespace().count();
    Completion {
        completion_tokens: text.split_whitespace().count() as u64,
        prompt_tokens: prompt as u64,
        text,
        finish_reason: Some("stop".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::providers::Message;

    #[test]
    fn the_best_matching_sentence_is_quoted() {
        let req = ChatRequest {
            system: None,
            messages: vec![Message {
                role: "user".into(),
                content: "What is the capital of France?".into(),
            }],
            passages: vec![
                "Berlin is in Germany. Paris is the capital of France. It is large.".into(),
            ],
            question: None,
        };
        assert_eq!(answer(&req).text, "Paris is the capital of France.");
    }
}
