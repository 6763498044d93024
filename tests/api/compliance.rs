//! Compliance status: items flip from missing to met as evidence events arrive
//! and to stale when time passes; every evidence link is an event of the
//! verified chain; reports are recorded as events.

use domain::Role;
use raia_tests::{both_backends, expect_problem, Backend, TestApp};
use serde_json::{json, Value};

use crate::{
    datasets::upload as upload_dataset,
    model_support::{register, step, upload_fixture},
};

/// A small iris-like table (four numeric features and a label).
pub fn iris_csv(shift: f64) -> Vec<u8> {
    let mut s = String::from("sl,sw,pl,pw,label\n");
    for i in 0..30 {
        let x = f64::from(i) / 10.0 + shift;
        s.push_str(&format!(
            "{:.2},{:.2},{:.2},{:.2},{}\n",
            4.5 + x,
            3.0 + x / 2.0,
            1.2 + x,
            0.2 + x / 3.0,
            i % 3
        ));
    }
    s.into_bytes()
}

async fn status(app: &TestApp, t: &str, query: &str) -> Value {
    let r = app
        .get(&format!("/api/v1/compliance/status{query}"), t)
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

fn items(s: &Value) -> Vec<(String, String)> {
    s["models"][0]["versions"][0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["item"].as_str().unwrap().to_owned(),
                i["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn item(s: &Value, name: &str) -> String {
    items(s).into_iter().find(|(i, _)| i == name).unwrap().1
}

/// Records a fairness assessment of model `id` through its route, from a
/// dataset of labels and predictions; `biased` makes the predictions follow `sex`.
pub async fn assess_fairness(app: &TestApp, token: &str, id: &str, biased: bool) {
    let csv = (0..40).fold(String::from("label,prediction,sex\n"), |mut s, i| {
        let sex = ["f", "m"][i % 3 % 2];
        let prediction = if biased {
            usize::from(sex == "m")
        } else {
            (i / 2) % 2
        };
        s.push_str(&format!("{},{prediction},{sex}\n", i % 2));
        s
    });
    let scored = upload_dataset(app, token, "scored", "scored.csv", csv.into_bytes()).await;
    let r = app
        .post(
            &format!("/api/v1/fairness/analyze/{id}"),
            token,
            &json!({"dataset_id": scored["id"], "label_column": "label",
                    "prediction_column": "prediction", "sensitive_features": ["sex"]}),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
}

/// A model with a complete card, a version, and every kind of evidence; returns (model id, version).
pub async fn compliant_model(app: &TestApp) -> (String, i64) {
    let alice = app.token(Role::MlEngineer).await;
    let bob = app.token(Role::MlEngineer).await;
    let train = upload_dataset(app, &alice, "iris-train", "train.csv", iris_csv(0.0)).await;
    let holdout = upload_dataset(app, &alice, "iris-holdout", "holdout.csv", iris_csv(2.0)).await;
    let (train, holdout) = (
        train["id"].as_str().unwrap().to_owned(),
        holdout["id"].as_str().unwrap().to_owned(),
    );
    let id = register(
        app,
        &alice,
        json!({"name": "iris", "type": "classification", "feature_names": ["sl", "sw", "pl", "pw"],
               "intended_use": "sorting flowers", "out_of_scope_use": "people",
               "limitations": "three species only", "ethical_considerations": "none known",
               "owners": ["team-iris"], "training_dataset_id": train, "target_column": "label",
               "risk_tier": "high"}),
    )
    .await;
    let v = upload_fixture(app, &alice, &id, "rf_iris_f32.onnx").await;
    let r = app
        .post(
            &format!("/api/v1/data-quality/assess/{train}"),
            &alice,
            &json!({}),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let r = app
        .post(
            &format!("/api/v1/models/{id}/predict"),
            &alice,
            &json!({"rows": [[5.1, 3.5, 1.4, 0.2]], "version": v}),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    app.server.state.predictions.flush().await;
    let vpath = format!("/api/v1/models/{id}/versions/{v}");
    assert_eq!(
        step(app, &alice, &format!("{vpath}/submit"), json!({}))
            .await
            .status(),
        200
    );
    assert_eq!(
        step(app, &bob, &format!("{vpath}/approve"), json!({}))
            .await
            .status(),
        200
    );
    let r = app
        .post(
            "/api/v1/drift/detect",
            &alice,
            &json!({"reference_dataset_id": train, "current_dataset_id": holdout, "model_id": id}),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    // Held-out evaluation, fairness and an explanation through their own routes.
    let r = app
        .post(
            &format!("/api/v1/models/{id}/evaluate"),
            &alice,
            &json!({"dataset_id": holdout, "version": v}),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    assess_fairness(app, &alice, &id, false).await;
    let r = app
        .post(
            &format!("/api/v1/explainability/shap/{id}"),
            &alice,
            &json!({"version": v, "method": "exact", "rows": [[5.1, 3.5, 1.4, 0.2]],
                    "background_dataset_id": train, "background_size": 10, "class_index": 1}),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    app.sync().await;
    (id, v)
}

async fn items_flip_from_missing_to_met_to_stale_and_each_link_is_a_verified_event(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let alice = app.token(Role::MlEngineer).await;
    let auditor = app.token(Role::Auditor).await;
    // A bare model version: everything missing.
    let bare = register(&app, &alice, json!({"name": "bare", "type": "classification", "feature_names": ["sl", "sw", "pl", "pw"]})).await;
    upload_fixture(&app, &alice, &bare, "rf_iris_f32.onnx").await;
    let s = status(&app, &auditor, &format!("?model_id={bare}")).await;
    assert!(items(&s).iter().all(|(_, st)| st == "missing"), "{s}");
    assert_eq!(s["overall"]["summary"]["missing"], 9);
    let card = &s["models"][0]["versions"][0]["items"][2];
    assert_eq!(card["item"], "model_card_complete");
    assert!(
        card["reason"].as_str().unwrap().contains("intended_use"),
        "{card}"
    );
    assert_eq!(card["eu_ai_act"], json!(["Art. 11", "Art. 13"]));

    let (id, _) = compliant_model(&app).await;
    let s = status(&app, &auditor, &format!("?model_id={id}")).await;
    assert!(items(&s).iter().all(|(_, st)| st == "met"), "{s:#}");
    assert_eq!(s["models"][0]["versions"][0]["compliant"], true);
    // Every evidence link is an event of the log with that hash, inside the verified chain.
    let verified = replay::verify::verify(&app.server.state.db, None, None)
        .await
        .unwrap();
    for i in s["models"][0]["versions"][0]["items"].as_array().unwrap() {
        let ev = i["evidence"].as_array().unwrap();
        assert!(!ev.is_empty(), "{i}");
        for e in ev {
            let pos = e["position"].as_i64().unwrap();
            assert!(pos <= verified.head_position);
            let stored = app.server.state.store.read_all(pos - 1, 1).await.unwrap();
            assert_eq!(stored[0].position, pos);
            assert_eq!(stored[0].hash, e["hash"].as_str().unwrap(), "{i}");
            assert_eq!(stored[0].event_type, e["event_type"].as_str().unwrap());
        }
    }
    // Overall covers both models.
    let all = status(&app, &auditor, "").await;
    assert_eq!(all["overall"]["models"], 2);
    assert_eq!(all["overall"]["compliant_versions"], 1);

    // Time passes: fairness and drift go stale, the rest stays met.
    app.server.state.clock.advance(91 * 86_400 * 1_000_000);
    let s = status(&app, &auditor, &format!("?model_id={id}")).await;
    assert_eq!(item(&s, "fairness_assessment"), "stale");
    assert_eq!(item(&s, "drift_check"), "stale");
    assert_eq!(item(&s, "second_person_approval"), "met");
    assert_eq!(s["models"][0]["versions"][0]["compliant"], false);
    let s = status(&app, &auditor, &format!("?model_id={id}&max_age_days=365")).await;
    assert_eq!(item(&s, "drift_check"), "met");
}
both_backends!(
    items_flip_from_missing_to_met_to_stale_and_each_link_is_a_verified_event,
    items_flip_from_missing_to_met_to_stale_and_each_link_is_a_verified_event
);

async fn a_generated_report_is_an_event_and_bad_input_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let auditor = app.token(Role::Auditor).await;
    let viewer = app.token(Role::Viewer).await;
    let (id, _) = compliant_model(&app).await;
    let before = app.event_count().await;
    let r = app
        .post(
            "/api/v1/compliance/generate-report",
            &auditor,
            &json!({"model_id": id}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let g: Value = r.json().await.unwrap();
    assert_eq!(app.event_count().await, before + 1);
    let e = app
        .server
        .state
        .store
        .read_all(before, 1)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(e.event_type, "ComplianceReportGenerated");
    assert_eq!(e.stream_type, "compliance_report");
    assert_eq!(g["position"], e.position);
    assert_eq!(g["hash"], e.hash.as_str());
    let p: Value = serde_json::from_str(&e.payload).unwrap();
    assert_eq!(p["sha256"], g["sha256"]);
    assert_eq!(p["met"], 9);
    expect_problem(
        app.post("/api/v1/compliance/generate-report", &viewer, &json!({}))
            .await,
        403,
        "forbidden",
    )
    .await;
    expect_problem(
        app.get("/api/v1/compliance/status?model_id=nope", &viewer)
            .await,
        404,
        "not_found",
    )
    .await;
    expect_problem(
        app.get("/api/v1/compliance/status?max_age_days=0", &viewer)
            .await,
        400,
        "invalid_max_age",
    )
    .await;
    expect_problem(
        app.post(
            "/api/v1/compliance/generate-report",
            &auditor,
            &json!({"bogus": 1}),
        )
        .await,
        400,
        "invalid_body",
    )
    .await;
    assert_eq!(app.event_count().await, before + 1);
}
both_backends!(
    a_generated_report_is_an_event_and_bad_input_is_refused,
    a_generated_report_is_an_event_and_bad_input_is_refused
);

async fn request_latency_is_a_histogram_per_route(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.token(Role::Admin).await;
    assert_eq!(
        app.get("/api/v1/compliance/status", &admin).await.status(),
        200
    );
    let text = app.get("/metrics", &admin).await.text().await.unwrap();
    assert!(
        text.contains("raia_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/compliance/status\",le=\"0.005\"}"),
        "{text}"
    );
    assert!(text.contains("raia_http_requests_total{method=\"GET\",route=\"/api/v1/compliance/status\",status=\"200\"}"));
}
both_backends!(
    request_latency_is_a_histogram_per_route,
    request_latency_is_a_histogram_per_route
);
