//! `/api/v1/connectors`: create and list connectors, and import a snapshot as a new
//! dataset version. Credentials are write-only: sealed on the way in, never shown.

use std::{collections::BTreeMap, time::Duration};

use axum::{
    extract::{Path, State},
    http::{header, HeaderName, HeaderValue, StatusCode},
    response::IntoResponse,
    Json,
};
use commands::connectors as cmd;
use domain::{
    connector::{ConnectorError, ConnectorSpec, Source},
    dataset::Origin,
    ids::{ConnectorId, DatasetId},
};
use serde::{Deserialize, Serialize};
use sqlx::{any::AnyRow, Row};
use utoipa::ToSchema;

use crate::{
    connectors::{self, Credentials, FetchError, Limits},
    error::{ApiError, ApiResult},
    extract::{ApiJson, Ctx},
    routes::{
        datasets::{
            live_row,
            version::{record_version, NewVersion},
            DatasetView,
        },
        rfc3339,
    },
    state::AppState,
};

/// Default and largest `max_rows`.
const MAX_ROWS: u64 = 10_000_000;
const DEFAULT_ROWS: u64 = 1_000_000;
/// Default and largest `timeout_ms`.
const DEFAULT_TIMEOUT_MS: u64 = 30_000;
const MAX_TIMEOUT_MS: u64 = 600_000;

impl From<ConnectorError> for ApiError {
    fn from(e: ConnectorError) -> Self {
        match e {
            ConnectorError::NotFound => Self::not_found("connector"),
            ConnectorError::AlreadyExists => Self::conflict("already_exists", e.to_string()),
        }
    }
}

impl From<FetchError> for ApiError {
    fn from(e: FetchError) -> Self {
        let (status, code) = match &e {
            FetchError::Connect(_) => (StatusCode::BAD_GATEWAY, "connector_unreachable"),
            FetchError::Status(_) => (StatusCode::BAD_GATEWAY, "connector_http_error"),
            FetchError::Query(_) => (StatusCode::UNPROCESSABLE_ENTITY, "connector_query_failed"),
            FetchError::Format(_) => (StatusCode::UNPROCESSABLE_ENTITY, "connector_bad_data"),
            FetchError::TooManyRows(_) => (StatusCode::UNPROCESSABLE_ENTITY, "connector_row_limit"),
            FetchError::TooManyBytes(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            FetchError::Timeout(_) => (StatusCode::GATEWAY_TIMEOUT, "connector_timeout"),
            FetchError::Store(_) => return Self::internal(e),
        };
        Self::new(status, code, e.to_string())
    }
}

/// Secrets of a connector: write-only.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialsInput {
    /// Database password.
    pub password: Option<String>,
    /// HTTP headers sent with every request (e.g. `Authorization`).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

/// A new connector.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateConnector {
    /// Name (also the name of the datasets it imports).
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// `{"kind": "postgres"|"mysql", host, port, database, user, query}` or
    /// `{"kind": "http", url, format: "csv"|"json", pagination: {"type": "none"|"link"} |
    /// {"type": "cursor", field, param}, records_field}`.
    #[schema(value_type = Object)]
    pub source: Source,
    /// Password and header values (sealed; never returned).
    pub credentials: Option<CredentialsInput>,
    /// Most rows (default 1,000,000; at most 10,000,000).
    pub max_rows: Option<u64>,
    /// Most bytes (default and at most the dataset size limit).
    pub max_bytes: Option<u64>,
    /// Statement / import timeout in ms (default 30,000; at most 600,000).
    pub timeout_ms: Option<u64>,
}

/// A connector as the API shows it (no secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectorView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// `postgres`, `mysql` or `http`.
    pub kind: String,
    /// The source settings.
    #[schema(value_type = Object)]
    pub source: serde_json::Value,
    /// Limits.
    pub max_rows: i64,
    /// Byte limit.
    pub max_bytes: i64,
    /// Timeout, ms.
    pub timeout_ms: i64,
    /// Whether credentials are stored.
    pub has_credentials: bool,
    /// Imports so far.
    pub imports: i64,
    /// The latest imported dataset version.
    pub last_dataset_id: Option<String>,
    /// Creator.
    pub created_by: Option<String>,
    /// Creation time.
    pub created_at: String,
}

