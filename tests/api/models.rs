//! The minimal model registry: CRUD, optimistic concurrency, pagination, time travel.

use domain::Role;
use raia_tests::{both_backends, expect_problem, Backend, TestApp};
use serde_json::{json, Value};

async fn models_are_created_read_updated_and_deleted_with_if_match(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::MlEngineer).await;
    let r = app
        .post("/api/v1/models", &t, &json!({"name": "credit", "type": "classification", "algorithm": "xgb", "feature_names": ["age", "income"], "metadata": {"owner": "risk"}}))
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["etag"], "\"1\"");
    let m: Value = r.json().await.unwrap();
    let id = m["id"].as_str().unwrap().to_owned();
    assert_eq!(m["status"], "draft");
    let path = format!("/api/v1/models/{id}");
    let got: Value = app.get(&path, &t).await.json().await.unwrap();
    assert_eq!(got["feature_names"], json!(["age", "income"]));
    let put = |body: Value, if_match: Option<&str>| {
        let mut rq = app.client.put(app.url(&path)).bearer_auth(&t).json(&body);
        if let Some(v) = if_match {
            rq = rq.header("if-match", v);
        }
        rq.send()
    };
    let r = put(json!({"accuracy": 0.91, "algorithm": null}), Some("\"1\""))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let m: Value = r.json().await.unwrap();
    assert_eq!(
        (
            m["accuracy"].as_f64(),
            m["algorithm"].is_null(),
            m["stream_version"].as_i64()
        ),
        (Some(0.91), true, Some(2))
    );
    let before = app.event_count().await;
    let stale = put(json!({"name": "lost update"}), Some("\"1\""))
        .await
        .unwrap();
    expect_problem(stale, 409, "version_conflict").await;
    expect_problem(
        put(json!({"accuracy": 3.0}), None).await.unwrap(),
        422,
        "invalid_model",
    )
    .await;
    assert_eq!(
        app.event_count().await,
        before,
        "refused updates write nothing"
    );
    // An update that changes nothing succeeds without an event.
    assert_eq!(
        put(json!({"accuracy": 0.91}), None).await.unwrap().status(),
        200
    );
    assert_eq!(app.event_count().await, before);
    let r = app
        .client
        .delete(app.url(&path))
        .bearer_auth(&t)
        .header("if-match", "2")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    expect_problem(app.get(&path, &t).await, 404, "not_found").await;
    expect_problem(
        app.client
            .delete(app.url(&path))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;
    // Its history stays: as of position 'before' it existed with accuracy 0.91.
    let old: Value = app
        .get(&format!("{path}?as_of={before}"), &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(old["accuracy"], 0.91);
    assert_eq!(old["stream_version"], 2);
    expect_problem(
        app.get("/api/v1/models/not-a-uuid", &t).await,
        404,
        "not_found",
    )
    .await;
}
both_backends!(
    models_are_created_read_updated_and_deleted_with_if_match,
    models_are_created_read_updated_and_deleted_with_if_match
);

async fn as_of_answers_from_history_by_time_and_by_position(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::DataScientist).await;
    let m: Value = app
        .post(
            "/api/v1/models",
            &t,
            &json!({"name": "v1", "type": "regression"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/models/{}", m["id"].as_str().unwrap());
    let created_at = m["created_at"].as_str().unwrap().to_owned();
    let pos_after_create = app.event_count().await;
    app.client
        .put(app.url(&path))
        .bearer_auth(&t)
        .json(&json!({"name": "v2"}))
        .send()
        .await
        .unwrap();
    let by_pos: Value = app
        .get(&format!("{path}?as_of={pos_after_create}"), &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_pos["name"], "v1");
    let by_time: Value = app
        .client
        .get(app.url(&path))
        .query(&[("as_of", created_at.as_str())])
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_time["name"], "v1");
    let now: Value = app.get(&path, &t).await.json().await.unwrap();
    assert_eq!(now["name"], "v2");
    expect_problem(
        app.get(&format!("{path}?as_of=1"), &t).await,
        404,
        "not_found",
    )
    .await;
    expect_problem(
        app.get(&format!("{path}?as_of=yesterday"), &t).await,
        400,
        "invalid_as_of",
    )
    .await;
}
both_backends!(
    as_of_answers_from_history_by_time_and_by_position,
    as_of_answers_from_history_by_time_and_by_position
);

async fn lists_page_with_cursors_and_filter(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::Admin).await;
    for i in 0..7 {
        let kind = if i % 2 == 0 { "classification" } else { "llm" };
        app.post(
            "/api/v1/models",
            &t,
            &json!({"name": format!("Model {i}"), "type": kind}),
        )
        .await;
    }
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut q = vec![("limit", "3".to_owned())];
        if let Some(c) = &cursor {
            q.push(("cursor", c.clone()));
        }
        let page: Value = app
            .client
            .get(app.url("/api/v1/models"))
            .query(&q)
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        names.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["name"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(
        names,
        (0..7).map(|i| format!("Model {i}")).collect::<Vec<_>>()
    );
    let llm: Value = app
        .get("/api/v1/models?type=llm&name=MODEL", &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(llm["items"].as_array().unwrap().len(), 3);
    expect_problem(
        app.get("/api/v1/models?limit=0", &t).await,
        400,
        "invalid_limit",
    )
    .await;
    expect_problem(
        app.get("/api/v1/models?limit=9999", &t).await,
        400,
        "invalid_limit",
    )
    .await;
}
both_backends!(
    lists_page_with_cursors_and_filter,
    lists_page_with_cursors_and_filter
);
