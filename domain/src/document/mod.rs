//! RAG documents: an uploaded file, its extracted text (a blob) and the chunk
//! spans retrieval indexes. The spans are in the event so an index can be
//! rebuilt from the log and the blobs alone.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{aggregate::Aggregate, ids::DocumentId};

/// One chunk: a span of the extracted text, in characters (Unicode scalar values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkSpan {
    /// First character.
    pub start: u64,
    /// One past the last character.
    pub end: u64,
}

/// Everything recorded about an upload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentFacts {
    /// File name as uploaded.
    pub filename: String,
    /// `txt`, `md`, `html`, `pdf` or `docx`.
    pub format: String,
    /// SHA-256 of the uploaded file (its blob).
    pub sha256: String,
    /// Bytes uploaded.
    pub size: u64,
    /// SHA-256 of the extracted UTF-8 text (its blob).
    pub text_sha256: String,
    /// Characters of extracted text.
    pub chars: u64,
    /// Caller's metadata, used by search filters.
    pub metadata: BTreeMap<String, String>,
    /// Target chunk size, characters.
    pub chunk_size: u32,
    /// Overlap between neighbouring chunks, characters.
    pub chunk_overlap: u32,
    /// The chunks.
    pub chunks: Vec<ChunkSpan>,
    /// The embedder the chunks are indexed with (e.g. `local-hash-v1`).
    pub embedder: String,
}

/// The document aggregate's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Document {
    /// Set once uploaded.
    pub id: Option<DocumentId>,
    /// The facts.
    pub facts: Option<DocumentFacts>,
    /// Whether deleted.
    pub deleted: bool,
}

/// What a caller may ask.
#[derive(Debug, Clone, PartialEq)]
pub enum DocumentCommand {
    /// Record an upload.
    Upload {
        /// New id.
        id: DocumentId,
        /// What was extracted.
        facts: Box<DocumentFacts>,
    },
    /// Delete it.
    Delete,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum DocumentEvent {
    /// A document was uploaded and chunked.
    DocumentUploaded {
        /// Its id.
        document_id: DocumentId,
        /// The facts.
        #[serde(flatten)]
        facts: Box<DocumentFacts>,
    },
    /// It was deleted (no longer retrieved).
    DocumentDeleted {
        /// Its id.
        document_id: DocumentId,
    },
}

/// Why a command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    /// No such document.
    #[error("document not found")]
    NotFound,
    /// Upload on an existing stream.
    #[error("document already exists")]
    AlreadyExists,
    /// The text yields no chunk.
    #[error("the document has no text")]
    Empty,
}

impl Aggregate for Document {
    const STREAM_TYPE: &'static str = "document";
    type Command = DocumentCommand;
    type Event = DocumentEvent;
    type Error = DocumentError;

    fn decide(&self, cmd: DocumentCommand) -> Result<Vec<DocumentEvent>, DocumentError> {
        match cmd {
            DocumentCommand::Upload { id, facts } => {
                if self.id.is_some() {
                    return Err(DocumentError::AlreadyExists);
                }
                if facts.chunks.is_empty() {
                    return Err(DocumentError::Empty);
                }
                Ok(vec![DocumentEvent::DocumentUploaded {
                    document_id: id,
                    facts,
                }])
            }
            DocumentCommand::Delete => match self.id {
                Some(id) if !self.deleted => {
                    Ok(vec![DocumentEvent::DocumentDeleted { document_id: id }])
                }
                _ => Err(DocumentError::NotFound),
            },
        }
    }

    fn apply(&mut self, event: &DocumentEvent) {
        match event {
            DocumentEvent::DocumentUploaded { document_id, facts } => {
                self.id = Some(*document_id);
                self.facts = Some((**facts).clone());
            }
            DocumentEvent::DocumentDeleted { .. } => self.deleted = true,
        }
    }
}
