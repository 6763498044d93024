//! TreeSHAP against XGBoost's own `pred_contribs` (float32 arithmetic inside XGBoost).

use super::fixture::{load_json_exact, mat, models_dir, vec1, Checker};
use crate::explain::{Background, Predictor, TreeEnsemble, XgbModel};

/// XGBoost accumulates in float32: allow a relative error of a few float32 ulps.
fn tol(scale: f64) -> f64 {
    2e-6 * scale.max(1.0)
}

#[test]
fn xgboost_tree_shap_matches_pred_contribs() {
    let mut c = Checker::default();
    let dir = models_dir();
    let mut found = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix("_ref.json") else {
            continue;
        };
        if !stem.starts_with("xgb") {
            continue;
        }
        found += 1;
        let text = std::fs::read_to_string(dir.join(format!("{stem}.json"))).unwrap();
        let model: XgbModel = serde_json::from_str(&text).unwrap();
        let ens = TreeEnsemble::from_xgboost(&model, 0).unwrap();
        let reference = load_json_exact(&path);
        let x = mat(&reference["inputs"]);
        let margin = vec1(&reference["margin"]);
        let contribs = mat(&reference["shap_contribs"]);
        let scale = margin.iter().fold(0.0_f64, |a, m| a.max(m.abs()));
        let got = ens.predict(x.view()).unwrap();
        for (g, w) in got.iter().zip(&margin) {
            c.close(&format!("{stem} margin"), *g, *w, tol(scale));
        }
        let rows = ens.shap_path_dependent(x.view(), 2).unwrap();
        let m = ens.n_features();
        for (i, row) in rows.iter().enumerate() {
            for j in 0..m {
                c.close(
                    &format!("{stem} contribs"),
                    row.values[j],
                    contribs[[i, j]],
                    tol(scale),
                );
            }
            c.close(
                &format!("{stem} bias"),
                row.base_value,
                contribs[[i, m]],
                tol(scale),
            );
            c.close(
                &format!("{stem} additivity"),
                row.additivity_gap,
                0.0,
                1e-9 * scale,
            );
        }
        // Interventional against the first rows as background: exact additivity.
        let bg = Background::uniform(x.slice(ndarray::s![..10, ..]).to_owned()).unwrap();
        let rows = ens.shap_interventional(x.view(), &bg, 2).unwrap();
        for row in &rows {
            c.close(
                &format!("{stem} interventional additivity"),
                row.additivity_gap,
                0.0,
                1e-9 * scale,
            );
        }
    }
    assert!(found > 0, "no xgb_*_ref.json in {}", dir.display());
    c.report();
}
