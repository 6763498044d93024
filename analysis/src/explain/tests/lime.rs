//! LIME has no fixture: check reproducibility, bin statistics and recovery of a linear model.

use ndarray::{Array1, Array2, ArrayView2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::fixture::ExplainFixture;
use crate::explain::{FeatureSelection, LimeOptions, LimeTabular, Predictor, Result};

struct Linear(Vec<f64>);

impl Predictor for Linear {
    fn predict(&self, rows: ArrayView2<f64>) -> Result<Array1<f64>> {
        Ok(rows.dot(&Array1::from(self.0.clone())))
    }
}

fn uniform(n: usize, m: usize, seed: u64) -> Array2<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Array2::from_shape_fn((n, m), |_| rng.gen_range(0.0..1.0))
}

#[test]
fn lime_recovers_sign_and_order_of_a_linear_model() {
    let coef = vec![3.0, -2.0, 1.2, 0.6, -0.3, 0.1];
    let model = Linear(coef.clone());
    let train = uniform(400, coef.len(), 1);
    // Every feature in its top quartile: "same bin as x" means "high value".
    let x = Array2::from_elem((1, coef.len()), 0.95);
    for (k, selection) in [
        (6, FeatureSelection::Auto),
        (6, FeatureSelection::HighestWeights),
        (3, FeatureSelection::ForwardSelection),
    ] {
        let options = LimeOptions {
            num_features: k,
            feature_selection: selection,
            seed: 4,
            ..LimeOptions::default()
        };
        let lime = LimeTabular::new(train.view(), options).unwrap();
        let exp = lime.explain(&model, x.view()).unwrap().remove(0);
        assert_eq!(exp.weights.len(), k);
        let order: Vec<usize> = exp.weights.iter().map(|w| w.feature).collect();
        assert_eq!(
            order,
            (0..k).collect::<Vec<_>>(),
            "{selection:?}: order by |weight|"
        );
        for w in &exp.weights {
            assert_eq!(
                w.weight.signum(),
                coef[w.feature].signum(),
                "{selection:?}: sign of {}",
                w.feature
            );
            // E[x | top quartile] - E[x | rest] = 0.875 - 0.375 for uniform data.
            assert!(
                (w.weight - 0.5 * coef[w.feature]).abs() < 0.1 * coef[0],
                "{selection:?}: {w:?}"
            );
            assert!(
                w.upper.is_none() && w.lower == Some(lime.bins()[w.feature].cuts[2]),
                "{w:?}"
            );
        }
        // Indicators of "top quartile" explain ~56% of a uniform feature's variance.
        assert!(exp.score > 0.4, "R^2 {}", exp.score);
        assert!((exp.model_output - coef.iter().sum::<f64>() * 0.95).abs() < 1e-12);
    }
}

#[test]
fn lime_is_reproducible_for_a_seed() {
    let fx = ExplainFixture::load();
    let lr = fx.logreg();
    let options = LimeOptions {
        seed: 7,
        num_samples: 1500,
        ..LimeOptions::default()
    };
    let lime = LimeTabular::new(fx.background.view(), options).unwrap();
    let a = lime.explain(&lr, fx.explain.view()).unwrap();
    let single = LimeTabular::new(
        fx.background.view(),
        LimeOptions {
            threads: 1,
            ..options
        },
    )
    .unwrap();
    assert_eq!(a, single.explain(&lr, fx.explain.view()).unwrap());
    let other = LimeTabular::new(fx.background.view(), LimeOptions { seed: 8, ..options }).unwrap();
    assert_ne!(a, other.explain(&lr, fx.explain.view()).unwrap());
    for (exp, p) in a.iter().zip(lr.predict(fx.explain.view()).unwrap()) {
        assert_eq!(exp.weights.len(), fx.features.len().min(10));
        assert!((exp.model_output - p).abs() < 1e-15);
        assert!(exp.score.is_finite() && exp.local_prediction.is_finite());
    }
}

