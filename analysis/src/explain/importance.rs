//! Permutation feature importance (scikit-learn's `permutation_importance`): the drop of
//! a score when one column is shuffled, over several repeats.

use ndarray::{Array2, ArrayView2};
use rand::{seq::SliceRandom, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::error::{invalid, Result};

/// Importances of every feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PermutationImportance {
    /// Score on the unshuffled data.
    pub baseline_score: f64,
    /// Mean over repeats of `baseline - score with the column shuffled`, per feature.
    pub importances_mean: Vec<f64>,
    /// Population standard deviation over repeats (numpy's `std`, ddof = 0).
    pub importances_std: Vec<f64>,
    /// `importances[j][r]`: feature j, repeat r.
    pub importances: Vec<Vec<f64>>,
}

/// Shuffles each column `n_repeats` times (ChaCha8, stream = feature index, so the result
/// does not depend on the order features are processed) and rescores with `score`.
pub fn permutation_importance<F>(
    score: F,
    data: ArrayView2<f64>,
    n_repeats: usize,
    seed: u64,
) -> Result<PermutationImportance>
where
    F: Fn(ArrayView2<f64>) -> Result<f64>,
{
    if n_repeats == 0 {
        return Err(invalid("n_repeats", "must be at least 1"));
    }
    let (n, m) = data.dim();
    if n < 2 {
        return Err(invalid(
            "rows",
            "permutation importance needs at least two rows",
        ));
    }
    let baseline = score(data)?;
    let mut work: Array2<f64> = data.to_owned();
    let mut importances = Vec::with_capacity(m);
    for j in 0..m {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(j as u64);
        let original = data.column(j).to_owned();
        let mut idx: Vec<usize> = (0..n).collect();
        let mut per_repeat = Vec::with_capacity(n_repeats);
        for _ in 0..n_repeats {
            idx.shuffle(&mut rng);
            for (dst, &src) in work.column_mut(j).iter_mut().zip(&idx) {
                *dst = original[src];
            }
            per_repeat.push(baseline - score(work.view())?);
        }
        work.column_mut(j).assign(&original);
        importances.push(per_repeat);
    }
    let mean = |v: &Vec<f64>| v.iter().sum::<f64>() / v.len() as f64;
    let importances_mean: Vec<f64> = importances.iter().map(mean).collect();
    let importances_std = importances
        .iter()
        .zip(&importances_mean)
        .map(|(v, mu)| (v.iter().map(|x| (x - mu).powi(2)).sum::<f64>() / v.len() as f64).sqrt())
        .collect();
    Ok(PermutationImportance {
        baseline_score: baseline,
        importances_mean,
        importances_std,
        importances,
    })
}
