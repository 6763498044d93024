//! Drift through the API: both fixture scenarios (Evidently's default test per column,
//! its verdicts and the dataset rule), selectable tests, reports by model and alerts.

use domain::Role;
use raia_tests::{both_backends, expect_problem, Backend, TestApp};
use serde_json::{json, Value};

use crate::datasets::{fixture_dir, upload};

fn close(what: &str, want: f64, got: f64, rel: f64, abs: f64) {
    let ok = (want - got).abs() <= abs || (want - got).abs() <= rel * want.abs();
    assert!(ok, "{what}: expected {want:e}, got {got:e}");
}

/// The README's tolerance for a test's score.
fn check_score(what: &str, test: &str, want: f64, got: f64) {
    match test {
        "ks" | "chisquare" => close(what, want, got, 1e-6, 1e-12),
        "z" | "jensenshannon" | "psi" => close(what, want, got, 0.0, 1e-9),
        _ => close(what, want, got, 1e-9, 0.0),
    }
}

async fn drift_matches_evidently_on_both_fixture_scenarios(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::MlEngineer).await;
    let dir = fixture_dir("drift");
    let expected: Value =
        serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    let meta = &expected["meta"];
    let mut kinds = serde_json::Map::new();
    for kind in ["numerical", "categorical"] {
        for c in meta["column_mapping"][kind].as_array().unwrap() {
            kinds.insert(c.as_str().unwrap().to_owned(), kind.into());
        }
    }
    let mut drifted_reports = 0;
    let mut by_model_checked = false;
    for (name, sc) in expected["scenarios"].as_object().unwrap() {
        let read = |k: &str| std::fs::read(dir.join(sc[k].as_str().unwrap())).unwrap();
        let reference = upload(&app, &t, name, "reference.csv", read("reference_file")).await;
        let current = upload(&app, &t, name, "current.csv", read("current_file")).await;
        let body = json!({
            "reference_dataset_id": reference["id"],
            "current_dataset_id": current["id"],
            "model_id": format!("model-{name}"),
            "columns": meta["column_order"],
            "column_kinds": kinds,
        });
        let r = app.post("/api/v1/drift/detect", &t, &body).await;
        assert_eq!(r.status(), 201);
        let rep: Value = r.json().await.unwrap();
        if !by_model_checked {
            // A model whose card names the reference as its training dataset
            // stands in for the reference.
            by_model_checked = true;
            let m: Value = app
                .post(
                    "/api/v1/models",
                    &t,
                    &json!({"name": format!("m-{name}"), "type": "classification",
                    "training_dataset_id": reference["id"]}),
                )
                .await
                .json()
                .await
                .unwrap();
            let by_model = json!({"current_dataset_id": current["id"], "model_id": m["id"],
                "columns": meta["column_order"], "column_kinds": kinds});
            let r = app.post("/api/v1/drift/detect", &t, &by_model).await;
            assert_eq!(r.status(), 201);
            let rep2: Value = r.json().await.unwrap();
            assert_eq!(rep2["columns"], rep["columns"]);
            drifted_reports += usize::from(rep2["dataset_drift"] == true);
        }
        for col in rep["columns"].as_array().unwrap() {
            let c = col["column"].as_str().unwrap();
            let want = &sc["columns"][c]["evidently_default_rule"];
            let at = format!("{name}/{c}");
            assert_eq!(col["test"], want["stattest"], "{at}");
            assert_eq!(col["drift_detected"], want["drift_detected"], "{at}");
            assert_eq!(
                col["threshold"].as_f64(),
                want["threshold"].as_f64(),
                "{at}"
            );
            check_score(
                &at,
                want["stattest"].as_str().unwrap(),
                want["score"].as_f64().unwrap(),
                col["score"].as_f64().unwrap(),
            );
        }
        let want = &sc["dataset_drift"];
        assert_eq!(rep["drifted_columns"], want["number_of_drifted_columns"]);
        assert_eq!(
            rep["share_of_drifted_columns"].as_f64(),
            want["share_of_drifted_columns"].as_f64()
        );
        assert_eq!(rep["dataset_drift"], want["dataset_drift"]);
        drifted_reports += usize::from(rep["dataset_drift"].as_bool().unwrap());

        // Selectable tests with their default thresholds, and a custom threshold.
        let num = meta["column_mapping"]["numerical"][0].as_str().unwrap();
        let cat = meta["column_mapping"]["categorical"][0].as_str().unwrap();
        let body = json!({
            "reference_dataset_id": reference["id"],
            "current_dataset_id": current["id"],
            "columns": [num, cat],
            "column_kinds": {num: "numerical", cat: "categorical"},
            "tests": {num: "psi", cat: "chisquare"},
            "thresholds": {cat: 1e-300},
        });
        let rep: Value = app
            .post("/api/v1/drift/detect", &t, &body)
            .await
            .json()
            .await
            .unwrap();
        drifted_reports += usize::from(rep["dataset_drift"].as_bool().unwrap());
        let psi = &rep["columns"][0];
        assert_eq!(psi["test"], "psi");
        check_score(
            "psi",
            "psi",
            sc["columns"][num]["psi"]["value"].as_f64().unwrap(),
            psi["score"].as_f64().unwrap(),
        );
        let chi = &rep["columns"][1];
        let want_p = sc["columns"][cat]["chisquare"]["pvalue"].as_f64().unwrap();
        check_score(
            "chisquare",
            "chisquare",
            want_p,
            chi["p_value"].as_f64().unwrap(),
        );
        assert_eq!(chi["threshold"].as_f64(), Some(1e-300));
        assert_eq!(chi["drift_detected"], json!(want_p < 1e-300));

        // kl_div and hellinger (the fixture has no values for them; analysis's unit
        // tests compare them with Evidently): chosen, scored, judged at 0.1.
        let body = json!({
            "reference_dataset_id": reference["id"],
            "current_dataset_id": current["id"],
            "columns": [num, cat],
            "column_kinds": {num: "numerical", cat: "categorical"},
            "tests": {num: "kl_div", cat: "hellinger"},
        });
        let rep: Value = app
            .post("/api/v1/drift/detect", &t, &body)
            .await
            .json()
            .await
            .unwrap();
        drifted_reports += usize::from(rep["dataset_drift"].as_bool().unwrap());
        for (col, test) in rep["columns"]
            .as_array()
            .unwrap()
            .iter()
            .zip(["kl_div", "hellinger"])
        {
            assert_eq!(col["test"], test);
            let score = col["score"].as_f64().unwrap();
            assert!(score > 0.0 && col["p_value"].is_null());
            assert_eq!(col["drift_detected"], json!(score >= 0.1));
        }
    }
    let reports: Value = app
        .get("/api/v1/drift/reports/model-small", &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(reports.as_array().unwrap().len(), 1);
    let alerts: Value = app
        .get("/api/v1/drift/alerts", &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(alerts.as_array().unwrap().len(), drifted_reports);
    assert!(alerts[0]["drifted_columns"]
        .as_array()
        .is_some_and(|c| !c.is_empty()));

    let before = app.event_count().await;
    let ref_id = reports[0]["reference_dataset_id"].clone();
    for (body, code) in [
        (
            json!({"reference_dataset_id": ref_id, "current_dataset_id": ref_id, "tests": {"nope": "ks"}}),
            "invalid_drift_request",
        ),
        (
            json!({"reference_dataset_id": ref_id, "current_dataset_id": ref_id, "columns": ["cat_shift"], "tests": {"cat_shift": "magic"}}),
            "invalid_drift_request",
        ),
        (
            json!({"current_dataset_id": ref_id}),
            "invalid_drift_request",
        ),
    ] {
        expect_problem(app.post("/api/v1/drift/detect", &t, &body).await, 422, code).await;
    }
    let missing =
        json!({"reference_dataset_id": uuid::Uuid::new_v4(), "current_dataset_id": ref_id});
    expect_problem(
        app.post("/api/v1/drift/detect", &t, &missing).await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(app.event_count().await, before);
}
both_backends!(
    drift_matches_evidently_on_both_fixture_scenarios,
    drift_matches_evidently_on_both_fixture_scenarios
);