fn view(r: &AnyRow) -> ApiResult<ConnectorView> {
    Ok(ConnectorView {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        kind: r.try_get("kind")?,
        source: serde_json::from_str(&r.try_get::<String, _>("source")?)
            .map_err(ApiError::internal)?,
        max_rows: r.try_get("max_rows")?,
        max_bytes: r.try_get("max_bytes")?,
        timeout_ms: r.try_get("timeout_ms")?,
        has_credentials: r.try_get::<i64, _>("has_credentials")? != 0,
        imports: r.try_get("imports")?,
        last_dataset_id: r.try_get("last_dataset_id")?,
        created_by: r.try_get("created_by")?,
        created_at: rfc3339(r.try_get("created_at")?),
    })
}

fn invalid(detail: impl Into<String>) -> ApiError {
    ApiError::unprocessable("invalid_connector", detail)
}

fn check_source(source: &mut Source, creds: &CredentialsInput) -> ApiResult<()> {
    match source {
        Source::Postgres {
            host,
            port,
            database,
            user,
            query,
        }
        | Source::Mysql {
            host,
            port,
            database,
            user,
            query,
        } => {
            if host.trim().is_empty()
                || database.trim().is_empty()
                || user.trim().is_empty()
                || *port == 0
            {
                return Err(invalid("host, port, database and user are required"));
            }
            if query.trim().is_empty() || query.len() > connectors::MAX_QUERY {
                return Err(invalid(format!(
                    "query must be 1 to {} bytes",
                    connectors::MAX_QUERY
                )));
            }
            if !creds.headers.is_empty() {
                return Err(invalid("headers apply to HTTP sources only"));
            }
        }
        Source::Http {
            url, header_names, ..
        } => {
            let parsed = reqwest::Url::parse(url).map_err(|e| invalid(format!("url: {e}")))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(invalid("url must be http or https"));
            }
            for (k, v) in &creds.headers {
                HeaderName::from_bytes(k.as_bytes())
                    .map_err(|_| invalid(format!("bad header name `{k}`")))?;
                HeaderValue::from_str(v)
                    .map_err(|_| invalid(format!("bad value for header `{k}`")))?;
            }
            if creds.password.is_some() {
                return Err(invalid("a password applies to SQL sources only"));
            }
            *header_names = creds.headers.keys().cloned().collect();
        }
    }
    Ok(())
}

fn bounded(v: Option<u64>, default: u64, max: u64, name: &str) -> ApiResult<u64> {
    match v.unwrap_or(default) {
        0 => Err(invalid(format!("`{name}` must be positive"))),
        n if n > max => Err(invalid(format!("`{name}` is at most {max}"))),
        n => Ok(n),
    }
}

async fn read(state: &AppState, id: &str) -> ApiResult<AnyRow> {
    sqlx::query("SELECT * FROM connectors WHERE id = $1")
        .bind(id.to_owned())
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(|| ApiError::not_found("connector"))
}

/// Creates a connector (201). Credentials are sealed and never returned.
#[utoipa::path(post, path = "/api/v1/connectors", tag = "connectors", request_body = CreateConnector,
    security(("bearer" = [])), responses((status = 201, body = ConnectorView), (status = 400, body = crate::error::Problem),
    (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(b): ApiJson<CreateConnector>,
) -> ApiResult<impl IntoResponse> {
    let name = b.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 255 {
        return Err(invalid("`name` is required (1 to 255 characters)"));
    }
    let creds_in = b.credentials.unwrap_or_default();
    let mut source = b.source;
    check_source(&mut source, &creds_in)?;
    let spec = ConnectorSpec {
        name,
        description: b.description.filter(|d| !d.trim().is_empty()),
        source,
        max_rows: bounded(b.max_rows, DEFAULT_ROWS, MAX_ROWS, "max_rows")?,
        max_bytes: bounded(
            b.max_bytes,
            state.config.dataset_max_bytes,
            state.config.dataset_max_bytes,
            "max_bytes",
        )?,
        timeout_ms: bounded(
            b.timeout_ms,
            DEFAULT_TIMEOUT_MS,
            MAX_TIMEOUT_MS,
            "timeout_ms",
        )?,
    };
    let id = ConnectorId::from_uuid(uuid::Uuid::now_v7());
    let creds = Credentials {
        password: creds_in.password,
        headers: creds_in.headers,
    };
    let sealed = if creds.password.is_some() || !creds.headers.is_empty() {
        let json = serde_json::to_string(&creds).map_err(ApiError::internal)?;
        Some(
            state
                .cipher
                .seal(&cmd::subject(id), &json)
                .await
                .map_err(ApiError::internal)?,
        )
    } else {
        None
    };
    let events = cmd::create(state.store.as_ref(), id, spec, sealed, ctx.metadata).await?;
    state.settle(&events).await;
    let v = view(&read(&state, &id.to_string()).await?)?;
    let location = format!("/api/v1/connectors/{}", v.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(v)))
}

