//! `POST /api/v1/datasets/upload`: multipart in, file streamed to the blob store,
//! read and profiled, `DatasetUploaded` out.

use std::collections::BTreeMap;

use axum::{
    extract::{multipart::MultipartRejection, Multipart, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::IntoResponse,
    Json,
};
use commands::{
    blobs::BlobRef,
    datasets::{self, ingest},
};
use domain::{
    dataset::{ColumnType, DatasetFormat, DatasetSpec},
    ids::DatasetId,
};

use super::{live_row, profile_cache, read_view, release_blob, DatasetView};
use crate::{
    error::{ApiError, ApiResult},
    extract::Ctx,
    state::AppState,
};

/// Largest text part (name, description, schema...), bytes.
const MAX_TEXT_PART: usize = 64 * 1024;

#[derive(Debug, Default)]
struct Form {
    file: Option<(BlobRef, Option<String>)>,
    name: Option<String>,
    description: Option<String>,
    schema: Option<String>,
    version_of: Option<String>,
    derived_from: Option<String>,
    sheet: Option<String>,
    format: Option<String>,
}

fn bad_multipart(e: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request("invalid_multipart", e.to_string())
}

async fn text(mut field: axum::extract::multipart::Field<'_>) -> ApiResult<String> {
    let name = field.name().unwrap_or_default().to_owned();
    let mut buf = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(bad_multipart)? {
        buf.extend_from_slice(&chunk);
        if buf.len() > MAX_TEXT_PART {
            return Err(ApiError::unprocessable(
                "invalid_dataset",
                format!("part `{name}` is longer than {MAX_TEXT_PART} bytes"),
            ));
        }
    }
    String::from_utf8(buf).map_err(|_| {
        ApiError::bad_request("invalid_multipart", format!("part `{name}` is not UTF-8"))
    })
}

async fn read_form(state: &AppState, mut mp: Multipart, form: &mut Form) -> ApiResult<()> {
    while let Some(field) = mp.next_field().await.map_err(bad_multipart)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                if form.file.is_some() {
                    return Err(ApiError::bad_request("invalid_multipart", "only one `file` part is allowed"));
                }
                let filename = field.file_name().map(str::to_owned);
                let blob = state
                    .blobs
                    .put_stream(Box::pin(field), state.config.dataset_max_bytes)
                    .await?;
                form.file = Some((blob, filename));
            }
            "name" => form.name = Some(text(field).await?),
            "description" => form.description = Some(text(field).await?),
            "schema" => form.schema = Some(text(field).await?),
            "version_of" => form.version_of = Some(text(field).await?),
            "derived_from" => form.derived_from = Some(text(field).await?),
            "sheet" => form.sheet = Some(text(field).await?),
            "format" => form.format = Some(text(field).await?),
            other => {
                return Err(ApiError::bad_request(
                    "invalid_multipart",
                    format!("unknown part `{other}`; expected file, name, description, schema, version_of, derived_from, sheet, format"),
                ))
            }
        }
    }
    Ok(())
}

fn overrides(schema: Option<&str>) -> ApiResult<BTreeMap<String, ColumnType>> {
    let Some(s) = schema.filter(|s| !s.trim().is_empty()) else {
        return Ok(BTreeMap::new());
    };
    let raw: BTreeMap<String, String> = serde_json::from_str(s).map_err(|e| {
        ApiError::bad_request(
            "invalid_schema",
            format!("schema must be a JSON object of column -> type: {e}"),
        )
    })?;
    raw.into_iter()
        .map(|(c, t)| match ColumnType::parse(&t) {
            Some(t) => Ok((c, t)),
            None => Err(ApiError::unprocessable(
                "invalid_schema",
                format!("unknown type `{t}` for `{c}`; use integer, float, boolean, datetime, categorical, text or identifier"),
            )),
        })
        .collect()
}

fn ids(raw: Option<&str>) -> ApiResult<Vec<DatasetId>> {
    let Some(s) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(Vec::new());
    };
    let items: Vec<String> = if s.starts_with('[') {
        serde_json::from_str(s)
            .map_err(|e| ApiError::bad_request("invalid_lineage", e.to_string()))?
    } else {
        s.split(',').map(|p| p.trim().to_owned()).collect()
    };
    items
        .iter()
        .map(|i| {
            DatasetId::parse(i).ok_or_else(|| {
                ApiError::unprocessable("unknown_dataset", format!("`{i}` is not a dataset id"))
            })
        })
        .collect()
}

async fn must_exist(state: &AppState, id: DatasetId) -> ApiResult<sqlx::any::AnyRow> {
    live_row(state, &id.to_string()).await.map_err(|_| {
        ApiError::unprocessable("unknown_dataset", format!("dataset {id} does not exist"))
    })
}

struct Parsed {
    name: String,
    overrides: BTreeMap<String, ColumnType>,
    version_of: Option<DatasetId>,
    derived_from: Vec<DatasetId>,
    format: Option<DatasetFormat>,
}