#[test]
fn quartile_bins_and_truncated_sampling_stay_in_range() {
    let train = uniform(101, 2, 3);
    let lime = LimeTabular::new(train.view(), LimeOptions::default()).unwrap();
    for (j, fb) in lime.bins().iter().enumerate() {
        assert_eq!(fb.cuts.len(), 3);
        let mut col: Vec<f64> = train.column(j).to_vec();
        col.sort_by(f64::total_cmp);
        assert_eq!(fb.cuts[1], col[50], "median of 101 values");
        assert!((fb.frequencies.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        for b in 0..4 {
            for _ in 0..200 {
                let v = fb.sample_in(b, &mut rng);
                assert!(
                    v >= fb.mins[b] - 1e-12 && v <= fb.maxs[b] + 1e-12,
                    "bin {b}: {v}"
                );
            }
        }
    }
    for x in [-8.0, -3.0, -0.5, 0.0, 0.7, 2.5] {
        let p = crate::explain::lime::normal_cdf_for_tests(x);
        let back = crate::explain::lime::normal_ppf_for_tests(p);
        assert!(
            (back - x).abs() < 1e-9 * (1.0 + x.abs()),
            "{x} -> {p} -> {back}"
        );
    }
    assert!((crate::explain::lime::normal_cdf_for_tests(1.959963984540054) - 0.975).abs() < 1e-15);
}

#[test]
fn kmeans_background_summarises_with_observed_values_and_sizes() {
    use crate::explain::{kmeans_background, KMeansOptions};
    let fx = ExplainFixture::load();
    let bg = kmeans_background(fx.background.view(), 5, &KMeansOptions::default()).unwrap();
    assert_eq!(bg.len(), 5);
    assert!((bg.weights().iter().sum::<f64>() - 1.0).abs() < 1e-12);
    for row in bg.data().rows() {
        for (j, v) in row.iter().enumerate() {
            assert!(
                fx.background.column(j).iter().any(|b| b == v),
                "centre value {v} not observed"
            );
        }
    }
    let again = kmeans_background(fx.background.view(), 5, &KMeansOptions::default()).unwrap();
    assert_eq!(bg, again);
}

/// sklearn's Ridge with intercept and sample weights, solved independently of the library:
/// least squares on `[sqrt(w) X, sqrt(w)] [beta; b0] ~ sqrt(w) y` stacked over
/// `sqrt(alpha) I beta ~ 0`, by modified Gram-Schmidt QR.
#[allow(clippy::needless_range_loop)]
fn ridge_by_qr(x: &[Vec<f64>], y: &[f64], w: &[f64], alpha: f64) -> (f64, Vec<f64>) {
    let p = x[0].len();
    let cols = p + 1;
    let mut a: Vec<Vec<f64>> = Vec::new();
    let mut rhs = Vec::new();
    for ((row, &yi), &wi) in x.iter().zip(y).zip(w) {
        let s = wi.sqrt();
        let mut r: Vec<f64> = row.iter().map(|v| v * s).collect();
        r.push(s);
        a.push(r);
        rhs.push(yi * s);
    }
    for j in 0..p {
        let mut r = vec![0.0; cols];
        r[j] = alpha.sqrt();
        a.push(r);
        rhs.push(0.0);
    }
    let n = a.len();
    let mut q: Vec<Vec<f64>> = (0..cols)
        .map(|j| (0..n).map(|i| a[i][j]).collect())
        .collect();
    let mut rmat = vec![vec![0.0; cols]; cols];
    for j in 0..cols {
        for k in 0..j {
            let d: f64 = (0..n).map(|i| q[k][i] * q[j][i]).sum();
            rmat[k][j] = d;
            for i in 0..n {
                q[j][i] -= d * q[k][i];
            }
        }
        let norm = (0..n).map(|i| q[j][i] * q[j][i]).sum::<f64>().sqrt();
        rmat[j][j] = norm;
        for i in 0..n {
            q[j][i] /= norm;
        }
    }
    let qtb: Vec<f64> = (0..cols)
        .map(|j| (0..n).map(|i| q[j][i] * rhs[i]).sum())
        .collect();
    let mut sol = vec![0.0; cols];
    for j in (0..cols).rev() {
        let s: f64 = (j + 1..cols).map(|k| rmat[j][k] * sol[k]).sum();
        sol[j] = (qtb[j] - s) / rmat[j][j];
    }
    let b0 = sol.pop().unwrap();
    (b0, sol)
}

#[test]
fn lime_surrogate_of_a_fixed_neighbourhood_is_the_weighted_ridge() {
    use crate::explain::lime::fit::{kernel_weights, surrogate};
    let (n, m) = (400, 6);
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let mut binary = vec![1.0; m];
    for _ in 1..n {
        binary.extend((0..m).map(|_| if rng.gen_bool(0.4) { 1.0 } else { 0.0 }));
    }
    let labels: Vec<f64> = binary
        .chunks_exact(m)
        .map(|r| 0.3 + 0.5 * r[0] - 0.2 * r[3] + 0.1 * r[1] * r[2] + rng.gen_range(-0.05..0.05))
        .collect();
    let width = 0.75 * (m as f64).sqrt();
    let weights = kernel_weights(&binary, m, width);
    let (used, b0, coef, score) =
        surrogate(FeatureSelection::None, m, &binary, m, &labels, &weights);
    assert_eq!(used, (0..m).collect::<Vec<_>>());
    let rows: Vec<Vec<f64>> = binary.chunks_exact(m).map(<[f64]>::to_vec).collect();
    let (want_b0, want) = ridge_by_qr(&rows, &labels, &weights, 1.0);
    assert!((b0 - want_b0).abs() < 1e-12, "{b0} vs {want_b0}");
    for (a, b) in coef.iter().zip(&want) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
    // Weighted R^2 of that fit, computed directly.
    let sw: f64 = weights.iter().sum();
    let ym = labels.iter().zip(&weights).map(|(y, w)| y * w).sum::<f64>() / sw;
    let (mut res, mut tot) = (0.0, 0.0);
    for ((r, y), w) in rows.iter().zip(&labels).zip(&weights) {
        let pred = want_b0 + r.iter().zip(&want).map(|(x, c)| x * c).sum::<f64>();
        res += w * (y - pred).powi(2);
        tot += w * (y - ym).powi(2);
    }
    assert!((score - (1.0 - res / tot)).abs() < 1e-12);
    // The kernel: exp(-d^2 / width^2) under a square root, d from the all-ones row.
    let d2 = binary[m..2 * m].iter().filter(|b| **b == 0.0).count() as f64;
    assert!((weights[1] - (-d2 / (width * width)).exp().sqrt()).abs() < 1e-15);
}
