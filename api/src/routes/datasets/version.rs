//! Recording a file RAIA produced (a transformation's output, a connector's snapshot)
//! as a new dataset version, exactly as an upload of the same bytes would be.

use commands::{
    blobs::BlobRef,
    datasets::{self, ingest},
};
use domain::{
    dataset::{DatasetFormat, DatasetSpec, Origin},
    ids::DatasetId,
};
use sqlx::Row;

use super::{live_row, profile_cache, read_view, release_blob, DatasetView};
use crate::{
    error::{ApiError, ApiResult},
    extract::Ctx,
    state::AppState,
};

/// The family and version number of a new version of `parent` (or a new family).
pub(crate) async fn next_version(
    state: &AppState,
    dataset_id: DatasetId,
    parent: Option<DatasetId>,
) -> ApiResult<(DatasetId, u64)> {
    let Some(parent) = parent else {
        return Ok((dataset_id, 1));
    };
    let r = live_row(state, &parent.to_string()).await.map_err(|_| {
        ApiError::unprocessable(
            "unknown_dataset",
            format!("dataset {parent} does not exist"),
        )
    })?;
    let family: String = r.try_get("family_id")?;
    let max: i64 = sqlx::query("SELECT MAX(version) FROM datasets WHERE family_id = $1")
        .bind(family.clone())
        .fetch_one(state.db.read())
        .await?
        .try_get(0)?;
    let family = DatasetId::parse(&family).ok_or_else(|| ApiError::internal("bad family id"))?;
    Ok((family, max as u64 + 1))
}

/// What a produced version is.
#[derive(Debug)]
pub(crate) struct NewVersion {
    pub name: String,
    pub description: Option<String>,
    pub filename: String,
    pub format: DatasetFormat,
    pub version_of: Option<DatasetId>,
    pub derived_from: Vec<DatasetId>,
    pub origin: Origin,
}

async fn record(
    state: &AppState,
    ctx: &Ctx,
    blob: &BlobRef,
    v: NewVersion,
) -> ApiResult<DatasetView> {
    let dataset_id = DatasetId::from_uuid(uuid::Uuid::now_v7());
    let (family_id, version) = next_version(state, dataset_id, v.version_of).await?;
    let path = state.blobs.path(&blob.sha256)?;
    let (cache, sha, format) = (profile_cache(state), blob.sha256.clone(), v.format);
    let profile = tokio::task::spawn_blocking(move || {
        if let Some(hit) = cache.get(&sha, format, None, false) {
            return Ok(hit);
        }
        let table = ingest::read_table(&path, format, None, Default::default())?;
        let profile = ingest::profile_table(&table, false);
        cache.put(&sha, format, None, &profile);
        Ok::<_, ingest::IngestError>(profile)
    })
    .await
    .map_err(ApiError::internal)??;
    let schema = ingest::schema(&profile, &Default::default())?;
    let spec = DatasetSpec {
        name: v.name,
        description: v.description,
        filename: Some(v.filename),
        format,
        sheet: None,
        sha256: blob.sha256.clone(),
        size_bytes: blob.size,
        column_count: schema.len() as u64,
        schema,
        row_count: profile.dataset.rows as u64,
        version_of: v.version_of,
        family_id,
        version,
        derived_from: v.derived_from,
        origin: Some(v.origin),
    };
    let events =
        datasets::upload(state.store.as_ref(), dataset_id, spec, ctx.metadata.clone()).await?;
    state.settle(&events).await;
    read_view(state, &dataset_id.to_string()).await
}

/// Records a stored file as a new dataset version; on failure the file is released
/// (unless a live dataset shares it) and nothing is recorded.
pub(crate) async fn record_version(
    state: &AppState,
    ctx: &Ctx,
    blob: &BlobRef,
    v: NewVersion,
) -> ApiResult<DatasetView> {
    let outcome = record(state, ctx, blob, v).await;
    if outcome.is_err() {
        if let Err(e) = release_blob(state, &blob.sha256).await {
            tracing::warn!(error = ?e, "could not release a refused version's file");
        }
    }
    outcome
}