fn parse_form(form: &Form) -> ApiResult<Parsed> {
    let name = form
        .name
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    if name.is_empty() || name.chars().count() > 255 {
        return Err(ApiError::unprocessable(
            "invalid_dataset",
            "`name` is required (1 to 255 characters)",
        ));
    }
    let format = match form
        .format
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty())
    {
        None => None,
        Some(f) => Some(DatasetFormat::parse(f).ok_or_else(|| {
            ApiError::unprocessable("invalid_dataset", format!("unknown format `{f}`"))
        })?),
    };
    let version_of = ids(form.version_of.as_deref())?;
    if version_of.len() > 1 {
        return Err(ApiError::unprocessable(
            "invalid_lineage",
            "`version_of` names one dataset",
        ));
    }
    Ok(Parsed {
        name,
        overrides: overrides(form.schema.as_deref())?,
        version_of: version_of.first().copied(),
        derived_from: ids(form.derived_from.as_deref())?,
        format,
    })
}

async fn record(
    state: &AppState,
    ctx: Ctx,
    form: Form,
    blob: BlobRef,
    filename: Option<String>,
) -> ApiResult<DatasetView> {
    let p = parse_form(&form)?;
    let dataset_id = DatasetId::from_uuid(uuid::Uuid::now_v7());
    let (family_id, version) =
        super::version::next_version(state, dataset_id, p.version_of).await?;
    for d in &p.derived_from {
        must_exist(state, *d).await?;
    }
    let path = state.blobs.path(&blob.sha256)?;
    let (sheet, cache, sha) = (
        form.sheet.clone(),
        profile_cache(state),
        blob.sha256.clone(),
    );
    let (declared, fname) = (p.format, filename.clone());
    let (format, profile) = tokio::task::spawn_blocking(move || {
        let format = ingest::detect_format(&path, fname.as_deref(), declared)?;
        if let Some(hit) = cache.get(&sha, format, sheet.as_deref(), false) {
            return Ok((format, hit));
        }
        let table = ingest::read_table(&path, format, sheet.as_deref(), Default::default())?;
        let profile = ingest::profile_table(&table, false);
        cache.put(&sha, format, sheet.as_deref(), &profile);
        Ok::<_, ingest::IngestError>((format, profile))
    })
    .await
    .map_err(ApiError::internal)??;
    let schema = ingest::schema(&profile, &p.overrides)?;
    let spec = DatasetSpec {
        name: p.name,
        description: form.description.filter(|d| !d.trim().is_empty()),
        filename,
        format,
        sheet: form.sheet.filter(|_| format == DatasetFormat::Xlsx),
        sha256: blob.sha256,
        size_bytes: blob.size,
        column_count: schema.len() as u64,
        schema,
        row_count: profile.dataset.rows as u64,
        version_of: p.version_of,
        family_id,
        version,
        derived_from: p.derived_from,
        origin: None,
    };
    let events = datasets::upload(state.store.as_ref(), dataset_id, spec, ctx.metadata).await?;
    state.settle(&events).await;
    read_view(state, &dataset_id.to_string()).await
}

/// Uploads a dataset: multipart parts `file` (required), `name` (required),
/// `description`, `schema` (JSON object column -> type), `version_of` (a dataset id),
/// `derived_from` (ids, JSON array or comma-separated), `sheet` (xlsx), `format`
/// (to skip detection). The file is streamed to the content-addressed store.
#[utoipa::path(post, path = "/api/v1/datasets/upload", tag = "datasets", request_body(content_type = "multipart/form-data", content = Object),
    security(("bearer" = [])),
    responses((status = 201, body = DatasetView), (status = 400, body = crate::error::Problem), (status = 413, body = crate::error::Problem),
              (status = 415, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    mp: Result<Multipart, MultipartRejection>,
) -> ApiResult<impl IntoResponse> {
    let mp = mp.map_err(|e| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("expected multipart/form-data: {e}"),
        )
    })?;
    let mut form = Form::default();
    let read = read_form(&state, mp, &mut form).await;
    let Some((blob, filename)) = form.file.take() else {
        read?;
        return Err(ApiError::unprocessable(
            "invalid_dataset",
            "the `file` part is required",
        ));
    };
    let outcome = match read {
        Ok(()) => record(&state, ctx, form, blob.clone(), filename).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(v) => {
            let mut headers = HeaderMap::new();
            if let Ok(loc) = HeaderValue::from_str(&format!("/api/v1/datasets/{}", v.id)) {
                headers.insert(header::LOCATION, loc);
            }
            Ok((StatusCode::CREATED, headers, Json(v)))
        }
        Err(e) => {
            if let Err(cleanup) = release_blob(&state, &blob.sha256).await {
                tracing::warn!(error = ?cleanup, "could not release a refused upload's file");
            }
            Err(e)
        }
    }
}
