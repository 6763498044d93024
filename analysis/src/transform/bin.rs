//! Binning a numeric column into right-closed intervals (pandas `cut`/`qcut` with
//! `labels=False`).

use super::clean::check_name;
use super::frame::{index, int_column, numbers, put, sorted_present};
use super::{BinMethod, Fitted, TransformError};
use crate::profile::quantile::quantile_linear;
use crate::profile::Table;

/// Most bins.
pub const MAX_BINS: usize = 1000;

/// numpy `linspace(start, stop, num)` (endpoint included).
fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    let div = (num - 1) as f64;
    let step = (stop - start) / div;
    let mut v: Vec<f64> = (0..num).map(|i| i as f64 * step + start).collect();
    v[num - 1] = stop;
    v
}

fn bin_count(bins: Option<usize>) -> Result<usize, TransformError> {
    match bins {
        Some(n) if (1..=MAX_BINS).contains(&n) => Ok(n),
        _ => Err(TransformError::Invalid(format!(
            "`bins` must be 1 to {MAX_BINS}"
        ))),
    }
}

pub(super) fn fit(
    t: &Table,
    column: &str,
    method: BinMethod,
    bins: Option<usize>,
    edges: Option<&[f64]>,
    output: Option<&str>,
) -> Result<Fitted, TransformError> {
    let c = &t.columns[index(t, column)?];
    if let Some(o) = output {
        check_name(o)?;
    }
    let (edges, include_lowest) = match method {
        BinMethod::Edges => {
            let e = edges
                .ok_or_else(|| TransformError::Invalid("method `edges` needs `edges`".into()))?;
            let increasing = e.windows(2).all(|w| w[0] < w[1]);
            if e.len() < 2
                || e.len() > MAX_BINS + 1
                || !increasing
                || e.iter().any(|x| !x.is_finite())
            {
                return Err(TransformError::Invalid(
                    "`edges` must be 2 or more finite, strictly increasing numbers".into(),
                ));
            }
            numbers(c, false)?;
            (e.to_vec(), false)
        }
        BinMethod::EqualWidth => {
            let n = bin_count(bins)?;
            let v = sorted_present(c)?;
            let (mut mn, mut mx) = (v[0], v[v.len() - 1]);
            if mn == mx {
                // pandas widens a zero range by 0.1 % on both sides.
                let adj = if mn == 0.0 { 0.001 } else { 0.001 * mn.abs() };
                mn -= adj;
                mx += adj;
                (linspace(mn, mx, n + 1), false)
            } else {
                let mut e = linspace(mn, mx, n + 1);
                e[0] -= (mx - mn) * 0.001;
                (e, false)
            }
        }
        BinMethod::Quantile => {
            let n = bin_count(bins)?;
            let v = sorted_present(c)?;
            let mut e: Vec<f64> = linspace(0.0, 1.0, n + 1)
                .into_iter()
                .map(|q| quantile_linear(&v, q))
                .collect();
            e.dedup();
            if e.len() < 2 {
                return Err(TransformError::unfit(format!(
                    "column `{column}` is constant: no quantile bins"
                )));
            }
            (e, true)
        }
    };
    Ok(Fitted::Bin {
        column: column.to_owned(),
        output: output.unwrap_or(column).to_owned(),
        method,
        edges,
        include_lowest,
    })
}

/// The 0-based interval of `x` in right-closed `edges`, `None` outside (pandas'
/// `searchsorted(edges, x, side="left")` rule).
fn code(edges: &[f64], include_lowest: bool, x: f64) -> Option<i64> {
    if include_lowest && x == edges[0] {
        return Some(0);
    }
    let ids = edges.partition_point(|e| *e < x);
    (ids > 0 && ids < edges.len()).then(|| ids as i64 - 1)
}

pub(super) fn apply(
    mut t: Table,
    column: &str,
    output: &str,
    edges: &[f64],
    include_lowest: bool,
) -> Result<Table, TransformError> {
    let v = numbers(&t.columns[index(&t, column)?], false)?;
    let codes = v
        .into_iter()
        .map(|x| x.and_then(|x| code(edges, include_lowest, x)));
    let col = int_column(output, codes.collect());
    let i = index(&t, output).unwrap_or(t.columns.len());
    put(&mut t, i, col);
    Ok(t)
}
