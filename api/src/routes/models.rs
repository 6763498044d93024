//! `/api/v1/models`: the registry entries and their model cards.

use crate::routes::rfc3339;
use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::IntoResponse,
    Json,
};
use commands::{models, Until};
use domain::{
    ids::ModelId,
    model::{ModelCard, ModelSpec, ModelStatus},
};
use serde::{Deserialize, Serialize};
use sqlx::{any::AnyRow, Row};
use utoipa::{IntoParams, ToSchema};

pub use super::model_bodies::{CreateModel, UpdateModel};
use crate::{
    cache::{Category, Dep},
    error::{ApiError, ApiResult},
    extract::{ApiJson, Ctx, IfMatch},
    pagination::{self, Page, PageQuery},
    routes::as_of::AsOf,
    state::AppState,
};

/// A model as the registry shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelView {
    /// Id.
    pub id: String,
    /// Fields.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub spec: ModelSpec,
    /// Registered by.
    pub created_by: String,
    /// Registered at (RFC 3339).
    pub created_at: String,
    /// Last change (RFC 3339).
    pub updated_at: String,
    /// Stream version: send it back as `If-Match`.
    pub stream_version: i64,
}

fn parse_enum<T: serde::de::DeserializeOwned>(s: String) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(s)).map_err(ApiError::internal)
}

fn view(r: &AnyRow) -> ApiResult<ModelView> {
    Ok(ModelView {
        id: r.try_get("id")?,
        spec: ModelSpec {
            name: r.try_get("name")?,
            model_type: parse_enum(r.try_get("model_type")?)?,
            algorithm: r.try_get("algorithm")?,
            framework: r.try_get("framework")?,
            version: r.try_get("version")?,
            status: parse_enum(r.try_get("status")?)?,
            accuracy: r.try_get("accuracy")?,
            feature_names: serde_json::from_str(&r.try_get::<String, _>("feature_names")?)
                .map_err(ApiError::internal)?,
            metadata: serde_json::from_str(&r.try_get::<String, _>("metadata")?)
                .map_err(ApiError::internal)?,
            card: serde_json::from_str(&r.try_get::<String, _>("card")?)
                .map_err(ApiError::internal)?,
        },
        created_by: r.try_get("created_by")?,
        created_at: rfc3339(r.try_get("created_at")?),
        updated_at: rfc3339(r.try_get("updated_at")?),
        stream_version: r.try_get("stream_version")?,
    })
}

pub(crate) fn parse_id(id: &str) -> ApiResult<ModelId> {
    ModelId::parse(id).ok_or_else(|| ApiError::not_found("model"))
}

fn etag(version: i64) -> HeaderMap {
    let mut h = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&format!("\"{version}\"")) {
        h.insert(header::ETAG, v);
    }
    h
}

async fn read(state: &AppState, id: &str) -> ApiResult<ModelView> {
    let row = sqlx::query("SELECT * FROM models WHERE id = $1")
        .bind(id.to_owned())
        .fetch_optional(state.db.read())
        .await?;
    view(&row.ok_or_else(|| ApiError::not_found("model"))?)
}

