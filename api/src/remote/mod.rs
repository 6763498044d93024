//! Models RAIA does not run itself: a version may point at a model server
//! (KServe / Open Inference Protocol v2, or MLflow's scoring server). Calls
//! have a per-attempt time limit, retries with backoff on connection errors,
//! 429 and 5xx, and a circuit breaker per server that fails fast while the
//! server is down.

pub mod breaker;
pub mod engine;
mod kserve;
mod mlflow;

use std::time::Duration;

use analysis::inference::Prediction;
use axum::http::StatusCode;
use domain::model::{RemoteEndpoint, RemoteProtocol};
use ndarray::Array2;

use crate::error::ApiError;

/// Why a remote call failed.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// No answer within the time limit.
    #[error("the model server did not answer within {0} ms")]
    Timeout(u64),
    /// Unreachable or answered 5xx/429 on every attempt.
    #[error("the model server failed: {0}")]
    Failed(String),
    /// It refused the request (4xx).
    #[error("the model server refused the request: {0}")]
    Rejected(String),
    /// Its answer does not fit the protocol or the model's signature.
    #[error("the model server's answer is malformed: {0}")]
    BadResponse(String),
    /// The breaker is open after repeated failures.
    #[error("the model server is failing; calls resume in {0} s")]
    Open(u64),
}

impl From<RemoteError> for ApiError {
    fn from(e: RemoteError) -> Self {
        let detail = e.to_string();
        match e {
            RemoteError::Timeout(_) => {
                Self::new(StatusCode::GATEWAY_TIMEOUT, "model_server_timeout", detail)
            }
            RemoteError::Failed(_) => {
                Self::new(StatusCode::BAD_GATEWAY, "model_server_error", detail)
            }
            RemoteError::Rejected(_) => Self::unprocessable("model_server_rejected", detail),
            RemoteError::BadResponse(_) => {
                Self::new(StatusCode::BAD_GATEWAY, "model_server_bad_response", detail)
            }
            RemoteError::Open(secs) => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "model_server_unavailable",
                detail,
            )
            .retry_after(secs),
        }
    }
}

/// The client shared by every remote call (connection pooling; no redirects).
fn http() -> &'static reqwest::Client {
    static CLIENT: std::sync::LazyLock<reqwest::Client> = std::sync::LazyLock::new(|| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default()
    });
    &CLIENT
}

/// One HTTP exchange: JSON body in, JSON out, classified.
async fn exchange(
    ep: &RemoteEndpoint,
    url: &str,
    body: Option<&serde_json::Value>,
) -> Result<serde_json::Value, Attempt> {
    let timeout = Duration::from_millis(ep.timeout_ms.max(1));
    let req = match body {
        Some(b) => http().post(url).json(b),
        None => http().get(url),
    };
    let r = match req.timeout(timeout).send().await {
        Ok(r) => r,
        Err(e) if e.is_timeout() => {
            return Err(Attempt::Retry(RemoteError::Timeout(ep.timeout_ms)))
        }
        Err(e) => return Err(Attempt::Retry(RemoteError::Failed(e.to_string()))),
    };
    let status = r.status();
    let text = match r.text().await {
        Ok(t) => t,
        Err(e) if e.is_timeout() => {
            return Err(Attempt::Retry(RemoteError::Timeout(ep.timeout_ms)))
        }
        Err(e) => return Err(Attempt::Retry(RemoteError::Failed(e.to_string()))),
    };
    let brief: String = text.chars().take(300).collect();
    if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        return Err(Attempt::Retry(RemoteError::Failed(format!(
            "HTTP {status}: {brief}"
        ))));
    }
    if !status.is_success() {
        return Err(Attempt::Final(RemoteError::Rejected(format!(
            "HTTP {status}: {brief}"
        ))));
    }
    if body.is_none() {
        return Ok(serde_json::Value::Null);
    }
    serde_json::from_str(&text)
        .map_err(|e| Attempt::Final(RemoteError::BadResponse(format!("not JSON: {e}"))))
}

/// How one attempt ended.
enum Attempt {
    /// Worth another try.
    Retry(RemoteError),
    /// Not.
    Final(RemoteError),
}

/// Calls with retries (100 ms, 200 ms, 400 ms, ...) behind the server's breaker.
async fn call(
    ep: &RemoteEndpoint,
    url: &str,
    body: Option<&serde_json::Value>,
) -> Result<serde_json::Value, RemoteError> {
    breaker::admit(&ep.url)?;
    let mut attempt = 0;
    loop {
        match exchange(ep, url, body).await {
            Ok(v) => {
                breaker::success(&ep.url);
                return Ok(v);
            }
            Err(Attempt::Final(e)) => {
                // The server answered: it is up, the request was wrong.
                breaker::success(&ep.url);
                return Err(e);
            }
            Err(Attempt::Retry(e)) if attempt >= ep.retries => {
                breaker::failure(&ep.url);
                return Err(e);
            }
            Err(Attempt::Retry(_)) => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(100 << (attempt - 1).min(6))).await;
            }
        }
    }
}

