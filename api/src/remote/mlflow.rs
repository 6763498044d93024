//! MLflow's scoring server: `POST /invocations` with a `dataframe_split`
//! (columns and rows); the answer is `{"predictions": [...]}` with a scalar or
//! a probability row per input row.

use analysis::inference::Prediction;
use domain::model::RemoteEndpoint;
use ndarray::Array2;
use serde_json::{json, Value};

use super::RemoteError;

fn base(ep: &RemoteEndpoint) -> &str {
    ep.url.trim_end_matches('/')
}

/// `GET /ping`.
pub fn ping_url(ep: &RemoteEndpoint) -> String {
    format!("{}/ping", base(ep))
}

/// `POST /invocations`.
pub fn invocations_url(ep: &RemoteEndpoint) -> String {
    format!("{}/invocations", base(ep))
}

/// The scoring request; columns are the feature names, else `f0`, `f1`, ...
pub fn request(x: &Array2<f64>, names: Option<&[String]>) -> Value {
    let columns: Vec<String> = match names {
        Some(n) => n.to_vec(),
        None => (0..x.ncols()).map(|j| format!("f{j}")).collect(),
    };
    let data: Vec<Vec<f64>> = x.rows().into_iter().map(|r| r.to_vec()).collect();
    json!({ "dataframe_split": { "columns": columns, "data": data } })
}

/// Reads `predictions` (a list, or `{"predictions": {...}}` column maps are refused).
pub fn prediction(
    answer: &Value,
    n: usize,
    classes: Option<&Value>,
) -> Result<Prediction, RemoteError> {
    let bad = |m: String| RemoteError::BadResponse(format!("MLflow: {m}"));
    let list = answer["predictions"]
        .as_array()
        .or_else(|| answer.as_array())
        .ok_or_else(|| bad("no predictions list".into()))?;
    if list.len() != n {
        return Err(bad(format!("{} predictions for {n} rows", list.len())));
    }
    let rows = list
        .iter()
        .map(|p| match p {
            Value::Array(a) => a.clone(),
            v => vec![v.clone()],
        })
        .collect();
    super::shape_outputs(rows, classes)
}
