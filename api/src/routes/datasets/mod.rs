//! `/api/v1/datasets`: upload, list, read (with lineage), delete, preview, profile.

mod errors;
pub(crate) mod heavy;
pub mod transform;
pub mod upload;
pub(crate) mod version;

use crate::routes::rfc3339;
use analysis::profile::{ColumnData, Profile, Table};
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    Json,
};
use commands::datasets::{self, ingest};
use domain::{dataset::DatasetFormat, ids::DatasetId};
use serde::{Deserialize, Serialize};
use sqlx::{any::AnyRow, Row};
use utoipa::{IntoParams, ToSchema};

use crate::{
    cache::{Category, Dep},
    error::{ApiError, ApiResult},
    extract::Ctx,
    pagination::{self, Page, PageQuery},
    state::AppState,
};

/// A dataset version as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// File name as uploaded.
    pub filename: Option<String>,
    /// `csv`, `tsv`, `jsonl`, `parquet` or `xlsx`.
    pub format: String,
    /// Worksheet read (xlsx).
    pub sheet: Option<String>,
    /// SHA-256 of the file.
    pub sha256: String,
    /// File size.
    pub size_bytes: i64,
    /// Columns with inferred (or overridden) types.
    #[schema(value_type = Vec<Object>)]
    pub schema: serde_json::Value,
    /// Data rows.
    pub row_count: i64,
    /// Columns.
    pub column_count: i64,
    /// Version within its family (1 = first upload).
    pub version: i64,
    /// Uploader's user id.
    pub uploaded_by: String,
    /// Latest assessment's score in [0, 1].
    pub quality_score: Option<f64>,
    /// Upload time (RFC 3339).
    pub created_at: String,
    /// Last change (RFC 3339).
    pub updated_at: String,
    /// Stream version.
    pub stream_version: i64,
    /// Versions and derivations (on `GET /datasets/{id}` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lineage: Option<Lineage>,
}

/// Where a dataset comes from and what came from it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Lineage {
    /// The first version of the family.
    pub family_id: String,
    /// This version's number.
    pub version: i64,
    /// The dataset this is a new version of.
    pub version_of: Option<String>,
    /// Every live version of the family, oldest first.
    pub versions: Vec<VersionRef>,
    /// Datasets this one was derived from.
    pub derived_from: Vec<String>,
    /// Live datasets derived from this one.
    pub derived: Vec<String>,
    /// How RAIA produced this version: `{"kind": "transform", source, pipeline, fitted,
    /// fitted_from}` or `{"kind": "import", connector_id, connector_kind, rows}`; null for
    /// an upload.
    #[schema(value_type = Option<Object>)]
    pub origin: Option<serde_json::Value>,
}

/// One version of a family.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionRef {
    /// Id.
    pub id: String,
    /// Version number.
    pub version: i64,
    /// Upload time.
    pub created_at: String,
}

fn view(r: &AnyRow) -> ApiResult<DatasetView> {
    Ok(DatasetView {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        filename: r.try_get("filename")?,
        format: r.try_get("format")?,
        sheet: r.try_get("sheet")?,
        sha256: r.try_get("sha256")?,
        size_bytes: r.try_get("size_bytes")?,
        schema: serde_json::from_str(&r.try_get::<String, _>("schema_json")?)
            .map_err(ApiError::internal)?,
        row_count: r.try_get("row_count")?,
        column_count: r.try_get("column_count")?,
        version: r.try_get("version")?,
        uploaded_by: r.try_get("uploaded_by")?,
        quality_score: r.try_get("quality_score")?,
        created_at: rfc3339(r.try_get("created_at")?),
        updated_at: rfc3339(r.try_get("updated_at")?),
        stream_version: r.try_get("stream_version")?,
        lineage: None,
    })
}

/// The live dataset `id`, or 404.
pub(crate) async fn live_row(state: &AppState, id: &str) -> ApiResult<AnyRow> {
    if DatasetId::parse(id).is_none() {
        return Err(ApiError::not_found("dataset"));
    }
    sqlx::query("SELECT * FROM datasets WHERE id = $1 AND deleted_at IS NULL")
        .bind(id.to_owned())
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(|| ApiError::not_found("dataset"))
}

/// What is needed to read a dataset's file again.
#[derive(Debug, Clone)]
pub(crate) struct FileRef {
    pub sha256: String,
    pub format: DatasetFormat,
    pub sheet: Option<String>,
}

