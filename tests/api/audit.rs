//! The audit API over the log: filters, search, verification.

use domain::Role;
use raia_tests::{both_backends, expect_problem, Backend, TestApp};
use serde_json::{json, Value};

async fn auditors_filter_search_and_verify_the_log(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let eng = app.token(Role::MlEngineer).await;
    let auditor = app.token(Role::Auditor).await;
    let m: Value = app
        .post(
            "/api/v1/models",
            &eng,
            &json!({"name": "Fraud detector 100%", "type": "classification"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = m["id"].as_str().unwrap();
    app.client
        .put(app.url(&format!("/api/v1/models/{id}")))
        .bearer_auth(&eng)
        .json(&json!({"version": "2.0"}))
        .send()
        .await
        .unwrap();
    let page: Value = app
        .get(
            &format!("/api/v1/audit/logs?stream_type=model&stream_id={id}"),
            &auditor,
        )
        .await
        .json()
        .await
        .unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(
        items
            .iter()
            .map(|e| e["event_type"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec!["ModelUpdated", "ModelRegistered"],
        "newest first"
    );
    let actor = &items[0]["metadata"]["actor_id"];
    assert_eq!(items[0]["metadata"]["actor_role"], "ml_engineer");
    assert!(items[0]["metadata"]["request_id"].as_str().is_some());
    assert_eq!(items[0]["metadata"]["client_ip"], "127.0.0.1");
    let asc: Value = app
        .get(
            &format!("/api/v1/audit/logs?stream_id={id}&order=asc&limit=1"),
            &auditor,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(asc["items"][0]["event_type"], "ModelRegistered");
    let next = asc["next_cursor"].as_str().unwrap();
    let second: Value = app
        .client
        .get(app.url("/api/v1/audit/logs"))
        .query(&[
            ("stream_id", id),
            ("order", "asc"),
            ("limit", "1"),
            ("cursor", next),
        ])
        .bearer_auth(&auditor)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(second["items"][0]["event_type"], "ModelUpdated");
    let by_actor: Value = app
        .get(
            &format!("/api/v1/audit/logs?actor={}", actor.as_str().unwrap()),
            &auditor,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(by_actor["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| &e["metadata"]["actor_id"] == actor));
    assert_eq!(
        by_actor["items"].as_array().unwrap().len(),
        3,
        "login, register, update"
    );
    // Free text, case-insensitive, with LIKE wildcards taken literally.
    let found: Value = app
        .post(
            "/api/v1/audit/search",
            &auditor,
            &json!({"text": "fraud DETECTOR 100%", "stream_type": "model"}),
        )
        .await
        .json()
        .await
        .unwrap();
    // Both events carry the name: ModelUpdated records the full new field set.
    assert_eq!(found["items"].as_array().unwrap().len(), 2);
    let none: Value = app
        .post(
            "/api/v1/audit/search",
            &auditor,
            &json!({"text": "detector 1000"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(none["items"].as_array().unwrap().is_empty());
    let future: Value = app
        .get("/api/v1/audit/logs?from=2999-01-01T00:00:00Z", &auditor)
        .await
        .json()
        .await
        .unwrap();
    assert!(future["items"].as_array().unwrap().is_empty());
    expect_problem(
        app.get("/api/v1/audit/logs?from=tuesday", &auditor).await,
        400,
        "invalid_time",
    )
    .await;
    expect_problem(
        app.get("/api/v1/audit/logs?cursor=%%%", &auditor).await,
        400,
        "invalid_cursor",
    )
    .await;
    let v: Value = app
        .get("/api/v1/audit/verify", &auditor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["status"], "verified");
    assert_eq!(v["verified_count"].as_i64(), Some(app.event_count().await));
    expect_problem(app.get("/api/v1/audit/logs", &eng).await, 403, "forbidden").await;
}
both_backends!(
    auditors_filter_search_and_verify_the_log,
    auditors_filter_search_and_verify_the_log
);

async fn verify_reports_the_first_bad_position_after_tampering(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.token(Role::Admin).await;
    app.post(
        "/api/v1/models",
        &admin,
        &json!({"name": "m", "type": "llm"}),
    )
    .await;
    let db = &app.server.state.db;
    crate::chain::disable_guard(db).await;
    sqlx::query("UPDATE events SET payload = REPLACE(payload, '\"m\"', '\"n\"') WHERE event_type = 'ModelRegistered'")
        .execute(db.write())
        .await
        .unwrap();
    let v: Value = app
        .get("/api/v1/audit/verify", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["status"], "broken");
    let pos: i64 = sqlx::Row::try_get(
        &sqlx::query("SELECT position FROM events WHERE event_type = 'ModelRegistered'")
            .fetch_one(db.read())
            .await
            .unwrap(),
        0,
    )
    .unwrap();
    assert_eq!(v["first_bad_position"].as_i64(), Some(pos));
}
both_backends!(
    verify_reports_the_first_bad_position_after_tampering,
    verify_reports_the_first_bad_position_after_tampering
);
