//! Performance: `POST /api/v1/models/{id}/evaluate` scores a version on
//! labelled rows and records the metrics as an event; `GET .../performance`
//! shows the history per version.

use std::sync::Arc;

use analysis::{
    inference::{Labels, Model, Prediction},
    metrics,
    profile::Table,
};
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    Json,
};
use commands::models;
use domain::model::{Evaluation, ModelCommand};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use crate::{
    error::{ApiError, ApiResult},
    extract::{ApiJson, Ctx, IfMatch},
    routes::{
        datasets::{cell, file_ref, live_row, load_table},
        models::parse_id,
        predict::{loaded, matrix, resolve, run},
        rfc3339,
    },
    state::AppState,
};

/// Labelled rows to score a version on.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluateRequest {
    /// Feature rows (objects or arrays). Objects may carry the label under the
    /// model card's `target_column` instead of `labels`.
    #[schema(value_type = Vec<Object>)]
    #[serde(default)]
    pub rows: Vec<serde_json::Value>,
    /// True labels (classes) or values, one per row.
    #[schema(value_type = Option<Vec<Object>>)]
    pub labels: Option<Vec<serde_json::Value>>,
    /// A version number or alias (default: the deployed version).
    #[schema(value_type = Option<String>)]
    pub version: Option<serde_json::Value>,
    /// A registered dataset instead of inline rows: every row is scored.
    pub dataset_id: Option<String>,
    /// The dataset's label column (default: the model card's `target_column`).
    pub label_column: Option<String>,
}

/// Where labelled rows come from.
pub enum Input {
    /// Inline rows; labels given, or under the card's target column in each row.
    Inline(Vec<serde_json::Value>, Option<Vec<serde_json::Value>>),
    /// A registered dataset; the label column named, or the card's target column.
    Dataset(Arc<Table>, Option<String>),
}

impl Input {
    /// Inline rows, or every row of the dataset `dataset_id` (not both).
    pub async fn from_request(
        state: &AppState,
        rows: Vec<serde_json::Value>,
        labels: Option<Vec<serde_json::Value>>,
        dataset_id: Option<&str>,
        label_column: Option<String>,
    ) -> ApiResult<Self> {
        let Some(ds) = dataset_id else {
            return Ok(Input::Inline(rows, labels));
        };
        if !rows.is_empty() || labels.is_some() {
            return Err(ApiError::unprocessable(
                "invalid_input",
                "send rows (and labels) or a dataset_id, not both",
            ));
        }
        let table = load_table(state, &file_ref(&live_row(state, ds).await?)?).await?;
        Ok(Input::Dataset(Arc::new(table), label_column))
    }
}

/// Feature rows and labels from a dataset: objects by feature name when the
/// model names its features, else arrays of every other column in file order.
fn dataset_rows(
    table: &Table,
    label: &str,
    names: Option<&[String]>,
    n_features: usize,
) -> ApiResult<(Vec<serde_json::Value>, Vec<serde_json::Value>)> {
    let col = |name: &str| {
        table
            .columns
            .iter()
            .position(|c| c.name == name)
            .ok_or_else(|| {
                ApiError::unprocessable(
                    "invalid_input",
                    format!("the dataset has no column {name:?}"),
                )
            })
    };
    let label_col = col(label)?;
    let labels = (0..table.rows).map(|r| cell(table, label_col, r)).collect();
    let rows = match names {
        Some(names) => {
            let cols = names
                .iter()
                .map(|n| col(n))
                .collect::<ApiResult<Vec<_>>>()?;
            (0..table.rows)
                .map(|r| {
                    names
                        .iter()
                        .zip(&cols)
                        .map(|(n, &c)| (n.clone(), cell(table, c, r)))
                        .collect::<serde_json::Map<_, _>>()
                        .into()
                })
                .collect()
        }
        None => {
            let cols: Vec<usize> = (0..table.columns.len())
                .filter(|&c| c != label_col)
                .collect();
            if n_features != cols.len() {
                return Err(ApiError::unprocessable(
                    "invalid_input",
                    format!(
                        "the model takes {} unnamed features; the dataset has {} columns besides {label:?}",
                        n_features,
                        cols.len()
                    ),
                ));
            }
            (0..table.rows)
                .map(|r| {
                    cols.iter()
                        .map(|&c| cell(table, c, r))
                        .collect::<Vec<_>>()
                        .into()
                })
                .collect()
        }
    };
    Ok((rows, labels))
}

/// A recorded evaluation.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationView {
    /// Evaluation id.
    pub id: String,
    /// Model id.
    pub model_id: String,
    /// Version scored.
    pub version: i64,
    /// Dataset id, if the rows came from one.
    pub dataset: Option<String>,
    /// `classification` or `regression`.
    pub task: String,
    /// Rows scored.
    pub n_rows: i64,
    /// The metrics.
    #[schema(value_type = Object)]
    pub metrics: serde_json::Value,
    /// Who asked.
    pub created_by: Option<String>,
    /// When (RFC 3339).
    pub created_at: String,
}