pub(crate) fn file_ref(r: &AnyRow) -> ApiResult<FileRef> {
    let format: String = r.try_get("format")?;
    Ok(FileRef {
        sha256: r.try_get("sha256")?,
        format: DatasetFormat::parse(&format)
            .ok_or_else(|| ApiError::internal(format!("stored format {format}")))?,
        sheet: r.try_get("sheet")?,
    })
}

pub(crate) fn profile_cache(state: &AppState) -> ingest::ProfileCache {
    ingest::ProfileCache::new(state.config.data_dir.join("profiles"))
}

fn join_err(e: tokio::task::JoinError) -> ApiError {
    ApiError::internal(e)
}

/// Reads a stored dataset's table on a blocking thread.
pub(crate) async fn load_table(state: &AppState, f: &FileRef) -> ApiResult<Table> {
    let path = state.blobs.path(&f.sha256)?;
    let (format, sheet) = (f.format, f.sheet.clone());
    tokio::task::spawn_blocking(move || {
        ingest::read_table(&path, format, sheet.as_deref(), Default::default())
    })
    .await
    .map_err(join_err)?
    .map_err(Into::into)
}

/// A stored dataset's table and profile (the profile from the cache when present).
pub(crate) async fn load_profiled(
    state: &AppState,
    f: &FileRef,
    need_table: bool,
    correlations: bool,
) -> ApiResult<(Option<Table>, Profile)> {
    let cache = profile_cache(state);
    let path = state.blobs.path(&f.sha256)?;
    let f = f.clone();
    tokio::task::spawn_blocking(move || {
        let cached = cache.get(&f.sha256, f.format, f.sheet.as_deref(), correlations);
        if let (Some(p), false) = (&cached, need_table) {
            return Ok((None, p.clone()));
        }
        let table = ingest::read_table(&path, f.format, f.sheet.as_deref(), Default::default())?;
        let p = match cached {
            Some(p) => p,
            None => {
                let p = ingest::profile_table(&table, correlations);
                cache.put(&f.sha256, f.format, f.sheet.as_deref(), &p);
                p
            }
        };
        Ok::<_, ingest::IngestError>((Some(table), p))
    })
    .await
    .map_err(join_err)?
    .map_err(Into::into)
}

/// The stored origin of a dataset row.
pub(crate) fn origin_of(r: &AnyRow) -> ApiResult<Option<serde_json::Value>> {
    r.try_get::<Option<String>, _>("origin")?
        .map(|o| serde_json::from_str(&o).map_err(ApiError::internal))
        .transpose()
}

async fn lineage(state: &AppState, v: &DatasetView, r: &AnyRow) -> ApiResult<Lineage> {
    let family_id: String = r.try_get("family_id")?;
    let versions = sqlx::query(
        "SELECT id, version, created_at FROM datasets WHERE family_id = $1 AND deleted_at IS NULL ORDER BY version",
    )
    .bind(family_id.clone())
    .fetch_all(state.db.read())
    .await?
    .iter()
    .map(|x| {
        Ok(VersionRef {
            id: x.try_get("id")?,
            version: x.try_get("version")?,
            created_at: rfc3339(x.try_get("created_at")?),
        })
    })
    .collect::<ApiResult<Vec<_>>>()?;
    // Derived-from lists are short JSON arrays of UUIDs: a LIKE on the quoted id is exact.
    let derived = sqlx::query(
        "SELECT id FROM datasets WHERE derived_from LIKE $1 AND deleted_at IS NULL ORDER BY created_at, id",
    )
    .bind(format!("%\"{}\"%", v.id))
    .fetch_all(state.db.read())
    .await?
    .iter()
    .map(|x| x.try_get::<String, _>("id"))
    .collect::<Result<Vec<_>, _>>()?;
    Ok(Lineage {
        family_id,
        version: v.version,
        version_of: r.try_get("version_of")?,
        versions,
        derived_from: serde_json::from_str(&r.try_get::<String, _>("derived_from")?)
            .map_err(ApiError::internal)?,
        derived,
        origin: origin_of(r)?,
    })
}

/// One dataset with its lineage.
#[utoipa::path(get, path = "/api/v1/datasets/{id}", tag = "datasets", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = DatasetView), (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<DatasetView>> {
    let r = live_row(&state, &id).await?;
    let mut v = view(&r)?;
    v.lineage = Some(lineage(&state, &v, &r).await?);
    Ok(Json(v))
}

