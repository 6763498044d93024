//! Type casts and derived columns.

use std::collections::BTreeMap;

use super::frame::{bool_column, float_column, index, int_column, key, put, text_column};
use super::{CastType, TransformError};
use crate::expr::{self, Val};
use crate::profile::{Column, ColumnData, Table};
use crate::tabular::csv_out::float_text;

/// Longest column name accepted for a new column.
const MAX_NAME: usize = 255;

/// Refuses empty or overlong new column names.
pub(super) fn check_name(name: &str) -> Result<(), TransformError> {
    if name.trim().is_empty() || name.len() > MAX_NAME {
        return Err(TransformError::Invalid(format!(
            "column name must be 1 to {MAX_NAME} bytes"
        )));
    }
    Ok(())
}

fn fail(c: &Column, row: usize, to: CastType) -> TransformError {
    TransformError::Cast {
        step: 0,
        column: c.name.clone(),
        row,
        value: key(c, row).unwrap_or_default(),
        to: format!("{to:?}").to_lowercase(),
    }
}

fn as_f64(c: &Column, r: usize) -> Option<Option<f64>> {
    if c.missing[r] {
        return Some(None);
    }
    match &c.data {
        ColumnData::Int64(v) => Some(Some(v[r] as f64)),
        ColumnData::Float64(v) => Some(Some(v[r])),
        ColumnData::Bool(v) => Some(Some(f64::from(u8::from(v[r])))),
        ColumnData::Object(s) => s.get(r)?.trim().parse().ok().map(Some),
    }
}

fn as_bool(c: &Column, r: usize) -> Option<Option<bool>> {
    if c.missing[r] {
        return Some(None);
    }
    match &c.data {
        ColumnData::Bool(v) => Some(Some(v[r])),
        ColumnData::Object(s) => match s.get(r)?.trim().to_lowercase().as_str() {
            "true" | "yes" | "1" => Some(Some(true)),
            "false" | "no" | "0" => Some(Some(false)),
            _ => None,
        },
        _ => match c.f64_at(r) {
            Some(1.0) => Some(Some(true)),
            Some(0.0) => Some(Some(false)),
            _ => None,
        },
    }
}

fn cast_column(c: &Column, to: CastType) -> Result<Column, TransformError> {
    let rows = 0..c.len();
    Ok(match to {
        CastType::Text => text_column(&c.name, rows.map(|r| key(c, r)).collect()),
        CastType::Float => float_column(
            &c.name,
            rows.map(|r| as_f64(c, r).ok_or_else(|| fail(c, r, to)))
                .collect::<Result<_, _>>()?,
        ),
        CastType::Integer => int_column(
            &c.name,
            rows.map(|r| match as_f64(c, r) {
                Some(None) => Ok(None),
                Some(Some(x)) if x.fract() == 0.0 && x.abs() < 9.0e15 => Ok(Some(x as i64)),
                _ => Err(fail(c, r, to)),
            })
            .collect::<Result<_, _>>()?,
        ),
        CastType::Boolean => bool_column(
            &c.name,
            rows.map(|r| as_bool(c, r).ok_or_else(|| fail(c, r, to)))
                .collect::<Result<_, _>>()?,
        ),
    })
}

pub(super) fn cast(
    mut t: Table,
    columns: &BTreeMap<String, CastType>,
) -> Result<Table, TransformError> {
    for (name, to) in columns {
        let i = index(&t, name)?;
        t.columns[i] = cast_column(&t.columns[i], *to)?;
    }
    Ok(t)
}

pub(super) fn derive(mut t: Table, name: &str, src: &str) -> Result<Table, TransformError> {
    let e = expr::parse(src, &t.column_names())
        .map_err(|e| TransformError::Invalid(format!("`{name}`: {e}")))?;
    let vals: Vec<Val> = (0..t.rows).map(|r| expr::eval(&e, &t, r)).collect();
    let present = || vals.iter().filter(|v| **v != Val::Null);
    let col = if present().all(|v| matches!(v, Val::Num(_))) {
        float_column(
            name,
            vals.iter()
                .map(|v| match v {
                    Val::Num(n) => Some(*n),
                    _ => None,
                })
                .collect(),
        )
    } else if present().all(|v| matches!(v, Val::Bool(_))) {
        bool_column(
            name,
            vals.iter()
                .map(|v| match v {
                    Val::Bool(b) => Some(*b),
                    _ => None,
                })
                .collect(),
        )
    } else {
        text_column(
            name,
            vals.into_iter()
                .map(|v| match v {
                    Val::Null => None,
                    Val::Num(n) => Some(float_text(n)),
                    Val::Bool(b) => Some(if b { "True" } else { "False" }.to_owned()),
                    Val::Str(s) => Some(s),
                })
                .collect(),
        )
    };
    let i = index(&t, name).unwrap_or(t.columns.len());
    put(&mut t, i, col);
    Ok(t)
}
