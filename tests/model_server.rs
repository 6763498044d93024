//! A small model server on 127.0.0.1 speaking KServe v2 (`/v2/models/{name}/ready`,
//! `/v2/models/{name}/infer`) and MLflow (`/ping`, `/invocations`). It serves a
//! logistic classifier (`p = sigmoid(a - b)`) under KServe and a linear
//! regressor (`a + 2b`) under MLflow, and can be told to fail or stall.

use std::{
    sync::{
        atomic::{AtomicU32, AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde_json::{json, Value};

#[derive(Default)]
struct Inner {
    calls: AtomicU32,
    fail_next: AtomicU32,
    always_fail: std::sync::atomic::AtomicBool,
    delay_ms: AtomicU64,
}

/// A running fake model server.
#[derive(Clone)]
pub struct ModelServer {
    inner: Arc<Inner>,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

/// The classifier the KServe side serves: probability of class 1.
pub fn sigmoid_a_minus_b(a: f64, b: f64) -> f64 {
    1.0 / (1.0 + (-(a - b)).exp())
}

impl ModelServer {
    /// Starts the server.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let inner = Arc::new(Inner::default());
        let app = Router::new()
            .route("/v2/models/{name}/ready", get(ready))
            .route("/v2/models/{name}/infer", post(infer))
            .route("/ping", get(|| async { "" }))
            .route("/invocations", post(invocations))
            .with_state(inner.clone());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { inner, base }
    }

    /// Inference calls received (ready/ping excluded).
    pub fn calls(&self) -> u32 {
        self.inner.calls.load(Ordering::SeqCst)
    }

    /// The next `n` inference calls answer 500.
    pub fn fail_next(&self, n: u32) {
        self.inner.fail_next.store(n, Ordering::SeqCst);
    }

    /// Every inference call answers 500 (or not).
    pub fn set_down(&self, down: bool) {
        self.inner.always_fail.store(down, Ordering::SeqCst);
    }

    /// Each inference call waits this long first.
    pub fn set_delay(&self, ms: u64) {
        self.inner.delay_ms.store(ms, Ordering::SeqCst);
    }
}

/// Common fault injection; `Some` is the answer to give instead.
async fn fault(s: &Inner) -> Option<Response> {
    s.calls.fetch_add(1, Ordering::SeqCst);
    let delay = s.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let injected = s
        .fail_next
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    (injected || s.always_fail.load(Ordering::SeqCst))
        .then(|| (StatusCode::INTERNAL_SERVER_ERROR, "model crashed").into_response())
}

async fn ready(Path(name): Path<String>) -> Response {
    if name == "churn" {
        StatusCode::OK.into_response()
    } else {
        (StatusCode::NOT_FOUND, "no such model").into_response()
    }
}

async fn infer(
    State(s): State<Arc<Inner>>,
    Path(name): Path<String>,
    Json(req): Json<Value>,
) -> Response {
    if let Some(r) = fault(&s).await {
        return r;
    }
    if name != "churn" {
        return (StatusCode::NOT_FOUND, "no such model").into_response();
    }
    let input = &req["inputs"][0];
    if input["datatype"] != "FP64" || input["shape"][1] != 2 {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "expected FP64 [n, 2]"})),
        )
            .into_response();
    }
    let data: Vec<f64> = input["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let n = data.len() / 2;
    let probs: Vec<f64> = data
        .chunks(2)
        .flat_map(|r| {
            let p = sigmoid_a_minus_b(r[0], r[1]);
            [1.0 - p, p]
        })
        .collect();
    let labels: Vec<i64> = data
        .chunks(2)
        .map(|r| i64::from(sigmoid_a_minus_b(r[0], r[1]) > 0.5))
        .collect();
    Json(json!({
        "model_name": name, "id": req["id"],
        "outputs": [
            {"name": "label", "shape": [n], "datatype": "INT64", "data": labels},
            {"name": "probabilities", "shape": [n, 2], "datatype": "FP64", "data": probs}
        ]
    }))
    .into_response()
}

async fn invocations(State(s): State<Arc<Inner>>, Json(req): Json<Value>) -> Response {
    if let Some(r) = fault(&s).await {
        return r;
    }
    let split = &req["dataframe_split"];
    let cols: Vec<&str> = split["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let (ia, ib) = match (
        cols.iter().position(|c| *c == "a"),
        cols.iter().position(|c| *c == "b"),
    ) {
        (Some(a), Some(b)) => (a, b),
        _ => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error_code": "BAD_REQUEST", "message": "columns a and b required"})),
            )
                .into_response()
        }
    };
    let preds: Vec<f64> = split["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[ia].as_f64().unwrap() + 2.0 * r[ib].as_f64().unwrap())
        .collect();
    Json(json!({ "predictions": preds })).into_response()
}