/// A version scored on labelled rows.
pub struct Scored {
    /// Version.
    pub version: i64,
    /// Classification or regression.
    pub task: String,
    /// Metrics report as JSON.
    pub metrics: serde_json::Value,
    /// Whether each row was predicted right (classifiers).
    pub correct: Option<Vec<bool>>,
    /// Truth and predictions as numbers (regressors).
    pub values: Option<(Vec<f64>, Vec<f64>)>,
    /// Rows scored.
    pub n_rows: usize,
}

fn bad_labels(d: String) -> ApiError {
    ApiError::unprocessable("invalid_labels", d)
}

fn label_index(
    classes: &serde_json::Value,
    label: &serde_json::Value,
    row: usize,
) -> ApiResult<usize> {
    let list = classes
        .as_array()
        .ok_or_else(|| ApiError::internal("classifier without classes"))?;
    list.iter()
        .position(|c| c == label || (c.as_f64().is_some() && c.as_f64() == label.as_f64()))
        .ok_or_else(|| {
            bad_labels(format!(
                "row {row}: label {label} is not one of the model's classes {classes}"
            ))
        })
}

fn predicted_index(p: &Prediction, classes: &serde_json::Value, i: usize) -> ApiResult<usize> {
    match (&p.labels, &p.probabilities) {
        (Some(Labels::Int(v)), _) => label_index(classes, &serde_json::json!(v[i]), i),
        (Some(Labels::Str(v)), _) => label_index(classes, &serde_json::json!(v[i]), i),
        (None, Some(m)) => {
            Ok(m.row(i)
                .iter()
                .enumerate()
                .fold(0, |best, (j, v)| if *v > m[[i, best]] { j } else { best }))
        }
        (None, None) => Err(ApiError::internal(
            "classifier without labels or probabilities",
        )),
    }
}

/// Takes the labels from `labels` or from each object row's target column.
fn split_labels(
    rows: &mut [serde_json::Value],
    labels: Option<Vec<serde_json::Value>>,
    target: Option<&str>,
) -> ApiResult<Vec<serde_json::Value>> {
    if let Some(l) = labels {
        if l.len() != rows.len() {
            return Err(bad_labels(format!(
                "{} labels for {} rows",
                l.len(),
                rows.len()
            )));
        }
        return Ok(l);
    }
    let target = target.ok_or_else(|| {
        bad_labels(
            "send `labels`, or set the model card's target_column and put it in each row".into(),
        )
    })?;
    rows.iter_mut()
        .enumerate()
        .map(|(i, r)| {
            r.as_object_mut()
                .and_then(|o| o.remove(target))
                .ok_or_else(|| bad_labels(format!("row {i} has no {target:?} value")))
        })
        .collect()
}

/// Predicts `rows` with the named version and scores them against `labels`.
pub async fn score(
    state: &AppState,
    id: &str,
    which: Option<&serde_json::Value>,
    input: Input,
) -> ApiResult<Scored> {
    let r = resolve(state, id, which).await?;
    let target: Option<String> = sqlx::query("SELECT card FROM models WHERE id = $1")
        .bind(id.to_owned())
        .fetch_optional(state.db.read())
        .await?
        .and_then(|row| row.try_get::<String, _>(0).ok())
        .and_then(|c| serde_json::from_str::<serde_json::Value>(&c).ok())
        .and_then(|c| c["target_column"].as_str().map(str::to_owned));
    let model = loaded(state, &r.sha256).await?;
    let sig = model.signature();
    let names = if r.feature_names.is_empty() {
        sig.feature_names.clone()
    } else {
        Some(r.feature_names.clone())
    };
    let (rows, labels) = match input {
        Input::Inline(mut rows, labels) => {
            let labels = split_labels(&mut rows, labels, target.as_deref())?;
            (rows, labels)
        }
        Input::Dataset(table, label_column) => {
            let label = label_column.or(target).ok_or_else(|| {
                bad_labels("give label_column, or set the model card's target_column".into())
            })?;
            dataset_rows(&table, &label, names.as_deref(), sig.n_features)?
        }
    };
    if rows.is_empty() {
        return Err(ApiError::unprocessable("invalid_input", "no rows to score"));
    }
    let x = matrix(
        &rows,
        names.as_deref(),
        sig.n_features,
        matches!(*model, Model::Xgboost(_)),
    )?;
    let n = x.nrows();
    let p = run(model.clone(), x).await?;
    let task = r.signature["task"].as_str().unwrap_or_default().to_owned();
    let metrics_error =
        |e: metrics::MetricsError| ApiError::unprocessable("invalid_labels", e.to_string());
    if task == "classification" {
        let classes = &r.signature["classes"];
        let k = classes.as_array().map_or(0, Vec::len);
        let y_true = labels
            .iter()
            .enumerate()
            .map(|(i, l)| label_index(classes, l, i))
            .collect::<ApiResult<Vec<_>>>()?;
        let y_pred = (0..n)
            .map(|i| predicted_index(&p, classes, i))
            .collect::<ApiResult<Vec<_>>>()?;
        let proba = p
            .probabilities
            .as_ref()
            .filter(|m| m.ncols() == k)
            .map(|m| m.view());
        let report = metrics::classification(&y_true, &y_pred, proba, k).map_err(metrics_error)?;
        let correct = y_true.iter().zip(&y_pred).map(|(a, b)| a == b).collect();
        Ok(Scored {
            version: r.version,
            task,
            metrics: serde_json::to_value(report).map_err(ApiError::internal)?,
            correct: Some(correct),
            values: None,
            n_rows: n,
        })
    } else {
        let truth = labels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                l.as_f64()
                    .ok_or_else(|| bad_labels(format!("row {i}: {l} is not a number")))
            })
            .collect::<ApiResult<Vec<f64>>>()?;
        let pred = p
            .values
            .clone()
            .ok_or_else(|| ApiError::internal("regressor without values"))?;
        let report = metrics::regression(&truth, &pred).map_err(metrics_error)?;
        Ok(Scored {
            version: r.version,
            task,
            metrics: serde_json::to_value(report).map_err(ApiError::internal)?,
            correct: None,
            values: Some((truth, pred)),
            n_rows: n,
        })
    }
}