/// Lists connectors, oldest first.
#[utoipa::path(get, path = "/api/v1/connectors", tag = "connectors", security(("bearer" = [])),
    responses((status = 200, body = Vec<ConnectorView>)))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<ConnectorView>>> {
    let rows = sqlx::query("SELECT * FROM connectors ORDER BY created_at, id LIMIT 1000")
        .fetch_all(state.db.read())
        .await?;
    Ok(Json(rows.iter().map(view).collect::<ApiResult<_>>()?))
}

/// Imports a snapshot as a new dataset version (201 with the dataset); the first
/// import starts a family, later ones add versions to it.
#[utoipa::path(post, path = "/api/v1/connectors/{id}/import", tag = "connectors", params(("id" = String, Path)),
    security(("bearer" = [])), responses((status = 201, body = DatasetView), (status = 404, body = crate::error::Problem),
    (status = 413, body = crate::error::Problem), (status = 422, body = crate::error::Problem),
    (status = 502, body = crate::error::Problem), (status = 504, body = crate::error::Problem)))]
pub async fn import(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ctx: Ctx,
) -> ApiResult<impl IntoResponse> {
    let cid = ConnectorId::parse(&id).ok_or_else(|| ApiError::not_found("connector"))?;
    let loaded = cmd::get(state.store.as_ref(), cid).await?;
    let spec = loaded
        .state
        .spec
        .clone()
        .ok_or_else(|| ApiError::not_found("connector"))?;
    let creds: Credentials = match &loaded.state.credentials {
        None => Credentials::default(),
        Some(sealed) => {
            let json = state
                .cipher
                .open(&cmd::subject(cid), sealed)
                .await
                .map_err(ApiError::internal)?
                .ok_or_else(|| {
                    ApiError::unprocessable(
                        "credentials_erased",
                        "the connector's credentials were erased",
                    )
                })?;
            serde_json::from_str(&json).map_err(ApiError::internal)?
        }
    };
    let limits = Limits {
        max_rows: spec.max_rows,
        max_bytes: spec.max_bytes,
        timeout: Duration::from_millis(spec.timeout_ms),
    };
    let snap = connectors::import(&state.blobs, &spec.source, &creds, limits).await?;
    let last: Option<String> = read(&state, &id).await?.try_get("last_dataset_id")?;
    let mut version_of = None;
    if let Some(l) = last {
        if live_row(&state, &l).await.is_ok() {
            version_of = DatasetId::parse(&l);
        }
    }
    let version = NewVersion {
        name: spec.name.clone(),
        description: spec.description.clone(),
        filename: format!("{}.{}", spec.source.kind(), snap.format.as_str()),
        format: snap.format,
        version_of,
        derived_from: Vec::new(),
        origin: Origin::Import {
            connector_id: cid,
            connector_kind: spec.source.kind().to_owned(),
            rows: snap.rows,
        },
    };
    let v = record_version(&state, &ctx, &snap.blob, version).await?;
    let dataset_id = DatasetId::parse(&v.id).ok_or_else(|| ApiError::internal("bad dataset id"))?;
    let events = cmd::record_import(
        state.store.as_ref(),
        cid,
        dataset_id,
        snap.rows,
        ctx.metadata,
    )
    .await?;
    state.settle(&events).await;
    let location = format!("/api/v1/datasets/{}", v.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(v)))
}
