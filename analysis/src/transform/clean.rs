//! Cleaning steps: duplicates, missing values, outliers, whitespace.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::frame::{float_column, index, keep_rows, key, numbers, sorted_present, text_column};
use super::TransformError;
use super::{Bounds, Fill, Fitted, How, ImputeStrategy, OutlierAction, OutlierMethod};
use crate::profile::quantile::{median, quantile_linear};
use crate::profile::stats::pairwise_sum;
use crate::profile::{ColumnData, Table};
use crate::tabular::csv_out::float_text;

pub(super) use super::convert::{cast, check_name, derive};

/// The named columns (checked), or every column.
pub(super) fn names(t: &Table, columns: Option<&[String]>) -> Result<Vec<String>, TransformError> {
    match columns {
        None => Ok(t.columns.iter().map(|c| c.name.clone()).collect()),
        Some([]) => Err(TransformError::Invalid("`columns` is empty".into())),
        Some(cs) => {
            for c in cs {
                index(t, c)?;
            }
            Ok(cs.to_vec())
        }
    }
}

/// The named columns (checked), or every text column.
pub(super) fn text_names(
    t: &Table,
    columns: Option<&[String]>,
) -> Result<Vec<String>, TransformError> {
    match columns {
        Some(_) => names(t, columns),
        None => Ok(t
            .columns
            .iter()
            .filter(|c| matches!(c.data, ColumnData::Object(_)))
            .map(|c| c.name.clone())
            .collect()),
    }
}

fn row_keys(t: &Table, idx: &[usize], r: usize) -> Vec<Option<String>> {
    idx.iter().map(|&i| key(&t.columns[i], r)).collect()
}

fn indices(t: &Table, columns: &[String]) -> Result<Vec<usize>, TransformError> {
    columns.iter().map(|c| index(t, c)).collect()
}

pub(super) fn drop_duplicates(t: Table, columns: &[String]) -> Result<Table, TransformError> {
    let idx = indices(&t, columns)?;
    let mut seen = HashSet::with_capacity(t.rows);
    let keep: Vec<bool> = (0..t.rows)
        .map(|r| seen.insert(row_keys(&t, &idx, r)))
        .collect();
    Ok(keep_rows(t, &keep))
}

pub(super) fn drop_missing(
    t: Table,
    columns: &[String],
    how: How,
) -> Result<Table, TransformError> {
    let idx = indices(&t, columns)?;
    let keep: Vec<bool> = (0..t.rows)
        .map(|r| {
            let mut missing = idx.iter().map(|&i| t.columns[i].missing[r]);
            match how {
                How::Any => !missing.any(|m| m),
                How::All => !missing.all(|m| m),
            }
        })
        .collect();
    Ok(keep_rows(t, &keep))
}

/// pandas `mean()`: numpy's pairwise sum over the present values.
pub(super) fn mean(v: &[f64]) -> f64 {
    pairwise_sum(v) / v.len() as f64
}

/// Sample standard deviation (ddof = 1), two-pass like numpy.
pub(super) fn std(v: &[f64]) -> f64 {
    let m = mean(v);
    let sq: Vec<f64> = v.iter().map(|x| (x - m) * (x - m)).collect();
    (pairwise_sum(&sq) / (v.len() as f64 - 1.0)).sqrt()
}

/// Most frequent value; ties go to the smallest (numerically for numeric columns).
fn mode(t: &Table, i: usize) -> Result<Fill, TransformError> {
    let c = &t.columns[i];
    let mut counts: HashMap<String, usize> = HashMap::new();
    for r in 0..t.rows {
        if let Some(k) = key(c, r) {
            *counts.entry(k).or_default() += 1;
        }
    }
    let numeric = matches!(c.data, ColumnData::Int64(_) | ColumnData::Float64(_));
    let best = counts.into_iter().max_by(|(ka, na), (kb, nb)| {
        na.cmp(nb).then_with(|| {
            if numeric {
                let (a, b) = (ka.parse::<f64>(), kb.parse::<f64>());
                b.unwrap_or(f64::NAN).total_cmp(&a.unwrap_or(f64::NAN))
            } else {
                kb.cmp(ka)
            }
        })
    });
    let Some((k, _)) = best else {
        return Err(TransformError::unfit(format!(
            "column `{}` has no values to fit",
            c.name
        )));
    };
    Ok(match k.parse::<f64>() {
        Ok(n) if numeric => Fill::Num(n),
        _ => Fill::Text(k),
    })
}

