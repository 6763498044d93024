//! Data retention: policies are events; enforcement removes what is older than
//! the policy (crypto-shredding prediction inputs by destroying their day key,
//! deleting window rows), records what it removed, keeps the rest, removes
//! nothing new when run again, and leaves a chain that verifies.

use commands::Until;
use domain::{ids::ModelId, model::PredictionRecord, Metadata, Role};
use raia_tests::{both_backends, expect_problem, Backend, TestApp};
use serde_json::{json, Value};

use crate::model_support::{register, upload_fixture};

const DAY: i64 = 86_400_000_000;

async fn enforce(app: &TestApp, admin: &str) -> Vec<Value> {
    let r = app
        .post("/api/v1/retention/enforce", admin, &json!({}))
        .await;
    assert_eq!(r.status(), 200);
    r.json::<Vec<Value>>().await.unwrap()
}

async fn set_policy(app: &TestApp, admin: &str, kind: &str, days: u32) -> reqwest::Response {
    app.client
        .put(app.url(&format!("/api/v1/retention/policies/{kind}")))
        .bearer_auth(admin)
        .json(&json!({ "days": days }))
        .send()
        .await
        .unwrap()
}

async fn inputs(app: &TestApp, token: &str, model: &str) -> Vec<Value> {
    let page: Value = app
        .get(
            &format!("/api/v1/models/{model}/predictions?limit=500"),
            token,
        )
        .await
        .json()
        .await
        .unwrap();
    let mut items = page["items"].as_array().unwrap().clone();
    items.sort_by_key(|i| i["created_at"].as_str().unwrap().to_owned());
    items.into_iter().map(|i| i["input"].clone()).collect()
}

async fn retention_events(app: &TestApp) -> Vec<Value> {
    app.server
        .state
        .store
        .read_stream("retention", "policies", Until::Now)
        .await
        .unwrap()
        .iter()
        .map(|e| json!({"type": e.event_type, "payload": e.payload_json().unwrap()}))
        .collect()
}

