//! Whether a stored file still belongs to a live record: datasets, model
//! versions, RAG documents, explanations and exports can share one file
//! (content-addressed), so none may delete it while another holds it.

use sqlx::Row;

use crate::{error::ApiResult, state::AppState};

/// Every table and column naming a file, with the condition for a live row.
const OWNERS: &[&str] = &[
    "SELECT COUNT(*) FROM datasets WHERE sha256 = $1 AND deleted_at IS NULL",
    "SELECT COUNT(*) FROM model_versions WHERE sha256 = $1",
    "SELECT COUNT(*) FROM rag_documents WHERE sha256 = $1 OR text_sha256 = $1",
    "SELECT COUNT(*) FROM explanations WHERE artifact_sha256 = $1 OR rows_sha256 = $1 OR background_sha256 = $1",
    "SELECT COUNT(*) FROM export_jobs WHERE sha256 = $1",
];

/// Whether any live record uses the file `sha256`.
pub async fn in_use(state: &AppState, sha256: &str) -> ApiResult<bool> {
    for sql in OWNERS {
        let n: i64 = sqlx::query(sql)
            .bind(sha256.to_owned())
            .fetch_one(state.db.read())
            .await?
            .try_get(0)?;
        if n > 0 {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Deletes the file unless a live record of any kind still uses it.
pub async fn release(state: &AppState, sha256: &str) -> ApiResult<bool> {
    if in_use(state, sha256).await? {
        return Ok(false);
    }
    Ok(state.blobs.delete(sha256).await?)
}