pub(super) fn fit_impute(
    t: &Table,
    columns: &[String],
    strategy: ImputeStrategy,
    value: Option<&Fill>,
) -> Result<Fitted, TransformError> {
    names(t, Some(columns))?;
    let mut fill = BTreeMap::new();
    for name in columns {
        let i = index(t, name)?;
        let f = match strategy {
            ImputeStrategy::Mean => Fill::Num(mean(&sorted_present(&t.columns[i])?)),
            ImputeStrategy::Median => Fill::Num(median(&sorted_present(&t.columns[i])?)),
            ImputeStrategy::Mode => mode(t, i)?,
            ImputeStrategy::Constant => value.cloned().ok_or_else(|| {
                TransformError::Invalid("strategy `constant` needs a `value`".into())
            })?,
        };
        if matches!(f, Fill::Num(n) if !n.is_finite()) {
            return Err(TransformError::Invalid(format!(
                "fill value of `{name}` is not finite"
            )));
        }
        fill.insert(name.clone(), f);
    }
    Ok(Fitted::Impute { strategy, fill })
}

pub(super) fn impute(mut t: Table, fill: &BTreeMap<String, Fill>) -> Result<Table, TransformError> {
    for (name, f) in fill {
        let i = index(&t, name)?;
        let c = &t.columns[i];
        if c.missing_count() == 0 {
            continue;
        }
        let filled = match (&c.data, f) {
            (ColumnData::Int64(_) | ColumnData::Float64(_), Fill::Num(n)) => float_column(
                name,
                (0..t.rows)
                    .map(|r| Some(c.f64_at(r).unwrap_or(*n)))
                    .collect(),
            ),
            _ => {
                let text = match f {
                    Fill::Num(n) => float_text(*n),
                    Fill::Text(s) => s.clone(),
                };
                text_column(
                    name,
                    (0..t.rows)
                        .map(|r| Some(key(c, r).unwrap_or_else(|| text.clone())))
                        .collect(),
                )
            }
        };
        t.columns[i] = filled;
    }
    Ok(t)
}

pub(super) fn fit_outliers(
    t: &Table,
    columns: &[String],
    method: OutlierMethod,
    factor: Option<f64>,
    action: OutlierAction,
) -> Result<Fitted, TransformError> {
    names(t, Some(columns))?;
    let k = factor.unwrap_or(match method {
        OutlierMethod::Iqr => 1.5,
        OutlierMethod::Zscore => 3.0,
    });
    if !(k.is_finite() && k > 0.0) {
        return Err(TransformError::Invalid("`factor` must be positive".into()));
    }
    let mut bounds = BTreeMap::new();
    for name in columns {
        let v = sorted_present(&t.columns[index(t, name)?])?;
        let b = match method {
            OutlierMethod::Iqr => {
                let (q1, q3) = (quantile_linear(&v, 0.25), quantile_linear(&v, 0.75));
                Bounds {
                    lower: q1 - k * (q3 - q1),
                    upper: q3 + k * (q3 - q1),
                }
            }
            OutlierMethod::Zscore => {
                let (m, s) = (mean(&v), std(&v));
                if !s.is_finite() {
                    return Err(TransformError::unfit(format!(
                        "column `{name}` needs two values for a standard deviation"
                    )));
                }
                Bounds {
                    lower: m - k * s,
                    upper: m + k * s,
                }
            }
        };
        bounds.insert(name.clone(), b);
    }
    Ok(Fitted::Outliers {
        method,
        action,
        bounds,
    })
}

pub(super) fn outliers(
    mut t: Table,
    bounds: &BTreeMap<String, Bounds>,
    action: OutlierAction,
) -> Result<Table, TransformError> {
    let mut keep = vec![true; t.rows];
    for (name, b) in bounds {
        let i = index(&t, name)?;
        let v = numbers(&t.columns[i], false)?;
        match action {
            OutlierAction::Clip => {
                let clipped = v
                    .iter()
                    .map(|x| x.map(|x| x.clamp(b.lower, b.upper)))
                    .collect();
                t.columns[i] = float_column(name, clipped);
            }
            OutlierAction::Drop => {
                for (k, x) in keep.iter_mut().zip(&v) {
                    if x.is_some_and(|x| x < b.lower || x > b.upper) {
                        *k = false;
                    }
                }
            }
        }
    }
    Ok(keep_rows(t, &keep))
}

pub(super) fn trim(mut t: Table, columns: &[String]) -> Result<Table, TransformError> {
    for name in columns {
        let i = index(&t, name)?;
        if let ColumnData::Object(s) = &mut t.columns[i].data {
            for v in &mut s.values {
                let trimmed = v.trim();
                if trimmed.len() != v.len() {
                    *v = trimmed.to_owned();
                }
            }
        }
    }
    Ok(t)
}
