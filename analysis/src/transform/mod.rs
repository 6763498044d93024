//! Declarative dataset transformations (cleaning, scaling, encoding, binning, derived
//! columns) that are *fitted* once and can be re-applied to new data with the same
//! parameters.
//!
//! A [`Step`] is what a user asks for; fitting it on a table gives a [`Fitted`] step that
//! carries every learned parameter (means, standard deviations, categories, bin edges,
//! fill values), so [`apply`] on other data reproduces the transformation without
//! refitting. Statistics follow pandas: `std` is the sample standard deviation
//! (`ddof = 1`, pandas' default, not scikit-learn's `ddof = 0`), quantiles and medians
//! are numpy's linear interpolation, `mode` is the most frequent value with ties broken
//! by the smallest value (pandas sorts `mode()`), categories are sorted like
//! `pd.get_dummies`, equal-width bins widen the lowest edge by 0.1 % of the range like
//! `pd.cut(x, n)`, and intervals are right-closed.

mod bin;
mod clean;
mod convert;
mod encode;
mod error;
mod frame;
mod scale;
mod step;
#[cfg(test)]
mod tests;

pub use error::TransformError;
pub use frame::to_csv;
pub use step::{
    BinMethod, Bounds, CastType, Fill, Fitted, How, ImputeStrategy, OutlierAction, OutlierMethod,
    Scale, Step, TargetMap,
};

use crate::profile::Table;

/// Most steps in one pipeline.
pub const MAX_STEPS: usize = 100;

/// Fits every step in order (each on the output of the previous one) and returns the
/// transformed table with the fitted steps.
pub fn fit(table: Table, steps: &[Step]) -> Result<(Table, Vec<Fitted>), TransformError> {
    if steps.is_empty() {
        return Err(TransformError::Invalid("the pipeline has no steps".into()));
    }
    if steps.len() > MAX_STEPS {
        return Err(TransformError::Invalid(format!(
            "the pipeline has more than {MAX_STEPS} steps"
        )));
    }
    let mut table = table;
    let mut fitted = Vec::with_capacity(steps.len());
    for (i, s) in steps.iter().enumerate() {
        let f = step::fit_one(&table, s).map_err(|e| e.at(i))?;
        table = step::apply_one(table, &f).map_err(|e| e.at(i))?;
        fitted.push(f);
    }
    Ok((table, fitted))
}

/// Applies already fitted steps, learning nothing from `table`.
pub fn apply(table: Table, fitted: &[Fitted]) -> Result<Table, TransformError> {
    let mut table = table;
    for (i, f) in fitted.iter().enumerate() {
        table = step::apply_one(table, f).map_err(|e| e.at(i))?;
    }
    Ok(table)
}
