//! `/api/v1/documents`: upload documents for retrieval, list, delete and search them.

pub mod search;
pub mod upload;

use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use commands::{
    handle::{load, Batch},
    Until,
};
use domain::{
    document::{Document, DocumentCommand},
    ids::DocumentId,
    upcast::Upcasters,
};
use serde::Serialize;
use sqlx::Row;
use utoipa::ToSchema;

use crate::{
    error::{ApiError, ApiResult},
    extract::Ctx,
    routes::rfc3339,
    state::AppState,
};

/// A document as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentView {
    /// Id.
    pub id: String,
    /// File name.
    pub filename: String,
    /// Format.
    pub format: String,
    /// SHA-256 of the file.
    pub sha256: String,
    /// Bytes.
    pub size: i64,
    /// Characters of extracted text.
    pub chars: i64,
    /// Metadata (for search filters).
    #[schema(value_type = Object)]
    pub metadata: serde_json::Value,
    /// Chunk size used.
    pub chunk_size: i64,
    /// Chunk overlap used.
    pub chunk_overlap: i64,
    /// Number of chunks.
    pub chunks: i64,
    /// Embedder.
    pub embedder: String,
    /// Uploader.
    pub created_by: Option<String>,
    /// When.
    pub created_at: String,
}

/// Builds a view from a `rag_documents` row.
pub fn view(r: &sqlx::any::AnyRow) -> ApiResult<DocumentView> {
    Ok(DocumentView {
        id: r.try_get("id")?,
        filename: r.try_get("filename")?,
        format: r.try_get("format")?,
        sha256: r.try_get("sha256")?,
        size: r.try_get("size")?,
        chars: r.try_get("chars")?,
        metadata: serde_json::from_str(&r.try_get::<String, _>("metadata")?)
            .map_err(ApiError::internal)?,
        chunk_size: r.try_get("chunk_size")?,
        chunk_overlap: r.try_get("chunk_overlap")?,
        chunks: r.try_get("n_chunks")?,
        embedder: r.try_get("embedder")?,
        created_by: r.try_get("created_by")?,
        created_at: rfc3339(r.try_get("created_at")?),
    })
}

/// Live documents, oldest first.
#[utoipa::path(get, path = "/api/v1/documents", tag = "documents", security(("bearer" = [])),
    responses((status = 200, body = [DocumentView])))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<DocumentView>>> {
    let rows = sqlx::query("SELECT * FROM rag_documents ORDER BY position")
        .fetch_all(state.db.read())
        .await?;
    rows.iter()
        .map(view)
        .collect::<ApiResult<Vec<_>>>()
        .map(Json)
}

/// Deletes a document: `DocumentDeleted`; it is no longer retrieved.
#[utoipa::path(delete, path = "/api/v1/documents/{id}", tag = "documents",
    params(("id" = String, Path, description = "document id")), security(("bearer" = [])),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let did = DocumentId::parse(&id).ok_or_else(|| ApiError::not_found("document"))?;
    let loaded = load::<Document>(
        state.store.as_ref(),
        &Upcasters::domain(),
        &did.to_string(),
        Until::Now,
    )
    .await?;
    let mut batch = Batch::new(ctx.metadata);
    batch.decide(&loaded, None, DocumentCommand::Delete)?;
    let events = state.store.append(batch.into_events()).await?;
    state.settle(&events).await;
    Ok(StatusCode::NO_CONTENT)
}
