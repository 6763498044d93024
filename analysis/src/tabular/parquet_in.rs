//! Parquet through the `parquet` crate's row reader (no Arrow): top-level columns
//! become table columns; nested and logical values print as the reader renders them.

use bytes::Bytes;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;

use super::csv_out::{Cell, CsvOut};
use super::{Limits, TabularError};

fn err(e: impl std::fmt::Display) -> TabularError {
    TabularError::Parquet(e.to_string())
}

/// Renders the file as CSV text (see the module docs of [`super`]).
pub fn to_csv(bytes: &[u8], limits: Limits) -> Result<Vec<u8>, TabularError> {
    let reader = SerializedFileReader::new(Bytes::copy_from_slice(bytes)).map_err(err)?;
    let names: Vec<String> = reader
        .metadata()
        .file_metadata()
        .schema()
        .get_fields()
        .iter()
        .map(|f| f.name().to_owned())
        .collect();
    if names.len() > limits.max_columns {
        return Err(TabularError::TooManyColumns {
            found: names.len(),
            max: limits.max_columns,
        });
    }
    if names.is_empty() {
        return Err(TabularError::Empty);
    }
    let mut out = CsvOut::new();
    for n in &names {
        out.text(n);
    }
    out.end();
    for row in reader.get_row_iter(None).map_err(err)? {
        let row = row.map_err(err)?;
        for (_, field) in row.get_column_iter() {
            let text;
            let cell = match field {
                Field::Null => Cell::Null,
                Field::Bool(b) => Cell::Bool(*b),
                Field::Byte(v) => Cell::Int(i64::from(*v)),
                Field::Short(v) => Cell::Int(i64::from(*v)),
                Field::Int(v) => Cell::Int(i64::from(*v)),
                Field::Long(v) => Cell::Int(*v),
                Field::UByte(v) => Cell::Int(i64::from(*v)),
                Field::UShort(v) => Cell::Int(i64::from(*v)),
                Field::UInt(v) => Cell::Int(i64::from(*v)),
                Field::Float(v) => Cell::Float(f64::from(*v)),
                Field::Double(v) => Cell::Float(*v),
                Field::Str(s) => Cell::Str(s),
                other => {
                    text = other.to_string();
                    Cell::Str(text.trim_matches('"'))
                }
            };
            out.cell(&cell);
        }
        out.end();
    }
    Ok(out.finish())
}
