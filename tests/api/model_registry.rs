//! The registry: model cards, versions with validated artifacts, aliases, search.

use domain::Role;
use raia_tests::{both_backends, expect_problem, Backend, TestApp};
use serde_json::{json, Value};

use crate::model_support::{model_file, register, upload, upload_fixture};

fn bc_features() -> Vec<String> {
    (0..30).map(|i| format!("f{i}")).collect()
}

async fn versions_store_the_artifact_signature_and_aliases_move(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::MlEngineer).await;
    let id = register(
        &app,
        &t,
        json!({"name": "bc", "type": "classification", "feature_names": bc_features(),
               "intended_use": "triage", "risk_tier": "high", "owners": ["risk-team"], "tags": ["health"],
               "training_dataset_id": "ds-1", "target_column": "malignant",
               "feature_types": {"f0": "numeric"}}),
    )
    .await;
    let r = upload(
        &app,
        &t,
        &id,
        model_file("logreg_bc_f32.onnx"),
        "logreg_bc_f32.onnx",
        Some(json!({"description": "baseline", "metadata": {"C": 1.0}})),
    )
    .await;
    assert_eq!(r.status(), 201);
    assert_eq!(
        r.headers()["location"],
        format!("/api/v1/models/{id}/versions/1").as_str()
    );
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], "draft");
    assert_eq!(v["format"], "onnx");
    assert_eq!(v["signature"]["n_features"], 30);
    assert_eq!(v["signature"]["task"], "classification");
    assert_eq!(v["signature"]["classes"], json!([0, 1]));
    assert_eq!(v["signature"]["element_type"], "float32");
    assert_eq!(v["description"], "baseline");
    assert_eq!(v["size"], model_file("logreg_bc_f32.onnx").len());
    // The blob is stored under its SHA-256.
    let sha = v["sha256"].as_str().unwrap();
    assert!(app
        .dir
        .path()
        .join("blobs")
        .join(&sha[..2])
        .join(sha)
        .exists());
    // The signature is in the version event itself.
    let logs: Value = app
        .get(
            &format!("/api/v1/audit/logs?stream_id={id}&event_type=ModelVersionAdded"),
            &app.token(Role::Auditor).await,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(logs["items"][0]["payload"]["signature"]["n_features"], 30);
    assert_eq!(upload_fixture(&app, &t, &id, "rf_bc_f32.onnx").await, 2);
    let xgb = upload_fixture(&app, &t, &id, "xgb_clf_bc.json").await;
    let got: Value = app
        .get(&format!("/api/v1/models/{id}/versions/{xgb}"), &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["format"], "xgboost_json");
    let all: Vec<Value> = app
        .get(&format!("/api/v1/models/{id}/versions"), &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    // Aliases move between versions.
    let alias = |v: i64| {
        app.client
            .put(app.url(&format!("/api/v1/models/{id}/aliases/champion")))
            .bearer_auth(&t)
            .json(&json!({"version": v}))
            .send()
    };
    assert_eq!(alias(1).await.unwrap().status(), 200);
    let r: Value = alias(2).await.unwrap().json().await.unwrap();
    assert_eq!(r["aliases"], json!(["champion"]));
    let v1: Value = app
        .get(&format!("/api/v1/models/{id}/versions/1"), &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v1["aliases"], json!([]));
    expect_problem(alias(9).await.unwrap(), 404, "version_not_found").await;
    let bad = app
        .client
        .put(app.url(&format!("/api/v1/models/{id}/aliases/Latest")))
        .bearer_auth(&t)
        .json(&json!({"version": 1}))
        .send()
        .await
        .unwrap();
    expect_problem(bad, 422, "invalid_alias").await;
    expect_problem(
        app.get(&format!("/api/v1/models/{id}/versions/7"), &t)
            .await,
        404,
        "version_not_found",
    )
    .await;
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/models/{id}/aliases/champion")))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/models/{id}/aliases/champion")))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    expect_problem(r, 404, "alias_not_found").await;
    // A regression artifact does not fit a classification entry.
    let r = upload(
        &app,
        &t,
        &id,
        model_file("gbr_diabetes_te5.onnx"),
        "gbr.onnx",
        None,
    )
    .await;
    expect_problem(r, 422, "signature_mismatch").await;
}
both_backends!(
    versions_store_the_artifact_signature_and_aliases_move,
    versions_store_the_artifact_signature_and_aliases_move
);

