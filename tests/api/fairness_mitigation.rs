//! Mitigations through the API: every method fitted on a seeded split and measured before
//! and after on the held-out rows; reweighing weights as a new dataset; a post-processing
//! rule attached to a model version and applied (and recorded) by predict.

use domain::Role;
use raia_tests::{both_backends, expect_problem, Backend, TestApp};
use serde_json::{json, Value};

use crate::datasets::upload;
use crate::fairness::{fixture_body, fixture_dataset, num};
use crate::model_support::{model_file, plain_model, reference, upload_fixture};

fn dp(v: &Value) -> f64 {
    num(&v["disparities"]["demographic_parity_difference"]).unwrap()
}

async fn every_mitigation_is_measured_before_and_after_on_held_out_rows(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::DataScientist).await;
    let (expected, ds) = fixture_dataset(&app, &t).await;
    let meta = &expected["meta"];
    let model = plain_model(&app, &t, "classification").await;
    let runs = [
        ("reweighing", None),
        ("correlation_remover", None),
        ("exponentiated_gradient", Some("demographic_parity")),
        ("exponentiated_gradient", Some("equalized_odds")),
        ("threshold_optimizer", Some("demographic_parity")),
        ("threshold_optimizer", Some("true_positive_rate_parity")),
        ("threshold_optimizer", Some("equalized_odds")),
        ("reject_option", Some("statistical_parity_difference")),
    ];
    for (method, constraint) in runs {
        let mut body = fixture_body(meta, &ds["id"]);
        body["method"] = json!(method);
        body["constraint"] = json!(constraint);
        body["feature_columns"] = meta["columns"]["features"].clone();
        body["seed"] = json!(3);
        let r = app
            .post(&format!("/api/v1/bias/mitigation/{model}"), &t, &body)
            .await;
        assert_eq!(r.status(), 201, "{method}: {}", r.text().await.unwrap());
        let v: Value = r.json().await.unwrap();
        let (b, a) = (&v["before"], &v["after"]);
        assert_eq!(b["rows"], 600, "{method}: 30% of 2000 rows held out");
        assert_eq!(v["parameters"]["train_rows"], 1400);
        let cost = num(&v["accuracy_cost"]).unwrap();
        let diff = num(&a["accuracy"]).unwrap() - num(&b["accuracy"]).unwrap();
        assert!((cost - diff).abs() < 1e-12, "{method}");
        if method == "threshold_optimizer" && constraint == Some("demographic_parity") {
            assert!(dp(a) < dp(b), "{method}: {} -> {}", dp(b), dp(a));
        }
        if constraint == Some("equalized_odds") && method == "threshold_optimizer" {
            let eo = |v: &Value| num(&v["disparities"]["equalized_odds_difference"]).unwrap();
            assert!(eo(a) < eo(b), "{method}: {} -> {}", eo(b), eo(a));
        }
        if method == "reweighing" {
            let out = v["output_dataset_id"].as_str().unwrap();
            let d: Value = app
                .get(&format!("/api/v1/datasets/{out}"), &t)
                .await
                .json()
                .await
                .unwrap();
            assert_eq!(d["row_count"], 2000);
            assert!(d.to_string().contains("sample_weight"), "{d}");
            assert_eq!(d["lineage"]["derived_from"][0], ds["id"]);
        }
        // Same seed, same run.
        let again: Value = app
            .post(&format!("/api/v1/bias/mitigation/{model}"), &t, &body)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(again["after"], v["after"], "{method}");
    }
    let mut body = fixture_body(meta, &ds["id"]);
    body["method"] = json!("reweighing");
    body["attach_policy"] = json!(true);
    let r = app
        .post(&format!("/api/v1/bias/mitigation/{model}"), &t, &body)
        .await;
    expect_problem(r, 422, "policy_unavailable").await;
    body["method"] = json!("reweighing");
    body["attach_policy"] = json!(false);
    let r = app
        .post(&format!("/api/v1/bias/mitigation/{model}"), &t, &body)
        .await;
    expect_problem(r, 422, "feature_columns_required").await;
    body["method"] = json!("magic");
    let r = app
        .post(&format!("/api/v1/bias/mitigation/{model}"), &t, &body)
        .await;
    expect_problem(r, 422, "invalid_method").await;
    let viewer = app.token(Role::Viewer).await;
    let r = app
        .post(&format!("/api/v1/bias/mitigation/{model}"), &viewer, &body)
        .await;
    assert_eq!(r.status(), 403);
}
both_backends!(
    mitigations,
    every_mitigation_is_measured_before_and_after_on_held_out_rows
);

/// A dataset of the breast-cancer reference rows: features f0..f29, a group column and
/// labels (the model's own answer, flipped on every fifth row so both groups have both).
fn bc_dataset() -> (Vec<u8>, Vec<Value>) {
    let r = reference("logreg_bc.json");
    let inputs = r["inputs"].as_array().unwrap().clone();
    let mut csv = (0..30)
        .map(|j| format!("f{j}"))
        .collect::<Vec<_>>()
        .join(",");
    csv.push_str(",grp,y\n");
    for (i, row) in inputs.iter().enumerate() {
        let cells: Vec<String> = row
            .as_array()
            .unwrap()
            .iter()
            .map(|v| format!("{}", v.as_f64().unwrap()))
            .collect();
        let pred = r["predict"][i].as_i64().unwrap();
        let y = if i % 5 == 0 { 1 - pred } else { pred };
        csv.push_str(&format!(
            "{},{},{}\n",
            cells.join(","),
            if i % 2 == 0 { "a" } else { "b" },
            y
        ));
    }
    (csv.into_bytes(), inputs)
}

