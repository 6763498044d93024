//! How dataset, ingest and drift failures look to a client.

use analysis::{profile::ProfileError, tabular::TabularError};
use axum::http::StatusCode;
use commands::{blobs::BlobError, datasets::ingest::IngestError};
use domain::{dataset::DatasetError, drift::DriftError};

use crate::error::ApiError;

impl From<DatasetError> for ApiError {
    fn from(e: DatasetError) -> Self {
        match e {
            DatasetError::NotFound => Self::not_found("dataset"),
            DatasetError::AlreadyExists => Self::conflict("already_exists", e.to_string()),
            DatasetError::NoRules => Self::unprocessable("no_rules", e.to_string()),
            DatasetError::BadScore => Self::internal(e),
        }
    }
}

impl From<DriftError> for ApiError {
    fn from(e: DriftError) -> Self {
        match e {
            DriftError::AlreadyExists => Self::conflict("already_exists", e.to_string()),
        }
    }
}

impl From<TabularError> for ApiError {
    fn from(e: TabularError) -> Self {
        let code = match &e {
            TabularError::Empty => "empty_file",
            TabularError::HeaderOnly => "no_data_rows",
            TabularError::Csv(ProfileError::RaggedRow { .. }) => "ragged_rows",
            TabularError::Csv(ProfileError::InvalidUtf8 { .. }) => "invalid_utf8",
            TabularError::Csv(ProfileError::UnterminatedQuote { .. }) => "unterminated_quote",
            TabularError::Csv(ProfileError::EmptyInput) => "empty_file",
            TabularError::Csv(ProfileError::Io(_) | ProfileError::InvalidOption(_)) => {
                "unreadable_file"
            }
            TabularError::Jsonl { .. } => "invalid_jsonl",
            TabularError::Parquet(_) => "invalid_parquet",
            TabularError::Xlsx(_) => "invalid_xlsx",
            TabularError::UnknownSheet { .. } => "unknown_sheet",
            TabularError::TooManyColumns { .. } => "too_many_columns",
            TabularError::FieldTooLarge { .. } => "field_too_large",
        };
        Self::unprocessable(code, e.to_string())
    }
}

impl From<IngestError> for ApiError {
    fn from(e: IngestError) -> Self {
        match e {
            IngestError::Unreadable(t) => t.into(),
            IngestError::UnknownColumn(_) => Self::unprocessable("invalid_schema", e.to_string()),
            IngestError::Io(io) => Self::internal(io),
        }
    }
}

impl From<BlobError> for ApiError {
    fn from(e: BlobError) -> Self {
        match e {
            BlobError::TooLarge { .. } => Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                e.to_string(),
            ),
            BlobError::Source(_) => Self::bad_request("invalid_multipart", e.to_string()),
            BlobError::NotFound(_) => Self::internal(e),
            BlobError::BadHash(_) | BlobError::Io(_) => Self::internal(e),
        }
    }
}

impl From<analysis::drift::DriftError> for ApiError {
    fn from(e: analysis::drift::DriftError) -> Self {
        Self::unprocessable("drift_not_computable", e.to_string())
    }
}
