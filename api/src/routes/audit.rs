//! `/api/v1/audit`: the log itself, filtered, searched and verified.

use axum::{
    extract::{Query, State},
    Json,
};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use crate::{
    error::{ApiError, ApiResult},
    extract::ApiJson,
    pagination::{self, Page, PageQuery},
    state::AppState,
};

/// Filters over the audit log.
#[derive(Debug, Default, Deserialize, IntoParams, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditFilter {
    /// Actor id (as recorded in metadata).
    pub actor: Option<String>,
    /// Stream type, e.g. `model`.
    pub stream_type: Option<String>,
    /// Stream id.
    pub stream_id: Option<String>,
    /// Event type, e.g. `ModelRegistered`.
    pub event_type: Option<String>,
    /// Earliest time (RFC 3339, inclusive).
    pub from: Option<String>,
    /// Latest time (RFC 3339, exclusive).
    pub to: Option<String>,
    /// `desc` (newest first, default) or `asc`.
    pub order: Option<String>,
    /// Page size.
    pub limit: Option<i64>,
    /// Cursor.
    pub cursor: Option<String>,
}

/// The same filters as a body, plus free text over payloads and metadata.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditSearch {
    /// The filters.
    #[serde(flatten)]
    pub filter: AuditFilter,
    /// Case-insensitive text that must occur in the event type, payload or metadata.
    pub text: Option<String>,
}

/// One audit entry: a stored event with its chain fields.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    /// Global position.
    pub position: i64,
    /// Event id.
    pub event_id: String,
    /// Aggregate kind.
    pub stream_type: String,
    /// Aggregate id.
    pub stream_id: String,
    /// Version in its stream.
    pub stream_version: i64,
    /// Event type.
    pub event_type: String,
    /// Payload schema version.
    pub schema_version: i64,
    /// Payload (personal data appears sealed).
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// Actor and request metadata.
    #[schema(value_type = Object)]
    pub metadata: serde_json::Value,
    /// Recorded at (RFC 3339).
    pub recorded_at: String,
    /// Previous hash.
    pub prev_hash: String,
    /// This event's hash.
    pub hash: String,
}

fn time(s: &Option<String>, name: &str) -> ApiResult<Option<i64>> {
    s.as_deref()
        .map(|t| {
            chrono::DateTime::parse_from_rfc3339(t)
                .map(|t| t.timestamp_micros())
                .map_err(|_| {
                    ApiError::bad_request(
                        "invalid_time",
                        format!("{name} must be an RFC 3339 time"),
                    )
                })
        })
        .transpose()
}

/// LIKE pattern matching `s` literally.
fn like_literal(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

async fn query(
    state: &AppState,
    f: &AuditFilter,
    text: Option<&str>,
) -> ApiResult<Page<AuditEntry>> {
    let page = PageQuery {
        limit: f.limit,
        cursor: f.cursor.clone(),
    };
    let limit = page.limit()?;
    let cursor: Option<i64> = page.cursor()?;
    let desc = match f.order.as_deref() {
        None | Some("desc") => true,
        Some("asc") => false,
        Some(_) => {
            return Err(ApiError::bad_request(
                "invalid_order",
                "order must be asc or desc",
            ))
        }
    };
    let mut conds: Vec<String> = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    let mut ints: Vec<i64> = Vec::new();
    let text_cond = |c: &str, v: String, conds: &mut Vec<String>, texts: &mut Vec<String>| {
        texts.push(v);
        conds.push(c.replace('?', &format!("$T{}", texts.len())));
    };
    if let Some(a) = &f.actor {
        let pat = format!("%\"actor_id\":\"{}\"%", like_literal(a));
        text_cond("metadata LIKE ? ESCAPE '\\'", pat, &mut conds, &mut texts);
    }
    if let Some(v) = &f.stream_type {
        text_cond("stream_type = ?", v.clone(), &mut conds, &mut texts);
    }
    if let Some(v) = &f.stream_id {
        text_cond("stream_id = ?", v.clone(), &mut conds, &mut texts);
    }
    if let Some(v) = &f.event_type {
        text_cond("event_type = ?", v.clone(), &mut conds, &mut texts);
    }
    if let Some(t) = text {
        let pat = format!("%{}%", like_literal(&t.to_lowercase()));
        text_cond(
            "(LOWER(payload) LIKE ? ESCAPE '\\' OR LOWER(metadata) LIKE ? ESCAPE '\\' OR LOWER(event_type) LIKE ? ESCAPE '\\')",
            pat,
            &mut conds,
            &mut texts,
        );
    }
    let mut int_cond = |c: &str, v: i64, conds: &mut Vec<String>| {
        ints.push(v);
        conds.push(c.replace('?', &format!("$I{}", ints.len())));
    };
    if let Some(t) = time(&f.from, "from")? {
        int_cond("recorded_at >= ?", t, &mut conds);
    }
    if let Some(t) = time(&f.to, "to")? {
        int_cond("recorded_at < ?", t, &mut conds);
    }
    if let Some(c) = cursor {
        int_cond(
            if desc { "position < ?" } else { "position > ?" },
            c,
            &mut conds,
        );
    }
    // Number the placeholders: texts first, then integers.
    let n_text = texts.len();
    let mut sql = format!("SELECT {} FROM events", migrations::events::COLUMNS);
    if !conds.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&conds.join(" AND "));
    }
    for i in (1..=ints.len()).rev() {
        sql = sql.replace(&format!("$I{i}"), &format!("${}", n_text + i));
    }
    for i in (1..=n_text).rev() {
        sql = sql.replace(&format!("$T{i}"), &format!("${i}"));
    }
    sql.push_str(&format!(
        " ORDER BY position {} LIMIT {}",
        if desc { "DESC" } else { "ASC" },
        limit + 1
    ));
    let mut q = sqlx::query(&sql);
    for t in texts {
        q = q.bind(t);
    }
    for i in ints {
        q = q.bind(i);
    }
    let rows = q.fetch_all(state.db.read()).await?;
    let more = rows.len() as i64 > limit;
    let mut items = Vec::new();
    let mut erased: std::collections::HashMap<String, bool> = Default::default();
    for r in rows.iter().take(limit as usize) {
        let e = migrations::events::event(r)?;
        let mut payload = serde_json::from_str(&e.payload).unwrap_or(serde_json::Value::Null);
        // An erased person's sealed fields show as `[erased]`.
        if e.stream_type == "user" {
            let gone = match erased.get(&e.stream_id) {
                Some(g) => *g,
                None => {
                    let g = state
                        .cipher
                        .is_erased(&e.stream_id)
                        .await
                        .map_err(ApiError::internal)?;
                    erased.insert(e.stream_id.clone(), g);
                    g
                }
            };
            if gone {
                commands::privacy::mark_erased(&mut payload);
            }
        }
        items.push(AuditEntry {
            payload,
            metadata: serde_json::from_str(&e.metadata).unwrap_or(serde_json::Value::Null),
            recorded_at: e.recorded_at_utc().to_rfc3339(),
            position: e.position,
            event_id: e.event_id,
            stream_type: e.stream_type,
            stream_id: e.stream_id,
            stream_version: e.stream_version,
            event_type: e.event_type,
            schema_version: e.schema_version,
            prev_hash: e.prev_hash,
            hash: e.hash,
        });
    }
    let next_cursor = if more {
        items.last().map(|e| pagination::encode(&e.position))
    } else {
        None
    };
    Ok(Page { items, next_cursor })
}

