//! Performance over HTTP: evaluations match scikit-learn on the fixtures'
//! rows and true labels, are events, and compare runs a paired test.

use domain::Role;
use raia_tests::{both_backends, expect_problem, Backend, TestApp};
use serde_json::{json, Value};

use crate::model_support::{plain_model, reference, register, upload_fixture};

fn expected() -> Value {
    let p = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../analysis/src/metrics/tests/expected.json"
    );
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

fn close(got: &Value, want: &Value, tol: f64, what: &str) {
    match (got, want) {
        (Value::Array(g), Value::Array(w)) => {
            assert_eq!(g.len(), w.len(), "{what}");
            for (i, (a, b)) in g.iter().zip(w).enumerate() {
                close(a, b, tol, &format!("{what}[{i}]"));
            }
        }
        (Value::Null, Value::Null) => {}
        _ => {
            let (g, w) = (
                got.as_f64().unwrap_or(f64::NAN),
                want.as_f64().unwrap_or(f64::NAN),
            );
            assert!(
                (g - w).abs() <= tol * w.abs().max(1.0),
                "{what}: {got} vs {want}"
            );
        }
    }
}

async fn evaluations_match_scikit_learn_and_are_recorded_per_version(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::DataScientist).await;
    let e = expected();
    // (artifact, reference, tolerance): the artifact's probabilities differ from
    // scikit-learn's by up to ~1e-7 (f32); te5 trees are exact to ~1e-13.
    for (file, refname, tol) in [
        ("logreg_bc_f32.onnx", "logreg_bc", 1e-5),
        ("rf_iris_f32.onnx", "rf_iris", 1e-5),
        ("gbr_diabetes_te5.onnx", "gbr_diabetes", 1e-9),
    ] {
        let rf = reference(&format!("{refname}.json"));
        let case = &e["fixtures"][refname];
        let x = &case["expected"];
        let kind = if rf["classifier"].as_bool().unwrap() {
            "classification"
        } else {
            "regression"
        };
        let id = plain_model(&app, &t, kind).await;
        upload_fixture(&app, &t, &id, file).await;
        let r = app
            .post(
                &format!("/api/v1/models/{id}/evaluate"),
                &t,
                &json!({"rows": rf["inputs"], "labels": case["y_true"], "version": 1}),
            )
            .await;
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        let ev: Value = r.json().await.unwrap();
        let m = &ev["metrics"];
        assert_eq!(ev["n_rows"], 50);
        if kind == "classification" {
            for key in [
                "accuracy",
                "balanced_accuracy",
                "log_loss",
                "brier_score",
                "roc_auc",
                "pr_auc",
            ] {
                close(&m[key], &x[key], tol, &format!("{file} {key}"));
            }
            let per: Vec<Value> = m["per_class"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["f1"].clone())
                .collect();
            close(&Value::Array(per), &x["f1"], tol, &format!("{file} f1"));
            close(
                &json!([
                    m["macro_avg"]["precision"],
                    m["macro_avg"]["recall"],
                    m["macro_avg"]["f1"]
                ]),
                &x["macro"],
                tol,
                "macro",
            );
            close(
                &json!([
                    m["weighted_avg"]["precision"],
                    m["weighted_avg"]["recall"],
                    m["weighted_avg"]["f1"]
                ]),
                &x["weighted"],
                tol,
                "weighted",
            );
            assert_eq!(m["confusion_matrix"], x["confusion_matrix"], "{file}");
            if let Some(c) = x.get("calibration") {
                close(
                    &m["calibration"]["prob_true"],
                    &c["prob_true"],
                    tol,
                    "prob_true",
                );
                close(
                    &m["calibration"]["prob_pred"],
                    &c["prob_pred"],
                    tol,
                    "prob_pred",
                );
            }
        } else {
            for key in ["mae", "rmse", "r2", "mape"] {
                close(&m[key], &x[key], tol, &format!("{file} {key}"));
            }
        }
        let hist: Vec<Value> = app
            .get(&format!("/api/v1/models/{id}/performance"), &t)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(hist.len(), 1);
        assert_eq!(hist[0]["id"], ev["id"]);
    }
    // Labels in the target column of object rows; history per version; an event per evaluation.
    let names: Vec<String> = (0..4).map(|i| format!("f{i}")).collect();
    let id = register(
        &app,
        &t,
        json!({"name": "iris", "type": "classification", "feature_names": names,
        "target_column": "species"}),
    )
    .await;
    upload_fixture(&app, &t, &id, "rf_iris_f32.onnx").await;
    upload_fixture(&app, &t, &id, "pipe_scaler_logreg_iris_f32.onnx").await;
    let rf = reference("rf_iris.json");
    let rows: Vec<Value> = rf["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let mut o: serde_json::Map<String, Value> = names
                .iter()
                .cloned()
                .zip(r.as_array().unwrap().iter().cloned())
                .collect();
            o.insert("species".into(), json!(0));
            Value::Object(o)
        })
        .collect();
    for v in [2, 1, 2] {
        let r = app
            .post(
                &format!("/api/v1/models/{id}/evaluate"),
                &t,
                &json!({"rows": rows, "version": v}),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    let hist: Vec<Value> = app
        .get(&format!("/api/v1/models/{id}/performance"), &t)
        .await
        .json()
        .await
        .unwrap();
    let versions: Vec<i64> = hist
        .iter()
        .map(|h| h["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [1, 2, 2]);
    let only2: Vec<Value> = app
        .get(&format!("/api/v1/models/{id}/performance?version=2"), &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(only2.len(), 2);
    let logs: Value = app
        .get(
            &format!("/api/v1/audit/logs?stream_id={id}&event_type=ModelVersionEvaluated"),
            &app.token(Role::Auditor).await,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(logs["items"].as_array().unwrap().len(), 3);
    // Bad labels and bad dataset input are precise.
    let path = format!("/api/v1/models/{id}/evaluate");
    let before = app.event_count().await;
    let r = app
        .post(
            &path,
            &t,
            &json!({"rows": [[1, 2, 3, 4]], "labels": [7], "version": 1}),
        )
        .await;
    expect_problem(r, 422, "invalid_labels").await;
    let r = app
        .post(
            &path,
            &t,
            &json!({"rows": [[1, 2, 3, 4]], "labels": [0, 1], "version": 1}),
        )
        .await;
    expect_problem(r, 422, "invalid_labels").await;
    let r = app
        .post(&path, &t, &json!({"rows": [[1, 2, 3, 4]], "version": 1}))
        .await;
    expect_problem(r, 422, "invalid_labels").await;
    let r = app
        .post(&path, &t, &json!({"rows": [], "dataset_id": "ds-1"}))
        .await;
    expect_problem(r, 404, "not_found").await;
    assert_eq!(app.event_count().await, before);
}

/// `rows` and `labels` as a CSV with columns `names` then `label`.
fn labelled_csv(rows: &Value, labels: &Value, names: &[&str], label: &str) -> Vec<u8> {
    let mut out = format!("{},{label}\n", names.join(","));
    for (r, l) in rows
        .as_array()
        .unwrap()
        .iter()
        .zip(labels.as_array().unwrap())
    {
        let cells: Vec<String> = r
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap().to_string())
            .collect();
        out.push_str(&format!("{},{l}\n", cells.join(",")));
    }
    out.into_bytes()
}

async fn evaluation_on_a_registered_dataset_equals_the_inline_rows(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::DataScientist).await;
    let rf = reference("rf_iris.json");
    let labels = expected()["fixtures"]["rf_iris"]["y_true"].clone();
    let names = ["f0", "f1", "f2", "f3"];
    // Columns out of the model's order: named features are picked by name.
    let csv = labelled_csv(&rf["inputs"], &labels, &names, "species");
    let ds = crate::datasets::upload(&app, &t, "iris-holdout", "iris.csv", csv).await;
    let ds = ds["id"].as_str().unwrap();
    let named = register(
        &app,
        &t,
        json!({"name": "iris", "type": "classification", "feature_names": names,
        "target_column": "species"}),
    )
    .await;
    upload_fixture(&app, &t, &named, "rf_iris_f32.onnx").await;
    let plain = plain_model(&app, &t, "classification").await;
    upload_fixture(&app, &t, &plain, "rf_iris_f32.onnx").await;
    let inline: Value = app
        .post(
            &format!("/api/v1/models/{plain}/evaluate"),
            &t,
            &json!({"rows": rf["inputs"], "labels": labels, "version": 1}),
        )
        .await
        .json()
        .await
        .unwrap();
    for (id, body) in [
        (&named, json!({"dataset_id": ds, "version": 1})),
        (
            &plain,
            json!({"dataset_id": ds, "label_column": "species", "version": 1}),
        ),
    ] {
        let r = app
            .post(&format!("/api/v1/models/{id}/evaluate"), &t, &body)
            .await;
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        let ev: Value = r.json().await.unwrap();
        assert_eq!(ev["dataset"], ds);
        assert_eq!(ev["n_rows"], 50);
        assert_eq!(ev["metrics"], inline["metrics"]);
    }
    // Compare on the dataset too.
    let r = app
        .post(
            "/api/v1/models/compare",
            &t,
            &json!({"a": {"model_id": named, "version": 1}, "b": {"model_id": plain, "version": 1},
                    "dataset_id": ds, "label_column": "species"}),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let c: Value = r.json().await.unwrap();
    assert_eq!(c["a"]["metrics"], c["b"]["metrics"]);
    // Bad dataset input writes nothing.
    let before = app.event_count().await;
    let path = format!("/api/v1/models/{plain}/evaluate");
    for (body, status, code) in [
        (
            json!({"dataset_id": ds, "version": 1}),
            422,
            "invalid_labels",
        ),
        (
            json!({"dataset_id": ds, "label_column": "nope", "version": 1}),
            422,
            "invalid_input",
        ),
        (
            json!({"dataset_id": ds, "rows": [[1, 2, 3, 4]], "version": 1}),
            422,
            "invalid_input",
        ),
        (
            json!({"dataset_id": uuid::Uuid::new_v4().to_string(), "version": 1}),
            404,
            "not_found",
        ),
    ] {
        expect_problem(app.post(&path, &t, &body).await, status, code).await;
    }
    let r = app
        .post(
            &format!("/api/v1/models/{named}/evaluate"),
            &t,
            &json!({"dataset_id": ds, "label_column": "f0", "version": 1}),
        )
        .await;
    // f0 is a feature the model needs, but as the label it is still a column: the
    // labels (floats) are not iris classes.
    expect_problem(r, 422, "invalid_labels").await;
    assert_eq!(app.event_count().await, before);
}
both_backends!(
    evaluation_on_a_registered_dataset_equals_the_inline_rows,
    evaluation_on_a_registered_dataset_equals_the_inline_rows
);
both_backends!(
    evaluations_match_scikit_learn_and_are_recorded_per_version,
    evaluations_match_scikit_learn_and_are_recorded_per_version
);

async fn compare_runs_mcnemar_for_classifiers_and_a_bootstrap_for_regressors(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::MlEngineer).await;
    let e = expected();
    let bc = plain_model(&app, &t, "classification").await;
    upload_fixture(&app, &t, &bc, "logreg_bc_f32.onnx").await;
    upload_fixture(&app, &t, &bc, "rf_bc_f32.onnx").await;
    let rf = reference("logreg_bc.json");
    let labels = e["fixtures"]["logreg_bc"]["y_true"].clone();
    let r = app
        .post(
            "/api/v1/models/compare",
            &t,
            &json!({
        "a": {"model_id": bc, "version": 1}, "b": {"model_id": bc, "version": 2},
        "rows": rf["inputs"], "labels": labels}),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let c: Value = r.json().await.unwrap();
    assert_eq!(c["test"], "mcnemar");
    // McNemar counts rows each model alone gets right, from the two confusion matrices' rows.
    let acc = |s: &str| c[s]["metrics"]["accuracy"].as_f64().unwrap();
    let (b_only, a_only) = (
        c["result"]["b_only"].as_f64().unwrap(),
        c["result"]["a_only"].as_f64().unwrap(),
    );
    assert!(((acc("a") - acc("b")) * 50.0 - (a_only - b_only)).abs() < 1e-9);
    assert!((0.0..=1.0).contains(&c["result"]["p_value"].as_f64().unwrap()));
    // Regression: the te5 and f32 exports of one model barely differ; a forest differs more.
    let d = plain_model(&app, &t, "regression").await;
    upload_fixture(&app, &t, &d, "gbr_diabetes_te5.onnx").await;
    let d2 = plain_model(&app, &t, "regression").await;
    upload_fixture(&app, &t, &d2, "rfr_diabetes_te5.onnx").await;
    let rf = reference("gbr_diabetes.json");
    let body = json!({"a": {"model_id": d, "version": "latest"}, "b": {"model_id": d2, "version": 1},
        "rows": rf["inputs"], "labels": e["fixtures"]["gbr_diabetes"]["y_true"], "seed": 42, "resamples": 500});
    let c1: Value = app
        .post("/api/v1/models/compare", &t, &body)
        .await
        .json()
        .await
        .unwrap();
    let c2: Value = app
        .post("/api/v1/models/compare", &t, &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(c1["test"], "paired_bootstrap_mae");
    assert_eq!(c1["result"], c2["result"], "same seed, same interval");
    let diff = c1["result"]["difference"].as_f64().unwrap();
    let mae = |s: &str| c1[s]["metrics"]["mae"].as_f64().unwrap();
    assert!((diff - (mae("a") - mae("b"))).abs() < 1e-9);
    assert!(
        c1["result"]["low"].as_f64().unwrap() <= diff
            && diff <= c1["result"]["high"].as_f64().unwrap()
    );
    // Mixed tasks are refused.
    let r = app
        .post(
            "/api/v1/models/compare",
            &t,
            &json!({"a": {"model_id": bc, "version": 1},
        "b": {"model_id": d, "version": 1}, "rows": [], "labels": []}),
        )
        .await;
    assert_eq!(r.status(), 422);
}
both_backends!(
    compare_runs_mcnemar_for_classifiers_and_a_bootstrap_for_regressors,
    compare_runs_mcnemar_for_classifiers_and_a_bootstrap_for_regressors
);
