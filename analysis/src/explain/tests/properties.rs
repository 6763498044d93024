//! Shapley axioms as properties: efficiency for exact, permutation and tree explainers,
//! dummy and symmetry on constructed models; kernel SHAP equals exact for M <= 11.

use ndarray::{Array1, Array2, ArrayView2};
use proptest::prelude::*;

use super::kernel::random_problem;
use crate::explain::{
    Background, ExactExplainer, ExactOptions, InputPrecision, KernelExplainer, KernelOptions,
    L1Reg, Node, PermutationExplainer, PermutationOptions, Predictor, Result, Split, SplitRule,
    Tree, TreeEnsemble,
};

/// `f(x) = sum_j a_j x_j + b x_0 x_1 + c tanh(x_2 x_3)`: non-additive; features with
/// `a_j = 0` beyond index 3 are dummies.
struct Mixed {
    a: Vec<f64>,
    b: f64,
    c: f64,
}

impl Predictor for Mixed {
    fn predict(&self, rows: ArrayView2<f64>) -> Result<Array1<f64>> {
        Ok(rows
            .rows()
            .into_iter()
            .map(|r| {
                let lin: f64 = self.a.iter().zip(r.iter()).map(|(a, x)| a * x).sum();
                lin + self.b * r[0] * r[1] + self.c * (r[2] * r[3]).tanh()
            })
            .collect())
    }
}

fn matrix(values: &[f64], m: usize) -> Array2<f64> {
    Array2::from_shape_vec((values.len() / m, m), values.to_vec()).unwrap()
}

/// A depth-2 tree on features (f0, f1) with the given thresholds and leaves.
fn tree(f: (usize, usize), t: (f64, f64), leaves: [f64; 4], m: usize) -> Tree {
    let split = |feature, threshold, left, right| {
        Some(Split {
            feature,
            threshold,
            left,
            right,
            default_left: true,
        })
    };
    let leaf = |value, cover| Node {
        split: None,
        value,
        cover,
    };
    Tree::new(
        vec![
            Node {
                split: split(f.0, t.0, 1, 2),
                value: 0.0,
                cover: 10.0,
            },
            Node {
                split: split(f.1, t.1, 3, 4),
                value: 0.0,
                cover: 6.0,
            },
            Node {
                split: split(f.1, -t.1, 5, 6),
                value: 0.0,
                cover: 4.0,
            },
            leaf(leaves[0], 2.0),
            leaf(leaves[1], 4.0),
            leaf(leaves[2], 1.0),
            leaf(leaves[3], 3.0),
        ],
        m,
    )
    .unwrap()
}

const M: usize = 6;

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn exact_and_permutation_are_efficient_and_respect_dummy_and_symmetry(
        a in proptest::collection::vec(-2.0..2.0f64, 4),
        b in -1.0..1.0f64,
        c in -1.0..1.0f64,
        bg in proptest::collection::vec(-1.0..1.0f64, 5 * M),
        x in proptest::collection::vec(-1.5..1.5f64, 2 * M),
        seed in 0u64..1000,
    ) {
        // Features 4 and 5 are dummies (coefficient 0, no interaction).
        let mut coef = a.clone();
        coef.extend([0.0, 0.0]);
        let model = Mixed { a: coef, b, c };
        let background = Background::uniform(matrix(&bg, M)).unwrap();
        let rows = matrix(&x, M);
        let exact = ExactExplainer::new(&model, &background, ExactOptions::default())
            .unwrap()
            .explain(rows.view())
            .unwrap();
        let perm = PermutationExplainer::new(
            &model,
            &background,
            PermutationOptions { seed, ..PermutationOptions::default() },
        )
        .unwrap()
        .explain(rows.view())
        .unwrap();
        for r in exact.iter().chain(&perm) {
            prop_assert!(r.additivity_gap.abs() <= 1e-9, "gap {}", r.additivity_gap);
            prop_assert!(r.values[4].abs() <= 1e-12 && r.values[5].abs() <= 1e-12, "{:?}", r.values);
        }
    }

    #[test]
    fn symmetric_features_get_equal_values(
        w in -2.0..2.0f64,
        v in -1.0..1.0f64,
        bg0 in proptest::collection::vec(-1.0..1.0f64, 4),
        rest in proptest::collection::vec(-1.0..1.0f64, 4 * 2),
    ) {
        // f = w (x0 + x1) + v x0 x1 + x2 - x3: x0 and x1 are interchangeable. Give them
        // the same value in x and a background symmetric in (x0, x1).
        let model = Mixed { a: vec![w, w, 0.0, 0.0], b: v, c: 0.0 };
        let m = 4;
        let mut data = Vec::new();
        for (i, &b0) in bg0.iter().enumerate() {
            let (p, q) = (rest[2 * i], rest[2 * i + 1]);
            data.extend([b0, p, q, b0 * q]);
            data.extend([p, b0, q, b0 * q]);
        }
        let background = Background::uniform(matrix(&data, m)).unwrap();
        let x = matrix(&[0.7, 0.7, -0.3, 0.2], m);
        let exact = ExactExplainer::new(&model, &background, ExactOptions::default())
            .unwrap()
            .explain(x.view())
            .unwrap();
        prop_assert!((exact[0].values[0] - exact[0].values[1]).abs() <= 1e-12, "{:?}", exact[0].values);
    }

    #[test]
    fn tree_shap_is_efficient_and_ignores_unused_features(
        t0 in -0.5..0.5f64,
        t1 in -0.5..0.5f64,
        leaves in proptest::array::uniform4(-3.0..3.0f64),
        bg in proptest::collection::vec(-1.0..1.0f64, 8 * 4),
        x in proptest::collection::vec(-1.0..1.0f64, 3 * 4),
    ) {
        let m = 4;
        let trees = vec![tree((0, 1), (t0, t1), leaves, m), tree((1, 2), (t1, t0), leaves, m)];
        let ens = TreeEnsemble::new(trees, m, SplitRule::LessOrEqual, InputPrecision::F64, 0.5, 1.0).unwrap();
        let rows = matrix(&x, m);
        let background = Background::uniform(matrix(&bg, m)).unwrap();
        let pd = ens.shap_path_dependent(rows.view(), 1).unwrap();
        let iv = ens.shap_interventional(rows.view(), &background, 1).unwrap();
        for r in pd.iter().chain(&iv) {
            prop_assert!(r.additivity_gap.abs() <= 1e-9, "gap {}", r.additivity_gap);
            // Feature 3 splits no node: a dummy.
            prop_assert!(r.values[3].abs() <= 1e-12, "{:?}", r.values);
        }
    }
}

#[test]
fn kernel_enumerates_every_coalition_and_equals_exact_up_to_eleven_features() {
    for m in 2..=11 {
        let (model, bg, x) = random_problem(100 + m as u64, m, 6, 3);
        let exact = ExactExplainer::new(&model, &bg, ExactOptions::default())
            .unwrap()
            .explain(x.view())
            .unwrap();
        let opts = KernelOptions {
            l1_reg: L1Reg::Off,
            ..KernelOptions::default()
        };
        let kernel = KernelExplainer::new(&model, &bg, opts)
            .unwrap()
            .explain(x.view())
            .unwrap();
        for (k, e) in kernel.iter().zip(&exact) {
            for (a, b) in k.values.iter().zip(&e.values) {
                assert!((a - b).abs() <= 1e-8, "M = {m}: kernel {a} vs exact {b}");
            }
            assert!(k.additivity_gap.abs() <= 1e-9);
        }
    }
}
