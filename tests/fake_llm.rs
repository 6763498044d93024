//! Fake OpenAI, Anthropic and TGI servers on 127.0.0.1 speaking their real wire
//! formats, streaming included. The model name picks a behaviour:
//! (for TGI, the first path segment of the base URL) `ok-*` answers; `limit-once-*` answers 429 with `Retry-After: 1` once, then
//! answers; `limit-always` always 429; `broken` always 500; `cut` streams two
//! pieces and then drops the connection; `slow-*` answers after 300 ms. A wrong
//! key gets the provider's 401. A prompt that is a judge task (see
//! [`crate::fake_judge`]) gets the judge's verdict instead of [`ANSWER`].

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    body::Body,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};
use serde_json::{json, Value};

/// The answer every fake gives (streamed in three pieces).
pub const ANSWER: &str = "Paris is the capital of France.";
const PIECES: [&str; 3] = ["Paris is ", "the capital ", "of France."];

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Path.
    pub path: String,
    /// Credential header value (`authorization` or `x-api-key`).
    pub credential: Option<String>,
    /// Body.
    pub body: Value,
}

#[derive(Default)]
struct Inner {
    key: String,
    seen: Mutex<Vec<Seen>>,
    calls: Mutex<HashMap<String, u32>>,
}

/// A running fake provider (all three protocols on one port).
#[derive(Clone)]
pub struct FakeLlm {
    /// `http://127.0.0.1:port`.
    pub base: String,
    inner: Arc<Inner>,
}

impl FakeLlm {
    /// Starts a fake that accepts `key`.
    pub async fn start(key: &str) -> Self {
        let inner = Arc::new(Inner {
            key: key.to_owned(),
            ..Inner::default()
        });
        let app = Router::new()
            .route("/v1/chat/completions", post(openai_chat))
            .route("/v1/embeddings", post(openai_embeddings))
            .route("/v1/messages", post(anthropic))
            // TGI serves one model per endpoint: the first path segment names the behaviour.
            .route("/{model}/generate", post(tgi))
            .route("/{model}/generate_stream", post(tgi_stream))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base, inner }
    }

    /// Requests received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.inner.seen.lock().unwrap().clone()
    }

    /// How many requests named `model`.
    pub fn calls(&self, model: &str) -> u32 {
        *self.inner.calls.lock().unwrap().get(model).unwrap_or(&0)
    }
}

type S = State<Arc<Inner>>;

