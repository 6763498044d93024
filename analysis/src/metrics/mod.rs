//! Model performance metrics matching scikit-learn: classification (accuracy,
//! balanced accuracy, per-class and averaged precision / recall / F1, ROC AUC,
//! average precision, log loss, Brier score, confusion matrix, calibration
//! curve), regression (MAE, RMSE, R², MAPE), and paired significance tests
//! between two models on the same rows (McNemar, paired bootstrap, sign test).

mod calibration;
mod classification;
mod ranking;
mod regression;
mod sign;
mod significance;
#[cfg(test)]
mod tests;

pub use calibration::{calibration_curve, Calibration};
pub use classification::{classification, Averages, ClassScores, ClassificationReport};
pub use ranking::{average_precision, roc_auc};
pub use regression::{regression, RegressionReport};
pub use sign::{binomial_half_cdf, mean_score, sign_test, SignTest};
pub use significance::{error_rate, mae, mcnemar, paired_bootstrap, BootstrapCi, McNemar};

/// Why metrics could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetricsError {
    /// No rows.
    #[error("no rows to evaluate")]
    Empty,
    /// Inputs of different lengths.
    #[error("{what}: {got} values for {expected} rows")]
    Length {
        /// Which input.
        what: &'static str,
        /// Its length.
        got: usize,
        /// Rows.
        expected: usize,
    },
    /// A class index out of range, or a non-finite value.
    #[error("invalid input: {0}")]
    Invalid(String),
}

pub(crate) fn check_len(
    what: &'static str,
    got: usize,
    expected: usize,
) -> Result<(), MetricsError> {
    if got == expected {
        Ok(())
    } else {
        Err(MetricsError::Length {
            what,
            got,
            expected,
        })
    }
}
