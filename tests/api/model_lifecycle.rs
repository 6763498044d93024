//! A version's lifecycle: four eyes, no deployment before approval, and the
//! audit log telling the whole story with its actors.

use domain::Role;
use raia_tests::{both_backends, expect_problem, Backend, TestApp};
use serde_json::{json, Value};

use crate::model_support::{register, step, upload_fixture};

async fn me(app: &TestApp, token: &str) -> String {
    let m: Value = app
        .get("/api/v1/auth/me", token)
        .await
        .json()
        .await
        .unwrap();
    m["id"].as_str().unwrap().to_owned()
}

async fn four_eyes_approval_comes_before_deployment_and_the_audit_log_shows_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.token(Role::MlEngineer).await;
    let bob = app.token(Role::MlEngineer).await;
    let dana = app.token(Role::DataScientist).await;
    let id = register(
        &app,
        &alice,
        json!({"name": "iris", "type": "classification",
        "feature_names": ["sl", "sw", "pl", "pw"]}),
    )
    .await;
    let v = upload_fixture(&app, &alice, &id, "rf_iris_f32.onnx").await;
    let base = format!("/api/v1/models/{id}");
    let vpath = format!("{base}/versions/{v}");
    // Deploying a draft is refused, and nothing is written.
    let before = app.event_count().await;
    let r = step(&app, &bob, &format!("{base}/deploy"), json!({"version": v})).await;
    expect_problem(r, 422, "version_not_approved").await;
    assert_eq!(app.event_count().await, before);
    let r = step(
        &app,
        &alice,
        &format!("{vpath}/submit"),
        json!({"comment": "ready"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "submitted");
    // The submitter may not review; a data scientist may not approve at all.
    expect_problem(
        step(&app, &alice, &format!("{vpath}/approve"), json!({})).await,
        403,
        "four_eyes",
    )
    .await;
    expect_problem(
        step(&app, &dana, &format!("{vpath}/approve"), json!({})).await,
        403,
        "forbidden",
    )
    .await;
    expect_problem(
        step(&app, &bob, &format!("{base}/deploy"), json!({"version": v})).await,
        422,
        "version_not_approved",
    )
    .await;
    expect_problem(
        step(&app, &bob, &format!("{vpath}/reject"), json!({})).await,
        422,
        "comment_required",
    )
    .await;
    let r = step(
        &app,
        &bob,
        &format!("{vpath}/reject"),
        json!({"comment": "no calibration report"}),
    )
    .await;
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "rejected");
    step(
        &app,
        &alice,
        &format!("{vpath}/submit"),
        json!({"comment": "report attached"}),
    )
    .await;
    let r = step(
        &app,
        &bob,
        &format!("{vpath}/approve"),
        json!({"comment": "looks good"}),
    )
    .await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        (body["status"].as_str(), body["reviewed_by"].as_str()),
        (Some("approved"), Some(me(&app, &bob).await.as_str()))
    );
    let r = step(
        &app,
        &bob,
        &format!("{base}/deploy"),
        json!({"version": v, "comment": "go"}),
    )
    .await;
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "deployed");
    let m: Value = app.get(&base, &alice).await.json().await.unwrap();
    assert_eq!(m["status"], "deployed");
    expect_problem(
        app.client
            .delete(app.url(&base))
            .bearer_auth(&bob)
            .send()
            .await
            .unwrap(),
        422,
        "model_deployed",
    )
    .await;
    let r = step(
        &app,
        &bob,
        &format!("{base}/retire"),
        json!({"comment": "replaced by v2 soon"}),
    )
    .await;
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "retired");
    let m: Value = app.get(&base, &alice).await.json().await.unwrap();
    assert_eq!(m["status"], "retired");
    expect_problem(
        step(&app, &bob, &format!("{base}/retire"), json!({})).await,
        422,
        "no_deployed_version",
    )
    .await;
    // The audit trail: every step, in order, with its actor and comment.
    let auditor = app.token(Role::Auditor).await;
    let logs: Value = app
        .get(
            &format!("/api/v1/audit/logs?stream_id={id}&limit=100&order=asc"),
            &auditor,
        )
        .await
        .json()
        .await
        .unwrap();
    let steps: Vec<(String, String, Value)> = logs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["event_type"].as_str().unwrap().to_owned(),
                e["metadata"]["actor_id"].as_str().unwrap_or("").to_owned(),
                e["payload"]["comment"].clone(),
            )
        })
        .collect();
    let (a, b) = (me(&app, &alice).await, me(&app, &bob).await);
    let expected = [
        ("ModelRegistered", &a, Value::Null),
        ("ModelVersionAdded", &a, Value::Null),
        ("ModelVersionSubmitted", &a, json!("ready")),
        ("ModelVersionRejected", &b, json!("no calibration report")),
        ("ModelVersionSubmitted", &a, json!("report attached")),
        ("ModelVersionApproved", &b, json!("looks good")),
        ("ModelVersionDeployed", &b, json!("go")),
        ("ModelVersionRetired", &b, json!("replaced by v2 soon")),
    ];
    assert_eq!(steps.len(), expected.len(), "{steps:?}");
    for (got, (ty, actor, comment)) in steps.iter().zip(expected) {
        assert_eq!(
            (got.0.as_str(), got.1.as_str(), &got.2),
            (ty, actor.as_str(), &comment)
        );
    }
}
both_backends!(
    four_eyes_approval_comes_before_deployment_and_the_audit_log_shows_it,
    four_eyes_approval_comes_before_deployment_and_the_audit_log_shows_it
);

async fn deploying_a_new_version_retires_the_old_and_as_of_sees_the_past(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice = app.token(Role::MlEngineer).await;
    let admin = app.token(Role::Admin).await;
    let id = register(
        &app,
        &alice,
        json!({"name": "bc", "type": "classification"}),
    )
    .await;
    let registered = app.event_count().await;
    let base = format!("/api/v1/models/{id}");
    for file in ["logreg_bc_f32.onnx", "rf_bc_f32.onnx"] {
        let v = upload_fixture(&app, &alice, &id, file).await;
        step(
            &app,
            &alice,
            &format!("{base}/versions/{v}/submit"),
            json!({}),
        )
        .await;
        assert_eq!(
            step(
                &app,
                &admin,
                &format!("{base}/versions/{v}/approve"),
                json!({})
            )
            .await
            .status(),
            200
        );
    }
    step(
        &app,
        &admin,
        &format!("{base}/deploy"),
        json!({"version": 1}),
    )
    .await;
    let after_v1 = app.event_count().await;
    let r = step(
        &app,
        &admin,
        &format!("{base}/deploy"),
        json!({"version": 2}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let all: Vec<Value> = app
        .get(&format!("{base}/versions"), &alice)
        .await
        .json()
        .await
        .unwrap();
    let statuses: Vec<&str> = all.iter().map(|v| v["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["retired", "deployed"]);
    assert_eq!(all[0]["last_comment"], "superseded by version 2");
    // Time travel: as of the first deployment the model was already deployed,
    // and before any change it was a draft.
    let then: Value = app
        .get(&format!("{base}?as_of={after_v1}"), &alice)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(then["status"], "deployed");
    let first: Value = app
        .get(&format!("{base}?as_of={registered}"), &alice)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (first["status"].as_str(), first["stream_version"].as_i64()),
        (Some("draft"), Some(1))
    );
}
both_backends!(
    deploying_a_new_version_retires_the_old_and_as_of_sees_the_past,
    deploying_a_new_version_retires_the_old_and_as_of_sees_the_past
);