/// Registers a model.
#[utoipa::path(post, path = "/api/v1/models", tag = "models", request_body = CreateModel, security(("bearer" = [])),
    responses((status = 201, body = ModelView), (status = 400, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(b): ApiJson<CreateModel>,
) -> ApiResult<impl IntoResponse> {
    let spec = ModelSpec {
        name: b.name,
        model_type: b.model_type,
        algorithm: b.algorithm,
        framework: b.framework,
        version: b.version,
        status: b.status.unwrap_or(ModelStatus::Draft),
        accuracy: b.accuracy,
        feature_names: b.feature_names,
        metadata: b.metadata.unwrap_or_else(|| serde_json::json!({})),
        card: ModelCard {
            intended_use: b.intended_use,
            out_of_scope_use: b.out_of_scope_use,
            limitations: b.limitations,
            ethical_considerations: b.ethical_considerations,
            owners: b.owners,
            training_dataset_id: b.training_dataset_id,
            evaluation_dataset_ids: b.evaluation_dataset_ids,
            target_column: b.target_column,
            feature_types: b.feature_types,
            risk_tier: b.risk_tier,
            tags: b.tags,
        },
    }
    .validate()
    .map_err(|e| ApiError::unprocessable("invalid_model", e.to_string()))?;
    let (id, events) = models::register(state.store.as_ref(), spec, ctx.metadata).await?;
    state.settle(&events).await;
    let v = read(&state, &id.to_string()).await?;
    let mut headers = etag(v.stream_version);
    if let Ok(loc) = HeaderValue::from_str(&format!("/api/v1/models/{id}")) {
        headers.insert(header::LOCATION, loc);
    }
    Ok((StatusCode::CREATED, headers, Json(v)))
}

/// Filters for the model list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Page size.
    pub limit: Option<i64>,
    /// Cursor.
    pub cursor: Option<String>,
    /// Only this type.
    #[serde(rename = "type")]
    pub model_type: Option<String>,
    /// Only this status.
    pub status: Option<String>,
    /// Name contains (case-insensitive).
    pub name: Option<String>,
    /// Only models with this tag.
    pub tag: Option<String>,
    /// Only this EU AI Act risk tier.
    pub risk_tier: Option<String>,
    /// Only models this owner answers for.
    pub owner: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct ListCursor {
    c: i64,
    i: String,
}

/// Lists models, oldest first.
#[utoipa::path(get, path = "/api/v1/models", tag = "models", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<ModelView>), (status = 400, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Page<ModelView>>> {
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor.clone(),
    };
    let limit = page.limit()?;
    let cursor: Option<ListCursor> = page.cursor()?;
    let mut sql = String::from("SELECT * FROM models WHERE 1 = 1");
    let mut args: Vec<String> = Vec::new();
    let mut n = 0;
    let mut arg = |sql: &mut String, cond: &str, v: String, args: &mut Vec<String>| {
        n += 1;
        sql.push_str(&cond.replace('?', &format!("${n}")));
        args.push(v);
    };
    if let Some(t) = q.model_type {
        arg(&mut sql, " AND model_type = ?", t, &mut args);
    }
    if let Some(s) = q.status {
        arg(&mut sql, " AND status = ?", s, &mut args);
    }
    if let Some(name) = q.name {
        arg(
            &mut sql,
            " AND LOWER(name) LIKE ?",
            format!("%{}%", name.to_lowercase()),
            &mut args,
        );
    }
    if let Some(t) = q.tag {
        arg(
            &mut sql,
            " AND EXISTS (SELECT 1 FROM model_tags t WHERE t.model_id = models.id AND t.tag = ?)",
            t,
            &mut args,
        );
    }
    if let Some(r) = q.risk_tier {
        arg(&mut sql, " AND risk_tier = ?", r, &mut args);
    }
    if let Some(o) = q.owner {
        arg(
            &mut sql,
            " AND EXISTS (SELECT 1 FROM model_owners o WHERE o.model_id = models.id AND o.owner = ?)",
            o,
            &mut args,
        );
    }
    let c_pos = args.len() + 1;
    if cursor.is_some() {
        sql.push_str(&format!(
            " AND (created_at > ${c_pos} OR (created_at = ${c_pos} AND id > ${}))",
            c_pos + 1
        ));
    }
    sql.push_str(&format!(" ORDER BY created_at, id LIMIT {}", limit + 1));
    let mut query = sqlx::query(&sql);
    for a in args {
        query = query.bind(a);
    }
    if let Some(c) = &cursor {
        query = query.bind(c.c).bind(c.i.clone());
    }
    let rows = query.fetch_all(state.db.read()).await?;
    let more = rows.len() as i64 > limit;
    let mut items = Vec::new();
    let mut last = None;
    for r in rows.iter().take(limit as usize) {
        last = Some(ListCursor {
            c: r.try_get("created_at")?,
            i: r.try_get("id")?,
        });
        items.push(view(r)?);
    }
    let next_cursor = if more {
        last.as_ref().map(pagination::encode)
    } else {
        None
    };
    Ok(Json(Page { items, next_cursor }))
}

