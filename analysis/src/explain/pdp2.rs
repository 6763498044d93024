//! Partial dependence of two features at once, and grids of categorical features.

use ndarray::{s, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use super::coalition::DEFAULT_MAX_BATCH_ROWS;
use super::error::{invalid, ExplainError, Result};
use super::pdp::{pdp_grid, PdpOptions};
use super::predictor::{predict_checked, Predictor};

/// The grid of one feature: its sorted levels when categorical, else sklearn's grid.
pub fn feature_grid(column: &[f64], options: &PdpOptions, categorical: bool) -> Result<Vec<f64>> {
    if !categorical {
        return pdp_grid(column, options);
    }
    if column.iter().any(|v| !v.is_finite()) {
        return Err(ExplainError::NonFinite("partial dependence column"));
    }
    let mut levels = column.to_vec();
    levels.sort_by(f64::total_cmp);
    levels.dedup();
    Ok(levels)
}

/// Two-feature partial dependence (sklearn's `features=[(a, b)]`, brute method).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartialDependence2 {
    /// The two feature indices.
    pub features: (usize, usize),
    /// Grid of the first feature.
    pub grid_values_0: Vec<f64>,
    /// Grid of the second feature.
    pub grid_values_1: Vec<f64>,
    /// `average[a][b]`: mean output with feature 0 at grid a and feature 1 at grid b.
    pub average: Vec<Vec<f64>>,
    /// `individual[i][a][b]`: ICE surface of row i (only when asked for).
    pub individual: Option<Vec<Vec<Vec<f64>>>>,
}

/// Every row evaluated at every pair of grid values (sklearn's cartesian product order).
pub fn partial_dependence_2<P: Predictor + ?Sized>(
    model: &P,
    data: ArrayView2<f64>,
    features: (usize, usize),
    grids: (Vec<f64>, Vec<f64>),
    individual: bool,
) -> Result<PartialDependence2> {
    let (n, m) = data.dim();
    let (f0, f1) = features;
    if f0 >= m || f1 >= m || f0 == f1 {
        return Err(invalid(
            "features",
            "two distinct feature indices are needed",
        ));
    }
    if n == 0 {
        return Err(ExplainError::EmptyBackground);
    }
    let (g0, g1) = grids;
    let points: Vec<(f64, f64)> = g0
        .iter()
        .flat_map(|&a| g1.iter().map(move |&b| (a, b)))
        .collect();
    let per_chunk = (DEFAULT_MAX_BATCH_ROWS / n).clamp(1, points.len().max(1));
    let mut flat_avg = Vec::with_capacity(points.len());
    let mut ice: Vec<Vec<f64>> = vec![Vec::with_capacity(points.len()); n];
    let mut buf = Array2::<f64>::zeros((per_chunk * n, m));
    for chunk in points.chunks(per_chunk) {
        for (k, &(a, b)) in chunk.iter().enumerate() {
            let mut block = buf.slice_mut(s![k * n..(k + 1) * n, ..]);
            block.assign(&data);
            block.column_mut(f0).fill(a);
            block.column_mut(f1).fill(b);
        }
        let preds = predict_checked(model, buf.slice(s![..chunk.len() * n, ..]))?;
        for k in 0..chunk.len() {
            let block = preds.slice(s![k * n..(k + 1) * n]);
            flat_avg.push(block.sum() / n as f64);
            if individual {
                for (curve, &p) in ice.iter_mut().zip(block.iter()) {
                    curve.push(p);
                }
            }
        }
    }
    let width = g1.len().max(1);
    let average = flat_avg.chunks(width).map(<[f64]>::to_vec).collect();
    let individual = individual.then(|| {
        ice.iter()
            .map(|c| c.chunks(width).map(<[f64]>::to_vec).collect())
            .collect()
    });
    Ok(PartialDependence2 {
        features,
        grid_values_0: g0,
        grid_values_1: g1,
        average,
        individual,
    })
}
