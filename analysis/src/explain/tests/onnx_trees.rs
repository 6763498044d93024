//! TreeSHAP on the trees of ONNX tree-ensemble models: the forest of the explain fixture
//! read from `model_rf.onnx` (float32 thresholds) against the fixture's f64 values, covers
//! recomputed by routing rows, and the affine outputs of every tree model fixture.

use ndarray::{Array2, ArrayView1, ArrayView2};

use super::fixture::{explain_dir, mat, models_dir, num, vec1, Checker, ExplainFixture};
use crate::explain::{Background, Predictor, RowExplanation, TreeEnsemble};
use crate::inference::{load_onnx, ExportedTrees, Model, TreeOutput};

fn exported(path: &std::path::Path) -> (Model, ExportedTrees) {
    let bytes = std::fs::read(path).unwrap();
    let onnx = load_onnx(&bytes).unwrap();
    let trees = onnx
        .trees()
        .unwrap_or_else(|| panic!("{} exports no trees", path.display()));
    (Model::Onnx(onnx), trees)
}

fn onnx_forest(fx: &ExplainFixture) -> TreeEnsemble {
    let (_, trees) = exported(&explain_dir().join("model_rf.onnx"));
    TreeEnsemble::from_onnx(&trees, TreeOutput::Probability(1), fx.features.len()).unwrap()
}

fn check_values(c: &mut Checker, label: &str, rows: &[RowExplanation], want: ArrayView2<f64>) {
    for (i, r) in rows.iter().enumerate() {
        for (j, v) in r.values.iter().enumerate() {
            c.close(label, *v, want[[i, j]], 1e-5);
        }
        c.close(&format!("{label} efficiency"), r.additivity_gap, 0.0, 1e-9);
    }
}

/// Copies sklearn's covers onto the ONNX trees, walking both trees together (same
/// features, thresholds equal after float32 rounding).
fn copy_covers(onnx: &mut TreeEnsemble, sklearn: &TreeEnsemble) {
    for (t, s) in onnx.trees.iter_mut().zip(&sklearn.trees) {
        let mut covers = vec![0.0; t.nodes().len()];
        let mut stack = vec![(0usize, 0usize)];
        while let Some((i, j)) = stack.pop() {
            let (a, b) = (t.nodes()[i], s.nodes()[j]);
            covers[i] = b.cover;
            match (a.split, b.split) {
                (Some(x), Some(y)) => {
                    assert_eq!(x.feature, y.feature);
                    // skl2onnx rounds thresholds to a neighbouring float32.
                    assert!((x.threshold - y.threshold).abs() <= 1e-6 * y.threshold.abs());
                    stack.push((x.left, y.left));
                    stack.push((x.right, y.right));
                }
                (None, None) => {}
                _ => panic!("the ONNX and sklearn trees differ in shape"),
            }
        }
        t.set_covers(&covers);
    }
}

#[test]
fn onnx_forest_predicts_what_onnxruntime_and_sklearn_predict() {
    let fx = ExplainFixture::load();
    let forest = onnx_forest(&fx);
    let m = fx.model("random_forest");
    let got = forest.predict(fx.explain.view()).unwrap();
    let mut c = Checker::default();
    let ort = vec1(&m["onnx"]["proba_class1_explain_onnxruntime"]);
    for ((g, o), s) in got.iter().zip(ort).zip(vec1(&m["proba_class1_explain"])) {
        c.close("onnx trees vs onnxruntime", *g, o, 1e-6);
        c.close("onnx trees vs sklearn", *g, s, 1e-6);
    }
    c.report();
}

#[test]
fn interventional_tree_shap_through_onnx_matches_exact_shapley_values() {
    let fx = ExplainFixture::load();
    let forest = onnx_forest(&fx);
    let m = fx.model("random_forest");
    let bg = Background::uniform(fx.background.clone()).unwrap();
    let rows = forest
        .shap_interventional(fx.explain.view(), &bg, 2)
        .unwrap();
    let mut c = Checker::default();
    let want = mat(&m["shap_exact_interventional"]);
    check_values(&mut c, "onnx interventional", &rows, want.view());
    c.close(
        "onnx interventional base",
        rows[0].base_value,
        num(&m["base_value"]),
        1e-5,
    );
    c.report();
}