/// Reads a dataset row by id (live or not) as a view; used after writes.
pub(crate) async fn read_view(state: &AppState, id: &str) -> ApiResult<DatasetView> {
    let r = live_row(state, id).await?;
    let mut v = view(&r)?;
    v.lineage = Some(lineage(state, &v, &r).await?);
    Ok(v)
}

/// Filters for the dataset list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Page size.
    pub limit: Option<i64>,
    /// Cursor.
    pub cursor: Option<String>,
    /// Name contains (case-insensitive).
    pub name: Option<String>,
    /// Only this format.
    pub format: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct ListCursor {
    c: i64,
    i: String,
}

/// Lists live datasets, oldest first.
#[utoipa::path(get, path = "/api/v1/datasets", tag = "datasets", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<DatasetView>), (status = 400, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Page<DatasetView>>> {
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor.clone(),
    };
    let limit = page.limit()?;
    let cursor: Option<ListCursor> = page.cursor()?;
    let mut sql = String::from("SELECT * FROM datasets WHERE deleted_at IS NULL");
    let mut args: Vec<String> = Vec::new();
    if let Some(n) = q.name {
        args.push(format!("%{}%", n.to_lowercase()));
        sql.push_str(&format!(" AND LOWER(name) LIKE ${}", args.len()));
    }
    if let Some(f) = q.format {
        args.push(f);
        sql.push_str(&format!(" AND format = ${}", args.len()));
    }
    let c = args.len() + 1;
    if cursor.is_some() {
        sql.push_str(&format!(
            " AND (created_at > ${c} OR (created_at = ${c} AND id > ${}))",
            c + 1
        ));
    }
    sql.push_str(&format!(" ORDER BY created_at, id LIMIT {}", limit + 1));
    let mut query = sqlx::query(&sql);
    for a in args {
        query = query.bind(a);
    }
    if let Some(cur) = &cursor {
        query = query.bind(cur.c).bind(cur.i.clone());
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

/// Removes the file unless a live record of any kind (another dataset, a model
/// version, a document, an explanation, an export) holds the same bytes.
pub(crate) async fn release_blob(state: &AppState, sha256: &str) -> ApiResult<()> {
    crate::retention::blobs::release(state, sha256).await?;
    Ok(())
}

/// Deletes a dataset: an event; the file goes when no live dataset shares it; history stays.
#[utoipa::path(delete, path = "/api/v1/datasets/{id}", tag = "datasets", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ctx: Ctx,
) -> ApiResult<StatusCode> {
    let r = live_row(&state, &id).await?;
    let sha: String = r.try_get("sha256")?;
    let dataset_id = DatasetId::parse(&id).ok_or_else(|| ApiError::not_found("dataset"))?;
    let events = datasets::delete(state.store.as_ref(), dataset_id, ctx.metadata).await?;
    state.settle(&events).await;
    release_blob(&state, &sha).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Preview window.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PreviewQuery {
    /// Rows to return (default 50, at most 1000).
    pub limit: Option<usize>,
    /// First row (0-based).
    pub offset: Option<usize>,
}

/// Rows of a dataset.
#[derive(Debug, Serialize, ToSchema)]
pub struct Preview {
    /// Column names.
    pub columns: Vec<String>,
    /// Rows as arrays (missing values are `null`).
    #[schema(value_type = Vec<Vec<Object>>)]
    pub rows: Vec<Vec<serde_json::Value>>,
    /// First row returned.
    pub offset: usize,
    /// Rows asked for.
    pub limit: usize,
    /// Rows in the dataset.
    pub total_rows: usize,
}

/// One cell as JSON (missing = null), typed as pandas reads it.
pub(crate) fn cell(table: &Table, col: usize, row: usize) -> serde_json::Value {
    let c = &table.columns[col];
    if c.missing[row] {
        return serde_json::Value::Null;
    }
    match &c.data {
        ColumnData::Int64(v) => v[row].into(),
        ColumnData::Float64(v) => serde_json::Number::from_f64(v[row])
            .map_or_else(|| v[row].to_string().into(), serde_json::Value::Number),
        ColumnData::Bool(v) => v[row].into(),
        ColumnData::Object(s) => s.get(row).unwrap_or_default().into(),
    }
}

/// A window of rows, typed as pandas reads them.
#[utoipa::path(get, path = "/api/v1/datasets/{id}/preview", tag = "datasets", params(("id" = String, Path), PreviewQuery),
    security(("bearer" = [])), responses((status = 200, body = Preview), (status = 404, body = crate::error::Problem)))]
