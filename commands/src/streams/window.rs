//! Pure window analytics: schema validation, per-feature statistics, rates,
//! latency, prediction distribution, and drift against a reference dataset
//! with the same tests as batch drift (`analysis::drift`).

use std::collections::BTreeMap;

use analysis::drift::{detect_all, ColumnSpec, DEFAULT_DRIFT_SHARE};
use domain::stream::{FieldKind, FieldSpec, StreamSpec};
use serde::Serialize;
use serde_json::{json, Value};

/// A reference column for drift.
#[derive(Debug, Clone)]
pub enum RefColumn {
    /// Numbers (NaN = missing).
    Num(Vec<f64>),
    /// Labels.
    Cat(Vec<Option<String>>),
}

/// The reference dataset, by field name.
pub type Reference = BTreeMap<String, RefColumn>;

/// One record in a window.
#[derive(Debug, Clone)]
pub struct Record {
    /// The JSON record (an object when valid).
    pub value: Value,
    /// When its batch arrived (microseconds).
    pub received_at: i64,
    /// Why it is bad, if it is.
    pub bad: Option<String>,
}

/// Checks one record against the schema; the reason if it violates it.
pub fn validate(schema: &[FieldSpec], v: &Value) -> Option<String> {
    let Some(obj) = v.as_object() else {
        return Some("not a JSON object".into());
    };
    for f in schema {
        match obj.get(&f.name) {
            None | Some(Value::Null) if f.required => {
                return Some(format!("missing required field `{}`", f.name))
            }
            None | Some(Value::Null) => {}
            Some(x) => {
                let ok = match f.kind {
                    FieldKind::Number => x.is_number(),
                    FieldKind::String => x.is_string(),
                    FieldKind::Bool => x.is_boolean(),
                };
                if !ok {
                    return Some(
                        format!("field `{}` is not a {:?}", f.name, f.kind).to_lowercase(),
                    );
                }
            }
        }
    }
    None
}

/// A closed window's result.
#[derive(Debug, Clone, Serialize)]
pub struct WindowResult {
    /// Records in the window.
    pub n_records: u64,
    /// Bad ones among them.
    pub bad_records: u64,
    /// Statistics (JSON for the time-series table).
    pub metrics: Value,
    /// Drifted columns when drift was checked.
    pub drifted_columns: Vec<String>,
    /// Their share.
    pub share_of_drifted_columns: f64,
    /// Whether the window drifted.
    pub drift: bool,
}

