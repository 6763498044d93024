//! What an uploaded dataset is: file facts, schema, counts and lineage.

use serde::{Deserialize, Serialize};

use crate::ids::{ConnectorId, DatasetId};

/// The file format an upload was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatasetFormat {
    /// Comma (or sniffed) delimited text.
    Csv,
    /// Tab-delimited text.
    Tsv,
    /// One JSON object per line.
    Jsonl,
    /// Apache Parquet.
    Parquet,
    /// Excel Open XML workbook.
    Xlsx,
}

impl DatasetFormat {
    /// The lower-case name used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            DatasetFormat::Csv => "csv",
            DatasetFormat::Tsv => "tsv",
            DatasetFormat::Jsonl => "jsonl",
            DatasetFormat::Parquet => "parquet",
            DatasetFormat::Xlsx => "xlsx",
        }
    }

    /// Parses the API name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "csv" => DatasetFormat::Csv,
            "tsv" => DatasetFormat::Tsv,
            "jsonl" | "ndjson" => DatasetFormat::Jsonl,
            "parquet" => DatasetFormat::Parquet,
            "xlsx" => DatasetFormat::Xlsx,
            _ => return None,
        })
    }
}

/// The logical type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    /// Whole numbers.
    Integer,
    /// Real numbers.
    Float,
    /// True/false.
    Boolean,
    /// Dates or timestamps.
    Datetime,
    /// A few repeated labels.
    Categorical,
    /// Free text.
    Text,
    /// Unique-ish keys.
    Identifier,
}

impl ColumnType {
    /// Parses the API name.
    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }
}

/// One column of a dataset's schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnSchema {
    /// Column name.
    pub name: String,
    /// The type in force (the override if given, else the inferred one).
    #[serde(rename = "type")]
    pub column_type: ColumnType,
    /// The type RAIA inferred from the data.
    pub inferred_type: ColumnType,
    /// Whether the uploader overrode the inferred type.
    pub overridden: bool,
    /// Whether any value is missing.
    pub nullable: bool,
    /// Missing values.
    pub missing_count: u64,
}

/// The facts of one upload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetSpec {
    /// Display name.
    pub name: String,
    /// Optional description.
    pub description: Option<String>,
    /// Original file name, as sent.
    pub filename: Option<String>,
    /// How the file was read.
    pub format: DatasetFormat,
    /// Worksheet read (xlsx only).
    pub sheet: Option<String>,
    /// SHA-256 of the bytes (the blob's name).
    pub sha256: String,
    /// Size in bytes.
    pub size_bytes: u64,
    /// Columns in file order.
    pub schema: Vec<ColumnSchema>,
    /// Data rows.
    pub row_count: u64,
    /// Columns.
    pub column_count: u64,
    /// The dataset this upload is a new version of.
    pub version_of: Option<DatasetId>,
    /// The first version of the family (itself when it is not a new version).
    pub family_id: DatasetId,
    /// 1 for a first upload, then one more than the family's latest version.
    pub version: u64,
    /// Datasets this one was derived from.
    pub derived_from: Vec<DatasetId>,
    /// How the version was produced when RAIA made it (a transformation or an import).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

/// How RAIA produced a dataset version (absent for a file uploaded by hand).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    /// A transformation pipeline applied to `source`.
    Transform {
        /// The dataset transformed.
        source: DatasetId,
        /// The pipeline as asked (the steps' JSON).
        pipeline: serde_json::Value,
        /// The fitted steps with their learned parameters (means, categories, edges...).
        fitted: serde_json::Value,
        /// Set when the fitted steps were reused from this dataset instead of refitted.
        fitted_from: Option<DatasetId>,
    },
    /// A snapshot imported by a connector.
    Import {
        /// The connector.
        connector_id: ConnectorId,
        /// `postgres`, `mysql` or `http`.
        connector_kind: String,
        /// Rows imported.
        rows: u64,
    },
}
