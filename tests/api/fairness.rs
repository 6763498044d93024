//! Fairness through the API: every value of `fixtures/fairness/expected.json` (names from
//! `meta`), including reweighing, Theil indices and the ThresholdOptimizer rule; reports,
//! history, comparison and the latest metrics of a model.

use domain::Role;
use raia_tests::{both_backends, Backend, TestApp};
use serde_json::{json, Value};

use crate::datasets::{fixture_dir, upload};
use crate::model_support::plain_model;

/// Rates, differences, ratios, weights and Theil indices (README: 1e-12, 1e-9 through
/// sums of f64).
const TOL: f64 = 1e-12;

/// A JSON number, or the README's "inf" / "-inf" strings.
pub fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) if s == "inf" => Some(f64::INFINITY),
        Value::String(s) if s == "-inf" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

/// Asserts `got` is within `tol` of `want` (both null, or equal infinities, also match).
pub fn close(what: &str, want: &Value, got: &Value, tol: f64) {
    match (num(want), num(got)) {
        (None, None) => assert!(want.is_null() && got.is_null(), "{what}: {want} vs {got}"),
        (Some(w), Some(g)) if w.is_infinite() => assert_eq!(w, g, "{what}"),
        (Some(w), Some(g)) => assert!((w - g).abs() <= tol, "{what}: want {w:e}, got {g:e}"),
        _ => panic!("{what}: want {want}, got {got}"),
    }
}

/// The fixture's `meta` and the dataset uploaded from its data file.
pub async fn fixture_dataset(app: &TestApp, token: &str) -> (Value, Value) {
    let dir = fixture_dir("fairness");
    let expected: Value =
        serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    let file = expected["meta"]["data_file"].as_str().unwrap_or("data.csv");
    let ds = upload(
        app,
        token,
        "fairness",
        "data.csv",
        std::fs::read(dir.join(file)).unwrap(),
    )
    .await;
    (expected, ds)
}

/// The analyze body for the fixture (predictions and scores from the file).
pub fn fixture_body(meta: &Value, dataset_id: &Value) -> Value {
    let cols = &meta["columns"];
    json!({
        "dataset_id": dataset_id,
        "label_column": cols["label"],
        "prediction_column": cols["prediction"],
        "score_column": cols["score"],
        "sensitive_features": cols["protected"],
        "privileged_groups": meta["privileged_groups"],
    })
}

fn group_of<'a>(frame: &'a Value, key: &[&str]) -> &'a Value {
    frame["by_group"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| {
            let k: Vec<&str> = g["key"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap())
                .collect();
            k == key
        })
        .unwrap_or_else(|| panic!("group {key:?} missing"))
}

const RATES: [&str; 7] = [
    "selection_rate",
    "tpr",
    "fpr",
    "fnr",
    "tnr",
    "precision",
    "accuracy",
];

fn check_group(at: &str, want: &Value, got: &Value) {
    for r in RATES {
        close(&format!("{at}.{r}"), &want[r], &got["rates"][r], TOL);
    }
    for c in ["tp", "fp", "tn", "fn"] {
        assert_eq!(want[c], got["counts"][c], "{at}.{c}");
    }
    assert_eq!(want["count"], got["count"], "{at}.count");
    close(
        &format!("{at}.base_rate"),
        &want["base_rate"],
        &got["base_rate"],
        TOL,
    );
    let theil = if want["theil_index_within_group"].is_null() {
        &want["theil_index"]
    } else {
        &want["theil_index_within_group"]
    };
    close(&format!("{at}.theil"), theil, &got["theil_index"], 1e-12);
}

fn check_aggregates(at: &str, want: &Value, got: &Value) {
    let d = &got["disparities"];
    for k in [
        "demographic_parity_difference",
        "demographic_parity_ratio",
        "equalized_odds_difference",
        "equalized_odds_ratio",
        "equal_opportunity_difference",
        "equal_opportunity_ratio",
    ] {
        close(&format!("{at}.{k}"), &want[k], &d[k], TOL);
    }
    close(
        &format!("{at}.di_min_max"),
        &want["disparate_impact_min_max_ratio"],
        &d["demographic_parity_ratio"],
        TOL,
    );
    close(
        &format!("{at}.between_theil"),
        &want["between_all_groups_theil_index"],
        &d["between_groups_theil_index"],
        1e-12,
    );
    for r in RATES {
        close(
            &format!("{at}.difference.{r}"),
            &want["metric_difference_between_groups"][r],
            &got["frame"]["difference"][r],
            TOL,
        );
        close(
            &format!("{at}.ratio.{r}"),
            &want["metric_ratio_between_groups"][r],
            &got["frame"]["ratio"][r],
            TOL,
        );
    }
}

