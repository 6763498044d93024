//! Partial dependence and ICE curves (scikit-learn's `partial_dependence`, `method="brute"`).

use ndarray::{s, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use super::coalition::DEFAULT_MAX_BATCH_ROWS;
use super::error::{invalid, ExplainError, Result};
use super::predictor::{predict_checked, Predictor};

/// Grid settings (sklearn defaults: 100 points between the 5th and 95th percentiles).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PdpOptions {
    /// Number of grid points (fewer when the column has fewer distinct values).
    pub grid_resolution: usize,
    /// Lower and upper probabilities of the grid range (`mquantiles`).
    pub percentiles: (f64, f64),
}

impl Default for PdpOptions {
    fn default() -> Self {
        Self {
            grid_resolution: 100,
            percentiles: (0.05, 0.95),
        }
    }
}

/// Partial dependence of one feature, with the ICE curve of every row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartialDependence {
    /// Feature (column) index.
    pub feature: usize,
    /// Values the feature is set to.
    pub grid_values: Vec<f64>,
    /// Mean model output over the rows at each grid value (`kind="average"`).
    pub average: Vec<f64>,
    /// `individual[i][k]`: output of row i with the feature set to `grid_values[k]` (ICE).
    pub individual: Vec<Vec<f64>>,
}

/// `scipy.stats.mstats.mquantiles(values, [p], alphap=0.4, betap=0.4)`: with sorted x
/// (1-based), m = alphap + p (1 - alphap - betap), aleph = n p + m, k = floor(clip(aleph,
/// 1, n-1)), g = clip(aleph - k, 0, 1), q = (1-g) x[k] + g x[k+1].
pub fn mquantile(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    if n == 1 {
        return sorted[0];
    }
    let (alphap, betap) = (0.4, 0.4);
    let m = alphap + p * (1.0 - alphap - betap);
    let aleph = n as f64 * p + m;
    let k = aleph.clamp(1.0, (n - 1) as f64).floor();
    let g = (aleph - k).clamp(0.0, 1.0);
    let k = k as usize;
    (1.0 - g) * sorted[k - 1] + g * sorted[k]
}

/// numpy's `linspace(start, stop, num)` (endpoint included, last value exactly `stop`).
fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    if num == 1 {
        return vec![start];
    }
    let step = (stop - start) / (num - 1) as f64;
    let mut out: Vec<f64> = (0..num).map(|i| i as f64 * step + start).collect();
    out[num - 1] = stop;
    out
}

/// sklearn's `_grid_from_X` for one numeric column: the sorted distinct values when there
/// are fewer than `grid_resolution` of them, else `linspace` between the mquantiles.
pub fn pdp_grid(column: &[f64], options: &PdpOptions) -> Result<Vec<f64>> {
    let (lo, hi) = options.percentiles;
    if !(0.0..=1.0).contains(&lo) || !(0.0..=1.0).contains(&hi) || lo >= hi {
        return Err(invalid("percentiles", "need 0 <= low < high <= 1"));
    }
    if options.grid_resolution <= 1 {
        return Err(invalid("grid_resolution", "must be larger than 1"));
    }
    if column.iter().any(|v| !v.is_finite()) {
        return Err(ExplainError::NonFinite("partial dependence column"));
    }
    let mut sorted = column.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut uniques = sorted.clone();
    uniques.dedup();
    if uniques.len() < options.grid_resolution {
        return Ok(uniques);
    }
    let (a, b) = (mquantile(&sorted, lo), mquantile(&sorted, hi));
    if (a - b).abs() <= 1e-8 + 1e-5 * b.abs() {
        return Err(invalid(
            "percentiles",
            "too close: the grid would be one point",
        ));
    }
    Ok(linspace(a, b, options.grid_resolution))
}

/// Brute-force partial dependence of `feature` over `data` (usually the background):
/// every row is evaluated with the feature replaced by each grid value.
pub fn partial_dependence<P: Predictor + ?Sized>(
    model: &P,
    data: ArrayView2<f64>,
    feature: usize,
    options: &PdpOptions,
) -> Result<PartialDependence> {
    if feature >= data.ncols() {
        return Err(invalid(
            "feature",
            format!("index {feature} of {} features", data.ncols()),
        ));
    }
    let column: Vec<f64> = data.column(feature).to_vec();
    let grid = pdp_grid(&column, options)?;
    partial_dependence_on_grid(model, data, feature, grid)
}

/// Brute-force partial dependence of `feature` at the given grid values (e.g. the levels
/// of a categorical feature).
pub fn partial_dependence_on_grid<P: Predictor + ?Sized>(
    model: &P,
    data: ArrayView2<f64>,
    feature: usize,
    grid: Vec<f64>,
) -> Result<PartialDependence> {
    let (n, m) = data.dim();
    if feature >= m {
        return Err(invalid(
            "feature",
            format!("index {feature} of {m} features"),
        ));
    }
    if n == 0 || grid.is_empty() {
        return Err(ExplainError::EmptyBackground);
    }
    let per_chunk = (DEFAULT_MAX_BATCH_ROWS / n).clamp(1, grid.len());
    let mut individual = vec![Vec::with_capacity(grid.len()); n];
    let mut average = Vec::with_capacity(grid.len());
    let mut buf = Array2::<f64>::zeros((per_chunk * n, m));
    for chunk in grid.chunks(per_chunk) {
        for (k, &g) in chunk.iter().enumerate() {
            let mut block = buf.slice_mut(s![k * n..(k + 1) * n, ..]);
            block.assign(&data);
            block.column_mut(feature).fill(g);
        }
        let preds = predict_checked(model, buf.slice(s![..chunk.len() * n, ..]))?;
        for k in 0..chunk.len() {
            let block = preds.slice(s![k * n..(k + 1) * n]);
            for (curve, &p) in individual.iter_mut().zip(block.iter()) {
                curve.push(p);
            }
            average.push(block.sum() / n as f64);
        }
    }
    Ok(PartialDependence {
        feature,
        grid_values: grid,
        average,
        individual,
    })
}
