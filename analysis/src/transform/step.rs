//! The steps a pipeline is made of, as asked ([`Step`]) and as fitted ([`Fitted`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{bin, clean, encode, scale, TransformError};
use crate::profile::Table;

/// Rows dropped for missing values when any or all of the columns are missing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum How {
    /// Any listed column missing (pandas `dropna(how="any")`).
    #[default]
    Any,
    /// Every listed column missing.
    All,
}

/// How missing values are filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImputeStrategy {
    /// Column mean (numeric).
    Mean,
    /// Column median (numeric, numpy's midpoint for even counts).
    Median,
    /// Most frequent value, smallest on ties.
    Mode,
    /// The given `value`.
    Constant,
}

/// A fill value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Fill {
    /// A number.
    Num(f64),
    /// A text.
    Text(String),
}

/// How outliers are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutlierMethod {
    /// Outside `[q1 - k IQR, q3 + k IQR]` (k = `factor`, default 1.5).
    Iqr,
    /// Outside `mean ± k std` (k = `factor`, default 3; std with ddof = 1).
    Zscore,
}

/// What happens to outliers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutlierAction {
    /// Values are clipped to the bounds.
    Clip,
    /// Rows holding one are dropped (missing values are kept).
    Drop,
}

/// Types a column can be cast to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CastType {
    /// Whole numbers (missing stays missing, like pandas' nullable `Int64`).
    Integer,
    /// Real numbers.
    Float,
    /// Text.
    Text,
    /// true/false (accepts true/false, yes/no, 1/0, any case).
    Boolean,
}

/// How bin edges are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BinMethod {
    /// `bins` intervals of equal width over the fitted range (`pd.cut(x, bins)`).
    EqualWidth,
    /// `bins` intervals of equal count (`pd.qcut(x, bins, duplicates="drop")`).
    Quantile,
    /// The given `edges` (`pd.cut(x, edges)`).
    Edges,
}

/// A lower and an upper bound.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bounds {
    /// Lower bound (or minimum).
    pub lower: f64,
    /// Upper bound (or maximum).
    pub upper: f64,
}

/// A fitted standardisation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Scale {
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (ddof = 1).
    pub std: f64,
}

/// A fitted target encoding of one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetMap {
    /// Category -> encoded value.
    pub categories: BTreeMap<String, f64>,
    /// Value for missing and unseen categories (the target's mean).
    pub default: f64,
}

fn unit_range() -> [f64; 2] {
    [0.0, 1.0]
}

/// One step of a pipeline as a user writes it (`{"op": "impute", ...}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// Drops repeated rows, keeping the first (over `columns`, default all).
    DropDuplicates {
        /// Columns compared (default all).
        #[serde(default)]
        columns: Option<Vec<String>>,
    },
    /// Drops rows with missing values in `columns` (default all).
    DropMissing {
        /// Columns checked (default all).
        #[serde(default)]
        columns: Option<Vec<String>>,
        /// Any or all.
        #[serde(default)]
        how: How,
    },
    /// Fills missing values.
    Impute {
        /// Columns.
        columns: Vec<String>,
        /// Strategy.
        strategy: ImputeStrategy,
        /// The constant (strategy `constant`).
        #[serde(default)]
        value: Option<Fill>,
    },
    /// Clips or drops outliers.
    Outliers {
        /// Numeric columns.
        columns: Vec<String>,
        /// IQR or z-score.
        method: OutlierMethod,
        /// k (default 1.5 for IQR, 3 for z-score).
        #[serde(default)]
        factor: Option<f64>,
        /// Clip or drop.
        action: OutlierAction,
    },
    /// Strips leading and trailing whitespace from text columns.
    Trim {
        /// Columns (default every text column).
        #[serde(default)]
        columns: Option<Vec<String>>,
    },
    /// Converts columns to another type; a value that does not convert is an error.
    Cast {
        /// Column -> type.
        columns: BTreeMap<String, CastType>,
    },
    /// `(x - mean) / std` with std the sample standard deviation (ddof = 1).
    Standardize {
        /// Numeric columns.
        columns: Vec<String>,
    },
    /// `(x - min) / (max - min)` mapped onto `range`.
    MinMax {
        /// Numeric columns.
        columns: Vec<String>,
        /// Target range (default `[0, 1]`).
        #[serde(default = "unit_range")]
        range: [f64; 2],
    },
    /// One 0/1 column per category, named `{column}_{category}`; replaces the column.
    OneHot {
        /// Columns.
        columns: Vec<String>,
    },
    /// Category -> its index in `order` (default sorted categories).
    Ordinal {
        /// Columns.
        columns: Vec<String>,
        /// Explicit orders per column.
        #[serde(default)]
        order: BTreeMap<String, Vec<String>>,
    },
    /// Category -> mean of `target` over its rows (smoothed towards the global mean).
    TargetEncode {
        /// Columns.
        columns: Vec<String>,
        /// Numeric target column.
        target: String,
        /// Weight m of the global mean: `(sum + m mean) / (n + m)` (default 0).
        #[serde(default)]
        smoothing: f64,
    },
    /// Replaces a numeric column (or fills `output`) with its bin index (0-based).
    Bin {
        /// Numeric column.
        column: String,
        /// Edge choice.
        method: BinMethod,
        /// Number of bins (equal_width, quantile).
        #[serde(default)]
        bins: Option<usize>,
        /// Explicit increasing edges (method `edges`).
        #[serde(default)]
        edges: Option<Vec<f64>>,
        /// Output column (default: replace `column`).
        #[serde(default)]
        output: Option<String>,
    },
    /// A new (or replaced) column computed per row by a safe expression (see [`crate::expr`]).
    Derive {
        /// Column name.
        name: String,
        /// Expression.
        expr: String,
    },
}

