//! Cursor pagination: `?limit=&cursor=`, answers carry `next_cursor`.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::error::ApiError;

/// The default and largest page sizes.
pub const DEFAULT_LIMIT: i64 = 50;
/// Largest page.
pub const MAX_LIMIT: i64 = 500;

/// `limit` and `cursor` from the query string.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// Page size (1..=500, default 50).
    pub limit: Option<i64>,
    /// Opaque cursor from a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

impl PageQuery {
    /// The checked page size.
    pub fn limit(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(_) => Err(ApiError::bad_request(
                "invalid_limit",
                format!("limit must be between 1 and {MAX_LIMIT}"),
            )),
        }
    }

    /// The decoded cursor, if any.
    pub fn cursor<C: DeserializeOwned>(&self) -> Result<Option<C>, ApiError> {
        self.cursor.as_deref().map(decode).transpose()
    }
}

/// Encodes a cursor.
pub fn encode<C: Serialize>(c: &C) -> String {
    B64.encode(serde_json::to_vec(c).unwrap_or_default())
}

fn decode<C: DeserializeOwned>(s: &str) -> Result<C, ApiError> {
    B64.decode(s)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| {
            ApiError::bad_request("invalid_cursor", "the cursor is not one this server issued")
        })
}

/// A page of results.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Cursor for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}
