//! Data quality: assessment (score, issues with sample rows), report, issues, rules and
//! validation, each a recorded event.

use domain::Role;
use raia_tests::{both_backends, expect_problem, Backend, TestApp};
use serde_json::{json, Value};

use crate::datasets::{fixture_dir, upload};

async fn quality_is_assessed_reported_and_validated_against_rules(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::DataScientist).await;
    let dir = fixture_dir("quality");
    let expected: Value =
        serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    let roles = &expected["meta"]["roles"];
    let ds = upload(
        &app,
        &t,
        "q",
        "data.csv",
        std::fs::read(dir.join("data.csv")).unwrap(),
    )
    .await;
    let id = ds["id"].as_str().unwrap().to_owned();
    expect_problem(
        app.get(&format!("/api/v1/data-quality/report/{id}"), &t)
            .await,
        404,
        "not_found",
    )
    .await;

    let r = app
        .post(&format!("/api/v1/data-quality/assess/{id}"), &t, &json!({}))
        .await;
    assert_eq!(r.status(), 200);
    let a: Value = r.json().await.unwrap();
    let score = a["quality_score"].as_f64().unwrap();
    assert!((0.0..1.0).contains(&score), "{score}");
    let c = |k: &str| a[k].as_f64().unwrap();
    let formula = 0.4 * c("completeness")
        + 0.2 * c("uniqueness")
        + 0.2 * c("validity")
        + 0.2 * c("consistency");
    assert!((score - formula).abs() < 1e-12);
    let issues = a["issues"].as_array().unwrap();
    let find = |kind: &str, column: Option<&str>| {
        issues
            .iter()
            .find(|i| i["kind"] == kind && i["column"].as_str() == column)
            .unwrap_or_else(|| panic!("no {kind} issue on {column:?}"))
    };
    let dups = find("duplicate_rows", None);
    assert_eq!(dups["count"], expected["dataset"]["duplicate_row_count"]);
    assert_eq!(dups["sample_rows"].as_array().unwrap().len(), 5);
    assert!(dups["recommendation"].as_str().unwrap().len() > 10);
    let age = roles["integer_with_missing_and_outliers"].as_str().unwrap();
    let missing = find("missing_values", Some(age));
    assert_eq!(missing["count"], expected["columns"][age]["missing_count"]);
    let iqr = find("iqr_outliers", Some(age));
    assert_eq!(iqr["count"], expected["columns"][age]["iqr_outlier_count"]);
    // The sample rows really hold outliers: check them in the preview.
    let row = iqr["sample_rows"][0].as_u64().unwrap();
    let p: Value = app
        .get(
            &format!("/api/v1/datasets/{id}/preview?offset={row}&limit=1"),
            &t,
        )
        .await
        .json()
        .await
        .unwrap();
    let col = p["columns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c == age)
        .unwrap();
    let v = p["rows"][0][col].as_f64().unwrap();
    let e = &expected["columns"][age];
    assert!(
        v < e["iqr_lower_fence"].as_f64().unwrap() || v > e["iqr_upper_fence"].as_f64().unwrap()
    );
    find("constant_column", Some(roles["constant"].as_str().unwrap()));
    find("mixed_types", Some(roles["mixed_type"].as_str().unwrap()));
    find("out_of_range_values", Some(age));

    let got: Value = app
        .get(&format!("/api/v1/datasets/{id}"), &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["quality_score"].as_f64(), Some(score));
    let rep: Value = app
        .get(&format!("/api/v1/data-quality/report/{id}"), &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rep["quality_score"].as_f64(), Some(score));
    let warn: Value = app
        .get(
            &format!("/api/v1/data-quality/issues/{id}?severity=warning&column={age}"),
            &t,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(warn["issues"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["severity"] == "warning" && i["column"] == age));

    // Rules.
    let before = app.event_count().await;
    expect_problem(
        app.post(&format!("/api/v1/datasets/{id}/validate"), &t, &json!({}))
            .await,
        422,
        "no_rules",
    )
    .await;
    let bad = app
        .post(
            "/api/v1/data-quality/rules",
            &t,
            &json!({"dataset_id": id, "rules": [{"rule": "not_null", "column": "nope"}]}),
        )
        .await;
    expect_problem(bad, 422, "invalid_rules").await;
    let bad = app
        .post("/api/v1/data-quality/rules", &t, &json!({"dataset_id": id, "rules": [{"rule": "expression", "expression": "__import__('os')"}]}))
        .await;
    expect_problem(bad, 422, "invalid_rules").await;
    assert_eq!(
        app.event_count().await,
        before,
        "refused requests write nothing"
    );
    let quantity = roles["integer_no_missing_with_outliers"].as_str().unwrap();
    let rules = json!([
        {"rule": "not_null", "column": quantity},
        {"rule": "not_null", "column": age},
        {"rule": "range", "column": age, "min": 0, "max": 120},
        {"rule": "max_missing_fraction", "column": age, "max": 0.5},
        {"rule": "expression", "expression": format!("is_null({age}) or {age} >= 0")}
    ]);
    let r = app
        .post(
            "/api/v1/data-quality/rules",
            &t,
            &json!({"dataset_id": id, "rules": rules}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["rules_version"], 1);
    let v: Value = app
        .post(&format!("/api/v1/datasets/{id}/validate"), &t, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["passed"], false);
    let res = v["results"].as_array().unwrap();
    let passed: Vec<bool> = res.iter().map(|r| r["passed"].as_bool().unwrap()).collect();
    assert_eq!(passed, vec![true, false, false, true, false]);
    assert_eq!(res[1]["failed_count"], e["missing_count"]);
    let row = res[2]["sample_rows"][0].as_u64().unwrap();
    let p: Value = app
        .get(
            &format!("/api/v1/datasets/{id}/preview?offset={row}&limit=1"),
            &t,
        )
        .await
        .json()
        .await
        .unwrap();
    let v = p["rows"][0][col].as_f64().unwrap();
    assert!(!(0.0..=120.0).contains(&v), "{v} is in range");
    let kinds: Vec<String> = app
        .server
        .state
        .store
        .read_stream("dataset", &id, commands::Until::Now)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event_type)
        .collect();
    assert_eq!(
        kinds,
        vec![
            "DatasetUploaded",
            "DataQualityAssessed",
            "DataQualityRulesSet",
            "DatasetValidated"
        ]
    );
}
both_backends!(
    quality_is_assessed_reported_and_validated_against_rules,
    quality_is_assessed_reported_and_validated_against_rules
);
