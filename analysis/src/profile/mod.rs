//! Tabular data: a typed column table with pandas parsing semantics, and its quality profile.
//!
//! Two entry points:
//! - [`read_csv`] / [`read_csv_from`]: a delimited file (sniffed or given dialect) becomes
//!   a [`Table`] whose columns carry pandas 2.3.3 `read_csv` dtypes (int64, float64,
//!   bool, object), NA handling and the raw-text facts the profile needs;
//! - [`profile`]: per-column statistics (pandas/numpy arithmetic), duplicates, type
//!   labels, a quality score and (opt-in, [`ProfileOptions::correlations`]) Pearson,
//!   Spearman and Cramér's V matrices, as serializable [`Profile`].
//!
//! The reference is `shared/fixtures/quality` (its README states the rules); the tests
//! compare every value of its `expected.json`. Known deviations from pandas: integers
//! beyond int64 make the column object (pandas gives uint64 up to 2^64-1), and only ASCII
//! digits count as digits in the Python `float()`/regex checks.
//!
//! Speed: the input is cut into per-thread chunks at newlines and tokenized in parallel
//! (falling back to sequential continuation when a cut lands inside quotes); field bytes
//! go straight to per-column arenas (no per-field allocation); columns are then
//! converted and profiled in parallel on scoped threads.

mod acc;
mod builder;
mod column;
pub mod correlation;
pub mod csv;
mod duplicates;
mod engine;
mod error;
mod hash;
mod header;
pub mod histogram;
pub mod infer;
mod intern;
mod lexeme;
mod na;
pub mod nonfinite;
mod number;
mod parallel;
pub mod quality;
pub mod quantile;
mod rank;
mod read;
mod record;
mod report;
mod scanner;
pub mod sniff;
mod sort;
pub mod stats;
mod table;

pub use correlation::Correlations;
pub use csv::Tokenizer;
pub use engine::{profile, ProfileOptions};
pub use error::{ProfileError, Result};
pub use histogram::Histogram;
pub use infer::{InferDtype, InferredType, SemanticThresholds, SemanticType};
pub use na::PANDAS_NA_TOKENS;
pub use quality::{IssueKind, QualityIssue, QualityReport, Severity};
pub use read::{read_csv, read_csv_from, CsvOptions, RaggedRows};
pub use record::{Dialect, Record};
pub use report::{ColumnProfile, DatasetProfile, ObjectStats, Profile, TopValue};
pub use sniff::sniff;
pub use stats::NumericStats;
pub use table::{Column, ColumnData, PandasDtype, RawStats, Strings, Table, MISSING_CODE};

#[cfg(test)]
mod tests;