#[test]
fn path_dependent_tree_shap_through_onnx_with_sklearn_covers_matches_shap() {
    let fx = ExplainFixture::load();
    let mut forest = onnx_forest(&fx);
    copy_covers(&mut forest, &fx.forest());
    let pd = &fx.model("random_forest")["tree_shap_path_dependent"];
    let rows = forest.shap_path_dependent(fx.explain.view(), 2).unwrap();
    let mut c = Checker::default();
    check_values(
        &mut c,
        "onnx path-dependent",
        &rows,
        mat(&pd["values"]).view(),
    );
    c.close(
        "onnx path-dependent base",
        rows[0].base_value,
        num(&pd["expected_value"]),
        1e-5,
    );
    c.report();
}

/// v(S) of one tree: follow x on features of S, else average the children by cover.
fn tree_value(forest: &TreeEnsemble, t: usize, x: &[f64], s: u32, i: usize) -> f64 {
    let node = forest.trees[t].nodes()[i];
    let Some(sp) = node.split else {
        return node.value;
    };
    if s & (1 << sp.feature) != 0 {
        return tree_value(forest, t, x, s, sp.child(x[sp.feature], forest.rule));
    }
    if node.cover == 0.0 {
        return 0.0;
    }
    let nodes = forest.trees[t].nodes();
    let (l, r) = (nodes[sp.left].cover, nodes[sp.right].cover);
    (l * tree_value(forest, t, x, s, sp.left) + r * tree_value(forest, t, x, s, sp.right))
        / node.cover
}

/// Brute-force Shapley values of the path-dependent game over all coalitions.
fn brute_force(forest: &TreeEnsemble, row: ArrayView1<f64>) -> Vec<f64> {
    let m = forest.n_features;
    let x: Vec<f64> = row.iter().map(|&v| v as f32 as f64).collect();
    let v = |s: u32| -> f64 {
        let sum: f64 = (0..forest.trees.len())
            .map(|t| tree_value(forest, t, &x, s, 0))
            .sum();
        forest.base_offset + forest.scale * sum
    };
    let fact = |n: usize| (1..=n).map(|k| k as f64).product::<f64>();
    let mut phi = vec![0.0; m];
    for s in 0..(1u32 << m) {
        let size = s.count_ones() as usize;
        for (j, p) in phi.iter_mut().enumerate() {
            if s & (1 << j) == 0 {
                let w = fact(size) * fact(m - size - 1) / fact(m);
                *p += w * (v(s | (1 << j)) - v(s));
            }
        }
    }
    phi
}

#[test]
fn covers_routed_from_a_dataset_give_the_path_dependent_shapley_values() {
    let fx = ExplainFixture::load();
    let forest = onnx_forest(&fx);
    // Uneven integer weights: routing must weight the rows, not count them.
    let weights: Vec<f64> = (0..fx.background.nrows())
        .map(|i| (i % 3 + 1) as f64)
        .collect();
    let routed = forest
        .with_routed_covers(fx.background.view(), Some(&weights))
        .unwrap();
    let total: f64 = weights.iter().sum();
    for t in routed.trees() {
        assert_eq!(t.nodes()[0].cover, total);
        for n in t.nodes() {
            if let Some(s) = n.split {
                let kids = t.nodes()[s.left].cover + t.nodes()[s.right].cover;
                assert_eq!(n.cover, kids);
            }
        }
    }
    let rows = routed.shap_path_dependent(fx.explain.view(), 2).unwrap();
    let mut c = Checker::default();
    // The base value is the weighted mean prediction over the routed rows.
    let preds = routed.predict(fx.background.view()).unwrap();
    let mean: f64 = preds.iter().zip(&weights).map(|(p, w)| p * w).sum::<f64>() / total;
    c.close(
        "routed base = weighted mean",
        rows[0].base_value,
        mean,
        1e-12,
    );
    for (i, r) in rows.iter().enumerate() {
        let want = brute_force(&routed, fx.explain.row(i));
        for (g, w) in r.values.iter().zip(&want) {
            c.close("routed path-dependent vs brute force", *g, *w, 1e-10);
        }
        c.close("routed efficiency", r.additivity_gap, 0.0, 1e-9);
    }
    c.report();
    // Rows that reach few leaves leave zero-cover nodes: still finite and additive.
    let sparse = forest.with_routed_covers(fx.background.slice(ndarray::s![..3, ..]), None);
    let rows = sparse
        .unwrap()
        .shap_path_dependent(fx.explain.view(), 1)
        .unwrap();
    assert!(rows
        .iter()
        .all(|r| r.values.iter().all(|v| v.is_finite()) && r.additivity_gap.abs() < 1e-9));
    assert!(forest
        .with_routed_covers(fx.background.view(), Some(&[1.0]))
        .is_err());
}