/// Lists audit entries, newest first by default.
#[utoipa::path(get, path = "/api/v1/audit/logs", tag = "audit", params(AuditFilter), security(("bearer" = [])),
    responses((status = 200, body = Page<AuditEntry>), (status = 400, body = crate::error::Problem)))]
pub async fn logs(
    State(state): State<AppState>,
    Query(f): Query<AuditFilter>,
) -> ApiResult<Json<Page<AuditEntry>>> {
    Ok(Json(query(&state, &f, None).await?))
}

/// Searches audit entries (filters plus free text).
#[utoipa::path(post, path = "/api/v1/audit/search", tag = "audit", request_body = AuditSearch, security(("bearer" = [])),
    responses((status = 200, body = Page<AuditEntry>), (status = 400, body = crate::error::Problem)))]
pub async fn search(
    State(state): State<AppState>,
    ApiJson(s): ApiJson<AuditSearch>,
) -> ApiResult<Json<Page<AuditEntry>>> {
    Ok(Json(
        query(
            &state,
            &s.filter,
            s.text.as_deref().filter(|t| !t.is_empty()),
        )
        .await?,
    ))
}

/// The chain's status.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChainStatus {
    /// `verified` or `broken`.
    pub status: String,
    /// Events verified.
    pub verified_count: u64,
    /// Head position.
    pub head_position: i64,
    /// Head hash.
    pub head_hash: String,
    /// First bad position when broken.
    pub first_bad_position: Option<i64>,
    /// What is wrong when broken.
    pub error: Option<String>,
}

/// Recomputes the whole hash chain.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit", security(("bearer" = [])),
    responses((status = 200, body = ChainStatus)))]
pub async fn verify(State(state): State<AppState>) -> ApiResult<Json<ChainStatus>> {
    Ok(Json(
        match replay::verify::verify(&state.db, None, None).await {
            Ok(v) => ChainStatus {
                status: "verified".into(),
                verified_count: v.count,
                head_position: v.head_position,
                head_hash: v.head_hash,
                first_bad_position: None,
                error: None,
            },
            Err(replay::verify::VerifyFailure::Replay(e)) => return Err(ApiError::internal(e)),
            Err(e) => {
                let head =
                    sqlx::query("SELECT position, hash FROM events ORDER BY position DESC LIMIT 1")
                        .fetch_optional(state.db.read())
                        .await?;
                ChainStatus {
                    status: "broken".into(),
                    verified_count: 0,
                    head_position: head.as_ref().and_then(|r| r.try_get(0).ok()).unwrap_or(0),
                    head_hash: head
                        .as_ref()
                        .and_then(|r| r.try_get(1).ok())
                        .unwrap_or_default(),
                    first_bad_position: e.position(),
                    error: Some(e.to_string()),
                }
            }
        },
    ))
}
