//! Reproducibility and replay: the same seed gives the same explanation, and
//! `raia replay verify --recompute` re-runs recorded explanations and names any whose
//! results no longer come out the same. Also LIME, importance, ICE in two features,
//! what-if and counterfactuals end to end.

use clap::Parser;
use domain::Role;
use raia_tests::{both_backends, Backend, TestApp};
use serde_json::{json, Value};

use crate::explain_support::{column, explain_fixture, explain_model, post_explain};

async fn recompute(app: &TestApp) -> i32 {
    let url = app.config.database_url.clone().unwrap();
    let dir = app.config.data_dir.display().to_string();
    let cli = api::cli::Cli::try_parse_from([
        "raia",
        "replay",
        "verify",
        "--recompute",
        "--data-dir",
        &dir,
        "--database-url",
        &url,
    ])
    .unwrap();
    api::cli::run(cli).await.unwrap()
}

async fn seeded_explanations_reproduce_and_recompute_detects_a_changed_model(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::DataScientist).await;
    let fx = explain_fixture(&app, &t).await;
    let id = explain_model(&app, &t, &fx, "model_logreg.onnx").await;
    let shap = format!("/api/v1/explainability/shap/{id}");
    let body = |seed: u64| {
        json!({"version": 1, "method": "kernel", "nsamples": 60, "l1_reg": "off", "seed": seed,
               "dataset_id": fx.explain, "row_indices": [0, 1, 2],
               "background_dataset_id": fx.background, "background_size": 20})
    };
    let a = post_explain(&app, &t, &shap, body(3)).await;
    let b = post_explain(&app, &t, &shap, body(3)).await;
    let c = post_explain(&app, &t, &shap, body(4)).await;
    assert_eq!(a["results"], b["results"]);
    assert_eq!(a["background_sha256"], b["background_sha256"]);
    assert_ne!(
        a["results"], c["results"],
        "another seed samples other coalitions and background rows"
    );
    assert_eq!(a["parameters"]["seed"], 3);
    assert_eq!(a["parameters"]["version"], 1);

    // Kernel SHAP with every coalition enumerated (M = 8 <= 11) equals exact SHAP.
    let full = json!({"version": 1, "method": "kernel", "nsamples": 254, "l1_reg": "off",
        "dataset_id": fx.explain, "background_dataset_id": fx.background, "background_size": 50});
    let k = post_explain(&app, &t, &shap, full).await;
    let exact = &fx.expected["models"]["logreg"]["shap_exact_interventional"];
    let err = crate::explain_support::max_diff(&column(&k, "values"), exact);
    assert!(err <= 1e-5, "kernel vs exact {err:e}");

    let lime = format!("/api/v1/explainability/lime/{id}");
    let lb = json!({"version": 1, "dataset_id": fx.explain, "row_indices": [0], "seed": 11,
        "num_samples": 500, "background_dataset_id": fx.background, "background_size": 50});
    let l1 = post_explain(&app, &t, &lime, lb.clone()).await;
    let l2 = post_explain(&app, &t, &lime, lb).await;
    assert_eq!(l1["results"], l2["results"]);
    let row = &l1["results"]["rows"][0];
    assert_eq!(row["weights"].as_array().unwrap().len(), 8);
    assert!(row["score"].as_f64().unwrap().is_finite());

    let imp = post_explain(
        &app,
        &t,
        &format!("/api/v1/explainability/feature-importance/{id}"),
        json!({"version": 1, "method": "exact", "dataset_id": fx.explain,
               "background_dataset_id": fx.background, "background_size": 50}),
    )
    .await;
    let mean: Vec<f64> = (0..8)
        .map(|j| {
            exact
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r[j].as_f64().unwrap().abs())
                .sum::<f64>()
                / 10.0
        })
        .collect();
    assert!(
        crate::explain_support::max_diff(&imp["results"]["mean_abs_shap"], &json!(mean)) <= 1e-5
    );

    let two = post_explain(
        &app,
        &t,
        &format!("/api/v1/explainability/partial-dependence/{id}"),
        json!({"version": 1, "dataset_id": fx.background, "features": [fx.features[0], fx.features[5]],
               "grid_resolution": 4, "kind": "both"}),
    )
    .await;
    assert_eq!(two["results"]["average"].as_array().unwrap().len(), 4);
    assert_eq!(
        two["results"]["individual"][0][0].as_array().unwrap().len(),
        4
    );

    let wi = post_explain(
        &app,
        &t,
        "/api/v1/explainability/what-if-analysis",
        json!({"model_id": id, "version": 1, "dataset_id": fx.explain, "row_indices": [0],
               "changes": {fx.features[0].clone(): 25.0}, "method": "exact",
               "background_dataset_id": fx.background, "background_size": 50}),
    )
    .await;
    let r0 = &wi["results"]["rows"][0];
    let delta = r0["output"].as_f64().unwrap() - r0["original_output"].as_f64().unwrap();
    assert!((delta - r0["delta"].as_f64().unwrap()).abs() < 1e-15);
    assert!(
        (r0["shap"]["output"].as_f64().unwrap() - r0["output"].as_f64().unwrap()).abs() < 1e-12
    );

    let cf = post_explain(
        &app,
        &t,
        &format!("/api/v1/explainability/counterfactuals/{id}"),
        json!({"version": 1, "dataset_id": fx.explain, "row_indices": [0], "seed": 1,
               "immutable_features": [fx.features[1]], "n_counterfactuals": 2,
               "background_dataset_id": fx.background, "background_size": 50}),
    )
    .await;
    let r = &cf["results"]["rows"][0];
    let original = r["original_class_index"].as_u64().unwrap();
    let found = r["counterfactuals"].as_array().unwrap();
    assert!(!found.is_empty(), "{cf}");
    for c in found {
        assert_ne!(c["predicted_class_index"].as_u64().unwrap(), original);
        assert!(
            c["changes"].get(&fx.features[1]).is_none(),
            "an immutable feature changed: {c}"
        );
    }

    // Every recorded explanation recomputes to the same results...
    assert_eq!(recompute(&app).await, 0);
    // ...until the model's artifact no longer holds the model that was explained.
    let sha: String = app
        .get(&format!("/api/v1/models/{id}/versions/1"), &t)
        .await
        .json::<Value>()
        .await
        .unwrap()["sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    let blob = app.config.data_dir.join("blobs").join(&sha[..2]).join(&sha);
    let rf = std::fs::read(crate::datasets::fixture_dir("explain").join("model_rf.onnx")).unwrap();
    std::fs::write(&blob, rf).unwrap();
    assert_eq!(recompute(&app).await, 1);
}