fn model_rows(file: &str) -> Array2<f64> {
    let r: serde_json::Value =
        serde_json::from_slice(&std::fs::read(models_dir().join(file)).unwrap()).unwrap();
    mat(&r["inputs"])
}

#[test]
fn every_tree_model_fixture_exports_outputs_that_reproduce_its_predictions() {
    let cases: &[(&str, &str, &[TreeOutput])] = &[
        (
            "rf_bc_f32.onnx",
            "rf_bc.json",
            &[TreeOutput::Probability(0), TreeOutput::Probability(1)],
        ),
        (
            "rf_bc_zipmap_f32.onnx",
            "rf_bc.json",
            &[TreeOutput::Probability(1)],
        ),
        (
            "rf_iris_f32.onnx",
            "rf_iris.json",
            &[TreeOutput::Probability(0), TreeOutput::Probability(2)],
        ),
        (
            "gbc_bc_f32.onnx",
            "gbc_bc.json",
            &[TreeOutput::LogOdds(0), TreeOutput::LogOdds(1)],
        ),
        (
            "gbr_diabetes_f32.onnx",
            "gbr_diabetes.json",
            &[TreeOutput::Value],
        ),
        (
            "gbr_diabetes_te5.onnx",
            "gbr_diabetes.json",
            &[TreeOutput::Value],
        ),
        (
            "rfr_diabetes_f32.onnx",
            "rfr_diabetes.json",
            &[TreeOutput::Value],
        ),
        (
            "rfr_diabetes_te5.onnx",
            "rfr_diabetes.json",
            &[TreeOutput::Value],
        ),
    ];
    for &(file, reference, outputs) in cases {
        let (model, trees) = exported(&models_dir().join(file));
        let x = model_rows(reference);
        let p = model.predict_batch(x.view()).unwrap();
        for &out in outputs {
            let ens = TreeEnsemble::from_onnx(&trees, out, x.ncols())
                .unwrap_or_else(|e| panic!("{file} {out:?}: {e}"));
            let got = ens.predict(x.view()).unwrap();
            let want: Vec<f64> = match out {
                TreeOutput::Value => p.values.clone().unwrap(),
                TreeOutput::Probability(k) => p.probabilities.as_ref().unwrap().column(k).to_vec(),
                TreeOutput::LogOdds(k) => p
                    .probabilities
                    .as_ref()
                    .unwrap()
                    .column(k)
                    .iter()
                    .map(|q| (q / (1.0 - q)).ln())
                    .collect(),
            };
            for (g, w) in got.iter().zip(&want) {
                let tol = 1e-5 * w.abs().max(1.0);
                assert!((g - w).abs() <= tol, "{file} {out:?}: {g} vs {w}");
            }
        }
    }
    // A logistic post-transform keeps only log-odds affine in the trees.
    let (_, gbc) = exported(&models_dir().join("gbc_bc_f32.onnx"));
    assert!(TreeEnsemble::from_onnx(&gbc, TreeOutput::Probability(1), 30).is_err());
    // A linear model has no trees.
    let bytes = std::fs::read(explain_dir().join("model_logreg.onnx")).unwrap();
    assert!(load_onnx(&bytes).unwrap().trees().is_none());
}
