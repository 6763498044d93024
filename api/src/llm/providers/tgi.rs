//! Hugging Face Text Generation Inference (`/generate`, `/generate_stream`), as
//! served by TGI and Inference Endpoints. The conversation is flattened into one
//! prompt; TGI reports generated tokens, and RAIA counts prompt words.

use serde_json::{json, Value};

use super::{
    bearer_post, json_body, send,
    stream::{data_json, pump, Items, Step},
    ChatRequest, Completion, ProviderError, Target,
};

/// The conversation as one prompt.
pub fn prompt(req: &ChatRequest) -> String {
    let mut p = String::new();
    if let Some(s) = &req.system {
        p.push_str(s);
        p.push_str("\n\n");
    }
    for m in &req.messages {
        p.push_str(&format!("{}: {}\n", m.role, m.content));
    }
    p.push_str("assistant:");
    p
}

fn body(target: &Target, prompt: &str) -> Value {
    let p = &target.params;
    let mut params = json!({"details": true, "max_new_tokens": p.max_tokens.unwrap_or(512)});
    if let Some(t) = p.temperature.filter(|t| *t > 0.0) {
        params["temperature"] = json!(t);
        params["do_sample"] = json!(true);
    }
    if let Some(t) = p.top_p.filter(|t| *t < 1.0) {
        params["top_p"] = json!(t);
    }
    json!({"inputs": prompt, "parameters": params})
}

fn prompt_tokens(prompt: &str) -> u64 {
    prompt.split_whitespace().count() as u64
}

/// A whole answer.
pub async fn complete(
    http: &reqwest::Client,
    target: &Target,
    req: &ChatRequest,
) -> Result<Completion, ProviderError> {
    let p = prompt(req);
    let b = body(target, &p);
    let resp = send(target, || bearer_post(http, target, "/generate", &b)).await?;
    let v = json_body(resp).await?;
    // TGI answers an object; Inference Endpoints sometimes a one-element list.
    let v = if v.is_array() { v[0].clone() } else { v };
    let text = v["generated_text"]
        .as_str()
        .ok_or_else(|| ProviderError::BadResponse("no generated_text".into()))?;
    Ok(Completion {
        text: text.to_owned(),
        prompt_tokens: prompt_tokens(&p),
        completion_tokens: v["details"]["generated_tokens"].as_u64().unwrap_or(0),
        finish_reason: v["details"]["finish_reason"].as_str().map(str::to_owned),
    })
}

/// A streamed answer: one `token` per frame, the last with `details`.
pub async fn stream(
    http: &reqwest::Client,
    target: &Target,
    req: &ChatRequest,
) -> Result<Items, ProviderError> {
    let p = prompt(req);
    let b = body(target, &p);
    let resp = send(target, || bearer_post(http, target, "/generate_stream", &b)).await?;
    let pt = prompt_tokens(&p);
    Ok(pump(resp, target.timeout(), move |f, done| {
        let v = match data_json(f) {
            Ok(v) => v,
            Err(e) => return Step::Fail(e),
        };
        if let Some(e) = v["error"].as_str() {
            return Step::Fail(ProviderError::Upstream {
                status: 200,
                message: e.chars().take(300).collect(),
            });
        }
        let special = v["token"]["special"].as_bool().unwrap_or(false);
        let text = if special {
            String::new()
        } else {
            v["token"]["text"].as_str().unwrap_or("").to_owned()
        };
        if v["details"].is_object() {
            done.prompt_tokens = pt;
            done.completion_tokens = v["details"]["generated_tokens"].as_u64().unwrap_or(0);
            done.finish_reason = v["details"]["finish_reason"].as_str().map(str::to_owned);
            return Step::EndWith(text);
        }
        Step::Text(text)
    }))
}
