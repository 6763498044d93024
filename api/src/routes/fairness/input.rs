//! Turns a request's dataset (and, when asked, a model version's predictions on it) into
//! the per-row arrays the fairness engines take.

use std::collections::BTreeMap;

use analysis::{
    inference::Labels,
    profile::{Column, ColumnData, Table},
};
use ndarray::Array2;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    error::{ApiError, ApiResult},
    routes::datasets::{file_ref, live_row, load_table},
    routes::predict::{loaded, resolve, run},
    state::AppState,
};

/// Where the rows, labels, predictions and groups come from (shared by every route).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct Source {
    /// A registered dataset holding the labels and sensitive features.
    pub dataset_id: String,
    /// Model version to run on the dataset (number, alias, `latest`, `deployed`). Without
    /// it, `prediction_column` must hold the predictions.
    #[schema(value_type = Option<String>)]
    pub version: Option<serde_json::Value>,
    /// Label column (default: the model card's `target_column`).
    pub label_column: Option<String>,
    /// Column with predictions already made (for models RAIA does not run).
    pub prediction_column: Option<String>,
    /// Column with the probability of the favourable label.
    pub score_column: Option<String>,
    /// Columns fed to the model (or to RAIA's own learner), in feature order (default:
    /// the model's feature names).
    pub feature_columns: Option<Vec<String>>,
    /// Sensitive features (1 to 5 columns; intersections of up to 3).
    #[serde(default)]
    pub sensitive_features: Vec<String>,
    /// The favourable label; required unless labels are 0/1.
    #[schema(value_type = Option<String>)]
    pub favourable_label: Option<serde_json::Value>,
    /// Privileged level per sensitive feature.
    #[serde(default)]
    pub privileged_groups: BTreeMap<String, String>,
    /// Column of sample weights.
    pub sample_weight_column: Option<String>,
}

/// The rows, ready for the engines.
pub struct Rows {
    /// 0/1 labels (1 favourable), when a label column exists.
    pub y_true: Option<Vec<u8>>,
    /// 0/1 predictions.
    pub y_pred: Option<Vec<u8>>,
    /// Probability of the favourable label.
    pub score: Option<Vec<f64>>,
    /// Sample weights.
    pub weights: Option<Vec<f64>>,
    /// (name, level per row) per sensitive feature.
    pub sensitive: Vec<(String, Vec<String>)>,
    /// Version that predicted, when RAIA ran it.
    pub version: Option<u32>,
    /// Index of the favourable class among the model's classes, when RAIA ran it.
    pub favourable_class_index: Option<usize>,
    /// Dataset file hash.
    pub dataset_hash: String,
    /// The table (features for the learners, proxies).
    pub table: Table,
    /// Label column name used.
    pub label_column: Option<String>,
    /// Privileged level per sensitive feature.
    pub privileged: BTreeMap<String, String>,
    /// Label, prediction, score and weight columns (never proxies or features).
    pub bookkeeping: Vec<String>,
}

fn bad(code: &'static str, detail: impl Into<String>) -> ApiError {
    ApiError::unprocessable(code, detail)
}

/// The text of a cell, `None` when missing (integers and floats as Python prints them).
pub fn cell(c: &Column, r: usize) -> Option<String> {
    if c.missing[r] {
        return None;
    }
    Some(match &c.data {
        ColumnData::Int64(v) => v[r].to_string(),
        ColumnData::Float64(v) => {
            if v[r].fract() == 0.0 && v[r].abs() < 1e15 {
                format!("{:.1}", v[r])
            } else {
                v[r].to_string()
            }
        }
        ColumnData::Bool(v) => if v[r] { "True" } else { "False" }.to_owned(),
        ColumnData::Object(s) => s.get(r).unwrap_or_default().to_owned(),
    })
}

/// Whether a cell text equals a JSON label (numbers compare as numbers).
fn same_label(text: &str, label: &serde_json::Value) -> bool {
    match label {
        serde_json::Value::String(s) => {
            s == text || matches!((s.parse::<f64>(), text.parse::<f64>()), (Ok(a), Ok(b)) if a == b)
        }
        serde_json::Value::Number(n) => text.parse::<f64>().ok() == n.as_f64(),
        serde_json::Value::Bool(b) => text.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
        _ => false,
    }
}

/// 0/1 outcomes of a label-like column: `favourable` when given, else the values must be 0/1.
fn binary(c: &Column, what: &str, favourable: Option<&serde_json::Value>) -> ApiResult<Vec<u8>> {
    (0..c.len())
        .map(|r| {
            let t = cell(c, r).ok_or_else(|| {
                bad("missing_value", format!("{what} column `{}` is empty at row {r}", c.name))
            })?;
            if let Some(f) = favourable {
                return Ok(u8::from(same_label(&t, f)));
            }
            match t.parse::<f64>() {
                Ok(0.0) => Ok(0),
                Ok(1.0) => Ok(1),
                _ => Err(bad(
                    "favourable_label_required",
                    format!(
                        "{what} column `{}` holds {t:?} at row {r}; labels other than 0/1 need `favourable_label`",
                        c.name
                    ),
                )),
            }
        })
        .collect()
}