enum Verdict {
    Answer,
    Fail(StatusCode, Option<u64>, &'static str),
    Cut,
}

/// Records the request and decides what to do with it.
fn judge(inner: &Inner, path: &str, model: &str, headers: &HeaderMap, body: &Value) -> Verdict {
    let credential = headers
        .get("authorization")
        .or_else(|| headers.get("x-api-key"))
        .map(|v| v.to_str().unwrap().to_owned());
    inner.seen.lock().unwrap().push(Seen {
        path: path.to_owned(),
        credential: credential.clone(),
        body: body.clone(),
    });
    let n = {
        let mut calls = inner.calls.lock().unwrap();
        let c = calls.entry(model.to_owned()).or_default();
        *c += 1;
        *c
    };
    let key_ok = credential.is_some_and(|c| c == inner.key || c == format!("Bearer {}", inner.key));
    if !key_ok {
        return Verdict::Fail(
            StatusCode::UNAUTHORIZED,
            None,
            "invalid x-api-key / Incorrect API key provided",
        );
    }
    if model.starts_with("limit-once") && n == 1 || model == "limit-always" {
        Verdict::Fail(StatusCode::TOO_MANY_REQUESTS, Some(1), "Rate limit reached")
    } else if model == "broken" {
        Verdict::Fail(
            StatusCode::INTERNAL_SERVER_ERROR,
            None,
            "The server had an error",
        )
    } else if model == "cut" {
        Verdict::Cut
    } else {
        Verdict::Answer
    }
}

fn openai_error(status: StatusCode, retry: Option<u64>, msg: &str) -> Response {
    let kind = if status == StatusCode::TOO_MANY_REQUESTS {
        "rate_limit_exceeded"
    } else {
        "server_error"
    };
    let mut r = (
        status,
        Json(json!({"error": {"message": msg, "type": kind, "param": null, "code": kind}})),
    )
        .into_response();
    if let Some(s) = retry {
        r.headers_mut()
            .insert("retry-after", s.to_string().parse().unwrap());
    }
    r
}

fn sse(frames: Vec<String>, cut: bool) -> Response {
    let mut items: Vec<Result<String, std::io::Error>> = frames.into_iter().map(Ok).collect();
    if cut {
        items.truncate(2);
        items.push(Err(std::io::Error::other("connection dropped")));
    }
    // Pieces arrive apart, as from a real model, so the client sees the headers
    // and the first pieces before a cut.
    let paced = futures::stream::unfold(items.into_iter(), |mut it| async move {
        tokio::time::sleep(std::time::Duration::from_millis(15)).await;
        it.next().map(|x| (x, it))
    });
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(Body::from_stream(paced))
        .unwrap()
}

async fn openai_chat(State(inner): S, headers: HeaderMap, Json(b): Json<Value>) -> Response {
    let verdict = judge(
        &inner,
        "/v1/chat/completions",
        b["model"].as_str().unwrap_or(""),
        &headers,
        &b,
    );
    if let Verdict::Fail(s, r, m) = verdict {
        return openai_error(s, r, m);
    }
    let model = b["model"].clone();
    if model.as_str().is_some_and(|m| m.starts_with("slow")) {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    let last = b["messages"]
        .as_array()
        .and_then(|m| m.last())
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default();
    let text = crate::fake_judge::reply(last).unwrap_or_else(|| ANSWER.to_owned());
    if b["stream"] == true {
        let mut frames: Vec<String> = PIECES
            .iter()
            .map(|p| {
                format!(
                    "data: {}\n\n",
                    json!({"id": "c1", "object": "chat.completion.chunk", "model": model,
                "choices": [{"index": 0, "delta": {"content": p}, "finish_reason": null}]})
                )
            })
            .collect();
        frames.push(format!(
            "data: {}\n\n",
            json!({"id": "c1", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        ));
        if b["stream_options"]["include_usage"] == true {
            frames.push(format!(
                "data: {}\n\n",
                json!({"id": "c1", "choices": [],
                "usage": {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19}})
            ));
        }
        frames.push("data: [DONE]\n\n".into());
        return sse(frames, matches!(verdict, Verdict::Cut));
    }
    Json(json!({"id": "c1", "object": "chat.completion", "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19}}))
    .into_response()
}

async fn openai_embeddings(State(inner): S, headers: HeaderMap, Json(b): Json<Value>) -> Response {
    if let Verdict::Fail(s, r, m) = judge(
        &inner,
        "/v1/embeddings",
        b["model"].as_str().unwrap_or(""),
        &headers,
        &b,
    ) {
        return openai_error(s, r, m);
    }
    let inputs: Vec<String> = match &b["input"] {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .map(|v| v.as_str().unwrap_or("").to_owned())
            .collect(),
        _ => {
            return openai_error(
                StatusCode::BAD_REQUEST,
                None,
                "input must be a string or list",
            )
        }
    };
    // Reversed order on the wire: clients must sort by `index`.
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .rev()
        .map(|(i, s)| json!({"object": "embedding", "index": i, "embedding": [s.len() as f64, 1.0, 0.5]}))
        .collect();
    Json(json!({"object": "list", "data": data, "model": b["model"], "usage": {"prompt_tokens": 3, "total_tokens": 3}})).into_response()
}

async fn anthropic(State(inner): S, headers: HeaderMap, Json(b): Json<Value>) -> Response {
    if headers.get("anthropic-version").is_none() || b["max_tokens"].as_u64().is_none() {
        return (
            StatusCode::BAD_REQUEST,
            Json(
                json!({"type": "error", "error": {"type": "invalid_request_error",
            "message": "anthropic-version header and max_tokens are required"}}),
            ),
        )
            .into_response();
    }
    let verdict = judge(
        &inner,
        "/v1/messages",
        b["model"].as_str().unwrap_or(""),
        &headers,
        &b,
    );
    if let Verdict::Fail(s, r, m) = verdict {
        let kind = match s.as_u16() {
            401 => "authentication_error",
            429 => "rate_limit_error",
            _ => "api_error",
        };
        let mut resp = (
            s,
            Json(json!({"type": "error", "error": {"type": kind, "message": m}})),
        )
            .into_response();
        if let Some(secs) = r {
            resp.headers_mut()
                .insert("retry-after", secs.to_string().parse().unwrap());
        }
        return resp;
    }
    if b["stream"] == true {
        let ev = |name: &str, v: Value| format!("event: {name}\ndata: {v}\n\n");
        let mut frames = vec![
            ev(
                "message_start",
                json!({"type": "message_start", "message": {"id": "m1", "type": "message", "role": "assistant",
                "content": [], "model": b["model"], "usage": {"input_tokens": 15, "output_tokens": 1}}}),
            ),
            ev(
                "content_block_start",
                json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
            ),
            ev("ping", json!({"type": "ping"})),
        ];
        for p in PIECES {
            frames.push(ev("content_block_delta", json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": p}})));
        }
        frames.push(ev(
            "content_block_stop",
            json!({"type": "content_block_stop", "index": 0}),
        ));
        frames.push(ev("message_delta", json!({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 8}})));
        frames.push(ev("message_stop", json!({"type": "message_stop"})));
        let cut = matches!(verdict, Verdict::Cut);
        let frames = if cut {
            frames[..3]
                .iter()
                .chain(frames[3..4].iter())
                .cloned()
                .collect()
        } else {
            frames
        };
        return sse(frames, cut);
    }
    Json(
        json!({"id": "m1", "type": "message", "role": "assistant", "model": b["model"],
        "content": [{"type": "text", "text": ANSWER}], "stop_reason": "end_turn",
        "usage": {"input_tokens": 15, "output_tokens": 8}}),
    )
    .into_response()
}

fn tgi_verdict(
    inner: &Inner,
    path: &str,
    model: &str,
    headers: &HeaderMap,
    b: &Value,
) -> Result<Verdict, Box<Response>> {
    match judge(inner, path, model, headers, b) {
        Verdict::Fail(s, r, m) => {
            let mut resp =
                (s, Json(json!({"error": m, "error_type": "generation"}))).into_response();
            if let Some(secs) = r {
                resp.headers_mut()
                    .insert("retry-after", secs.to_string().parse().unwrap());
            }
            Err(Box::new(resp))
        }
        v => Ok(v),
    }
}

async fn tgi(
    State(inner): S,
    Path(model): Path<String>,
    headers: HeaderMap,
    Json(b): Json<Value>,
) -> Response {
    if let Err(r) = tgi_verdict(&inner, "/generate", &model, &headers, &b) {
        return *r;
    }
    Json(json!({"generated_text": ANSWER, "details": {"finish_reason": "eos_token", "generated_tokens": 9, "seed": null}})).into_response()
}

async fn tgi_stream(
    State(inner): S,
    Path(model): Path<String>,
    headers: HeaderMap,
    Json(b): Json<Value>,
) -> Response {
    let verdict = match tgi_verdict(&inner, "/generate_stream", &model, &headers, &b) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let n = PIECES.len();
    let frames = PIECES
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let last = i + 1 == n;
            format!("data:{}\n\n", json!({"index": i + 1, "token": {"id": i, "text": p, "logprob": -0.1, "special": false},
                "generated_text": if last { json!(ANSWER) } else { Value::Null },
                "details": if last { json!({"finish_reason": "eos_token", "generated_tokens": 9, "seed": null}) } else { Value::Null }}))
        })
        .collect();
    sse(frames, matches!(verdict, Verdict::Cut))
}
