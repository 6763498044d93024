//! Permutation importance, two-feature and categorical partial dependence, counterfactuals.

use ndarray::{Array1, Array2, ArrayView2};

use crate::explain::{
    counterfactuals, feature_grid, partial_dependence, partial_dependence_2,
    partial_dependence_on_grid, permutation_importance, CounterfactualOptions, FnPredictor,
    PdpOptions, Predictor, Result,
};

fn data(n: usize, m: usize) -> Array2<f64> {
    Array2::from_shape_fn((n, m), |(i, j)| ((i * 7 + j * 13) % 17) as f64 / 4.0 - 2.0)
}

#[test]
fn permutation_importance_is_zero_for_an_unused_feature_and_reproducible() {
    let x = data(40, 3);
    let y: Vec<f64> = x.column(0).iter().map(|v| 3.0 * v).collect();
    let score = |v: ArrayView2<f64>| -> Result<f64> {
        Ok(-v
            .column(0)
            .iter()
            .zip(&y)
            .map(|(a, b)| (3.0 * a - b).powi(2))
            .sum::<f64>()
            / y.len() as f64)
    };
    let a = permutation_importance(score, x.view(), 5, 9).unwrap();
    let b = permutation_importance(score, x.view(), 5, 9).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.baseline_score, 0.0);
    assert!(a.importances_mean[0] > 1.0);
    assert_eq!(a.importances_mean[1], 0.0);
    assert_eq!(a.importances_std[2], 0.0);
    assert_eq!(a.importances[0].len(), 5);
}

#[test]
fn two_feature_partial_dependence_averages_over_the_rows() {
    let x = data(30, 3);
    let f = FnPredictor(|r: &[f64]| r[0] * r[1] + r[2]);
    let opts = PdpOptions {
        grid_resolution: 5,
        ..PdpOptions::default()
    };
    let g0 = feature_grid(&x.column(0).to_vec(), &opts, false).unwrap();
    let g1 = feature_grid(&x.column(1).to_vec(), &opts, true).unwrap();
    let pd = partial_dependence_2(&f, x.view(), (0, 1), (g0.clone(), g1.clone()), true).unwrap();
    let mean2 = x.column(2).sum() / 30.0;
    for (a, row) in pd.average.iter().enumerate() {
        for (b, v) in row.iter().enumerate() {
            assert!((v - (g0[a] * g1[b] + mean2)).abs() < 1e-12);
        }
    }
    let ice = pd.individual.unwrap();
    assert_eq!(
        (ice.len(), ice[0].len(), ice[0][0].len()),
        (30, g0.len(), g1.len())
    );
    assert!((ice[4][1][2] - (g0[1] * g1[2] + x[[4, 2]])).abs() < 1e-12);
    // Categorical grid: every level, sorted.
    let mut levels = x.column(1).to_vec();
    levels.sort_by(f64::total_cmp);
    levels.dedup();
    assert_eq!(g1, levels);
    // One feature on the default grid equals partial_dependence.
    let one = partial_dependence(&f, x.view(), 0, &opts).unwrap();
    let on_grid = partial_dependence_on_grid(&f, x.view(), 0, g0).unwrap();
    assert_eq!(one, on_grid);
}

struct Sum;

impl Predictor for Sum {
    fn predict(&self, rows: ArrayView2<f64>) -> Result<Array1<f64>> {
        Ok(rows.rows().into_iter().map(|r| r[0] + r[1]).collect())
    }
}

#[test]
fn counterfactuals_flip_the_decision_sparsely_and_respect_immutable_features() {
    let x = [0.0, 0.0, 0.0];
    let accept = |c: &Array2<f64>| -> Result<Vec<bool>> {
        Ok(Sum.predict(c.view())?.iter().map(|v| *v > 1.0).collect())
    };
    let mutable = [true, false, true];
    let ranges = [(-2.0, 2.0); 3];
    let scale = [1.0, 1.0, 0.5];
    let opts = CounterfactualOptions {
        n_counterfactuals: 2,
        seed: 3,
        ..CounterfactualOptions::default()
    };
    let found = counterfactuals(&x, accept, &mutable, &ranges, &scale, &opts).unwrap();
    assert!(!found.is_empty());
    for c in &found {
        assert_eq!(c.row[1], 0.0, "immutable feature changed");
        assert_eq!(c.row[2], 0.0, "a change that does not help was kept");
        assert_eq!(c.changed, vec![0]);
        assert!(c.row[0] > 1.0 && c.row[0] < 1.01, "{:?}", c.row);
        assert!((c.distance - c.row[0]).abs() < 1e-12);
    }
    let again = counterfactuals(&x, accept, &mutable, &ranges, &scale, &opts).unwrap();
    assert_eq!(found, again);
}
