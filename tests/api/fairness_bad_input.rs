//! Fairness inputs that must be refused precisely (and write nothing), undefined ratios
//! reported as null with a reason, and group counts from 2 to 20 and 3-way intersections.

use domain::Role;
use raia_tests::{both_backends, expect_problem, Backend, TestApp};
use serde_json::{json, Value};

use crate::datasets::upload;
use crate::fairness::num;
use crate::model_support::plain_model;

/// `n` rows: group `g{i % k}`, two more attributes, a 0/1 label and prediction, and a
/// yes/no label.
fn synthetic(n: usize, k: usize, all_negative: bool) -> Vec<u8> {
    let mut csv = String::from("grp,colour,size,y,pred,outcome,x\n");
    for i in 0..n {
        let y = u8::from((i * 7 + i / k).is_multiple_of(3));
        let pred = if all_negative {
            0
        } else {
            u8::from((i * 5 + (i % k)).is_multiple_of(4))
        };
        csv.push_str(&format!(
            "g{:02},{},{},{y},{pred},{},{}\n",
            i % k,
            ["red", "blue", "green"][i % 3],
            ["s", "m"][(i / 3) % 2],
            if y == 1 { "yes" } else { "no" },
            (i % k) as f64 * 2.0 + (i % 7) as f64 / 10.0,
        ));
    }
    csv.into_bytes()
}

async fn bad_fairness_input_is_a_precise_problem_and_writes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::DataScientist).await;
    let model = plain_model(&app, &t, "classification").await;
    let ds = upload(&app, &t, "s", "s.csv", synthetic(200, 4, false)).await;
    let url = format!("/api/v1/fairness/analyze/{model}");
    let base = json!({"dataset_id": ds["id"], "label_column": "y", "prediction_column": "pred", "sensitive_features": ["grp"]});
    let before = app.event_count().await;
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    let cases = [
        (
            with("sensitive_features", json!(["nope"])),
            422,
            "unknown_sensitive_feature",
        ),
        (
            with("sensitive_features", json!([])),
            422,
            "invalid_sensitive_features",
        ),
        (
            with("label_column", json!("outcome")),
            422,
            "favourable_label_required",
        ),
        (with("label_column", json!("nope")), 422, "unknown_column"),
        (
            with("prediction_column", Value::Null),
            422,
            "predictions_required",
        ),
        (
            with("privileged_groups", json!({"grp": "g99"})),
            422,
            "invalid_fairness_input",
        ),
        (
            with("privileged_groups", json!({"colour": "red"})),
            422,
            "invalid_privileged_groups",
        ),
        (
            with(
                "sensitive_features",
                json!(["grp", "colour", "size", "pred"]),
            ),
            422,
            "too_many_intersection_features",
        ),
        (
            with("thresholds", json!({"made_up": 0.1})),
            422,
            "unknown_threshold",
        ),
        (
            with("bootstrap", json!({"replicates": 0})),
            422,
            "invalid_bootstrap",
        ),
        (with("dataset_id", json!("not-a-dataset")), 404, "not_found"),
    ];
    for (body, status, code) in cases {
        let r = app.post(&url, &t, &body).await;
        expect_problem(r, status, code).await;
    }
    let r = app
        .post("/api/v1/fairness/analyze/not-a-model", &t, &base)
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(
        app.event_count().await,
        before,
        "a refused request wrote an event"
    );
    // A yes/no label with its favourable value is fine.
    let r = app
        .post(&url, &t, &with("label_column", json!("outcome")))
        .await;
    assert_eq!(r.status(), 422);
    let mut ok = with("label_column", json!("outcome"));
    ok["favourable_label"] = json!("yes");
    let r = app.post(&url, &t, &ok).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
}
both_backends!(
    bad_input,
    bad_fairness_input_is_a_precise_problem_and_writes_nothing
);