fn column<'a>(t: &'a Table, name: &str, what: &str) -> ApiResult<&'a Column> {
    t.column(name).ok_or_else(|| {
        bad(
            "unknown_column",
            format!("{what} `{name}` is not a column of the dataset"),
        )
    })
}

/// Numbers of a column (NaN when missing or not numeric).
pub fn numbers(c: &Column) -> Vec<f64> {
    (0..c.len())
        .map(|r| match &c.data {
            ColumnData::Bool(v) if !c.missing[r] => f64::from(u8::from(v[r])),
            ColumnData::Object(s) => s
                .get(r)
                .and_then(|t| t.trim().parse().ok())
                .unwrap_or(f64::NAN),
            _ => c.f64_at(r).unwrap_or(f64::NAN),
        })
        .collect()
}

/// A feature matrix from named columns; every cell must be a finite number.
pub fn features(t: &Table, names: &[String]) -> ApiResult<Array2<f64>> {
    let n = t.columns.first().map_or(0, Column::len);
    let mut x = Array2::zeros((n, names.len()));
    for (j, name) in names.iter().enumerate() {
        let v = numbers(column(t, name, "feature column")?);
        for (i, value) in v.into_iter().enumerate() {
            if !value.is_finite() {
                return Err(bad(
                    "invalid_feature",
                    format!("feature `{name}` is not a finite number at row {i}"),
                ));
            }
            x[[i, j]] = value;
        }
    }
    Ok(x)
}

/// The model card's target column, if any.
async fn target_column(state: &AppState, model_id: &str) -> ApiResult<Option<String>> {
    let card: Option<String> = sqlx::query_scalar("SELECT card FROM models WHERE id = $1")
        .bind(model_id.to_owned())
        .fetch_optional(state.db.read())
        .await?;
    Ok(card
        .and_then(|c| serde_json::from_str::<serde_json::Value>(&c).ok())
        .and_then(|c| c["target_column"].as_str().map(str::to_owned))
        .filter(|s| !s.is_empty()))
}

