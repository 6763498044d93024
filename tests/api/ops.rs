//! Health and metrics.

use domain::Role;
use raia_tests::{both_backends, Backend, TestApp};
use serde_json::Value;

async fn health_and_metrics_report_the_server(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.token(Role::Admin).await;
    let live: Value = app
        .client
        .get(app.url("/api/v1/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(live["status"], "ok");
    let r = app.get("/api/v1/health/detailed", &admin).await;
    assert_eq!(r.status(), 200);
    let d: Value = r.json().await.unwrap();
    assert_eq!(d["database"]["status"], "ok");
    assert_eq!(d["file_store"]["status"], "ok");
    assert_eq!(d["nats"]["status"], "disabled");
    assert_eq!(
        d["projections"]["detail"]["projections"]
            .as_array()
            .unwrap()
            .len(),
        projections::all().len()
    );
    assert_eq!(d["mail"]["detail"]["transport"], "outbox");
    let expected_backend = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert_eq!(d["database"]["detail"]["backend"], expected_backend);
    let sys: Value = app
        .get("/api/v1/metrics/system", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert!(sys["cpus"].as_u64().unwrap() >= 1);
    let appm: Value = app
        .get("/api/v1/metrics/application", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert!(appm["requests_total"].as_u64().unwrap() >= 3);
    let dbm: Value = app
        .get("/api/v1/metrics/database", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(dbm["events_total"].as_i64(), Some(app.event_count().await));
    assert!(dbm["events_by_stream_type"]["user"].as_i64().unwrap() >= 2);
    let text = app.get("/metrics", &admin).await.text().await.unwrap();
    assert!(text.contains("raia_http_requests_total"), "{text}");
    assert!(text.contains("raia_projection_lag_events"));
}
both_backends!(
    health_and_metrics_report_the_server,
    health_and_metrics_report_the_server
);

async fn cors_admits_only_configured_origins(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.cors_origins = vec!["https://ui.example".into()]
    })
    .await;
    let pre = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/api/v1/models"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type,idempotency-key",
            )
            .send()
    };
    let ok = pre("https://ui.example").await.unwrap();
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://ui.example"
    );
    let other = pre("https://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}
both_backends!(
    cors_admits_only_configured_origins,
    cors_admits_only_configured_origins
);

async fn metrics_show_events_jobs_cache_sockets_and_predictions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.token(Role::Admin).await;
    let id = crate::model_support::register(
        &app,
        &admin,
        serde_json::json!({"name": "iris", "type": "classification",
            "feature_names": ["sl", "sw", "pl", "pw"]}),
    )
    .await;
    let v = crate::model_support::upload_fixture(&app, &admin, &id, "rf_iris_f32.onnx").await;
    let r = app
        .post(
            &format!("/api/v1/models/{id}/predict"),
            &admin,
            &serde_json::json!({"rows": [[5.1, 3.5, 1.4, 0.2], [6.3, 3.3, 6.0, 2.5]], "version": v}),
        )
        .await;
    assert_eq!(r.status(), 200);
    for _ in 0..2 {
        assert_eq!(
            app.get(&format!("/api/v1/models/{id}"), &admin)
                .await
                .status(),
            200
        );
    }
    // A job, through the jobs facility.
    let r = app
        .client
        .post(app.url("/api/v1/retention/enforce"))
        .bearer_auth(&admin)
        .header("prefer", "respond-async")
        .send()
        .await
        .unwrap();
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    crate::jobs::wait_for_job(&app, &location, &admin).await;
    let text = app.get("/metrics", &admin).await.text().await.unwrap();
    for needle in [
        "raia_events_appended_total",
        "raia_projection_lag_events{projection=\"models\"}",
        "raia_log_head_position",
        "raia_jobs{kind=\"retention\",status=\"succeeded\"} 1",
        "raia_jobs{kind=\"retention\",status=\"running\"} 0",
        "raia_websocket_connections 0",
        "raia_cache_hits_total{category=\"model\"}",
        "raia_cache_entries{category=\"model\"}",
        &format!("raia_predictions_total{{model_id=\"{id}\"}}"),
        "raia_http_request_duration_seconds_bucket",
    ] {
        assert!(text.contains(needle), "{needle} missing from\n{text}");
    }
}
both_backends!(
    metrics_show_events_jobs_cache_sockets_and_predictions,
    metrics_show_events_jobs_cache_sockets_and_predictions
);
