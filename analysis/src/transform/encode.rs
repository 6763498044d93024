//! Categorical encodings: one-hot, ordinal and target encoding.

use std::collections::{BTreeMap, HashMap};

use super::clean::names;
use super::frame::{float_column, index, int_column, key, numbers};
use super::{Fitted, TargetMap, TransformError};
use crate::profile::{ColumnData, Table};

/// Most categories a column may have for one-hot or ordinal encoding.
pub const MAX_CATEGORIES: usize = 1000;

/// Distinct present values, sorted numerically for numeric columns, else as text.
fn categories(t: &Table, i: usize) -> Result<Vec<String>, TransformError> {
    let c = &t.columns[i];
    let mut seen: Vec<String> = {
        let mut set = std::collections::HashSet::new();
        (0..t.rows)
            .filter_map(|r| key(c, r))
            .filter(|k| set.insert(k.clone()))
            .collect()
    };
    if seen.len() > MAX_CATEGORIES {
        return Err(TransformError::unfit(format!(
            "column `{}` has {} categories (at most {MAX_CATEGORIES})",
            c.name,
            seen.len()
        )));
    }
    if matches!(c.data, ColumnData::Int64(_) | ColumnData::Float64(_)) {
        seen.sort_by(|a, b| {
            let (x, y) = (a.parse::<f64>(), b.parse::<f64>());
            x.unwrap_or(f64::NAN).total_cmp(&y.unwrap_or(f64::NAN))
        });
    } else {
        seen.sort();
    }
    Ok(seen)
}

pub(super) fn fit_one_hot(t: &Table, columns: &[String]) -> Result<Fitted, TransformError> {
    names(t, Some(columns))?;
    let mut out = BTreeMap::new();
    for name in columns {
        out.insert(name.clone(), categories(t, index(t, name)?)?);
    }
    Ok(Fitted::OneHot { categories: out })
}

/// Replaces each column by one 0/1 integer column per fitted category, in place;
/// missing and unseen values are all zeros (`pd.get_dummies`, but 0/1 integers rather
/// than booleans).
pub(super) fn one_hot(
    mut t: Table,
    cats: &BTreeMap<String, Vec<String>>,
) -> Result<Table, TransformError> {
    for (name, list) in cats {
        let i = index(&t, name)?;
        let keys: Vec<Option<String>> = (0..t.rows).map(|r| key(&t.columns[i], r)).collect();
        let new: Vec<_> = list
            .iter()
            .map(|cat| {
                let col = format!("{name}_{cat}");
                let v = keys
                    .iter()
                    .map(|k| Some(i64::from(k.as_deref() == Some(cat.as_str()))));
                int_column(&col, v.collect())
            })
            .collect();
        if let Some(clash) = new.iter().find(|c| t.column(&c.name).is_some()) {
            return Err(TransformError::unfit(format!(
                "one-hot column `{}` already exists",
                clash.name
            )));
        }
        t.columns.splice(i..=i, new);
    }
    Ok(t)
}

pub(super) fn fit_ordinal(
    t: &Table,
    columns: &[String],
    order: &BTreeMap<String, Vec<String>>,
) -> Result<Fitted, TransformError> {
    names(t, Some(columns))?;
    if let Some(extra) = order.keys().find(|k| !columns.contains(k)) {
        return Err(TransformError::Invalid(format!(
            "`order` names `{extra}`, which is not in `columns`"
        )));
    }
    let mut out = BTreeMap::new();
    for name in columns {
        let seen = categories(t, index(t, name)?)?;
        let list = match order.get(name) {
            None => seen,
            Some(given) => {
                if let Some(missing) = seen.iter().find(|s| !given.contains(s)) {
                    return Err(TransformError::unfit(format!(
                        "value `{missing}` of `{name}` is not in its `order`"
                    )));
                }
                given.clone()
            }
        };
        out.insert(name.clone(), list);
    }
    Ok(Fitted::Ordinal { categories: out })
}

/// Category -> its index; missing and unseen values become missing.
pub(super) fn ordinal(
    mut t: Table,
    cats: &BTreeMap<String, Vec<String>>,
) -> Result<Table, TransformError> {
    for (name, list) in cats {
        let i = index(&t, name)?;
        let pos: HashMap<&str, i64> = list
            .iter()
            .enumerate()
            .map(|(p, c)| (c.as_str(), p as i64))
            .collect();
        let c = &t.columns[i];
        let codes = (0..t.rows).map(|r| key(c, r).and_then(|k| pos.get(k.as_str()).copied()));
        t.columns[i] = int_column(name, codes.collect());
    }
    Ok(t)
}

pub(super) fn fit_target(
    t: &Table,
    columns: &[String],
    target: &str,
    smoothing: f64,
) -> Result<Fitted, TransformError> {
    names(t, Some(columns))?;
    if !(smoothing.is_finite() && smoothing >= 0.0) {
        return Err(TransformError::Invalid("`smoothing` must be ≥ 0".into()));
    }
    if columns.iter().any(|c| c == target) {
        return Err(TransformError::Invalid(
            "the target cannot encode itself".into(),
        ));
    }
    let y = numbers(&t.columns[index(t, target)?], true)?;
    let present: Vec<f64> = y.iter().flatten().copied().collect();
    if present.is_empty() {
        return Err(TransformError::unfit(format!(
            "target `{target}` has no values"
        )));
    }
    let global = super::clean::mean(&present);
    let mut maps = BTreeMap::new();
    for name in columns {
        let c = &t.columns[index(t, name)?];
        let mut sums: BTreeMap<String, (f64, f64)> = BTreeMap::new();
        for (r, yv) in y.iter().enumerate() {
            if let (Some(k), Some(v)) = (key(c, r), yv) {
                let e = sums.entry(k).or_default();
                e.0 += v;
                e.1 += 1.0;
            }
        }
        let categories = sums
            .into_iter()
            .map(|(k, (s, n))| (k, (s + smoothing * global) / (n + smoothing)))
            .collect();
        maps.insert(
            name.clone(),
            TargetMap {
                categories,
                default: global,
            },
        );
    }
    Ok(Fitted::TargetEncode {
        target: target.to_owned(),
        smoothing,
        maps,
    })
}

/// Category -> its fitted value; missing and unseen values get the target's mean.
pub(super) fn target(
    mut t: Table,
    maps: &BTreeMap<String, TargetMap>,
) -> Result<Table, TransformError> {
    for (name, m) in maps {
        let i = index(&t, name)?;
        let c = &t.columns[i];
        let v = (0..t.rows).map(|r| {
            Some(
                key(c, r)
                    .and_then(|k| m.categories.get(&k).copied())
                    .unwrap_or(m.default),
            )
        });
        t.columns[i] = float_column(name, v.collect());
    }
    Ok(t)
}