both_backends!(
    seeded_explanations_reproduce_and_recompute_detects_a_changed_model,
    seeded_explanations_reproduce_and_recompute_detects_a_changed_model
);

async fn more_than_a_thousand_rows_run_as_a_job_that_records_the_explanation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::MlEngineer).await;
    let fx = explain_fixture(&app, &t).await;
    let id = explain_model(&app, &t, &fx, "model_logreg.onnx").await;
    let base = [14.0, 20.0, 0.1, 0.1, 0.05, 800.0, 0.13, 0.29];
    let rows: Vec<Value> = (0..1001)
        .map(|i| {
            json!(base
                .iter()
                .map(|v| v * (1.0 + 1e-4 * f64::from(i)))
                .collect::<Vec<_>>())
        })
        .collect();
    let path = format!("/api/v1/explainability/shap/{id}");
    let body = json!({"version": 1, "rows": rows, "method": "permutation", "max_evals": 40,
                      "background_dataset_id": fx.background, "background_size": 3});
    let r = app.post(&path, &t, &body).await;
    assert_eq!(r.status(), 202);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let job = crate::explain_support::wait_job(&app, &location, &t).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let e: Value = app
        .get(job["result"]["location"].as_str().unwrap(), &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(e["results"]["rows"].as_array().unwrap().len(), 1001);
    assert_eq!(e["method"], "permutation");
    // A small request asked to respond asynchronously is a job too.
    let r = app
        .client
        .post(app.url(&path))
        .bearer_auth(&t)
        .header("prefer", "respond-async")
        .json(
            &json!({"version": 1, "dataset_id": fx.explain, "row_indices": [0],
                      "background_dataset_id": fx.background, "background_size": 50}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let job = crate::explain_support::wait_job(&app, &location, &t).await;
    assert_eq!(job["status"], "succeeded", "{job}");
}

both_backends!(
    more_than_a_thousand_rows_run_as_a_job_that_records_the_explanation,
    more_than_a_thousand_rows_run_as_a_job_that_records_the_explanation
);
