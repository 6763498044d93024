//! OpenAI's protocol (`/v1/chat/completions`, `/v1/embeddings`), also spoken by
//! vLLM, Ollama, llama.cpp's server and other compatible servers.

use serde_json::{json, Value};

use super::{
    bearer_post, json_body, send,
    stream::{data_json, pump, Items, Step},
    ChatRequest, Completion, ProviderError, Target,
};

fn body(target: &Target, req: &ChatRequest, stream: bool) -> Value {
    let mut messages = Vec::new();
    if let Some(s) = &req.system {
        messages.push(json!({"role": "system", "content": s}));
    }
    for m in &req.messages {
        messages.push(json!({"role": m.role, "content": m.content}));
    }
    let p = &target.params;
    let mut b = json!({"model": target.model, "messages": messages, "stream": stream});
    if let Some(t) = p.temperature {
        b["temperature"] = json!(t);
    }
    if let Some(t) = p.max_tokens {
        b["max_tokens"] = json!(t);
    }
    if let Some(t) = p.top_p {
        b["top_p"] = json!(t);
    }
    if stream {
        b["stream_options"] = json!({"include_usage": true});
    }
    b
}

fn usage(v: &Value, c: &mut Completion) {
    if let Some(u) = v.get("usage").filter(|u| u.is_object()) {
        c.prompt_tokens = u["prompt_tokens"].as_u64().unwrap_or(0);
        c.completion_tokens = u["completion_tokens"].as_u64().unwrap_or(0);
    }
}

/// A whole answer.
pub async fn complete(
    http: &reqwest::Client,
    target: &Target,
    req: &ChatRequest,
) -> Result<Completion, ProviderError> {
    let b = body(target, req, false);
    let resp = send(target, || {
        bearer_post(http, target, "/v1/chat/completions", &b)
    })
    .await?;
    let v = json_body(resp).await?;
    let choice = &v["choices"][0];
    let text = choice["message"]["content"]
        .as_str()
        .ok_or_else(|| ProviderError::BadResponse("no choices[0].message.content".into()))?;
    let mut c = Completion {
        text: text.to_owned(),
        finish_reason: choice["finish_reason"].as_str().map(str::to_owned),
        ..Completion::default()
    };
    usage(&v, &mut c);
    Ok(c)
}

/// A streamed answer: `delta.content` chunks, a usage chunk, then `[DONE]`.
pub async fn stream(
    http: &reqwest::Client,
    target: &Target,
    req: &ChatRequest,
) -> Result<Items, ProviderError> {
    let b = body(target, req, true);
    let resp = send(target, || {
        bearer_post(http, target, "/v1/chat/completions", &b)
    })
    .await?;
    Ok(pump(resp, target.timeout(), |f, done| {
        if f.data.trim() == "[DONE]" {
            return Step::End;
        }
        let v = match data_json(f) {
            Ok(v) => v,
            Err(e) => return Step::Fail(e),
        };
        if v.get("error").is_some() {
            return Step::Fail(ProviderError::Upstream {
                status: 200,
                message: super::error::error_message(&f.data),
            });
        }
        usage(&v, done);
        let choice = &v["choices"][0];
        if let Some(r) = choice["finish_reason"].as_str() {
            done.finish_reason = Some(r.to_owned());
        }
        Step::Text(choice["delta"]["content"].as_str().unwrap_or("").to_owned())
    }))
}

/// Embeddings of `inputs`, in order.
pub async fn embed(
    http: &reqwest::Client,
    target: &Target,
    inputs: &[String],
) -> Result<Vec<Vec<f32>>, ProviderError> {
    let model = target
        .params
        .embedding_model
        .clone()
        .unwrap_or_else(|| target.model.clone());
    let b = json!({"model": model, "input": inputs});
    let resp = send(target, || bearer_post(http, target, "/v1/embeddings", &b)).await?;
    let v = json_body(resp).await?;
    let mut rows: Vec<(u64, Vec<f32>)> = v["data"]
        .as_array()
        .ok_or_else(|| ProviderError::BadResponse("no data[]".into()))?
        .iter()
        .map(|d| {
            let e = d["embedding"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_f64)
                        .map(|x| x as f32)
                        .collect()
                })
                .unwrap_or_default();
            (d["index"].as_u64().unwrap_or(0), e)
        })
        .collect();
    rows.sort_by_key(|r| r.0);
    if rows.len() != inputs.len() {
        return Err(ProviderError::BadResponse(format!(
            "{} embeddings for {} inputs",
            rows.len(),
            inputs.len()
        )));
    }
    Ok(rows.into_iter().map(|r| r.1).collect())
}
