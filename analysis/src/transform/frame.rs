//! Reading and building the columns of a [`Table`] during a transformation.

use std::collections::HashMap;

use super::TransformError;
use crate::profile::{Column, ColumnData, PandasDtype, RawStats, Strings, Table, MISSING_CODE};
use crate::tabular::csv_out::{float_text, Cell, CsvOut};

/// The index of column `name`.
pub(super) fn index(t: &Table, name: &str) -> Result<usize, TransformError> {
    t.columns
        .iter()
        .position(|c| c.name == name)
        .ok_or_else(|| TransformError::unknown(name))
}

/// The values of a numeric (int, float or bool) column, `None` where missing.
pub(super) fn numbers(c: &Column, allow_bool: bool) -> Result<Vec<Option<f64>>, TransformError> {
    let ok = match &c.data {
        ColumnData::Int64(_) | ColumnData::Float64(_) => true,
        ColumnData::Bool(_) => allow_bool,
        ColumnData::Object(_) => false,
    };
    if !ok {
        return Err(TransformError::unfit(format!(
            "column `{}` is not numeric ({})",
            c.name,
            c.dtype.as_str()
        )));
    }
    Ok((0..c.len())
        .map(|r| match &c.data {
            ColumnData::Bool(v) => (!c.missing[r]).then(|| f64::from(u8::from(v[r]))),
            _ => c.f64_at(r),
        })
        .collect())
}

/// The non-missing values of a numeric column, ascending; an error when there are none.
pub(super) fn sorted_present(c: &Column) -> Result<Vec<f64>, TransformError> {
    let mut v: Vec<f64> = numbers(c, false)?.into_iter().flatten().collect();
    if v.is_empty() {
        return Err(TransformError::unfit(format!(
            "column `{}` has no values to fit",
            c.name
        )));
    }
    v.sort_by(f64::total_cmp);
    Ok(v)
}

/// A cell as text (the category key): integers plain, floats in shortest form,
/// booleans `True`/`False`; `None` when missing.
pub(super) fn key(c: &Column, row: usize) -> Option<String> {
    if c.missing[row] {
        return None;
    }
    Some(match &c.data {
        ColumnData::Int64(v) => v[row].to_string(),
        ColumnData::Float64(v) => float_text(v[row]),
        ColumnData::Bool(v) => if v[row] { "True" } else { "False" }.to_owned(),
        ColumnData::Object(s) => s.get(row).unwrap_or_default().to_owned(),
    })
}

/// A float column; `None` (or NaN) is missing.
pub(super) fn float_column(name: &str, values: Vec<Option<f64>>) -> Column {
    let missing: Vec<bool> = values.iter().map(|v| v.is_none_or(f64::is_nan)).collect();
    Column {
        name: name.to_owned(),
        dtype: PandasDtype::Float64,
        data: ColumnData::Float64(values.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect()),
        missing,
        raw: RawStats::default(),
    }
}

/// An integer column (int64 when nothing is missing, else float64 as pandas would).
pub(super) fn int_column(name: &str, values: Vec<Option<i64>>) -> Column {
    if values.iter().any(Option::is_none) {
        return float_column(
            name,
            values.into_iter().map(|v| v.map(|i| i as f64)).collect(),
        );
    }
    Column {
        name: name.to_owned(),
        dtype: PandasDtype::Int64,
        missing: vec![false; values.len()],
        data: ColumnData::Int64(values.into_iter().flatten().collect()),
        raw: RawStats::default(),
    }
}

/// A boolean column (object dtype when some are missing, as pandas reads it).
pub(super) fn bool_column(name: &str, values: Vec<Option<bool>>) -> Column {
    let missing: Vec<bool> = values.iter().map(Option::is_none).collect();
    Column {
        name: name.to_owned(),
        dtype: if missing.contains(&true) {
            PandasDtype::Object
        } else {
            PandasDtype::Bool
        },
        data: ColumnData::Bool(values.into_iter().map(|v| v.unwrap_or(false)).collect()),
        missing,
        raw: RawStats::default(),
    }
}

/// A text column.
pub(super) fn text_column(name: &str, values: Vec<Option<String>>) -> Column {
    let mut dict: HashMap<String, u32> = HashMap::new();
    let mut strings = Strings::default();
    let mut missing = Vec::with_capacity(values.len());
    for v in values {
        missing.push(v.is_none());
        strings.codes.push(match v {
            None => MISSING_CODE,
            Some(s) => *dict.entry(s).or_insert_with_key(|s| {
                strings.values.push(s.clone());
                (strings.values.len() - 1) as u32
            }),
        });
    }
    Column {
        name: name.to_owned(),
        dtype: PandasDtype::Object,
        data: ColumnData::Object(strings),
        missing,
        raw: RawStats::default(),
    }
}

/// Keeps the rows flagged `true`.
pub(super) fn keep_rows(mut t: Table, keep: &[bool]) -> Table {
    fn filter<T: Clone>(v: &[T], keep: &[bool]) -> Vec<T> {
        v.iter()
            .zip(keep)
            .filter(|(_, k)| **k)
            .map(|(x, _)| x.clone())
            .collect()
    }
    for c in &mut t.columns {
        c.data = match &c.data {
            ColumnData::Int64(v) => ColumnData::Int64(filter(v, keep)),
            ColumnData::Float64(v) => ColumnData::Float64(filter(v, keep)),
            ColumnData::Bool(v) => ColumnData::Bool(filter(v, keep)),
            ColumnData::Object(s) => ColumnData::Object(Strings {
                codes: filter(&s.codes, keep),
                values: s.values.clone(),
            }),
        };
        c.missing = filter(&c.missing, keep);
    }
    t.rows = keep.iter().filter(|k| **k).count();
    t
}

/// Replaces column `i` (or appends when `i` is the column count).
pub(super) fn put(t: &mut Table, i: usize, c: Column) {
    if i < t.columns.len() {
        t.columns[i] = c;
    } else {
        t.columns.push(c);
    }
}

/// The table as an RFC 4180 CSV that reads back with the same types.
pub fn to_csv(t: &Table) -> Vec<u8> {
    let mut out = CsvOut::new();
    for c in &t.columns {
        out.text(&c.name);
    }
    out.end();
    for r in 0..t.rows {
        for c in &t.columns {
            let cell = if c.missing[r] {
                Cell::Null
            } else {
                match &c.data {
                    ColumnData::Int64(v) => Cell::Int(v[r]),
                    ColumnData::Float64(v) => Cell::Float(v[r]),
                    ColumnData::Bool(v) => Cell::Bool(v[r]),
                    ColumnData::Object(s) => Cell::Str(s.get(r).unwrap_or_default()),
                }
            };
            out.cell(&cell);
        }
        out.end();
    }
    out.finish()
}
