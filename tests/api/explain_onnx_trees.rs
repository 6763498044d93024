//! TreeSHAP of an ONNX tree ensemble through the API: interventional values of the
//! fixture's random forest equal the exact Shapley values (float32 ONNX: 1e-5), `auto`
//! picks the tree explainer as shap does, path-dependent values take node covers from the
//! rows of a dataset routed through the trees, and outputs the trees do not add up to are
//! refused.

use domain::Role;
use raia_tests::{both_backends, expect_problem, Backend, TestApp};
use serde_json::{json, Value};

use crate::explain_support::{column, explain_fixture, explain_model, max_diff, post_explain};

const ONNX_TOL: f64 = 1e-5;

fn efficient(e: &Value) {
    let n = e["results"]["rows"].as_array().unwrap().len();
    let gap = column(e, "additivity_gap");
    assert!(max_diff(&gap, &json!(vec![0.0; n])) <= 1e-9, "{gap}");
}

async fn tree_shap_of_an_onnx_forest_matches_the_fixture(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::DataScientist).await;
    let fx = explain_fixture(&app, &t).await;
    let m = &fx.expected["models"]["random_forest"];
    let id = explain_model(&app, &t, &fx, "model_rf.onnx").await;
    let path = format!("/api/v1/explainability/shap/{id}");
    let body = json!({"version": 1, "dataset_id": fx.explain,
                      "background_dataset_id": fx.background, "background_size": 50});
    for method in [None, Some("tree")] {
        let mut b = body.clone();
        if let Some(me) = method {
            b["method"] = json!(me);
        }
        let e = post_explain(&app, &t, &path, b).await;
        assert_eq!(e["method"], "tree_interventional", "{method:?}");
        let err = max_diff(&column(&e, "values"), &m["shap_exact_interventional"]);
        assert!(err <= ONNX_TOL, "values differ by {err:e}");
        for base in column(&e, "base_value").as_array().unwrap() {
            let err = (base.as_f64().unwrap() - m["base_value"].as_f64().unwrap()).abs();
            assert!(err <= ONNX_TOL, "base value differs by {err:e}");
        }
        efficient(&e);
    }
    // Path-dependent: covers from routing the named dataset's rows; the base value is the
    // mean forest output over those rows.
    let mut b = body.clone();
    b["method"] = json!("tree");
    b["feature_perturbation"] = json!("tree_path_dependent");
    b["cover_dataset_id"] = json!(fx.background);
    let e = post_explain(&app, &t, &path, b.clone()).await;
    assert_eq!(e["method"], "tree_path_dependent");
    efficient(&e);
    let bg = m["proba_class1_background"].as_array().unwrap();
    let mean = bg.iter().map(|v| v.as_f64().unwrap()).sum::<f64>() / bg.len() as f64;
    let base = column(&e, "base_value")[0].as_f64().unwrap();
    assert!((base - mean).abs() <= ONNX_TOL, "{base} vs {mean}");
    // Without a cover dataset, the background dataset is routed: the same values.
    b.as_object_mut().unwrap().remove("cover_dataset_id");
    let again = post_explain(&app, &t, &path, b.clone()).await;
    assert_eq!(column(&again, "values"), column(&e, "values"));
    // Neither a cover dataset, a background nor a training dataset on the card: refused.
    b.as_object_mut().unwrap().remove("background_dataset_id");
    let r = app.post(&path, &t, &b).await;
    expect_problem(r, 422, "cover_dataset_required").await;
    // A logistic regression has no trees.
    let lr = explain_model(&app, &t, &fx, "model_logreg.onnx").await;
    let mut b = body.clone();
    b["method"] = json!("tree");
    let r = app
        .post(&format!("/api/v1/explainability/shap/{lr}"), &t, &b)
        .await;
    expect_problem(r, 422, "method_unsupported").await;
    // The forest's log-odds are not a sum of tree outputs.
    let mut b = body;
    b["method"] = json!("tree");
    b["output"] = json!("log_odds");
    let r = app.post(&path, &t, &b).await;
    expect_problem(r, 422, "method_unsupported").await;
}

both_backends!(
    onnx_tree_shap,
    tree_shap_of_an_onnx_forest_matches_the_fixture
);
