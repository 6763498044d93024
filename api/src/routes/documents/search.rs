//! `POST /api/v1/documents/search`: hybrid (BM25 + vectors, fused by reciprocal
//! rank), vector-only or BM25-only retrieval with filters and citations.

use std::collections::{BTreeMap, HashSet};

use axum::{extract::State, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    error::{ApiError, ApiResult},
    extract::ApiJson,
    llm::index::{Filter, Found, Mode},
    state::AppState,
};

/// A search.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchRequest {
    /// The query text.
    pub query: String,
    /// How many results (default 5, at most 100).
    pub k: Option<usize>,
    /// `hybrid` (default), `vector` or `bm25`.
    pub mode: Option<Mode>,
    /// Only these documents.
    pub document_ids: Option<Vec<String>>,
    /// Only documents whose metadata has all these pairs.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// Only these formats (`txt`, `md`, `html`, `pdf`, `docx`).
    pub formats: Option<Vec<String>>,
}

/// One result with its citation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchHit {
    /// Document id.
    pub document_id: String,
    /// File name.
    pub filename: String,
    /// Chunk index.
    pub chunk: u32,
    /// First character of the chunk in the extracted text.
    pub start: u64,
    /// One past its last character.
    pub end: u64,
    /// Score (RRF for hybrid, BM25 or cosine otherwise).
    pub score: f64,
    /// The chunk's text.
    pub text: String,
    /// The document's metadata.
    #[schema(value_type = Object)]
    pub metadata: BTreeMap<String, String>,
}

impl From<Found> for SearchHit {
    fn from(f: Found) -> Self {
        SearchHit {
            document_id: f.chunk.document_id,
            filename: f.chunk.filename,
            chunk: f.chunk.chunk,
            start: f.chunk.span.start,
            end: f.chunk.span.end,
            score: f.score,
            text: f.chunk.text,
            metadata: (*f.chunk.metadata).clone(),
        }
    }
}

/// Runs a search against the index (brought up to date first).
pub async fn run(state: &AppState, b: &SearchRequest) -> ApiResult<Vec<SearchHit>> {
    if b.query.trim().is_empty() {
        return Err(ApiError::unprocessable(
            "empty_query",
            "query must not be empty",
        ));
    }
    let k = b.k.unwrap_or(5);
    if !(1..=100).contains(&k) {
        return Err(ApiError::unprocessable("invalid_k", "k must be 1 to 100"));
    }
    let filter = Filter {
        document_ids: b
            .document_ids
            .as_ref()
            .map(|d| d.iter().cloned().collect::<HashSet<_>>()),
        metadata: b.metadata.clone(),
        formats: b
            .formats
            .as_ref()
            .map(|f| f.iter().cloned().collect::<HashSet<_>>()),
    };
    let found = state
        .llm
        .index
        .search(state, &b.query, k, b.mode.unwrap_or(Mode::Hybrid), &filter)
        .await?;
    Ok(found.into_iter().map(SearchHit::from).collect())
}

/// Searches the uploaded documents.
#[utoipa::path(post, path = "/api/v1/documents/search", tag = "documents", request_body = SearchRequest,
    security(("bearer" = [])), responses((status = 200, body = [SearchHit]), (status = 422, body = crate::error::Problem)))]
pub async fn search(
    State(state): State<AppState>,
    ApiJson(b): ApiJson<SearchRequest>,
) -> ApiResult<Json<Vec<SearchHit>>> {
    run(&state, &b).await.map(Json)
}