fn label(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn numbers(good: &[&Value], field: &str) -> Vec<f64> {
    good.iter()
        .map(|r| r.get(field).and_then(Value::as_f64).unwrap_or(f64::NAN))
        .collect()
}

fn num_stats(xs: &[f64]) -> Value {
    let v: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return json!({"count": 0});
    }
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = if v.len() > 1 {
        v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    let min = v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    json!({"count": v.len(), "mean": mean, "std": var.sqrt(), "min": min, "max": max})
}

fn cat_stats(good: &[&Value], field: &str) -> Value {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for r in good {
        if let Some(l) = r.get(field).and_then(label) {
            *counts.entry(l).or_default() += 1;
        }
    }
    let top = counts
        .iter()
        .max_by_key(|(_, c)| **c)
        .map(|(k, c)| json!([k, c]));
    json!({"count": counts.values().sum::<u64>(), "distinct": counts.len(), "top": top, "counts": if counts.len() <= 50 { json!(counts) } else { Value::Null }})
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Computes one window's statistics and, given a reference, its drift.
pub fn compute(
    spec: &StreamSpec,
    records: &[Record],
    reference: Option<&Reference>,
) -> WindowResult {
    let good: Vec<&Value> = records
        .iter()
        .filter(|r| r.bad.is_none())
        .map(|r| &r.value)
        .collect();
    let n = records.len() as u64;
    let bad = n - good.len() as u64;
    let first = records.iter().map(|r| r.received_at).min().unwrap_or(0);
    let last = records.iter().map(|r| r.received_at).max().unwrap_or(0);
    let span_s = ((last - first) as f64 / 1e6).max(1e-3);
    let mut features = serde_json::Map::new();
    for f in &spec.schema {
        let missing = good
            .iter()
            .filter(|r| r.get(&f.name).is_none_or(Value::is_null))
            .count();
        let mut s = match f.kind {
            FieldKind::Number => num_stats(&numbers(&good, &f.name)),
            FieldKind::String | FieldKind::Bool => cat_stats(&good, &f.name),
        };
        s["missing_rate"] = json!(if good.is_empty() {
            0.0
        } else {
            missing as f64 / good.len() as f64
        });
        features.insert(f.name.clone(), s);
    }
    let prediction = spec
        .prediction_field
        .as_ref()
        .and_then(|p| features.get(p).cloned());
    let latency = spec.timestamp_field.as_ref().map(|t| {
        let mut l: Vec<f64> = records
            .iter()
            .filter(|r| r.bad.is_none())
            .filter_map(|r| r.value.get(t).and_then(Value::as_f64).map(|ms| r.received_at as f64 / 1000.0 - ms))
            .collect();
        l.sort_by(f64::total_cmp);
        if l.is_empty() {
            Value::Null
        } else {
            json!({"mean_ms": l.iter().sum::<f64>() / l.len() as f64, "p50_ms": percentile(&l, 0.5), "p95_ms": percentile(&l, 0.95)})
        }
    });
    let mut metrics = json!({
        "n_records": n,
        "good_records": good.len(),
        "bad_records": bad,
        "bad_rate": if n == 0 { 0.0 } else { bad as f64 / n as f64 },
        "records_per_second": n as f64 / span_s,
        "first_received_at": first,
        "last_received_at": last,
        "features": features,
        "prediction_distribution": prediction,
        "latency": latency,
    });
    let mut result = WindowResult {
        n_records: n,
        bad_records: bad,
        metrics: Value::Null,
        drifted_columns: Vec::new(),
        share_of_drifted_columns: 0.0,
        drift: false,
    };
    if let Some(reference) = reference.filter(|_| !good.is_empty()) {
        let share = spec.drift_share.unwrap_or(DEFAULT_DRIFT_SHARE);
        let fields: Vec<&FieldSpec> = spec
            .schema
            .iter()
            .filter(|f| reference.contains_key(&f.name))
            .collect();
        let cur_num: Vec<Vec<f64>> = fields.iter().map(|f| numbers(&good, &f.name)).collect();
        let cur_cat: Vec<Vec<Option<String>>> = fields
            .iter()
            .map(|f| {
                good.iter()
                    .map(|r| r.get(&f.name).and_then(label))
                    .collect()
            })
            .collect();
        let cur_cat_refs: Vec<Vec<Option<&str>>> = cur_cat
            .iter()
            .map(|c| c.iter().map(|x| x.as_deref()).collect())
            .collect();
        let ref_cat_refs: Vec<Vec<Option<&str>>> = fields
            .iter()
            .map(|f| match &reference[&f.name] {
                RefColumn::Cat(c) => c.iter().map(|x| x.as_deref()).collect(),
                RefColumn::Num(_) => Vec::new(),
            })
            .collect();
        let mut specs = Vec::new();
        for (i, f) in fields.iter().enumerate() {
            match (&reference[&f.name], f.kind) {
                (RefColumn::Num(r), FieldKind::Number) => {
                    specs.push(ColumnSpec::numerical(&f.name, r, &cur_num[i]))
                }
                (RefColumn::Cat(_), _) => specs.push(ColumnSpec::categorical(
                    &f.name,
                    &ref_cat_refs[i],
                    &cur_cat_refs[i],
                )),
                _ => {}
            }
        }
        match detect_all(&specs, share) {
            Ok(report) => {
                result.drifted_columns = report
                    .columns
                    .iter()
                    .filter(|c| c.drift_detected)
                    .map(|c| c.column.clone())
                    .collect();
                result.share_of_drifted_columns = report.dataset.share_of_drifted_columns;
                result.drift = report.dataset.dataset_drift;
                metrics["drift"] = json!({
                    "dataset_drift": result.drift,
                    "share_of_drifted_columns": result.share_of_drifted_columns,
                    "columns": report.columns,
                });
            }
            Err(e) => metrics["drift"] = json!({"error": e.to_string()}),
        }
    }
    result.metrics = metrics;
    result
}