/// Loads the dataset and, for a model version, predicts it. `need_predictions`: refuse
/// when neither a prediction column nor a version is given.
pub async fn load(
    state: &AppState,
    model_id: Option<&str>,
    s: &Source,
    need_predictions: bool,
) -> ApiResult<Rows> {
    if s.sensitive_features.is_empty() || s.sensitive_features.len() > 5 {
        return Err(bad(
            "invalid_sensitive_features",
            "name 1 to 5 sensitive features",
        ));
    }
    let row = live_row(state, &s.dataset_id).await?;
    let file = file_ref(&row)?;
    let table = load_table(state, &file).await?;
    let n = table.columns.first().map_or(0, Column::len);
    if n == 0 {
        return Err(bad("empty_dataset", "the dataset has no rows"));
    }
    let mut sensitive = Vec::new();
    for name in &s.sensitive_features {
        let c = table.column(name).ok_or_else(|| {
            bad(
                "unknown_sensitive_feature",
                format!("sensitive feature `{name}` is not a column of the dataset"),
            )
        })?;
        let levels = (0..n)
            .map(|r| {
                cell(c, r).ok_or_else(|| {
                    bad(
                        "missing_value",
                        format!("sensitive feature `{name}` is empty at row {r}"),
                    )
                })
            })
            .collect::<ApiResult<Vec<_>>>()?;
        sensitive.push((name.clone(), levels));
    }
    for k in s.privileged_groups.keys() {
        if !s.sensitive_features.contains(k) {
            return Err(bad(
                "invalid_privileged_groups",
                format!("privileged group given for `{k}`, which is not a sensitive feature"),
            ));
        }
    }
    let label_column = match (&s.label_column, model_id) {
        (Some(l), _) => Some(l.clone()),
        (None, Some(m)) => target_column(state, m).await?,
        (None, None) => None,
    };
    let fav = s.favourable_label.as_ref();
    let y_true = label_column
        .as_deref()
        .map(|l| binary(column(&table, l, "label column")?, "label", fav))
        .transpose()?;
    let weights = s
        .sample_weight_column
        .as_deref()
        .map(|w| {
            let v = numbers(column(&table, w, "sample weight column")?);
            match v.iter().position(|x| !(x.is_finite() && *x >= 0.0)) {
                Some(r) => Err(bad(
                    "invalid_weight",
                    format!("sample weight at row {r} is not a finite number >= 0"),
                )),
                None => Ok(v),
            }
        })
        .transpose()?;
    let mut score = s
        .score_column
        .as_deref()
        .map(|c| {
            let v = numbers(column(&table, c, "score column")?);
            match v.iter().position(|x| !x.is_finite()) {
                Some(r) => Err(bad(
                    "invalid_score",
                    format!("score at row {r} is not a number"),
                )),
                None => Ok(v),
            }
        })
        .transpose()?;
    let mut y_pred = s
        .prediction_column
        .as_deref()
        .map(|c| binary(column(&table, c, "prediction column")?, "prediction", fav))
        .transpose()?;
    let (mut version, mut fav_index) = (None, None);
    if let (Some(which), Some(model_id)) = (&s.version, model_id) {
        let (v, pred, sc, idx) = predict(state, model_id, which, s, &table, fav).await?;
        version = Some(v);
        fav_index = Some(idx);
        if y_pred.is_none() {
            y_pred = Some(pred);
        }
        if score.is_none() {
            score = sc;
        }
    }
    if need_predictions && y_pred.is_none() {
        return Err(bad(
            "predictions_required",
            "give `version` (RAIA predicts the dataset) or `prediction_column`",
        ));
    }
    Ok(Rows {
        y_true,
        y_pred,
        score,
        weights,
        sensitive,
        version,
        favourable_class_index: fav_index,
        dataset_hash: file.sha256,
        table,
        label_column: label_column.clone(),
        privileged: s.privileged_groups.clone(),
        bookkeeping: [
            &label_column,
            &s.prediction_column,
            &s.score_column,
            &s.sample_weight_column,
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect(),
    })
}

/// Runs a model version on the dataset: (version, 0/1 predictions, favourable-class
/// probability, favourable class index).
async fn predict(
    state: &AppState,
    model_id: &str,
    which: &serde_json::Value,
    s: &Source,
    table: &Table,
    fav: Option<&serde_json::Value>,
) -> ApiResult<(u32, Vec<u8>, Option<Vec<f64>>, usize)> {
    let r = resolve(state, model_id, Some(which)).await?;
    if r.signature["task"].as_str() != Some("classification") {
        return Err(bad(
            "not_a_classifier",
            "fairness metrics need a binary classifier",
        ));
    }
    let model = loaded(state, &r.sha256).await?;
    let names = match &s.feature_columns {
        Some(f) => f.clone(),
        None if !r.feature_names.is_empty() => r.feature_names.clone(),
        None => model.signature().feature_names.clone().unwrap_or_default(),
    };
    if names.len() != model.signature().n_features {
        return Err(bad(
            "invalid_feature_columns",
            format!(
                "the model reads {} features; name them in `feature_columns` ({} given)",
                model.signature().n_features,
                names.len()
            ),
        ));
    }
    let x = features(table, &names)?;
    let n = x.nrows();
    let p = run(model.clone(), x).await?;
    let classes: Vec<serde_json::Value> = r.signature["classes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if classes.len() != 2 {
        return Err(bad(
            "not_binary",
            format!("the model has {} classes; fairness needs 2", classes.len()),
        ));
    }
    let idx = match fav {
        Some(f) => classes
            .iter()
            .position(|c| same_label(c.as_str().map_or(c.to_string(), str::to_owned).as_str(), f))
            .ok_or_else(|| {
                bad(
                    "invalid_favourable_label",
                    format!("favourable label {f} is not one of the model's classes"),
                )
            })?,
        None => classes
            .iter()
            .position(|c| c.as_f64() == Some(1.0))
            .ok_or_else(|| {
                bad(
                    "favourable_label_required",
                    "the model's classes are not 0/1; give `favourable_label`",
                )
            })?,
    };
    let fav_class = &classes[idx];
    let pred: Vec<u8> = match (&p.labels, &p.probabilities) {
        (Some(Labels::Int(v)), _) => v
            .iter()
            .map(|l| u8::from(fav_class.as_f64() == Some(*l as f64)))
            .collect(),
        (Some(Labels::Str(v)), _) => v
            .iter()
            .map(|l| u8::from(fav_class.as_str() == Some(l.as_str())))
            .collect(),
        (None, Some(m)) => (0..n)
            .map(|i| u8::from(m[[i, idx]] >= m[[i, 1 - idx]]))
            .collect(),
        (None, None) => return Err(ApiError::internal("classifier without output")),
    };
    let score = p
        .probabilities
        .as_ref()
        .filter(|m| m.ncols() == 2)
        .map(|m| m.column(idx).to_vec());
    let version = u32::try_from(r.version).map_err(ApiError::internal)?;
    Ok((version, pred, score, idx))
}
