//! Standardisation and min-max scaling.

use std::collections::BTreeMap;

use super::clean::{mean, names, std};
use super::frame::{float_column, index, numbers, sorted_present};
use super::{Bounds, Fitted, Scale, TransformError};
use crate::profile::Table;

pub(super) fn fit_standardize(t: &Table, columns: &[String]) -> Result<Fitted, TransformError> {
    names(t, Some(columns))?;
    let mut params = BTreeMap::new();
    for name in columns {
        let v = sorted_present(&t.columns[index(t, name)?])?;
        let s = std(&v);
        if !s.is_finite() {
            return Err(TransformError::unfit(format!(
                "column `{name}` needs two values for a standard deviation"
            )));
        }
        params.insert(
            name.clone(),
            Scale {
                mean: mean(&v),
                std: s,
            },
        );
    }
    Ok(Fitted::Standardize { params })
}

fn map(mut t: Table, name: &str, f: impl Fn(f64) -> f64) -> Result<Table, TransformError> {
    let i = index(&t, name)?;
    let v = numbers(&t.columns[i], false)?;
    t.columns[i] = float_column(name, v.into_iter().map(|x| x.map(&f)).collect());
    Ok(t)
}

/// A zero (constant column) scale divides by one, as scikit-learn does.
fn nonzero(s: f64) -> f64 {
    if s == 0.0 {
        1.0
    } else {
        s
    }
}

pub(super) fn standardize(
    t: Table,
    params: &BTreeMap<String, Scale>,
) -> Result<Table, TransformError> {
    params.iter().try_fold(t, |t, (name, p)| {
        let s = nonzero(p.std);
        map(t, name, |x| (x - p.mean) / s)
    })
}

pub(super) fn fit_min_max(
    t: &Table,
    columns: &[String],
    range: [f64; 2],
) -> Result<Fitted, TransformError> {
    if !(range[0].is_finite() && range[1].is_finite() && range[0] < range[1]) {
        return Err(TransformError::Invalid(
            "`range` must be two finite numbers, low < high".into(),
        ));
    }
    names(t, Some(columns))?;
    let mut params = BTreeMap::new();
    for name in columns {
        let v = sorted_present(&t.columns[index(t, name)?])?;
        params.insert(
            name.clone(),
            Bounds {
                lower: v[0],
                upper: v[v.len() - 1],
            },
        );
    }
    Ok(Fitted::MinMax { params, range })
}

pub(super) fn min_max(
    t: Table,
    params: &BTreeMap<String, Bounds>,
    range: [f64; 2],
) -> Result<Table, TransformError> {
    params.iter().try_fold(t, |t, (name, b)| {
        let width = nonzero(b.upper - b.lower);
        map(t, name, |x| {
            (x - b.lower) / width * (range[1] - range[0]) + range[0]
        })
    })
}
