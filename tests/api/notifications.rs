//! Notifications: rules pick who hears about what; each source event and
//! recipient yields exactly one notification, across restarts and replays;
//! recipients read, mark all read and delete their own.

use domain::Role;
use raia_tests::{both_backends, expect_problem, Backend, TestApp};
use serde_json::{json, Value};
use sqlx::Row;

use crate::{
    compliance::assess_fairness,
    model_support::{register, step, upload_fixture},
};

async fn created(app: &TestApp) -> i64 {
    sqlx::query("SELECT COUNT(*) AS n FROM events WHERE event_type = 'NotificationCreated'")
        .fetch_one(app.server.state.db.read())
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}

async fn notify(app: &TestApp) {
    api::notify::run_once(&app.server.state).await.unwrap();
    app.sync().await;
}

async fn inbox(app: &TestApp, t: &str) -> Value {
    let r = app.get("/api/v1/notifications", t).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

fn kinds(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect()
}

async fn rules_notify_each_recipient_exactly_once_across_a_restart(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alice_email = app.user(Role::MlEngineer).await;
    let bob_email = app.user(Role::MlEngineer).await;
    let auditor_email = app.user(Role::Auditor).await;
    let viewer_email = app.user(Role::Viewer).await;
    let login = |e: String| {
        let app = &app;
        async move {
            app.login(&e).await["access_token"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let (alice, bob, auditor, viewer) = (
        login(alice_email.clone()).await,
        login(bob_email.clone()).await,
        login(auditor_email.clone()).await,
        login(viewer_email.clone()).await,
    );
    let id = register(&app, &alice, json!({"name": "iris", "type": "classification", "feature_names": ["sl", "sw", "pl", "pw"]})).await;
    let v = upload_fixture(&app, &alice, &id, "rf_iris_f32.onnx").await;
    assert_eq!(
        step(
            &app,
            &alice,
            &format!("/api/v1/models/{id}/versions/{v}/submit"),
            json!({})
        )
        .await
        .status(),
        200
    );
    assess_fairness(&app, &alice, &id, true).await;
    notify(&app).await;
    // Reviewers other than the submitter hear about the submission; oversight about bias.
    assert_eq!(
        kinds(&inbox(&app, &bob).await),
        ["bias_found", "version_awaiting_approval"]
    );
    assert_eq!(kinds(&inbox(&app, &alice).await), ["bias_found"]);
    assert_eq!(kinds(&inbox(&app, &auditor).await), ["bias_found"]);
    assert!(kinds(&inbox(&app, &viewer).await).is_empty());
    let n = created(&app).await;
    assert_eq!(n, 4);

    // A crash after creating but before the cursor moved: the cursor goes back,
    // and so does a full restart; nothing is created twice.
    sqlx::query("UPDATE relay_cursors SET position = 0 WHERE name = 'notify'")
        .execute(app.server.state.db.write())
        .await
        .unwrap();
    notify(&app).await;
    assert_eq!(created(&app).await, n);
    let config = app.config.clone();
    let dir = app.stop().await;
    let app = TestApp::start(backend, dir, config).await;
    let bob = app.login(&bob_email).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let alice = app.login(&alice_email).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    notify(&app).await;
    assert_eq!(created(&app).await, n);

    // Read, read again, someone else's, mark all, delete.
    let inbox_bob = inbox(&app, &bob).await;
    assert_eq!(inbox_bob["unread"], 2);
    let first = inbox_bob["items"][1]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/notifications/mark-read/{first}");
    assert_eq!(app.post(&path, &bob, &json!({})).await.status(), 204);
    expect_problem(app.post(&path, &bob, &json!({})).await, 422, "already_read").await;
    expect_problem(app.post(&path, &alice, &json!({})).await, 404, "not_found").await;
    assert_eq!(inbox(&app, &bob).await["unread"], 1);
    // An export of Bob's tells Bob when it is ready.
    crate::exports::export(&app, &bob, "csv", json!({"content": "compliance"})).await;
    notify(&app).await;
    assert_eq!(inbox(&app, &bob).await["unread"], 2);
    assert_eq!(kinds(&inbox(&app, &bob).await)[0], "export_ready");
    let r: Value = app
        .post("/api/v1/notifications/mark-all-read", &bob, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["marked"], 2);
    assert_eq!(inbox(&app, &bob).await["unread"], 0);
    let del = app
        .client
        .delete(app.url(&format!("/api/v1/notifications/{first}")))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 204);
    assert_eq!(
        inbox(&app, &bob).await["items"].as_array().unwrap().len(),
        2
    );
    let unread: Value = app
        .get("/api/v1/notifications?unread_only=true", &alice)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(unread["items"].as_array().unwrap().len(), 1);
}
both_backends!(
    rules_notify_each_recipient_exactly_once_across_a_restart,
    rules_notify_each_recipient_exactly_once_across_a_restart
);
