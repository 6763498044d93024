//! Any tabular upload becomes a pandas-semantics [`Table`]: format detection
//! (CSV/TSV sniffing, JSON Lines, Parquet, XLSX) and the checks an upload must pass.
//!
//! Text formats go straight to [`crate::profile::read_csv`]. Typed formats (JSON Lines,
//! Parquet, XLSX) are rendered to CSV text first and read with the same rules, so the
//! same data gives the same profile whatever the container: integers print as
//! integers, floats with an integral value print without a fraction (Excel stores every
//! number as a float), other floats print their shortest round-trip decimal,
//! booleans print `True`/`False`, strings are quoted, and null is an empty field. What
//! only text formats can carry is lost: the raw spelling of a missing value (`NA`,
//! `null`) is `""` once a typed format stored it as null.

pub(crate) mod csv_out;
mod detect;
mod error;
mod jsonl;
mod parquet_in;
mod xlsx;

pub use detect::{detect, Format};
pub use error::TabularError;

use crate::profile::{read_csv, ColumnData, CsvOptions, ProfileError, Table};

/// Limits an upload must respect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most columns accepted.
    pub max_columns: usize,
    /// Longest field (and header name) accepted, bytes.
    pub max_field_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_columns: 10_000,
            max_field_bytes: 1024 * 1024,
        }
    }
}

/// What to read from the bytes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadOptions {
    /// Worksheet name (xlsx; default the first sheet).
    pub sheet: Option<String>,
    /// Limits.
    pub limits: Limits,
}

/// Reads `bytes` in `format` into a table, refusing empty, header-only and oversized input.
pub fn read(bytes: &[u8], format: Format, options: &ReadOptions) -> Result<Table, TabularError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(TabularError::Empty);
    }
    let csv_options = CsvOptions {
        delimiter: (format == Format::Tsv).then_some(b'\t'),
        ..CsvOptions::default()
    };
    let table = match format {
        Format::Csv | Format::Tsv => {
            check_header(bytes, options.limits)?;
            read_csv(bytes, &csv_options)?
        }
        Format::Jsonl => read_rendered(&jsonl::to_csv(bytes, options.limits)?)?,
        Format::Parquet => read_rendered(&parquet_in::to_csv(bytes, options.limits)?)?,
        Format::Xlsx => read_rendered(&xlsx::to_csv(
            bytes,
            options.sheet.as_deref(),
            options.limits,
        )?)?,
    };
    check(&table, options.limits)?;
    Ok(table)
}

fn read_rendered(csv: &[u8]) -> Result<Table, TabularError> {
    let options = CsvOptions {
        delimiter: Some(b','),
        quote: Some(b'"'),
        ..CsvOptions::default()
    };
    Ok(read_csv(csv, &options)?)
}

/// Counts the header's fields cheaply (before a full parse) so that a huge header
/// is refused without building thousands of columns.
fn check_header(bytes: &[u8], limits: Limits) -> Result<(), TabularError> {
    let line_end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(bytes.len());
    let line = &bytes[..line_end];
    // An over-estimate (separators inside quotes count too) is fine for a ceiling;
    // the exact count is checked after parsing.
    let fields = [b',', b'\t', b';', b'|']
        .iter()
        .map(|d| line.iter().filter(|&&b| b == *d).count() + 1)
        .max()
        .unwrap_or(1);
    if fields > limits.max_columns * 2 {
        return Err(TabularError::TooManyColumns {
            found: fields,
            max: limits.max_columns,
        });
    }
    Ok(())
}

/// The checks every table passes whatever its format.
fn check(table: &Table, limits: Limits) -> Result<(), TabularError> {
    if table.columns.len() > limits.max_columns {
        return Err(TabularError::TooManyColumns {
            found: table.columns.len(),
            max: limits.max_columns,
        });
    }
    for c in &table.columns {
        if c.name.len() > limits.max_field_bytes {
            return Err(TabularError::FieldTooLarge {
                column: "(header)".into(),
                bytes: c.name.len(),
                max: limits.max_field_bytes,
            });
        }
        if let ColumnData::Object(s) = &c.data {
            if let Some(v) = s.values.iter().find(|v| v.len() > limits.max_field_bytes) {
                return Err(TabularError::FieldTooLarge {
                    column: c.name.clone(),
                    bytes: v.len(),
                    max: limits.max_field_bytes,
                });
            }
        }
    }
    if table.rows == 0 {
        return Err(TabularError::HeaderOnly);
    }
    Ok(())
}

impl From<ProfileError> for TabularError {
    fn from(e: ProfileError) -> Self {
        match e {
            ProfileError::EmptyInput => TabularError::Empty,
            other => TabularError::Csv(other),
        }
    }
}

#[cfg(test)]
mod tests;