/// Checks that the server is up and serves the model (used at registration).
pub async fn probe(ep: &RemoteEndpoint) -> Result<(), RemoteError> {
    let url = match ep.protocol {
        RemoteProtocol::KserveV2 => kserve::ready_url(ep)?,
        RemoteProtocol::Mlflow => mlflow::ping_url(ep),
    };
    call(ep, &url, None).await.map(|_| ())
}

/// Predicts `x` (rows × features; `names` in column order) on the server.
pub async fn predict(
    ep: &RemoteEndpoint,
    x: &Array2<f64>,
    names: Option<&[String]>,
    classes: Option<&serde_json::Value>,
) -> Result<Prediction, RemoteError> {
    let (url, body) = match ep.protocol {
        RemoteProtocol::KserveV2 => (kserve::infer_url(ep)?, kserve::request(ep, x)),
        RemoteProtocol::Mlflow => (mlflow::invocations_url(ep), mlflow::request(x, names)),
    };
    let answer = call(ep, &url, Some(&body)).await?;
    let n = x.nrows();
    match ep.protocol {
        RemoteProtocol::KserveV2 => kserve::prediction(&answer, n, classes),
        RemoteProtocol::Mlflow => mlflow::prediction(&answer, n, classes),
    }
}

/// Interprets per-row outputs: a row of numbers is a probability vector (a
/// classifier), a scalar is a label (classifier) or a value (regressor).
fn shape_outputs(
    rows: Vec<Vec<serde_json::Value>>,
    classes: Option<&serde_json::Value>,
) -> Result<Prediction, RemoteError> {
    let bad = |m: String| RemoteError::BadResponse(m);
    let n = rows.len();
    let width = rows.first().map_or(0, Vec::len);
    if rows.iter().any(|r| r.len() != width) || width == 0 {
        return Err(bad("rows of different or zero width".into()));
    }
    let num = |v: &serde_json::Value| {
        v.as_f64()
            .ok_or_else(|| bad(format!("{v} is not a number")))
    };
    match classes.and_then(|c| c.as_array()) {
        Some(cls) if width == cls.len() && width > 1 => {
            let flat = rows
                .iter()
                .flatten()
                .map(num)
                .collect::<Result<Vec<_>, _>>()?;
            let probs = Array2::from_shape_vec((n, width), flat).map_err(|e| bad(e.to_string()))?;
            let labels = probs
                .rows()
                .into_iter()
                .map(|r| {
                    let best = r
                        .iter()
                        .enumerate()
                        .fold(0, |b, (j, v)| if *v > r[b] { j } else { b });
                    cls[best].clone()
                })
                .collect::<Vec<_>>();
            Ok(Prediction {
                labels: Some(labels_of(&labels)?),
                probabilities: Some(probs),
                values: None,
            })
        }
        Some(cls) if width == 1 => {
            let labels: Vec<serde_json::Value> =
                rows.into_iter().map(|mut r| r.remove(0)).collect();
            if let Some(l) = labels
                .iter()
                .find(|l| !cls.iter().any(|c| same_label(c, l)))
            {
                return Err(bad(format!(
                    "label {l} is not one of the classes {}",
                    serde_json::Value::Array(cls.clone())
                )));
            }
            Ok(Prediction {
                labels: Some(labels_of(&labels)?),
                probabilities: None,
                values: None,
            })
        }
        Some(cls) => Err(bad(format!(
            "{width} outputs per row for {} classes",
            cls.len()
        ))),
        None if width == 1 => Ok(Prediction {
            labels: None,
            probabilities: None,
            values: Some(rows.iter().map(|r| num(&r[0])).collect::<Result<_, _>>()?),
        }),
        None => Err(bad(format!("{width} outputs per row for a regressor"))),
    }
}

fn same_label(c: &serde_json::Value, l: &serde_json::Value) -> bool {
    c == l || (c.as_f64().is_some() && c.as_f64() == l.as_f64())
}

fn labels_of(v: &[serde_json::Value]) -> Result<analysis::inference::Labels, RemoteError> {
    use analysis::inference::Labels;
    if v.iter()
        .all(|l| l.as_f64().is_some_and(|f| f.fract() == 0.0))
    {
        Ok(Labels::Int(
            v.iter()
                .map(|l| l.as_f64().unwrap_or_default() as i64)
                .collect(),
        ))
    } else {
        Ok(Labels::Str(
            v.iter()
                .map(|l| l.as_str().map_or_else(|| l.to_string(), str::to_owned))
                .collect(),
        ))
    }
}
