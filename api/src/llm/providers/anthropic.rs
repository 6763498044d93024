//! Anthropic's `/v1/messages`.

use serde_json::{json, Value};

use super::{
    json_body, send,
    stream::{data_json, pump, Items, Step},
    ChatRequest, Completion, ProviderError, Target,
};

const VERSION: &str = "2023-06-01";

fn body(target: &Target, req: &ChatRequest, stream: bool) -> Value {
    let p = &target.params;
    let messages: Vec<Value> = req
        .messages
        .iter()
        .map(|m| json!({"role": m.role, "content": m.content}))
        .collect();
    let mut b = json!({
        "model": target.model,
        "max_tokens": p.max_tokens.unwrap_or(1024),
        "messages": messages,
        "stream": stream,
    });
    if let Some(s) = &req.system {
        b["system"] = json!(s);
    }
    if let Some(t) = p.temperature {
        b["temperature"] = json!(t.min(1.0));
    }
    if let Some(t) = p.top_p {
        b["top_p"] = json!(t);
    }
    b
}

fn request(http: &reqwest::Client, target: &Target, body: &Value) -> reqwest::RequestBuilder {
    let r = http
        .post(format!("{}/v1/messages", target.base_url))
        .header("anthropic-version", VERSION)
        .json(body);
    match &target.api_key {
        Some(k) => r.header("x-api-key", k),
        None => r,
    }
}

/// A whole answer: the text blocks of `content[]` joined.
pub async fn complete(
    http: &reqwest::Client,
    target: &Target,
    req: &ChatRequest,
) -> Result<Completion, ProviderError> {
    let b = body(target, req, false);
    let resp = send(target, || request(http, target, &b)).await?;
    let v = json_body(resp).await?;
    let blocks = v["content"]
        .as_array()
        .ok_or_else(|| ProviderError::BadResponse("no content[]".into()))?;
    let text: String = blocks
        .iter()
        .filter(|b| b["type"] == "text")
        .filter_map(|b| b["text"].as_str())
        .collect();
    Ok(Completion {
        text,
        prompt_tokens: v["usage"]["input_tokens"].as_u64().unwrap_or(0),
        completion_tokens: v["usage"]["output_tokens"].as_u64().unwrap_or(0),
        finish_reason: v["stop_reason"].as_str().map(str::to_owned),
    })
}

/// A streamed answer: `message_start`, `content_block_delta`s, `message_delta`, `message_stop`.
pub async fn stream(
    http: &reqwest::Client,
    target: &Target,
    req: &ChatRequest,
) -> Result<Items, ProviderError> {
    let b = body(target, req, true);
    let resp = send(target, || request(http, target, &b)).await?;
    Ok(pump(resp, target.timeout(), |f, done| {
        let v = match data_json(f) {
            Ok(v) => v,
            Err(_) if f.event == "ping" => return Step::Text(String::new()),
            Err(e) => return Step::Fail(e),
        };
        let kind = v["type"].as_str().unwrap_or(f.event.as_str());
        match kind {
            "message_start" => {
                done.prompt_tokens = v["message"]["usage"]["input_tokens"].as_u64().unwrap_or(0);
                Step::Text(String::new())
            }
            "content_block_delta" => {
                Step::Text(v["delta"]["text"].as_str().unwrap_or("").to_owned())
            }
            "message_delta" => {
                if let Some(n) = v["usage"]["output_tokens"].as_u64() {
                    done.completion_tokens = n;
                }
                if let Some(r) = v["delta"]["stop_reason"].as_str() {
                    done.finish_reason = Some(r.to_owned());
                }
                Step::Text(String::new())
            }
            "message_stop" => Step::End,
            "error" => Step::Fail(ProviderError::Upstream {
                status: 200,
                message: super::error::error_message(&f.data),
            }),
            _ => Step::Text(String::new()),
        }
    }))
}