/// Scores a version on labelled rows and records the result.
#[utoipa::path(post, path = "/api/v1/models/{id}/evaluate", tag = "performance", request_body = EvaluateRequest,
    params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 201, body = EvaluationView), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn evaluate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    ctx: Ctx,
    ApiJson(b): ApiJson<EvaluateRequest>,
) -> ApiResult<(StatusCode, Json<EvaluationView>)> {
    let model_id = parse_id(&id)?;
    let input = Input::from_request(
        &state,
        b.rows,
        b.labels,
        b.dataset_id.as_deref(),
        b.label_column,
    )
    .await?;
    let s = score(&state, &id, b.version.as_ref(), input).await?;
    let n_rows = s.n_rows;
    let evaluation = Evaluation {
        evaluation_id: uuid::Uuid::now_v7().to_string(),
        version: u32::try_from(s.version).map_err(ApiError::internal)?,
        dataset: b.dataset_id,
        task: s.task,
        n_rows,
        metrics: s.metrics,
    };
    let eid = evaluation.evaluation_id.clone();
    let events = models::execute(
        state.store.as_ref(),
        model_id,
        if_match,
        ModelCommand::RecordEvaluation(evaluation),
        ctx.metadata,
    )
    .await?;
    state.settle(&events).await;
    let row = sqlx::query("SELECT * FROM model_evaluations WHERE id = $1")
        .bind(eid)
        .fetch_one(state.db.read())
        .await?;
    Ok((StatusCode::CREATED, Json(view(&row)?)))
}

fn view(r: &sqlx::any::AnyRow) -> ApiResult<EvaluationView> {
    Ok(EvaluationView {
        id: r.try_get("id")?,
        model_id: r.try_get("model_id")?,
        version: r.try_get("version")?,
        dataset: r.try_get("dataset")?,
        task: r.try_get("task")?,
        n_rows: r.try_get("n_rows")?,
        metrics: serde_json::from_str(&r.try_get::<String, _>("metrics")?)
            .map_err(ApiError::internal)?,
        created_by: r.try_get("created_by")?,
        created_at: rfc3339(r.try_get("created_at")?),
    })
}

/// Filters for the performance history.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PerformanceQuery {
    /// Only this version.
    pub version: Option<i64>,
}

/// Every recorded evaluation of a model, by version then time.
#[utoipa::path(get, path = "/api/v1/models/{id}/performance", tag = "performance",
    params(("id" = String, Path), PerformanceQuery), security(("bearer" = [])),
    responses((status = 200, body = [EvaluationView]), (status = 404, body = crate::error::Problem)))]
pub async fn performance(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<PerformanceQuery>,
) -> ApiResult<Json<Vec<EvaluationView>>> {
    parse_id(&id)?;
    sqlx::query("SELECT 1 FROM models WHERE id = $1")
        .bind(id.clone())
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(|| ApiError::not_found("model"))?;
    let mut sql = String::from("SELECT * FROM model_evaluations WHERE model_id = $1");
    if q.version.is_some() {
        sql.push_str(" AND version = $2");
    }
    sql.push_str(" ORDER BY version, created_at, id");
    let mut query = sqlx::query(&sql).bind(id);
    if let Some(v) = q.version {
        query = query.bind(v);
    }
    let rows = query.fetch_all(state.db.read()).await?;
    Ok(Json(rows.iter().map(view).collect::<ApiResult<_>>()?))
}
