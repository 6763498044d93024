//! The `rag_documents` table: every live document with its chunk spans, from
//! which the retrieval index is rebuilt.

use async_trait::async_trait;
use domain::{
    decode::decode,
    document::{Document, DocumentEvent},
    upcast::Upcasters,
    Aggregate, StoredEvent,
};
use sqlx::{Any, Transaction};

use crate::{error::ProjectionError, Projection};

/// Projects document events.
#[derive(Debug, Clone, Copy)]
pub struct Documents;

#[async_trait]
impl Projection for Documents {
    fn name(&self) -> &'static str {
        "rag_documents"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["rag_documents"]
    }

    fn stream_types(&self) -> &'static [&'static str] {
        &[Document::STREAM_TYPE]
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'static, Any>,
        e: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if e.stream_type != Document::STREAM_TYPE {
            return Ok(());
        }
        let event: DocumentEvent =
            decode(e, &Upcasters::domain()).map_err(|source| ProjectionError::Decode {
                position: e.position,
                source,
            })?;
        match event {
            DocumentEvent::DocumentUploaded { document_id, facts } => {
                let by = e.metadata().unwrap_or_default().actor_id;
                let text = |v: &dyn erased::Json| v.text();
                sqlx::query(
                    "INSERT INTO rag_documents (id, filename, format, sha256, size, text_sha256, chars, \
                     metadata, chunk_size, chunk_overlap, chunks, n_chunks, embedder, position, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                )
                .bind(document_id.to_string())
                .bind(facts.filename.clone())
                .bind(facts.format.clone())
                .bind(facts.sha256.clone())
                .bind(facts.size as i64)
                .bind(facts.text_sha256.clone())
                .bind(facts.chars as i64)
                .bind(text(&facts.metadata))
                .bind(i64::from(facts.chunk_size))
                .bind(i64::from(facts.chunk_overlap))
                .bind(text(&facts.chunks))
                .bind(facts.chunks.len() as i64)
                .bind(facts.embedder.clone())
                .bind(e.position)
                .bind(by)
                .bind(e.recorded_at)
                .execute(&mut **tx)
                .await?;
            }
            DocumentEvent::DocumentDeleted { document_id } => {
                sqlx::query("DELETE FROM rag_documents WHERE id = $1")
                    .bind(document_id.to_string())
                    .execute(&mut **tx)
                    .await?;
            }
        }
        Ok(())
    }
}

mod erased {
    /// Anything serialisable, as JSON text.
    pub trait Json {
        /// The JSON text.
        fn text(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn text(&self) -> String {
            serde_json::to_string(self).unwrap_or_else(|_| "null".into())
        }
    }
}