/// A step with everything it learned, enough to re-apply it to new data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fitted {
    /// Drop repeated rows over these columns.
    DropDuplicates {
        /// Columns compared.
        columns: Vec<String>,
    },
    /// Drop rows missing in these columns.
    DropMissing {
        /// Columns checked.
        columns: Vec<String>,
        /// Any or all.
        how: How,
    },
    /// Fill missing values.
    Impute {
        /// Strategy used to fit.
        strategy: ImputeStrategy,
        /// Column -> fill value.
        fill: BTreeMap<String, Fill>,
    },
    /// Clip or drop outside the bounds.
    Outliers {
        /// Method used to fit.
        method: OutlierMethod,
        /// Clip or drop.
        action: OutlierAction,
        /// Column -> bounds.
        bounds: BTreeMap<String, Bounds>,
    },
    /// Strip whitespace.
    Trim {
        /// Columns.
        columns: Vec<String>,
    },
    /// Convert types.
    Cast {
        /// Column -> type.
        columns: BTreeMap<String, CastType>,
    },
    /// Standardise.
    Standardize {
        /// Column -> mean and std.
        params: BTreeMap<String, Scale>,
    },
    /// Min-max scale.
    MinMax {
        /// Column -> fitted min (lower) and max (upper).
        params: BTreeMap<String, Bounds>,
        /// Target range.
        range: [f64; 2],
    },
    /// One-hot encode.
    OneHot {
        /// Column -> sorted categories.
        categories: BTreeMap<String, Vec<String>>,
    },
    /// Ordinal encode.
    Ordinal {
        /// Column -> categories in code order.
        categories: BTreeMap<String, Vec<String>>,
    },
    /// Target encode.
    TargetEncode {
        /// Target column used to fit.
        target: String,
        /// Smoothing used to fit.
        smoothing: f64,
        /// Column -> mapping.
        maps: BTreeMap<String, TargetMap>,
    },
    /// Bin.
    Bin {
        /// Input column.
        column: String,
        /// Output column.
        output: String,
        /// Method used to fit.
        method: BinMethod,
        /// Edges (increasing).
        edges: Vec<f64>,
        /// Whether the first interval includes its lower edge.
        include_lowest: bool,
    },
    /// Derive a column.
    Derive {
        /// Column name.
        name: String,
        /// Expression.
        expr: String,
    },
}

pub(super) fn fit_one(t: &Table, s: &Step) -> Result<Fitted, TransformError> {
    Ok(match s {
        Step::DropDuplicates { columns } => Fitted::DropDuplicates {
            columns: clean::names(t, columns.as_deref())?,
        },
        Step::DropMissing { columns, how } => Fitted::DropMissing {
            columns: clean::names(t, columns.as_deref())?,
            how: *how,
        },
        Step::Impute {
            columns,
            strategy,
            value,
        } => clean::fit_impute(t, columns, *strategy, value.as_ref())?,
        Step::Outliers {
            columns,
            method,
            factor,
            action,
        } => clean::fit_outliers(t, columns, *method, *factor, *action)?,
        Step::Trim { columns } => Fitted::Trim {
            columns: clean::text_names(t, columns.as_deref())?,
        },
        Step::Cast { columns } => {
            clean::names(t, Some(&columns.keys().cloned().collect::<Vec<_>>()))?;
            Fitted::Cast {
                columns: columns.clone(),
            }
        }
        Step::Standardize { columns } => scale::fit_standardize(t, columns)?,
        Step::MinMax { columns, range } => scale::fit_min_max(t, columns, *range)?,
        Step::OneHot { columns } => encode::fit_one_hot(t, columns)?,
        Step::Ordinal { columns, order } => encode::fit_ordinal(t, columns, order)?,
        Step::TargetEncode {
            columns,
            target,
            smoothing,
        } => encode::fit_target(t, columns, target, *smoothing)?,
        Step::Bin {
            column,
            method,
            bins,
            edges,
            output,
        } => bin::fit(
            t,
            column,
            *method,
            *bins,
            edges.as_deref(),
            output.as_deref(),
        )?,
        Step::Derive { name, expr } => {
            clean::check_name(name)?;
            Fitted::Derive {
                name: name.clone(),
                expr: expr.clone(),
            }
        }
    })
}

pub(super) fn apply_one(t: Table, f: &Fitted) -> Result<Table, TransformError> {
    match f {
        Fitted::DropDuplicates { columns } => clean::drop_duplicates(t, columns),
        Fitted::DropMissing { columns, how } => clean::drop_missing(t, columns, *how),
        Fitted::Impute { fill, .. } => clean::impute(t, fill),
        Fitted::Outliers { action, bounds, .. } => clean::outliers(t, bounds, *action),
        Fitted::Trim { columns } => clean::trim(t, columns),
        Fitted::Cast { columns } => clean::cast(t, columns),
        Fitted::Standardize { params } => scale::standardize(t, params),
        Fitted::MinMax { params, range } => scale::min_max(t, params, *range),
        Fitted::OneHot { categories } => encode::one_hot(t, categories),
        Fitted::Ordinal { categories } => encode::ordinal(t, categories),
        Fitted::TargetEncode { maps, .. } => encode::target(t, maps),
        Fitted::Bin {
            column,
            output,
            edges,
            include_lowest,
            ..
        } => bin::apply(t, column, output, edges, *include_lowest),
        Fitted::Derive { name, expr } => clean::derive(t, name, expr),
    }
}
