//! Explanations through HTTP match the fixtures: exact interventional SHAP and partial
//! dependence of the ONNX models (float32) within 1e-5 of `expected.json`, TreeSHAP of the
//! XGBoost models equal to XGBoost's `pred_contribs`; every run is recorded and readable.

use domain::Role;
use raia_tests::{both_backends, Backend, TestApp};
use serde_json::{json, Value};

use crate::explain_support::{
    column, explain_fixture, explain_model, max_diff, models_fixture, post_explain,
};
use crate::model_support::reference;

/// float32 ONNX evaluation against the f64 fixture values (README's tolerance).
const ONNX_TOL: f64 = 1e-5;

async fn exact_shap_and_partial_dependence_of_the_onnx_models_match_the_fixture(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::DataScientist).await;
    let fx = explain_fixture(&app, &t).await;
    for (name, file) in [
        ("logreg", "model_logreg.onnx"),
        ("random_forest", "model_rf.onnx"),
    ] {
        let m = &fx.expected["models"][name];
        let id = explain_model(&app, &t, &fx, file).await;
        let e = post_explain(
            &app,
            &t,
            &format!("/api/v1/explainability/shap/{id}"),
            json!({"version": 1, "method": "exact", "dataset_id": fx.explain,
                   "background_dataset_id": fx.background, "background_size": 50}),
        )
        .await;
        assert_eq!(e["method"], "exact");
        assert_eq!(e["kind"], "shap");
        assert_eq!(e["results"]["features"], json!(fx.features));
        let values = column(&e, "values");
        let err = max_diff(&values, &m["shap_exact_interventional"]);
        assert!(err <= ONNX_TOL, "{name}: SHAP differs by {err:e}");
        let err = max_diff(&column(&e, "output"), &m["proba_class1_explain"]);
        assert!(err <= 1e-6, "{name}: outputs differ by {err:e}");
        for base in column(&e, "base_value").as_array().unwrap() {
            let err = (base.as_f64().unwrap() - m["base_value"].as_f64().unwrap()).abs();
            assert!(err <= ONNX_TOL, "{name}: base value differs by {err:e}");
        }
        let gap = column(&e, "additivity_gap");
        assert!(
            max_diff(&gap, &json!(vec![0.0; 10])) <= 1e-9,
            "{name}: {gap}"
        );

        // The same through GET with query parameters, for two rows.
        let r = app
            .client
            .get(app.url(&format!("/api/v1/explainability/shap/{id}")))
            .bearer_auth(&t)
            .query(&[
                ("version", "1"),
                ("method", "exact"),
                ("dataset_id", fx.explain.as_str()),
                ("row_indices", "0,3"),
                ("background_dataset_id", fx.background.as_str()),
                ("background_size", "50"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let g: Value = r.json().await.unwrap();
        let want = json!([
            m["shap_exact_interventional"][0],
            m["shap_exact_interventional"][3]
        ]);
        assert!(max_diff(&column(&g, "values"), &want) <= ONNX_TOL);

        // Partial dependence over the background, one feature at a time.
        for (feature, pd) in m["partial_dependence"].as_object().unwrap() {
            let e = post_explain(
                &app,
                &t,
                &format!("/api/v1/explainability/partial-dependence/{id}"),
                json!({"version": 1, "dataset_id": fx.background, "features": [feature],
                       "grid_resolution": 10, "percentiles": [0.05, 0.95], "kind": "both"}),
            )
            .await;
            let grid = &e["results"]["grid_values"][0];
            assert!(
                max_diff(grid, &pd["grid_values"]) <= 1e-12,
                "{name} {feature} grid"
            );
            let err = max_diff(&e["results"]["average"], &pd["average"]);
            assert!(err <= ONNX_TOL, "{name} {feature}: PDP differs by {err:e}");
            assert_eq!(e["results"]["individual"].as_array().unwrap().len(), 50);
        }

        // Recorded: readable by id (any reader) and listed under the model.
        let viewer = app.token(Role::Viewer).await;
        let r = app
            .get(
                &format!(
                    "/api/v1/explainability/explanations/{}",
                    e["id"].as_str().unwrap()
                ),
                &viewer,
            )
            .await;
        assert_eq!(r.status(), 200);
        let got: Value = r.json().await.unwrap();
        assert_eq!(got["results"], e["results"]);
        let r = app
            .get(
                &format!("/api/v1/explainability/models/{id}/explanations?kind=shap"),
                &viewer,
            )
            .await;
        let list: Value = r.json().await.unwrap();
        assert_eq!(list["items"].as_array().unwrap().len(), 2, "{list}");
    }
}

both_backends!(
    exact_shap_and_partial_dependence_of_the_onnx_models_match_the_fixture,
    exact_shap_and_partial_dependence_of_the_onnx_models_match_the_fixture
);

async fn tree_shap_of_xgboost_equals_pred_contribs(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::MlEngineer).await;
    for (file, kind, output) in [
        ("xgb_clf_bc.json", "classification", "log_odds"),
        ("xgb_reg_diabetes.json", "regression", "regression"),
    ] {
        let id = models_fixture(&app, &t, file, kind).await;
        let rf = reference(&file.replace(".json", "_ref.json"));
        let e = post_explain(
            &app,
            &t,
            &format!("/api/v1/explainability/shap/{id}"),
            json!({"version": 1, "rows": rf["inputs"], "method": "tree",
                   "feature_perturbation": "tree_path_dependent", "output": output}),
        )
        .await;
        assert_eq!(e["method"], "tree_path_dependent");
        let contribs = rf["shap_contribs"].as_array().unwrap();
        let m = contribs[0].as_array().unwrap().len() - 1;
        let scale = rf["margin"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap().abs())
            .fold(1.0, f64::max);
        let tol = 2e-6 * scale;
        let want_values: Vec<Value> = contribs
            .iter()
            .map(|r| json!(r.as_array().unwrap()[..m]))
            .collect();
        let want_bias: Vec<Value> = contribs.iter().map(|r| r[m].clone()).collect();
        let err = max_diff(&column(&e, "values"), &Value::Array(want_values));
        assert!(
            err <= tol.max(1e-5),
            "{file}: contributions differ by {err:e}"
        );
        let err = max_diff(&column(&e, "base_value"), &Value::Array(want_bias));
        assert!(err <= tol.max(1e-5), "{file}: bias differs by {err:e}");
        // auto picks the tree explainer for XGBoost (interventional against the background).
        let bg = json!(rf["inputs"].as_array().unwrap()[..20]);
        let ds =
            crate::datasets::upload(&app, &t, "bg", "bg.csv", csv_of(m, bg.as_array().unwrap()))
                .await;
        let e = post_explain(
            &app,
            &t,
            &format!("/api/v1/explainability/shap/{id}"),
            json!({"version": 1, "rows": json!(rf["inputs"].as_array().unwrap()[..3]), "output": output,
                   "background_dataset_id": ds["id"]}),
        )
        .await;
        assert_eq!(e["method"], "tree_interventional", "{e}");
        let gaps = column(&e, "additivity_gap");
        assert!(
            max_diff(&gaps, &json!([0.0, 0.0, 0.0])) <= 1e-9 * scale,
            "{gaps}"
        );
    }
}

both_backends!(
    tree_shap_of_xgboost_equals_pred_contribs,
    tree_shap_of_xgboost_equals_pred_contribs
);

/// A CSV with columns x0.. of the given rows.
pub fn csv_of(m: usize, rows: &[Value]) -> Vec<u8> {
    let mut s = (0..m)
        .map(|j| format!("x{j}"))
        .collect::<Vec<_>>()
        .join(",");
    s.push('\n');
    for r in rows {
        let cells: Vec<String> = r
            .as_array()
            .unwrap()
            .iter()
            .map(|v| format!("{}", v.as_f64().unwrap()))
            .collect();
        s.push_str(&cells.join(","));
        s.push('\n');
    }
    s.into_bytes()
}
