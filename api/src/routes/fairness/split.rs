//! The seeded train / held-out split of a mitigation run and the before/after summary.

use analysis::fairness::{
    fairness_report, key_label, ConfusionTable, GroupIndex, Predictions, ReportOptions,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use crate::error::{ApiError, ApiResult};

/// Row indices of the training and held-out parts.
pub struct Split {
    /// Rows the mitigation is fitted on.
    pub train: Vec<usize>,
    /// Rows it is measured on.
    pub test: Vec<usize>,
}

/// Fisher-Yates with `ChaCha8Rng::seed_from_u64(seed)`; `test_size` 0 fits and measures on
/// every row (as fairlearn's examples on the fixture do).
pub fn split(n: usize, test_size: f64, seed: u64) -> ApiResult<Split> {
    if !(0.0..1.0).contains(&test_size) {
        return Err(ApiError::unprocessable(
            "invalid_test_size",
            "test_size must be in [0, 1)",
        ));
    }
    if test_size == 0.0 {
        let all: Vec<usize> = (0..n).collect();
        return Ok(Split {
            train: all.clone(),
            test: all,
        });
    }
    let mut idx: Vec<usize> = (0..n).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for i in (1..n).rev() {
        let j = rng.gen_range(0..=i);
        idx.swap(i, j);
    }
    let k = ((n as f64) * test_size).round() as usize;
    if k == 0 || k >= n {
        return Err(ApiError::unprocessable(
            "invalid_test_size",
            format!("test_size {test_size} leaves no rows to fit or to measure on {n} rows"),
        ));
    }
    let mut test = idx[..k].to_vec();
    let mut train = idx[k..].to_vec();
    test.sort_unstable();
    train.sort_unstable();
    Ok(Split { train, test })
}

/// Values of `v` at `rows`.
pub fn pick<T: Clone>(v: &[T], rows: &[usize]) -> Vec<T> {
    rows.iter().map(|&i| v[i].clone()).collect()
}

/// Accuracy, disparities and per-group rates of predictions on the held-out rows.
pub fn summary(
    y_true: &[u8],
    y_pred: &[u8],
    groups: &GroupIndex,
    privileged: Option<&Vec<String>>,
) -> ApiResult<(f64, serde_json::Value)> {
    let err = |e: analysis::fairness::FairnessError| {
        ApiError::unprocessable("invalid_fairness_input", e.to_string())
    };
    let data = Predictions::new(y_true, y_pred);
    let options = ReportOptions {
        privileged: privileged.cloned(),
        ..Default::default()
    };
    let report = fairness_report(&data, groups, &options).map_err(err)?;
    let table = ConfusionTable::build(&data, groups).map_err(err)?;
    let accuracy = table.overall().accuracy();
    let by_group: Vec<serde_json::Value> = report
        .frame
        .by_group
        .iter()
        .map(|g| {
            json!({"group": key_label(&g.key), "count": g.count, "selection_rate": finite(g.rates.selection_rate),
                "tpr": finite(g.rates.tpr), "fpr": finite(g.rates.fpr), "accuracy": finite(g.rates.accuracy)})
        })
        .collect();
    Ok((
        accuracy,
        json!({
            "rows": y_true.len(),
            "accuracy": accuracy,
            "selection_rate": finite(table.overall().selection_rate()),
            "disparities": report.disparities,
            "four_fifths_min_impact_ratio": finite(report.four_fifths.min_impact_ratio),
            "by_group": by_group,
        }),
    ))
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}
