//! Data drift statistics per column (scipy and Evidently semantics).
//!
//! Two layers:
//! - statistic kernels that reproduce scipy 1.17: [`ks::ks_2samp`],
//!   [`wasserstein::wasserstein_normed`], [`psi::psi`], [`jensen_shannon::jensen_shannon`],
//!   [`chi_square::chi_square`], [`z_test::z_test`], [`divergence::kl_div`], [`divergence::hellinger_counts`], plus the special functions in [`special`];
//! - Evidently's legacy data-drift rules (0.4.x to 0.7.x `legacy`): default test choice,
//!   thresholds, per-column verdicts and the dataset-level drift share, in [`evidently`].
//!
//! Input conventions:
//! - numerical columns are `&[f64]`; NaN and +-inf mean "missing" and are dropped per side
//!   (callers holding `Option<f64>` map `None` to `f64::NAN`);
//! - categorical columns are `&[Option<&str>]`; `None` means missing.
//!
//! Every function is pure and `Sync`-friendly, so columns can be processed in parallel;
//! [`evidently::detect_all`] does that with scoped threads.

pub mod binning;
pub mod chi_square;
mod column;
pub mod divergence;
mod error;
pub mod evidently;
pub mod jensen_shannon;
use crate::json_float;
pub mod ks;
mod ks_exact;
mod parallel;
pub mod psi;
pub mod sample;
mod sort;
pub mod special;
pub mod wasserstein;
pub mod z_test;

pub use error::{DriftError, Side};
pub use evidently::{
    dataset_drift, default_stat_test, detect_all, detect_all_with_threads, detect_column,
    ColumnData, ColumnDrift, ColumnKind, ColumnSpec, DatasetDrift, DriftReport, DriftRule,
    StatTest, DEFAULT_DRIFT_SHARE,
};
pub use sample::{Category, CategoryCounts, NumericSample};

#[cfg(test)]
mod tests;
