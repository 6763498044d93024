//! Regression metrics as scikit-learn computes them.

use serde::Serialize;

use super::{check_len, MetricsError};

/// Regression scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegressionReport {
    /// Mean absolute error.
    pub mae: f64,
    /// Root mean squared error.
    pub rmse: f64,
    /// Coefficient of determination (scikit-learn: 1.0 when the target is
    /// constant and predicted exactly, 0.0 when constant and not).
    pub r2: f64,
    /// Mean absolute percentage error, as a fraction; |y| below machine epsilon
    /// counts as epsilon (scikit-learn's guard).
    pub mape: f64,
    /// Rows.
    pub n: usize,
}

/// Computes the regression scores.
pub fn regression(y_true: &[f64], y_pred: &[f64]) -> Result<RegressionReport, MetricsError> {
    let n = y_true.len();
    if n == 0 {
        return Err(MetricsError::Empty);
    }
    check_len("predictions", y_pred.len(), n)?;
    if y_true.iter().chain(y_pred).any(|v| !v.is_finite()) {
        return Err(MetricsError::Invalid("values must be finite".into()));
    }
    let nf = n as f64;
    let mae = y_true
        .iter()
        .zip(y_pred)
        .map(|(t, p)| (t - p).abs())
        .sum::<f64>()
        / nf;
    let sse: f64 = y_true
        .iter()
        .zip(y_pred)
        .map(|(t, p)| (t - p) * (t - p))
        .sum();
    let mean = y_true.iter().sum::<f64>() / nf;
    let sst: f64 = y_true.iter().map(|t| (t - mean) * (t - mean)).sum();
    let r2 = if sst == 0.0 {
        if sse == 0.0 {
            1.0
        } else {
            0.0
        }
    } else {
        1.0 - sse / sst
    };
    let eps = f64::EPSILON;
    let mape = y_true
        .iter()
        .zip(y_pred)
        .map(|(t, p)| (t - p).abs() / t.abs().max(eps))
        .sum::<f64>()
        / nf;
    Ok(RegressionReport {
        mae,
        rmse: (sse / nf).sqrt(),
        r2,
        mape,
        n,
    })
}