pub async fn preview(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<PreviewQuery>,
) -> ApiResult<Json<Preview>> {
    let limit = q.limit.unwrap_or(50);
    if limit == 0 || limit > 1000 {
        return Err(ApiError::bad_request(
            "invalid_limit",
            "limit must be 1 to 1000",
        ));
    }
    let offset = q.offset.unwrap_or(0);
    let r = live_row(&state, &id).await?;
    let table = load_table(&state, &file_ref(&r)?).await?;
    let end = table.rows.min(offset.saturating_add(limit));
    let rows = (offset.min(end)..end)
        .map(|row| {
            (0..table.columns.len())
                .map(|c| cell(&table, c, row))
                .collect()
        })
        .collect();
    Ok(Json(Preview {
        columns: table.columns.iter().map(|c| c.name.clone()).collect(),
        rows,
        offset,
        limit,
        total_rows: table.rows,
    }))
}

/// Profile options.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProfileQuery {
    /// Add Pearson, Spearman and Cramér's V matrices (computed once, then cached).
    pub correlations: Option<bool>,
}

/// The data-quality profile (pandas semantics; see `shared/fixtures/quality/README.md`).
/// A profile not yet cached over at least `RAIA_DATASET_JOB_CELLS` cells (or asked with
/// `Prefer: respond-async`) is computed by a job: 202, the profile is the job's result.
#[utoipa::path(get, path = "/api/v1/datasets/{id}/profile", tag = "datasets", params(("id" = String, Path), ProfileQuery),
    security(("bearer" = [])), responses((status = 200, body = Object),
        (status = 202, description = "computed by a job (large dataset or Prefer: respond-async); poll Location"),
        (status = 404, body = crate::error::Problem)))]
pub async fn profile(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<ProfileQuery>,
    ctx: Ctx,
    crate::extract::RespondAsync(respond_async): crate::extract::RespondAsync,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let r = live_row(&state, &id).await?;
    let correlations = q.correlations.unwrap_or(false);
    let f = file_ref(&r)?;
    // Only whether it is stored: reading and parsing it here would cost a read-cache
    // hit as much as the file itself.
    let cached =
        profile_cache(&state).contains(&f.sha256, f.format, f.sheet.as_deref(), correlations);
    let (rows, cells) = heavy::size(&r)?;
    if cached || !heavy::as_job(&state, respond_async, cells) {
        // Served through the read cache, labelled by the dataset stream's position;
        // the row is read again inside so a concurrent write cannot be stored as current.
        let key = format!("{id}:{correlations}");
        let deps = [Dep::stream("dataset", &id)];
        let doc = state
            .cache
            .json(Category::DatasetProfile, &key, &deps, || async {
                let r = live_row(&state, &id).await?;
                profile_doc(&state, &id, &file_ref(&r)?, correlations, None).await
            })
            .await?;
        return Ok(doc.into_response());
    }
    let job_state = state.clone();
    let params =
        serde_json::json!({ "dataset_id": id, "correlations": correlations, "rows": rows });
    let job = crate::jobs::spawn(
        &state,
        &ctx,
        "dataset.profile",
        params,
        move |job| async move {
            profile_doc(&job_state, &id, &f, correlations, Some((job, rows)))
                .await
                .map_err(|e| e.to_string())
        },
    )
    .await?;
    Ok(crate::jobs::accepted(job))
}

async fn profile_doc(
    state: &AppState,
    id: &str,
    f: &FileRef,
    correlations: bool,
    job: Option<(crate::jobs::JobHandle, u64)>,
) -> ApiResult<serde_json::Value> {
    let rows = job.as_ref().map_or(0, |(_, r)| *r);
    // One phase: reading and profiling happen together.
    let mut progress = heavy::RowProgress::start(job.map(|(j, _)| j), rows, 1).await;
    let (_, p) = load_profiled(state, f, false, correlations).await?;
    progress.finish().await;
    let mut doc = serde_json::to_value(&p).map_err(ApiError::internal)?;
    doc["dataset_id"] = id.into();
    Ok(doc)
}