async fn prediction_inputs_past_retention_are_crypto_shredded(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.token(Role::Admin).await;
    let id = register(
        &app,
        &admin,
        json!({"name": "iris", "type": "classification", "feature_names": ["sl", "sw", "pl", "pw"]}),
    )
    .await;
    let v = upload_fixture(&app, &admin, &id, "rf_iris_f32.onnx").await;
    // Ten days ago (recorded through the prediction log as a server then would have).
    let state = &app.server.state;
    let old_at = state.clock.now_micros() - 10 * DAY;
    state
        .predictions
        .record(
            ModelId::parse(&id).unwrap(),
            Metadata::default(),
            vec![PredictionRecord {
                id: uuid::Uuid::now_v7().to_string(),
                version: u32::try_from(v).unwrap(),
                input: json!([6.3, 3.3, 6.0, 2.5]),
                output: json!({"label": 2}),
                confidence: Some(0.9),
                at: old_at,
                request_id: None,
            }],
        )
        .await;
    // Today, through the API.
    let r = app
        .post(
            &format!("/api/v1/models/{id}/predict"),
            &admin,
            &json!({"rows": [[5.1, 3.5, 1.4, 0.2]], "version": v}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        inputs(&app, &admin, &id).await,
        [json!([6.3, 3.3, 6.0, 2.5]), json!([5.1, 3.5, 1.4, 0.2])]
    );
    // The log holds only ciphertext.
    let logged = state.store.read_all(0, 10_000).await.unwrap();
    for e in logged
        .iter()
        .filter(|e| e.event_type == "PredictionsLogged")
    {
        let input = &e.payload_json().unwrap()["records"][0]["input"];
        assert!(input["$sealed"].is_string(), "{input}");
        assert!(!e.payload.contains("6.3") && !e.payload.contains("5.1"));
    }

    expect_problem(
        set_policy(&app, &admin, "prediction_inputs", 0).await,
        422,
        "invalid_days",
    )
    .await;
    expect_problem(
        set_policy(&app, &admin, "nonsense", 7).await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(
        set_policy(&app, &admin, "prediction_inputs", 7)
            .await
            .status(),
        200
    );
    let auditor = app.token(Role::Auditor).await;
    let p: Value = app
        .get("/api/v1/retention/policies", &auditor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        p["policies"],
        json!([{"kind": "prediction_inputs", "days": 7}])
    );
    expect_problem(
        app.post("/api/v1/retention/enforce", &auditor, &json!({}))
            .await,
        403,
        "forbidden",
    )
    .await;

    let out = enforce(&app, &admin).await;
    assert_eq!(out.len(), 1);
    assert_eq!(out[0]["kind"], "prediction_inputs");
    assert_eq!(out[0]["removed"], 1, "only the day ten days ago");
    let day = old_at.div_euclid(DAY);
    let events = retention_events(&app).await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["type"], "RetentionEnforced");
    assert_eq!(
        events[1]["payload"]["removed"],
        json!([format!("prediction-inputs:{id}:{day}")])
    );
    assert_eq!(
        inputs(&app, &admin, &id).await,
        [json!("[erased]"), json!([5.1, 3.5, 1.4, 0.2])]
    );

    // Again: nothing new to remove, no new event.
    let head = app.event_count().await;
    assert_eq!(enforce(&app, &admin).await[0]["removed"], 0);
    assert_eq!(app.event_count().await, head);
    assert!(replay::verify::verify(&state.db, None, None).await.is_ok());

    // Eight days on, today's inputs are past the policy too.
    state.clock.advance(8 * DAY);
    assert_eq!(enforce(&app, &admin).await[0]["removed"], 1);
    assert_eq!(
        inputs(&app, &admin, &id).await,
        [json!("[erased]"), json!("[erased]")]
    );
    assert!(replay::verify::verify(&state.db, None, None).await.is_ok());
    // Outputs, confidences and callers stay on record.
    let page: Value = app
        .get(&format!("/api/v1/models/{id}/predictions"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert!(page["items"][0]["output"].is_object());
}
both_backends!(
    prediction_inputs_past_retention_are_crypto_shredded,
    prediction_inputs_past_retention_are_crypto_shredded
);

async fn old_stream_windows_go_and_policies_are_events(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.token(Role::Admin).await;
    let now = app.server.state.clock.now_micros();
    for (stream, window, age_days) in [("s-old", 1, 40), ("s-old", 2, 31), ("s-new", 1, 2)] {
        sqlx::query(
            "INSERT INTO stream_windows (stream_id, window_no, first_record, n_records, bad_records, \
             drift, metrics, closed_at) VALUES ($1, $2, 0, 10, 0, 0, '{}', $3)",
        )
        .bind(stream)
        .bind(window)
        .bind(now - age_days * DAY)
        .execute(app.server.state.db.write())
        .await
        .unwrap();
    }
    assert_eq!(
        set_policy(&app, &admin, "stream_windows", 30)
            .await
            .status(),
        200
    );
    // Setting the same policy again changes nothing and writes nothing.
    let head = app.event_count().await;
    assert_eq!(
        set_policy(&app, &admin, "stream_windows", 30)
            .await
            .status(),
        200
    );
    assert_eq!(app.event_count().await, head);
    let out = enforce(&app, &admin).await;
    assert_eq!(out[0]["removed"], 2);
    let left: Vec<(String, i64)> =
        sqlx::query_as("SELECT stream_id, window_no FROM stream_windows ORDER BY stream_id")
            .fetch_all(app.server.state.db.read())
            .await
            .unwrap();
    assert_eq!(left, [("s-new".to_owned(), 1)]);
    let events = retention_events(&app).await;
    assert_eq!(events[1]["payload"]["removed"], json!(["s-old"]));
    assert_eq!(events[1]["payload"]["count"], 2);
    assert_eq!(enforce(&app, &admin).await[0]["removed"], 0);
    // Cleared: kept indefinitely; the clear is an event too.
    let r = app
        .client
        .delete(app.url("/api/v1/retention/policies/stream_windows"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        retention_events(&app).await.last().unwrap()["type"],
        "RetentionPolicyCleared"
    );
    app.server.state.clock.advance(365 * DAY);
    assert_eq!(enforce(&app, &admin).await, Vec::<Value>::new());
    // Through the jobs facility.
    set_policy(&app, &admin, "stream_windows", 1).await;
    let r = app
        .client
        .post(app.url("/api/v1/retention/enforce"))
        .bearer_auth(&admin)
        .header("prefer", "respond-async")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let job = crate::jobs::wait_for_job(&app, &location, &admin).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["result"][0]["removed"], 1);
    assert!(replay::verify::verify(&app.server.state.db, None, None)
        .await
        .is_ok());
}
both_backends!(
    old_stream_windows_go_and_policies_are_events,
    old_stream_windows_go_and_policies_are_events
);

async fn a_deleted_dataset_keeps_a_file_another_record_uses(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.token(Role::Admin).await;
    let bytes = b"city,visitors\nParis,10\nLyon,4\n".to_vec();
    let ds = crate::datasets::upload(&app, &admin, "cities", "cities.csv", bytes.clone()).await;
    let r = crate::rag::upload_parts(
        &app,
        &admin,
        vec![crate::datasets::file("cities.txt", bytes.clone())],
    )
    .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let sha = ds["sha256"].as_str().unwrap().to_owned();
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/datasets/{}", ds["id"].as_str().unwrap())))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    // The document still holds the same bytes: the file stays.
    assert!(app.server.state.blobs.exists(&sha).await.unwrap());
    set_policy(&app, &admin, "deleted_dataset_files", 1).await;
    app.server.state.clock.advance(2 * DAY);
    assert_eq!(enforce(&app, &admin).await[0]["removed"], 0);
    assert!(app.server.state.blobs.exists(&sha).await.unwrap());
}
both_backends!(
    a_deleted_dataset_keeps_a_file_another_record_uses,
    a_deleted_dataset_keeps_a_file_another_record_uses
);
