//! From a stored file to a table, a schema and a (cached) profile.
//!
//! Everything here is blocking CPU and file work: callers run it on a blocking thread.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use analysis::{
    profile::{profile, Profile, ProfileOptions, SemanticType, Table},
    tabular::{self, Format, Limits, ReadOptions, TabularError},
};
use domain::dataset::{ColumnSchema, ColumnType, DatasetFormat};
use sha2::{Digest, Sha256};

/// Why a stored file could not become a profiled table.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The bytes are not a readable table.
    #[error(transparent)]
    Unreadable(#[from] TabularError),
    /// A schema override names a missing column.
    #[error("schema override for unknown column `{0}`")]
    UnknownColumn(String),
    /// The disk failed.
    #[error("file store: {0}")]
    Io(#[from] std::io::Error),
}

/// Bytes sniffed to detect a format.
pub const HEAD_BYTES: usize = 64 * 1024;

fn to_domain(f: Format) -> DatasetFormat {
    match f {
        Format::Csv => DatasetFormat::Csv,
        Format::Tsv => DatasetFormat::Tsv,
        Format::Jsonl => DatasetFormat::Jsonl,
        Format::Parquet => DatasetFormat::Parquet,
        Format::Xlsx => DatasetFormat::Xlsx,
    }
}

fn to_analysis(f: DatasetFormat) -> Format {
    match f {
        DatasetFormat::Csv => Format::Csv,
        DatasetFormat::Tsv => Format::Tsv,
        DatasetFormat::Jsonl => Format::Jsonl,
        DatasetFormat::Parquet => Format::Parquet,
        DatasetFormat::Xlsx => Format::Xlsx,
    }
}

/// The format of a stored file: the caller's declaration, else detected from the
/// file's first bytes and its name.
pub fn detect_format(
    path: &Path,
    filename: Option<&str>,
    declared: Option<DatasetFormat>,
) -> Result<DatasetFormat, IngestError> {
    if let Some(f) = declared {
        return Ok(f);
    }
    use std::io::Read;
    let mut head = Vec::with_capacity(HEAD_BYTES);
    std::fs::File::open(path)?
        .take(HEAD_BYTES as u64)
        .read_to_end(&mut head)?;
    Ok(to_domain(tabular::detect(&head, filename)?))
}

/// Reads a stored file as a table.
pub fn read_table(
    path: &Path,
    format: DatasetFormat,
    sheet: Option<&str>,
    limits: Limits,
) -> Result<Table, IngestError> {
    let bytes = std::fs::read(path)?;
    let options = ReadOptions {
        sheet: sheet.map(str::to_owned),
        limits,
    };
    Ok(tabular::read(&bytes, to_analysis(format), &options)?)
}

/// The options of a dataset profile: the fixture's defaults, with or without the
/// correlation matrices (which cost several times the rest on large numeric tables, so
/// they are computed on request).
pub fn profile_options(correlations: bool) -> ProfileOptions {
    ProfileOptions {
        correlations,
        ..ProfileOptions::default()
    }
}

/// Profiles a table.
pub fn profile_table(table: &Table, correlations: bool) -> Profile {
    profile(table, &profile_options(correlations))
}

fn column_type(s: SemanticType) -> ColumnType {
    match s {
        SemanticType::Integer => ColumnType::Integer,
        SemanticType::Float => ColumnType::Float,
        SemanticType::Boolean => ColumnType::Boolean,
        SemanticType::Datetime => ColumnType::Datetime,
        SemanticType::Categorical => ColumnType::Categorical,
        SemanticType::Identifier => ColumnType::Identifier,
        // A column with no value at all carries no type evidence: text is the safe reading.
        SemanticType::Text | SemanticType::Empty => ColumnType::Text,
    }
}

/// The schema from a profile, with the caller's overrides applied.
pub fn schema(
    profile: &Profile,
    overrides: &BTreeMap<String, ColumnType>,
) -> Result<Vec<ColumnSchema>, IngestError> {
    if let Some(unknown) = overrides.keys().find(|k| profile.column(k).is_none()) {
        return Err(IngestError::UnknownColumn(unknown.clone()));
    }
    Ok(profile
        .columns
        .iter()
        .map(|c| {
            let inferred = column_type(c.semantic_type);
            let forced = overrides.get(&c.name).copied();
            ColumnSchema {
                name: c.name.clone(),
                column_type: forced.unwrap_or(inferred),
                inferred_type: inferred,
                overridden: forced.is_some_and(|f| f != inferred),
                nullable: c.missing_count > 0,
                missing_count: c.missing_count as u64,
            }
        })
        .collect())
}

/// Profiles of stored files, kept as JSON beside the blobs. A cache, not a fact: a
/// profile is a pure function of the bytes, the format, the sheet and the options, and
/// is recomputed when its file is missing.
#[derive(Debug, Clone)]
pub struct ProfileCache {
    dir: PathBuf,
}

impl ProfileCache {
    /// A cache in `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    fn path(
        &self,
        sha256: &str,
        format: DatasetFormat,
        sheet: Option<&str>,
        correlations: bool,
    ) -> PathBuf {
        let mut h = Sha256::new();
        h.update(sha256);
        h.update([0]);
        h.update(format.as_str());
        h.update([0]);
        h.update(sheet.unwrap_or(""));
        h.update([0]);
        h.update(serde_json::to_vec(&profile_options(correlations)).unwrap_or_default());
        self.dir.join(format!("{}.json", hex::encode(h.finalize())))
    }

    /// The cached profile, if any.
    pub fn get(
        &self,
        sha256: &str,
        format: DatasetFormat,
        sheet: Option<&str>,
        correlations: bool,
    ) -> Option<Profile> {
        let bytes = std::fs::read(self.path(sha256, format, sheet, correlations)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Whether a profile is stored (a file check, without reading it).
    pub fn contains(
        &self,
        sha256: &str,
        format: DatasetFormat,
        sheet: Option<&str>,
        correlations: bool,
    ) -> bool {
        self.path(sha256, format, sheet, correlations).is_file()
    }

    /// Stores a profile (best effort: a failed write only costs a recomputation).
    pub fn put(&self, sha256: &str, format: DatasetFormat, sheet: Option<&str>, p: &Profile) {
        let path = self.path(sha256, format, sheet, p.correlations.is_some());
        let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
        let written = std::fs::create_dir_all(&self.dir)
            .and_then(|()| std::fs::write(&tmp, serde_json::to_vec(p).unwrap_or_default()))
            .and_then(|()| std::fs::rename(&tmp, &path));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            tracing::warn!(error = %e, "profile cache write failed");
        }
    }
}