/// One model; with `?as_of=` (RFC 3339 time or log position) as it was then.
#[utoipa::path(get, path = "/api/v1/models/{id}", tag = "models", params(("id" = String, Path), AsOf), security(("bearer" = [])),
    responses((status = 200, body = ModelView), (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<AsOf>,
) -> ApiResult<impl IntoResponse> {
    let model_id = parse_id(&id)?;
    let until = q.until()?;
    if until == Until::Now {
        let deps = [Dep::stream("model", &id)];
        let v = state
            .cache
            .json(Category::Model, &id, &deps, || read(&state, &id))
            .await?;
        let version = v.i64_field("stream_version").unwrap_or_default();
        return Ok((etag(version), v).into_response());
    }
    let loaded = models::get(state.store.as_ref(), model_id, until).await?;
    let (Some(spec), false) = (loaded.state.spec.clone(), loaded.state.deleted) else {
        return Err(ApiError::not_found("model"));
    };
    let events = state.store.read_stream("model", &id, until).await?;
    let first = events.first().map_or(0, |e| e.recorded_at);
    let last = events.last().map_or(0, |e| e.recorded_at);
    let v = ModelView {
        id,
        spec,
        created_by: loaded.state.created_by.unwrap_or_default(),
        created_at: rfc3339(first),
        updated_at: rfc3339(last),
        stream_version: loaded.version,
    };
    Ok((etag(v.stream_version), Json(v)).into_response())
}

/// Changes a model; send `If-Match: "<stream_version>"` to refuse lost updates.
#[utoipa::path(put, path = "/api/v1/models/{id}", tag = "models", request_body = UpdateModel, params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = ModelView), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    ctx: Ctx,
    ApiJson(b): ApiJson<UpdateModel>,
) -> ApiResult<impl IntoResponse> {
    let model_id = parse_id(&id)?;
    let patch = |cur: &ModelSpec| {
        ModelSpec {
            name: b.name.unwrap_or_else(|| cur.name.clone()),
            model_type: b.model_type.unwrap_or(cur.model_type),
            algorithm: b.algorithm.unwrap_or_else(|| cur.algorithm.clone()),
            framework: b.framework.unwrap_or_else(|| cur.framework.clone()),
            version: b.version.unwrap_or_else(|| cur.version.clone()),
            status: b.status.unwrap_or(cur.status),
            accuracy: b.accuracy.unwrap_or(cur.accuracy),
            feature_names: b.feature_names.unwrap_or_else(|| cur.feature_names.clone()),
            metadata: b.metadata.unwrap_or_else(|| cur.metadata.clone()),
            card: ModelCard {
                intended_use: b
                    .intended_use
                    .unwrap_or_else(|| cur.card.intended_use.clone()),
                out_of_scope_use: b
                    .out_of_scope_use
                    .unwrap_or_else(|| cur.card.out_of_scope_use.clone()),
                limitations: b
                    .limitations
                    .unwrap_or_else(|| cur.card.limitations.clone()),
                ethical_considerations: b
                    .ethical_considerations
                    .unwrap_or_else(|| cur.card.ethical_considerations.clone()),
                owners: b.owners.unwrap_or_else(|| cur.card.owners.clone()),
                training_dataset_id: b
                    .training_dataset_id
                    .unwrap_or_else(|| cur.card.training_dataset_id.clone()),
                evaluation_dataset_ids: b
                    .evaluation_dataset_ids
                    .unwrap_or_else(|| cur.card.evaluation_dataset_ids.clone()),
                target_column: b
                    .target_column
                    .unwrap_or_else(|| cur.card.target_column.clone()),
                feature_types: b
                    .feature_types
                    .unwrap_or_else(|| cur.card.feature_types.clone()),
                risk_tier: b.risk_tier.unwrap_or(cur.card.risk_tier),
                tags: b.tags.unwrap_or_else(|| cur.card.tags.clone()),
            },
        }
        .validate()
    };
    match models::update(
        state.store.as_ref(),
        model_id,
        if_match,
        patch,
        ctx.metadata,
    )
    .await
    {
        Ok(events) => state.settle(&events).await,
        Err(models::UpdateError::Invalid(e)) => {
            return Err(ApiError::unprocessable("invalid_model", e.to_string()))
        }
        // A PUT that changes nothing is a success with no event.
        Err(models::UpdateError::Command(commands::CommandError::Rejected(
            domain::model::ModelError::Unchanged,
        ))) => {}
        Err(models::UpdateError::Command(e)) => return Err(e.into()),
    }
    let v = read(&state, &id).await?;
    Ok((etag(v.stream_version), Json(v)))
}

/// Removes a model from the registry; its history stays in the log.
#[utoipa::path(delete, path = "/api/v1/models/{id}", tag = "models", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    ctx: Ctx,
) -> ApiResult<StatusCode> {
    let events =
        models::delete(state.store.as_ref(), parse_id(&id)?, if_match, ctx.metadata).await?;
    state.settle(&events).await;
    Ok(StatusCode::NO_CONTENT)
}