/// `want`: the fixture's list of cells; `key`: how a fixture cell names its group.
fn check_reweighing(at: &str, want: &Value, got: &Value, key: impl Fn(&Value) -> Vec<String>) {
    let cells = got["cells"].as_array().unwrap();
    let want = want.as_array().unwrap();
    assert_eq!(want.len(), cells.len(), "{at}: cells");
    for w in want {
        let k = key(w);
        let g = cells
            .iter()
            .find(|c| {
                let ck: Vec<String> = c["key"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p.as_str().unwrap().to_owned())
                    .collect();
                ck == k && c["label"] == w["label"]
            })
            .unwrap_or_else(|| panic!("{at}: cell {k:?}/{} missing", w["label"]));
        for f in ["n_group", "n_label", "n_cell"] {
            close(&format!("{at}.{f}"), &w[f], &g[f], 0.0);
        }
        close(&format!("{at}.weight"), &w["weight"], &g["weight"], TOL);
    }
}

async fn every_fixture_value_comes_back_through_the_api(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::DataScientist).await;
    let (expected, ds) = fixture_dataset(&app, &t).await;
    let meta = &expected["meta"];
    let model = plain_model(&app, &t, "classification").await;
    let r = app
        .post(
            &format!("/api/v1/fairness/analyze/{model}"),
            &t,
            &fixture_body(meta, &ds["id"]),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let rep: Value = r.json().await.unwrap();
    let m = &rep["fairness_metrics"];
    // Overall.
    let overall = &expected["overall"];
    check_group("overall", overall, &m["overall"]);
    let attrs: Vec<&str> = meta["columns"]["protected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    for attr in &attrs {
        let want = &expected["by_attribute"][attr];
        let got = &m["by_attribute"][attr];
        close(
            &format!("{attr}.theil"),
            &overall["theil_index"],
            &got["disparities"]["theil_index"],
            1e-12,
        );
        // Group order is Python string order.
        let levels: Vec<&str> = meta["group_levels"][attr]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect();
        let keys: Vec<&str> = got["frame"]["by_group"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["key"][0].as_str().unwrap())
            .collect();
        assert_eq!(levels, keys, "{attr}: group order");
        for (level, w) in want["groups"].as_object().unwrap() {
            check_group(
                &format!("{attr}.{level}"),
                w,
                group_of(&got["frame"], &[level]),
            );
        }
        check_aggregates(attr, want, got);
        // AIF360 privileged vs unprivileged.
        let pv = &want["privileged_vs_unprivileged"];
        let gp = &got["privileged"];
        assert_eq!(gp["privileged"][0], pv["privileged_group"]);
        for k in [
            "privileged_selection_rate",
            "unprivileged_selection_rate",
            "privileged_tpr",
            "unprivileged_tpr",
            "privileged_fpr",
            "unprivileged_fpr",
        ] {
            close(&format!("{attr}.pv.{k}"), &pv[k], &gp[k], TOL);
        }
        for k in [
            "statistical_parity_difference",
            "disparate_impact",
            "equal_opportunity_difference",
            "average_odds_difference",
            "average_abs_odds_difference",
            "between_group_theil_index",
        ] {
            close(&format!("{attr}.pv.{k}"), &pv[k], &gp["disparity"][k], TOL);
        }
        for (level, w) in pv["per_group_vs_privileged"].as_object().unwrap() {
            let g = gp["per_group"]
                .as_array()
                .unwrap()
                .iter()
                .find(|g| g["key"][0] == level.as_str())
                .unwrap();
            for (k, v) in w.as_object().unwrap() {
                close(
                    &format!("{attr}.pv.{level}.{k}"),
                    v,
                    &g["disparity"][k],
                    TOL,
                );
            }
        }
        check_reweighing(
            &format!("{attr}.reweighing"),
            &want["reweighing"]["per_group"],
            &got["reweighing"],
            |w| vec![w["group"].as_str().unwrap().to_owned()],
        );
        check_reweighing(
            &format!("{attr}.reweighing_pv"),
            &want["reweighing"]["privileged_vs_unprivileged"],
            &got["reweighing_privileged"],
            |w| vec![w["group"].as_str().unwrap().to_owned()],
        );
    }
    // Intersectional cells.
    let want = &expected["intersectional"];
    let got = &m["intersectional"];
    // A cell's key names each attribute; ours lists the levels in request order.
    let cell_key = |w: &Value| -> Vec<String> {
        attrs
            .iter()
            .map(|a| w["key"][a].as_str().unwrap().to_owned())
            .collect()
    };
    for w in want["groups"].as_array().unwrap() {
        let key = cell_key(w);
        let key: Vec<&str> = key.iter().map(String::as_str).collect();
        check_group(&format!("cell {key:?}"), w, group_of(&got["frame"], &key));
    }
    check_aggregates("intersectional", want, got);
    check_reweighing(
        "intersectional.reweighing",
        &want["reweighing"],
        &got["reweighing"],
        cell_key,
    );
    // The fixture is biased: findings name the metric, severity and groups.
    assert_eq!(rep["bias_detected"], true);
    let f = rep["findings"].as_array().unwrap();
    assert!(f
        .iter()
        .any(|f| f["metric"] == "demographic_parity_difference"
            && !f["affected_groups"].as_array().unwrap().is_empty()));
    assert!(!rep["recommendations"].as_array().unwrap().is_empty());
    assert_eq!(rep["protected_attributes"], meta["columns"]["protected"]);

    // The ThresholdOptimizer, fitted and measured on the whole file per attribute.
    for attr in &attrs {
        let want = &expected["by_attribute"][attr]["threshold_optimizer"];
        let mut body = fixture_body(meta, &ds["id"]);
        body["sensitive_features"] = json!([attr]);
        body["privileged_groups"] = json!({});
        body["method"] = json!("threshold_optimizer");
        body["test_size"] = json!(0.0);
        let r = app
            .post(&format!("/api/v1/bias/mitigation/{model}"), &t, &body)
            .await;
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        let v: Value = r.json().await.unwrap();
        let fit = &v["parameters"]["fitted"]["fit"];
        close(
            &format!("{attr}.x_best"),
            &want["target_selection_rate_x_best"],
            &fit["x_best"],
            1e-12,
        );
        close(
            &format!("{attr}.y_best"),
            &want["objective_best_y_best"],
            &fit["y_best"],
            1e-9,
        );
        let outcomes = v["parameters"]["fitted"]["expected_on_held_out"]
            .as_array()
            .unwrap();
        for (level, w) in want["groups"].as_object().unwrap() {
            let g = fit["groups"]
                .as_array()
                .unwrap()
                .iter()
                .find(|g| g["key"][0] == level.as_str())
                .unwrap();
            close(&format!("{attr}.{level}.p0"), &w["p0"], &g["p0"], 1e-9);
            close(&format!("{attr}.{level}.p1"), &w["p1"], &g["p1"], 1e-9);
            for op in ["operation0", "operation1"] {
                close(
                    &format!("{attr}.{level}.{op}"),
                    &w[op]["threshold"],
                    &g[op]["threshold"],
                    1e-12,
                );
                assert_eq!(w[op]["operator"], g[op]["operator"], "{attr}.{level}.{op}");
            }
            let o = outcomes
                .iter()
                .find(|o| o["key"][0] == level.as_str())
                .unwrap();
            close(
                &format!("{attr}.{level}.sr"),
                &w["expected_selection_rate"],
                &o["expected_selection_rate"],
                1e-9,
            );
            close(
                &format!("{attr}.{level}.acc"),
                &w["expected_accuracy"],
                &o["expected_accuracy"],
                1e-9,
            );
            let before = v["before"]["by_group"]
                .as_array()
                .unwrap()
                .iter()
                .find(|g| g["group"] == level.as_str())
                .unwrap();
            close(
                &format!("{attr}.{level}.pre"),
                &w["pre_mitigation_selection_rate"],
                &before["selection_rate"],
                TOL,
            );
        }
    }
}
both_backends!(
    every_fixture_value,
    every_fixture_value_comes_back_through_the_api
);

