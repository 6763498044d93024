//! `?as_of=`: read a stream as it was at a time (RFC 3339) or log position.

use commands::Until;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::ApiError;

/// The `as_of` query parameter.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct AsOf {
    /// RFC 3339 time or a log position.
    pub as_of: Option<String>,
}

impl AsOf {
    /// What to fold up to.
    pub fn until(&self) -> Result<Until, ApiError> {
        parse_until(self.as_of.as_deref())
    }
}

/// Parses a time or position bound.
pub fn parse_until(s: Option<&str>) -> Result<Until, ApiError> {
    let Some(s) = s else { return Ok(Until::Now) };
    if let Ok(p) = s.parse::<i64>() {
        return Ok(Until::Position(p));
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| Until::Time(t.timestamp_micros()))
        .map_err(|_| {
            ApiError::bad_request(
                "invalid_as_of",
                "as_of must be an RFC 3339 time or a log position",
            )
        })
}
