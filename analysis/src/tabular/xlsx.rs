//! Excel workbooks through `calamine`: the first sheet (or a named one); the first
//! row of its used range is the header.

use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};

use super::csv_out::{Cell, CsvOut};
use super::{Limits, TabularError};

fn err(e: impl std::fmt::Display) -> TabularError {
    TabularError::Xlsx(e.to_string())
}

/// Renders one worksheet as CSV text (see the module docs of [`super`]).
pub fn to_csv(bytes: &[u8], sheet: Option<&str>, limits: Limits) -> Result<Vec<u8>, TabularError> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(err)?;
    let available = book.sheet_names();
    let name = match sheet {
        Some(s) if available.iter().any(|a| a == s) => s.to_owned(),
        Some(s) => {
            return Err(TabularError::UnknownSheet {
                name: s.to_owned(),
                available,
            })
        }
        None => available
            .first()
            .cloned()
            .ok_or_else(|| err("the workbook has no worksheet"))?,
    };
    let range = book.worksheet_range(&name).map_err(err)?;
    let width = range.width();
    if width > limits.max_columns {
        return Err(TabularError::TooManyColumns {
            found: width,
            max: limits.max_columns,
        });
    }
    let mut rows = range.rows();
    let Some(header) = rows.next() else {
        return Err(TabularError::Empty);
    };
    let mut out = CsvOut::new();
    for h in header {
        out.text(&h.to_string());
    }
    out.end();
    for row in rows {
        for c in row {
            let text;
            let cell = match c {
                Data::Empty => Cell::Null,
                Data::Bool(b) => Cell::Bool(*b),
                Data::Int(i) => Cell::Int(*i),
                Data::Float(f) => Cell::Float(*f),
                Data::String(s) => Cell::Str(s),
                Data::DateTime(d) => {
                    text = d
                        .as_datetime()
                        .map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string())
                        .unwrap_or_else(|| d.to_string());
                    Cell::Str(&text)
                }
                Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Str(s),
                Data::Error(e) => {
                    text = format!("#{e:?}");
                    Cell::Str(&text)
                }
            };
            out.cell(&cell);
        }
        out.end();
    }
    Ok(out.finish())
}
