//! `GET /api/v1/models/{id}/predictions`: the prediction log, filtered.

use axum::{
    extract::{Path, Query, State},
    Json,
};
use domain::Role;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use crate::{
    error::{ApiError, ApiResult},
    pagination::{self, Page, PageQuery},
    routes::{as_of::parse_until, models::parse_id, rfc3339},
    state::AppState,
};

/// Who may read logged predictions (their inputs may be sensitive).
pub const PREDICTION_READERS: &[Role] = &[
    Role::Admin,
    Role::MlEngineer,
    Role::DataScientist,
    Role::Auditor,
];

/// Filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PredictionQuery {
    /// Page size.
    pub limit: Option<i64>,
    /// Cursor.
    pub cursor: Option<String>,
    /// Only this version.
    pub version: Option<i64>,
    /// Only this caller (user id).
    pub caller: Option<String>,
    /// Served at or after (RFC 3339).
    pub from: Option<String>,
    /// Served at or before (RFC 3339).
    pub to: Option<String>,
    /// Confidence at least.
    pub min_confidence: Option<f64>,
    /// Confidence at most.
    pub max_confidence: Option<f64>,
}

/// One logged prediction.
#[derive(Debug, Serialize, ToSchema)]
pub struct PredictionView {
    /// Prediction id.
    pub id: String,
    /// Version that answered.
    pub version: i64,
    /// The input row as sent.
    #[schema(value_type = Object)]
    pub input: serde_json::Value,
    /// The answer.
    #[schema(value_type = Object)]
    pub output: serde_json::Value,
    /// Highest class probability.
    pub confidence: Option<f64>,
    /// Caller's user id.
    pub caller: Option<String>,
    /// Request id.
    pub request_id: Option<String>,
    /// Served at (RFC 3339).
    pub created_at: String,
}

enum Arg {
    Text(String),
    Int(i64),
    Float(f64),
}

#[derive(Debug, Serialize, Deserialize)]
struct Cursor {
    c: i64,
    i: String,
}

fn time(s: &Option<String>, name: &str) -> ApiResult<Option<i64>> {
    s.as_deref()
        .map(|t| match parse_until(Some(t))? {
            commands::Until::Time(m) => Ok(m),
            _ => Err(ApiError::bad_request(
                "invalid_query",
                format!("{name} must be an RFC 3339 time"),
            )),
        })
        .transpose()
}

/// Logged predictions of a model, oldest first.
#[utoipa::path(get, path = "/api/v1/models/{id}/predictions", tag = "predictions",
    params(("id" = String, Path), PredictionQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<PredictionView>), (status = 400, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<PredictionQuery>,
) -> ApiResult<Json<Page<PredictionView>>> {
    parse_id(&id)?;
    // Read your writes: what this server served is in the log before we read.
    state.predictions.flush().await;
    state.runner.catch_up().await?;
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor.clone(),
    };
    let limit = page.limit()?;
    let cursor: Option<Cursor> = page.cursor()?;
    let mut sql = String::from("SELECT * FROM model_predictions WHERE model_id = $1");
    // Bound in the order pushed, so placeholder numbers follow that order.
    let mut args: Vec<Arg> = Vec::new();
    let cond = |sql: &mut String, text: &str, a: Arg, args: &mut Vec<Arg>| {
        args.push(a);
        sql.push_str(&text.replace('?', &format!("${}", args.len() + 1)));
    };
    if let Some(v) = q.version {
        cond(&mut sql, " AND version = ?", Arg::Int(v), &mut args);
    }
    if let Some(c) = q.caller.clone() {
        cond(&mut sql, " AND caller = ?", Arg::Text(c), &mut args);
    }
    if let Some(t) = time(&q.from, "from")? {
        cond(&mut sql, " AND created_at >= ?", Arg::Int(t), &mut args);
    }
    if let Some(t) = time(&q.to, "to")? {
        cond(&mut sql, " AND created_at <= ?", Arg::Int(t), &mut args);
    }
    if let Some(c) = q.min_confidence {
        cond(&mut sql, " AND confidence >= ?", Arg::Float(c), &mut args);
    }
    if let Some(c) = q.max_confidence {
        cond(&mut sql, " AND confidence <= ?", Arg::Float(c), &mut args);
    }
    if let Some(c) = &cursor {
        let a = args.len() + 2;
        sql.push_str(&format!(
            " AND (created_at > ${a} OR (created_at = ${a} AND id > ${}))",
            a + 1
        ));
        args.push(Arg::Int(c.c));
        args.push(Arg::Text(c.i.clone()));
    }
    sql.push_str(&format!(" ORDER BY created_at, id LIMIT {}", limit + 1));
    let mut query = sqlx::query(&sql).bind(id.clone());
    for a in args {
        query = match a {
            Arg::Text(v) => query.bind(v),
            Arg::Int(v) => query.bind(v),
            Arg::Float(v) => query.bind(v),
        };
    }
    let rows = query.fetch_all(state.db.read()).await?;
    let more = rows.len() as i64 > limit;
    let mut items = Vec::new();
    let mut last = None;
    for r in rows.iter().take(usize::try_from(limit).unwrap_or(0)) {
        let created_at: i64 = r.try_get("created_at")?;
        let pid: String = r.try_get("id")?;
        last = Some(Cursor {
            c: created_at,
            i: pid.clone(),
        });
        items.push(PredictionView {
            id: pid,
            version: r.try_get("version")?,
            input: serde_json::from_str(&r.try_get::<String, _>("input")?)
                .map_err(ApiError::internal)?,
            output: serde_json::from_str(&r.try_get::<String, _>("output")?)
                .map_err(ApiError::internal)?,
            confidence: r.try_get("confidence")?,
            caller: r.try_get("caller")?,
            request_id: r.try_get("request_id")?,
            created_at: rfc3339(created_at),
        });
    }
    // Inputs are sealed per model and day; a day removed by retention reads `[erased]`.
    let mut inputs: Vec<_> = items.iter_mut().map(|i| i.input.take()).collect();
    commands::retention::open_inputs(&state.cipher, &mut inputs)
        .await
        .map_err(ApiError::internal)?;
    for (item, input) in items.iter_mut().zip(inputs) {
        item.input = input;
    }
    let next_cursor = if more {
        last.as_ref().map(pagination::encode)
    } else {
        None
    };
    Ok(Json(Page { items, next_cursor }))
}