async fn the_registry_is_searched_by_card_fields(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::DataScientist).await;
    let a = register(
        &app,
        &t,
        json!({"name": "Credit scoring", "type": "classification",
        "risk_tier": "high", "owners": ["risk"], "tags": ["finance", "pd"]}),
    )
    .await;
    let b = register(
        &app,
        &t,
        json!({"name": "Churn", "type": "classification",
        "risk_tier": "minimal", "owners": ["growth"], "tags": ["marketing"]}),
    )
    .await;
    let c = register(
        &app,
        &t,
        json!({"name": "House prices", "type": "regression",
        "risk_tier": "limited", "owners": ["risk", "growth"], "tags": ["finance"]}),
    )
    .await;
    let ids = |q: &'static str| {
        let app = &app;
        let t = t.clone();
        async move {
            let page: Value = app
                .get(&format!("/api/v1/models?{q}"), &t)
                .await
                .json()
                .await
                .unwrap();
            let mut v: Vec<String> = page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["id"].as_str().unwrap().to_owned())
                .collect();
            v.sort();
            v
        }
    };
    let sorted = |mut v: Vec<&String>| {
        v.sort();
        v.into_iter().cloned().collect::<Vec<String>>()
    };
    assert_eq!(ids("tag=finance").await, sorted(vec![&a, &c]));
    assert_eq!(ids("risk_tier=high").await, vec![a.clone()]);
    assert_eq!(ids("owner=growth").await, sorted(vec![&b, &c]));
    assert_eq!(ids("owner=growth&type=regression").await, vec![c.clone()]);
    assert_eq!(ids("name=churn&status=draft").await, vec![b.clone()]);
    assert_eq!(
        ids("tag=finance&risk_tier=limited&owner=risk").await,
        vec![c.clone()]
    );
    let m: Value = app
        .get(&format!("/api/v1/models/{a}"), &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(m["tags"], json!(["finance", "pd"]));
    assert_eq!(m["risk_tier"], "high");
    // PUT replaces card fields; tags filter follows.
    let r = app
        .client
        .put(app.url(&format!("/api/v1/models/{a}")))
        .bearer_auth(&t)
        .json(&json!({"tags": ["pd"], "risk_tier": null, "limitations": "not for SMEs"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let m: Value = r.json().await.unwrap();
    assert_eq!(
        (m["risk_tier"].is_null(), m["limitations"].as_str()),
        (true, Some("not for SMEs"))
    );
    assert_eq!(ids("tag=finance").await, vec![c.clone()]);
    // Bad card fields are precise 422s and write nothing.
    let before = app.event_count().await;
    for (body, field) in [
        (
            json!({"name": "x", "type": "regression", "risk_tier": "extreme"}),
            None,
        ),
        (
            json!({"name": "x", "type": "regression", "tags": ["A"]}),
            Some("tags"),
        ),
        (
            json!({"name": "x", "type": "regression", "feature_names": ["a"], "feature_types": {"b": "numeric"}}),
            Some("feature_types"),
        ),
    ] {
        let r = app.post("/api/v1/models", &t, &body).await;
        match field {
            None => {
                expect_problem(r, 400, "invalid_body").await;
            }
            Some(f) => {
                let doc = expect_problem(r, 422, "invalid_model").await;
                assert!(doc["detail"].as_str().unwrap().starts_with(f), "{doc}");
            }
        }
    }
    assert_eq!(app.event_count().await, before);
}
both_backends!(
    the_registry_is_searched_by_card_fields,
    the_registry_is_searched_by_card_fields
);