async fn zero_positives_give_null_ratios_with_reasons_not_nan(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::DataScientist).await;
    let model = plain_model(&app, &t, "classification").await;
    let ds = upload(&app, &t, "z", "z.csv", synthetic(120, 3, true)).await;
    let body = json!({"dataset_id": ds["id"], "label_column": "y", "prediction_column": "pred",
        "sensitive_features": ["grp"], "privileged_groups": {"grp": "g00"}, "bootstrap": {"replicates": 50}});
    let r = app
        .post(&format!("/api/v1/fairness/analyze/{model}"), &t, &body)
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let v: Value = r.json().await.unwrap();
    let g = &v["fairness_metrics"]["by_attribute"]["grp"];
    assert!(g["disparities"]["demographic_parity_ratio"].is_null());
    assert_eq!(g["disparities"]["demographic_parity_difference"], 0.0);
    assert!(g["privileged"]["disparity"]["disparate_impact"].is_null());
    let undefined = g["undefined"].as_array().unwrap();
    let dpr = undefined
        .iter()
        .find(|u| u["metric"] == "demographic_parity_ratio")
        .unwrap();
    assert!(dpr["reason"].as_str().unwrap().contains("0/0"));
    assert!(!v.to_string().contains("NaN"));
    // Small groups are warned about (40 rows < 50).
    let r = app
        .post(
            &format!("/api/v1/fairness/analyze/{model}"),
            &t,
            &json!({"dataset_id": ds["id"], "label_column": "y",
            "prediction_column": "pred", "sensitive_features": ["grp"], "min_group_size": 50}),
        )
        .await;
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["fairness_metrics"]["by_attribute"]["grp"]["warnings"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert!(v["recommendations"].to_string().contains("too small"));
}
both_backends!(
    zero_positives,
    zero_positives_give_null_ratios_with_reasons_not_nan
);

async fn two_to_twenty_groups_three_way_intersections_and_data_level_bias(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::DataScientist).await;
    let model = plain_model(&app, &t, "classification").await;
    for k in [2usize, 5, 20] {
        let ds = upload(&app, &t, "k", "k.csv", synthetic(40 * k, k, false)).await;
        let body = json!({"dataset_id": ds["id"], "label_column": "y", "prediction_column": "pred",
            "sensitive_features": ["grp", "colour", "size"], "bootstrap": {"replicates": 20, "seed": 1}});
        let r = app
            .post(&format!("/api/v1/fairness/analyze/{model}"), &t, &body)
            .await;
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        let v: Value = r.json().await.unwrap();
        let m = &v["fairness_metrics"];
        let groups = m["by_attribute"]["grp"]["frame"]["by_group"]
            .as_array()
            .unwrap();
        assert_eq!(groups.len(), k);
        let total: u64 = groups.iter().map(|g| g["count"].as_u64().unwrap()).sum();
        assert_eq!(total as usize, 40 * k);
        let cells = m["intersectional"]["frame"]["by_group"].as_array().unwrap();
        assert!(cells
            .iter()
            .all(|c| c["key"].as_array().unwrap().len() == 3));
        let cell_total: u64 = cells.iter().map(|g| g["count"].as_u64().unwrap()).sum();
        assert_eq!(cell_total as usize, 40 * k);
        assert!(
            num(&m["intersectional"]["disparities"]["demographic_parity_difference"]).is_some()
        );
    }
    // Dataset only: label rates, representation and a proxy (`x` encodes the group).
    let ds = upload(&app, &t, "d", "d.csv", synthetic(300, 3, false)).await;
    let r = app
        .post(
            "/api/v1/fairness/detect-bias",
            &t,
            &json!({"dataset_id": ds["id"], "label_column": "y",
            "sensitive_features": ["grp"], "thresholds": {"label_rate_difference": 0.0}}),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["kind"], "data");
    assert!(v["model_id"].is_null());
    let data = &v["fairness_metrics"]["data"]["grp"];
    assert_eq!(data["groups"].as_array().unwrap().len(), 3);
    let proxies = data["proxies"].as_array().unwrap();
    let x = proxies.iter().find(|p| p["feature"] == "x").unwrap();
    assert_eq!(x["measure"], "correlation_ratio");
    assert_eq!(x["is_proxy"], true);
    assert!(
        !proxies.iter().any(|p| p["feature"] == "y"),
        "the label is not a proxy"
    );
    let f = v["findings"].as_array().unwrap();
    assert!(f
        .iter()
        .any(|f| f["metric"] == "proxy_feature" && f["affected_groups"][0] == "x"));
    assert!(f.iter().any(|f| f["metric"] == "label_rate_difference"));
    // Model-level detection with a custom threshold that nothing crosses.
    let r = app
        .post("/api/v1/fairness/detect-bias", &t, &json!({"model_id": model, "dataset_id": ds["id"], "label_column": "y",
            "prediction_column": "pred", "sensitive_features": ["grp"],
            "thresholds": {"demographic_parity_difference": 1.0, "equalized_odds_difference": 1.0,
              "equal_opportunity_difference": 1.0, "demographic_parity_ratio": 0.0, "equalized_odds_ratio": 0.0,
              "four_fifths": 0.0, "proxy_association": 1.01, "label_rate_difference": 1.0, "label_rate_ratio": 0.0,
              "representation_ratio": 0.0}}))
        .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["kind"], "model");
    assert_eq!(v["bias_detected"], false, "{}", v["findings"]);
}
both_backends!(
    group_counts,
    two_to_twenty_groups_three_way_intersections_and_data_level_bias
);