async fn an_attached_policy_sets_and_records_what_predict_answers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::MlEngineer).await;
    let model = plain_model(&app, &t, "classification").await;
    let _ = model_file("logreg_bc_f64.onnx");
    let version = upload_fixture(&app, &t, &model, "logreg_bc_f64.onnx").await;
    let (bytes, inputs) = bc_dataset();
    let ds = upload(&app, &t, "bc", "bc.csv", bytes).await;
    let features: Vec<String> = (0..30).map(|j| format!("f{j}")).collect();
    let body = json!({
        "dataset_id": ds["id"], "version": version, "feature_columns": features,
        "label_column": "y", "sensitive_features": ["grp"], "privileged_groups": {"grp": "a"},
        "method": "reject_option", "test_size": 0.0, "attach_policy": true,
    });
    // RAIA predicts the dataset with the version, then fits the rule.
    let r = app
        .post(&format!("/api/v1/bias/mitigation/{model}"), &t, &body)
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["version"], version);
    assert_eq!(v["policy"]["policy_version"], 1);
    let fit = &v["parameters"]["fitted"]["fit"];
    let (thr, margin) = (
        num(&fit["classification_threshold"]).unwrap(),
        num(&fit["roc_margin"]).unwrap(),
    );
    // Analysis by model version: RAIA predicts, the report names the version.
    let r = app
        .post(
            &format!("/api/v1/fairness/analyze/{model}"),
            &t,
            &json!({
            "dataset_id": ds["id"], "version": version, "feature_columns": features,
            "label_column": "y", "sensitive_features": ["grp"]}),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let rep: Value = r.json().await.unwrap();
    assert_eq!(rep["version"], version);
    assert_eq!(rep["fairness_metrics"]["overall"]["count"], 50);

    let rows: Vec<Value> = inputs[..6].to_vec();
    let sensitive: Vec<Value> = (0..6)
        .map(|i| json!({"grp": if i % 2 == 0 { "a" } else { "b" }}))
        .collect();
    let base = format!("/api/v1/models/{model}");
    let r = app
        .post(
            &format!("{base}/predict"),
            &t,
            &json!({"rows": rows, "version": version, "sensitive": sensitive}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let out: Value = r.json().await.unwrap();
    let preds = out["predictions"].as_array().unwrap();
    for (i, p) in preds.iter().enumerate() {
        let score = p["probabilities"][1].as_f64().unwrap();
        let privileged = i % 2 == 0;
        let want = if privileged {
            score > thr + margin
        } else {
            score > thr - margin
        };
        assert_eq!(p["label"], json!(i64::from(want)), "row {i}");
        assert_eq!(p["policy"]["policy_version"], 1);
        assert_eq!(
            p["policy"]["model_label"],
            reference("logreg_bc.json")["predict"][i]
        );
    }
    let auditor = app.token(Role::Auditor).await;
    let page: Value = app
        .get(&format!("{base}/predictions?limit=50"), &auditor)
        .await
        .json()
        .await
        .unwrap();
    let logged = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == preds[0]["id"])
        .unwrap();
    assert_eq!(logged["output"]["policy"]["method"], "reject_option");
    assert_eq!(logged["output"]["label"], preds[0]["label"]);
    // The policy needs the sensitive feature of every row, one per row.
    let r = app
        .post(
            &format!("{base}/predict"),
            &t,
            &json!({"rows": rows, "version": version}),
        )
        .await;
    expect_problem(r, 422, "sensitive_feature_required").await;
    let r = app
        .post(
            &format!("{base}/predict"),
            &t,
            &json!({"rows": rows, "version": version, "sensitive": [{"grp": "a"}]}),
        )
        .await;
    expect_problem(r, 422, "invalid_sensitive").await;
    // Attaching again makes policy 2, which then applies.
    let mut tbody = body.clone();
    tbody["method"] = json!("threshold_optimizer");
    let v: Value = app
        .post(&format!("/api/v1/bias/mitigation/{model}"), &t, &tbody)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["policy"]["policy_version"], 2, "{v}");
    let out: Value = app
        .post(
            &format!("{base}/predict"),
            &t,
            &json!({"rows": rows, "version": version, "sensitive": sensitive}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        out["predictions"][0]["policy"]["method"],
        "threshold_optimizer"
    );
    assert_eq!(out["predictions"][0]["policy"]["policy_version"], 2);
    tbody["constraint"] = json!("equalized_odds");
    let v: Value = app
        .post(&format!("/api/v1/bias/mitigation/{model}"), &t, &tbody)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["policy"]["policy_version"], 3, "{v}");
    let r = app
        .post(
            &format!("{base}/predict"),
            &t,
            &json!({"rows": rows, "version": version, "sensitive": sensitive}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let out: Value = r.json().await.unwrap();
    assert_eq!(out["predictions"][0]["policy"]["policy_version"], 3);
    let log: Value = app
        .get(
            &format!("/api/v1/audit/logs?event_type=DecisionPolicyAttached&stream_id={model}"),
            &auditor,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(
        log.to_string().matches("DecisionPolicyAttached").count() >= 2,
        "{log}"
    );
}
both_backends!(
    decision_policy,
    an_attached_policy_sets_and_records_what_predict_answers
);