async fn reports_are_kept_per_model_listed_compared_and_bootstrapped_reproducibly(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::MlEngineer).await;
    let (expected, ds) = fixture_dataset(&app, &t).await;
    let meta = &expected["meta"];
    let model = plain_model(&app, &t, "classification").await;
    let mut body = fixture_body(meta, &ds["id"]);
    body["bootstrap"] = json!({"replicates": 200, "seed": 11});
    let mut ids = Vec::new();
    let mut intervals = Vec::new();
    for _ in 0..2 {
        let r = app
            .post(&format!("/api/v1/fairness/analyze/{model}"), &t, &body)
            .await;
        assert_eq!(r.status(), 201);
        let v: Value = r.json().await.unwrap();
        ids.push(v["id"].as_str().unwrap().to_owned());
        assert_eq!(v["seed"], "11");
        intervals.push(v["fairness_metrics"]["by_attribute"].clone());
    }
    // Same seed, same intervals, bit for bit.
    let attr = meta["columns"]["protected"][0].as_str().unwrap();
    let b0 = &intervals[0][attr]["bootstrap"]["intervals"];
    assert!(b0.as_array().is_some_and(|a| a.len() >= 8), "{b0}");
    assert_eq!(b0, &intervals[1][attr]["bootstrap"]["intervals"]);
    for i in b0.as_array().unwrap() {
        let (lo, hi) = (num(&i["lower"]).unwrap(), num(&i["upper"]).unwrap());
        assert!(lo <= hi, "{i}");
    }
    // Another seed moves them.
    body["bootstrap"]["seed"] = json!(12);
    let r = app
        .post(&format!("/api/v1/fairness/analyze/{model}"), &t, &body)
        .await;
    let v: Value = r.json().await.unwrap();
    assert_ne!(
        b0,
        &v["fairness_metrics"]["by_attribute"][attr]["bootstrap"]["intervals"]
    );

    let viewer = app.token(Role::Viewer).await;
    let list: Value = app
        .get(&format!("/api/v1/fairness/reports/{model}"), &viewer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 3);
    let one = app
        .get(
            &format!("/api/v1/fairness/reports/{model}/{}", ids[0]),
            &viewer,
        )
        .await;
    assert_eq!(one.status(), 200);
    let one: Value = one.json().await.unwrap();
    assert_eq!(one["id"], ids[0].as_str());
    assert_eq!(one["dataset_id"], ds["id"]);
    assert_eq!(one["dataset_hash"].as_str().map(str::len), Some(64));
    let other = plain_model(&app, &t, "classification").await;
    let r = app
        .get(
            &format!("/api/v1/fairness/reports/{other}/{}", ids[0]),
            &viewer,
        )
        .await;
    assert_eq!(r.status(), 404);
    let cmp = app
        .get(
            &format!(
                "/api/v1/fairness/reports/{model}/compare?a={}&b={}",
                ids[0], ids[1]
            ),
            &viewer,
        )
        .await;
    assert_eq!(cmp.status(), 200);
    let cmp: Value = cmp.json().await.unwrap();
    assert!(cmp["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["change"].is_null() || num(&m["change"]) == Some(0.0)));
    assert_eq!(cmp["new_findings"], json!([]));
    let latest: Value = app
        .get(&format!("/api/v1/bias/metrics/{model}"), &viewer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(latest["report_id"], v["id"]);
    let r = app
        .get(&format!("/api/v1/bias/metrics/{other}"), &viewer)
        .await;
    assert_eq!(r.status(), 404);
    // The event carries what other areas rely on.
    let log: Value = app
        .get(
            &format!(
                "/api/v1/audit/logs?event_type=FairnessAssessed&stream_id={}",
                ids[0]
            ),
            &app.token(Role::Auditor).await,
        )
        .await
        .json()
        .await
        .unwrap();
    let text = log.to_string();
    assert!(
        text.contains("bias_detected") && text.contains(&model),
        "{text}"
    );
}
both_backends!(
    reports_history,
    reports_are_kept_per_model_listed_compared_and_bootstrapped_reproducibly
);
