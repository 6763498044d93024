//! Permutation explainer and Shapley efficiency on random models.

use super::fixture::{mat, ExplainFixture};
use super::kernel::random_problem;
use crate::explain::{
    Background, ExactExplainer, ExactOptions, KernelExplainer, KernelOptions, PermutationExplainer,
    PermutationOptions, Predictor,
};

#[test]
fn permutation_is_additive_reproducible_and_converges() {
    let fx = ExplainFixture::load();
    let bg = Background::uniform(fx.background.clone()).unwrap();
    let forest = fx.forest();
    let want = mat(&fx.model("random_forest")["shap_exact_interventional"]);
    let opts = PermutationOptions {
        seed: 9,
        ..PermutationOptions::default()
    };
    let a = PermutationExplainer::new(&forest, &bg, opts)
        .unwrap()
        .explain(fx.explain.view())
        .unwrap();
    let b = PermutationExplainer::new(&forest, &bg, PermutationOptions { threads: 1, ..opts })
        .unwrap()
        .explain(fx.explain.view())
        .unwrap();
    assert_eq!(a, b);
    for row in &a {
        assert!(
            row.additivity_gap.abs() < 1e-12,
            "gap {}",
            row.additivity_gap
        );
    }
    // Many permutations: close to exact (every coalition gets evaluated many times over).
    let opts = PermutationOptions {
        max_evals: 17 * 3000,
        ..opts
    };
    let rows = PermutationExplainer::new(&forest, &bg, opts)
        .unwrap()
        .explain(fx.explain.view())
        .unwrap();
    let mut worst = 0.0_f64;
    for (i, row) in rows.iter().enumerate() {
        assert!(row.additivity_gap.abs() < 1e-12);
        for j in 0..fx.features.len() {
            worst = worst.max((row.values[j] - want[[i, j]]).abs());
        }
    }
    assert!(worst < 5e-3, "permutation vs exact: {worst}");
}

#[test]
fn shapley_values_are_efficient_for_random_models() {
    for seed in 0..6 {
        let m = 2 + seed as usize;
        let (model, bg, x) = random_problem(100 + seed, m, 7, 3);
        let exact = ExactExplainer::new(&model, &bg, ExactOptions::default()).unwrap();
        let perm = PermutationExplainer::new(&model, &bg, PermutationOptions::default()).unwrap();
        let kern = KernelExplainer::new(&model, &bg, KernelOptions::default()).unwrap();
        let direct = model.predict(x.view()).unwrap();
        let base = model.predict(bg.data()).unwrap().mean().unwrap();
        let sets = [
            exact.explain(x.view()).unwrap(),
            perm.explain(x.view()).unwrap(),
            kern.explain(x.view()).unwrap(),
        ];
        for rows in &sets {
            for (row, fx) in rows.iter().zip(direct.iter()) {
                let sum: f64 = row.values.iter().sum();
                assert!((row.base_value - base).abs() < 1e-12);
                assert!(
                    (row.base_value + sum - fx).abs() < 1e-9,
                    "m={m}: {} + {sum} != {fx}",
                    row.base_value
                );
            }
        }
        // With full enumeration kernel SHAP is exact.
        for (k, e) in sets[2].iter().zip(&sets[0]) {
            for (p, q) in k.values.iter().zip(&e.values) {
                assert!((p - q).abs() < 1e-9, "m={m}: kernel {p} vs exact {q}");
            }
        }
    }
}
