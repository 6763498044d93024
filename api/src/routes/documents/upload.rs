//! `POST /api/v1/documents/upload`: multipart `file` (txt, md, html, pdf, docx)
//! with optional `chunk_size`, `chunk_overlap` and `metadata` (a JSON object of
//! strings). The file and its extracted text go to the blob store; the event
//! records their hashes and the chunk spans.

use std::collections::BTreeMap;

use analysis::retrieval::{chunk::chunk, embed::LOCAL_EMBEDDER};
use axum::{
    extract::{Multipart, State},
    http::StatusCode,
    Json,
};
use commands::{
    handle::{load, Batch},
    Until,
};
use domain::{
    document::{ChunkSpan, Document, DocumentCommand, DocumentFacts},
    ids::DocumentId,
    upcast::Upcasters,
};

use super::{view, DocumentView};
use crate::{
    error::{ApiError, ApiResult},
    extract::Ctx,
    llm::extract::{extract, format_of, ExtractError},
    state::AppState,
};

/// Default chunk size, characters.
pub const DEFAULT_CHUNK_SIZE: usize = 800;
/// Default overlap, characters.
pub const DEFAULT_CHUNK_OVERLAP: usize = 100;

impl From<ExtractError> for ApiError {
    fn from(e: ExtractError) -> Self {
        let code = match e {
            ExtractError::Unsupported(_) => {
                return Self::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_document_type",
                    e.to_string(),
                )
            }
            ExtractError::Empty => "empty_document",
            ExtractError::NotUtf8 => "invalid_utf8",
            ExtractError::EncryptedPdf => "encrypted_pdf",
            ExtractError::ImageOnlyPdf => "image_only_pdf",
            ExtractError::Corrupt(..) => "unreadable_document",
        };
        Self::unprocessable(code, e.to_string())
    }
}

fn bad(detail: impl Into<String>) -> ApiError {
    ApiError::bad_request("invalid_multipart", detail)
}

#[derive(Debug, Default)]
struct Form {
    file: Option<(commands::blobs::BlobRef, String)>,
    chunk_size: Option<usize>,
    chunk_overlap: Option<usize>,
    metadata: BTreeMap<String, String>,
}

async fn small_text(field: axum::extract::multipart::Field<'_>) -> ApiResult<String> {
    let b = field.bytes().await.map_err(|e| bad(e.to_string()))?;
    if b.len() > 64 * 1024 {
        return Err(bad("text parts are limited to 64 KiB"));
    }
    String::from_utf8(b.to_vec()).map_err(|_| bad("text parts must be UTF-8"))
}

async fn read_form(state: &AppState, mut mp: Multipart, form: &mut Form) -> ApiResult<()> {
    let number = |s: String, what: &str| {
        s.trim().parse::<usize>().map_err(|_| {
            ApiError::unprocessable("invalid_chunking", format!("{what} must be a whole number"))
        })
    };
    while let Some(field) = mp.next_field().await.map_err(|e| bad(e.to_string()))? {
        match field.name().unwrap_or_default() {
            "file" => {
                if form.file.is_some() {
                    return Err(bad("only one `file` part is allowed"));
                }
                let name = field.file_name().unwrap_or("document").to_owned();
                // The type is checked before a byte is stored.
                format_of(&name)?;
                let blob = state
                    .blobs
                    .put_stream(Box::pin(field), state.config.document_max_bytes)
                    .await?;
                form.file = Some((blob, name));
            }
            "chunk_size" => form.chunk_size = Some(number(small_text(field).await?, "chunk_size")?),
            "chunk_overlap" => {
                form.chunk_overlap = Some(number(small_text(field).await?, "chunk_overlap")?)
            }
            "metadata" => {
                form.metadata = serde_json::from_str(&small_text(field).await?).map_err(|e| {
                    ApiError::unprocessable(
                        "invalid_metadata",
                        format!("metadata must be a JSON object of strings: {e}"),
                    )
                })?
            }
            other => {
                return Err(bad(format!(
                    "unknown part `{other}`; expected file, chunk_size, chunk_overlap, metadata"
                )))
            }
        }
    }
    Ok(())
}

/// Uploads a document: extracts its text, chunks it, records `DocumentUploaded`.
#[utoipa::path(post, path = "/api/v1/documents/upload", tag = "documents", security(("bearer" = [])),
    request_body(content_type = "multipart/form-data", description = "file, chunk_size, chunk_overlap, metadata"),
    responses((status = 201, body = DocumentView), (status = 413, body = crate::error::Problem),
    (status = 415, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    mp: Multipart,
) -> ApiResult<(StatusCode, Json<DocumentView>)> {
    let mut form = Form::default();
    let read = read_form(&state, mp, &mut form).await;
    let Some((blob, filename)) = form.file.clone() else {
        read?;
        return Err(bad("a `file` part is required"));
    };
    let result = match read {
        Ok(()) => ingest(&state, ctx, form, &blob, filename).await,
        Err(e) => Err(e),
    };
    if result.is_err() {
        // Removed unless a live record of any kind uses the file: a refused
        // upload leaves nothing.
        crate::retention::blobs::release(&state, &blob.sha256).await?;
    }
    result
}

async fn ingest(
    state: &AppState,
    ctx: Ctx,
    form: Form,
    blob: &commands::blobs::BlobRef,
    filename: String,
) -> ApiResult<(StatusCode, Json<DocumentView>)> {
    let format = format_of(&filename)?;
    let size = form.chunk_size.unwrap_or(DEFAULT_CHUNK_SIZE);
    let overlap = form
        .chunk_overlap
        .unwrap_or(DEFAULT_CHUNK_OVERLAP.min(size / 4));
    let bytes = state.blobs.read(&blob.sha256).await?;
    let (text, spans) = tokio::task::spawn_blocking(move || {
        let text = extract(format, &bytes)?;
        let spans = chunk(&text, size, overlap)
            .map_err(|e| ApiError::unprocessable("invalid_chunking", e.to_string()))?;
        Ok::<_, ApiError>((text, spans))
    })
    .await
    .map_err(ApiError::internal)??;
    let text_blob = state
        .blobs
        .put_bytes(axum::body::Bytes::from(text.clone().into_bytes()))
        .await?;
    let id = DocumentId::from_uuid(uuid::Uuid::now_v7());
    let facts = DocumentFacts {
        filename,
        format: format.to_owned(),
        sha256: blob.sha256.clone(),
        size: blob.size,
        text_sha256: text_blob.sha256,
        chars: text.chars().count() as u64,
        metadata: form.metadata,
        chunk_size: size as u32,
        chunk_overlap: overlap as u32,
        chunks: spans
            .iter()
            .map(|(s, e)| ChunkSpan {
                start: *s as u64,
                end: *e as u64,
            })
            .collect(),
        embedder: LOCAL_EMBEDDER.to_owned(),
    };
    let loaded = load::<Document>(
        state.store.as_ref(),
        &Upcasters::domain(),
        &id.to_string(),
        Until::Now,
    )
    .await?;
    let mut batch = Batch::new(ctx.metadata);
    batch.decide(
        &loaded,
        None,
        DocumentCommand::Upload {
            id,
            facts: Box::new(facts),
        },
    )?;
    let events = state.store.append(batch.into_events()).await?;
    state.settle(&events).await;
    let row = sqlx::query("SELECT * FROM rag_documents WHERE id = $1")
        .bind(id.to_string())
        .fetch_one(state.db.read())
        .await?;
    Ok((StatusCode::CREATED, Json(view(&row)?)))
}
