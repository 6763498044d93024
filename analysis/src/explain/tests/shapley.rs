//! Exact Shapley values and TreeSHAP against `expected.json`.

use ndarray::ArrayView2;

use super::fixture::{mat, num, vec1, Checker, ExplainFixture};
use crate::explain::{Background, ExactExplainer, ExactOptions, Predictor, RowExplanation};

fn check_rows(
    c: &mut Checker,
    label: &str,
    features: &[String],
    rows: &[RowExplanation],
    want: ArrayView2<f64>,
    tol: f64,
) {
    assert_eq!(rows.len(), want.nrows(), "{label}: row count");
    for (i, row) in rows.iter().enumerate() {
        for (j, name) in features.iter().enumerate() {
            c.close(
                &format!("{label} [{name}]"),
                row.values[j],
                want[[i, j]],
                tol,
            );
        }
        c.close(
            &format!("{label} additivity"),
            row.additivity_gap,
            0.0,
            1e-12,
        );
    }
}

#[test]
fn model_outputs_match_sklearn() {
    let fx = ExplainFixture::load();
    let mut c = Checker::default();
    let lr = fx.logreg();
    let forest = fx.forest();
    for (name, model) in [
        ("logreg", &lr as &dyn Predictor),
        ("random_forest", &forest),
    ] {
        let m = fx.model(name);
        let got = model.predict(fx.explain.view()).unwrap();
        for (g, w) in got.iter().zip(vec1(&m["proba_class1_explain"])) {
            c.close(&format!("{name} proba explain"), *g, w, 1e-12);
        }
        let got = model.predict(fx.background.view()).unwrap();
        for (g, w) in got.iter().zip(vec1(&m["proba_class1_background"])) {
            c.close(&format!("{name} proba background"), *g, w, 1e-12);
        }
    }
    c.report();
}

#[test]
fn exact_shapley_matches_bruteforce_and_shap() {
    let fx = ExplainFixture::load();
    let bg = Background::uniform(fx.background.clone()).unwrap();
    let mut c = Checker::default();
    let lr = fx.logreg();
    let forest = fx.forest();
    for (name, model) in [
        ("logreg", &lr as &dyn Predictor),
        ("random_forest", &forest),
    ] {
        let m = fx.model(name);
        let ex = ExactExplainer::new(model, &bg, ExactOptions::default()).unwrap();
        let rows = ex.explain(fx.explain.view()).unwrap();
        c.close(
            &format!("{name} exact base"),
            ex.base_value(),
            num(&m["base_value"]),
            1e-10,
        );
        let want = mat(&m["shap_exact_interventional"]);
        check_rows(
            &mut c,
            &format!("{name} exact"),
            &fx.features,
            &rows,
            want.view(),
            1e-10,
        );
        let lib = &m["shap_library_exact"];
        let want = mat(&lib["values"]);
        check_rows(
            &mut c,
            &format!("{name} shap.Exact"),
            &fx.features,
            &rows,
            want.view(),
            1e-10,
        );
        for (r, b) in rows.iter().zip(vec1(&lib["base_values"])) {
            c.close(&format!("{name} shap.Exact base"), r.base_value, b, 1e-10);
        }
    }
    c.report();
}

#[test]
fn tree_shap_matches_shap_tree_explainer() {
    let fx = ExplainFixture::load();
    let forest = fx.forest();
    let m = fx.model("random_forest");
    let mut c = Checker::default();
    let pd = &m["tree_shap_path_dependent"];
    let rows = forest.shap_path_dependent(fx.explain.view(), 2).unwrap();
    check_rows(
        &mut c,
        "tree path-dependent",
        &fx.features,
        &rows,
        mat(&pd["values"]).view(),
        1e-10,
    );
    c.close(
        "tree path-dependent base",
        rows[0].base_value,
        num(&pd["expected_value"]),
        1e-10,
    );

    let bg = Background::uniform(fx.background.clone()).unwrap();
    let rows = forest
        .shap_interventional(fx.explain.view(), &bg, 2)
        .unwrap();
    let exact = mat(&m["shap_exact_interventional"]);
    check_rows(
        &mut c,
        "tree interventional vs exact",
        &fx.features,
        &rows,
        exact.view(),
        1e-10,
    );
    c.close(
        "tree interventional base",
        rows[0].base_value,
        num(&m["base_value"]),
        1e-10,
    );
    if !m["tree_shap_interventional"].is_null() {
        let iv = &m["tree_shap_interventional"];
        let want = mat(&iv["values"]);
        check_rows(
            &mut c,
            "tree interventional vs shap (float32)",
            &fx.features,
            &rows,
            want.view(),
            1e-6,
        );
    }
    c.report();
}
