//! KServe / Open Inference Protocol v2 (`/v2/models/{name}/infer`): rows go as
//! one FP64 tensor `[rows, features]`; the first output (or the one named
//! `probabilities`/`predict_proba` when present) comes back row-major.

use analysis::inference::Prediction;
use domain::model::RemoteEndpoint;
use ndarray::Array2;
use serde_json::{json, Value};

use super::RemoteError;

fn name(ep: &RemoteEndpoint) -> Result<&str, RemoteError> {
    ep.model_name
        .as_deref()
        .ok_or_else(|| RemoteError::Rejected("a KServe v2 endpoint needs model_name".into()))
}

fn base(ep: &RemoteEndpoint) -> &str {
    ep.url.trim_end_matches('/')
}

/// `GET /v2/models/{name}/ready`.
pub fn ready_url(ep: &RemoteEndpoint) -> Result<String, RemoteError> {
    Ok(format!("{}/v2/models/{}/ready", base(ep), name(ep)?))
}

/// `POST /v2/models/{name}/infer`.
pub fn infer_url(ep: &RemoteEndpoint) -> Result<String, RemoteError> {
    Ok(format!("{}/v2/models/{}/infer", base(ep), name(ep)?))
}

/// The inference request.
pub fn request(ep: &RemoteEndpoint, x: &Array2<f64>) -> Value {
    json!({
        "id": uuid::Uuid::now_v7().to_string(),
        "inputs": [{
            "name": ep.input_name.as_deref().unwrap_or("input-0"),
            "shape": [x.nrows(), x.ncols()],
            "datatype": "FP64",
            "data": x.iter().copied().collect::<Vec<f64>>(),
        }]
    })
}

/// Reads the response's chosen output as per-row values.
pub fn prediction(
    answer: &Value,
    n: usize,
    classes: Option<&Value>,
) -> Result<Prediction, RemoteError> {
    let bad = |m: &str| RemoteError::BadResponse(format!("KServe v2: {m}"));
    let outputs = answer["outputs"]
        .as_array()
        .ok_or_else(|| bad("no outputs"))?;
    let preferred = ["probabilities", "predict_proba", "output_probability"];
    let out = outputs
        .iter()
        .find(|o| o["name"].as_str().is_some_and(|n| preferred.contains(&n)) && classes.is_some())
        .or_else(|| outputs.first())
        .ok_or_else(|| bad("empty outputs"))?;
    let data = out["data"]
        .as_array()
        .ok_or_else(|| bad("output without data"))?;
    let shape: Vec<usize> = out["shape"]
        .as_array()
        .ok_or_else(|| bad("output without shape"))?
        .iter()
        .map(|d| d.as_u64().map(|d| d as usize))
        .collect::<Option<_>>()
        .ok_or_else(|| bad("shape is not a list of sizes"))?;
    let width = match shape.as_slice() {
        [rows] if *rows == n => 1,
        [rows, w] if *rows == n => *w,
        _ => return Err(bad(&format!("output shape {shape:?} for {n} rows"))),
    };
    if data.len() != n * width {
        return Err(bad(&format!("{} values for shape {shape:?}", data.len())));
    }
    let rows = data.chunks(width.max(1)).map(<[Value]>::to_vec).collect();
    super::shape_outputs(rows, classes)
}
