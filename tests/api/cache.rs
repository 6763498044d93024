//! The read cache: a read after a write never returns the old value, on one node
//! and on two nodes sharing Redis; stats, clear, flush and who may use them.

use domain::Role;
use raia_tests::{both_backends, expect_problem, redis_url, test_config, Backend, TestApp};
use serde_json::{json, Value};

async fn create_model(app: &TestApp, token: &str) -> String {
    let r = app
        .post(
            "/api/v1/models",
            token,
            &json!({"name": format!("m-{}", uuid::Uuid::new_v4().simple()), "type": "classification",
                    "feature_names": ["a", "b"]}),
        )
        .await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn set_accuracy(app: &TestApp, token: &str, id: &str, version: i64, accuracy: f64) -> i64 {
    let r = app
        .client
        .put(app.url(&format!("/api/v1/models/{id}")))
        .bearer_auth(token)
        .header("if-match", format!("\"{version}\""))
        .json(&json!({ "accuracy": accuracy }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let written: Value = r.json().await.unwrap();
    // The write's own answer already reads the new value (the read models caught up).
    assert_eq!(written["accuracy"], json!(accuracy), "{written}");
    written["stream_version"].as_i64().unwrap()
}

async fn model(app: &TestApp, token: &str, id: &str) -> Value {
    let r = app.get(&format!("/api/v1/models/{id}"), token).await;
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let v: Value = r.json().await.unwrap();
    assert_eq!(etag, format!("\"{}\"", v["stream_version"]));
    v
}

async fn stats(app: &TestApp, token: &str, category: &str) -> Value {
    let s: Value = app
        .get("/api/v1/cache/stats", token)
        .await
        .json()
        .await
        .unwrap();
    s["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == category)
        .unwrap()
        .clone()
}

async fn a_read_after_a_write_never_returns_the_old_value(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.token(Role::Admin).await;
    let id = create_model(&app, &admin).await;
    let first = model(&app, &admin, &id).await;
    assert_eq!(model(&app, &admin, &id).await, first);
    let s = stats(&app, &admin, "model").await;
    assert_eq!(
        (s["misses"].as_u64(), s["hits"].as_u64()),
        (Some(1), Some(1))
    );
    let mut version = first["stream_version"].as_i64().unwrap();
    for i in 1..=10 {
        let accuracy = f64::from(i) / 100.0;
        version = set_accuracy(&app, &admin, &id, version, accuracy).await;
        let now = model(&app, &admin, &id).await;
        assert_eq!(
            now["accuracy"],
            json!(accuracy),
            "read {i} after its write (version {version}): {now}"
        );
        assert_eq!(now["stream_version"], json!(version));
        // The second read is a hit and still the new value.
        assert_eq!(model(&app, &admin, &id).await, now);
    }
    let s = stats(&app, &admin, "model").await;
    assert_eq!(s["invalidations"].as_u64(), Some(10), "{s}");
    assert_eq!(s["hits"].as_u64(), Some(11), "{s}");
    assert_eq!(s["entries"].as_u64(), Some(1), "{s}");
    // Events of other streams leave the entry current.
    create_model(&app, &admin).await;
    model(&app, &admin, &id).await;
    assert_eq!(
        stats(&app, &admin, "model").await["hits"].as_u64(),
        Some(12)
    );
    // A deleted model is gone at once, not served from the cache.
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/models/{id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let r = app.get(&format!("/api/v1/models/{id}"), &admin).await;
    expect_problem(r, 404, "not_found").await;
}
both_backends!(
    a_read_after_a_write_never_returns_the_old_value,
    a_read_after_a_write_never_returns_the_old_value
);

async fn two_nodes_sharing_redis_never_read_the_old_value(backend: Backend) {
    let redis = redis_url().await;
    let prefix = format!("raia-test:{}:", uuid::Uuid::new_v4().simple());
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(backend, dir.path()).await;
    config.redis_url = Some(redis);
    config.redis_prefix = prefix;
    let a = TestApp::start(backend, tempfile::tempdir().unwrap(), config.clone()).await;
    let b = TestApp::start(backend, tempfile::tempdir().unwrap(), config).await;
    let admin = a.token(Role::Admin).await;
    let id = create_model(&a, &admin).await;
    let first = model(&b, &admin, &id).await;
    // B's entry is in Redis: A reads it as a hit.
    assert_eq!(model(&a, &admin, &id).await, first);
    let s = stats(&a, &admin, "model").await;
    assert_eq!(s["hits"].as_u64(), Some(1), "{s}");
    assert_eq!(s["entries"].as_u64(), Some(1), "{s}");
    let mut version = first["stream_version"].as_i64().unwrap();
    for i in 1..=10 {
        let accuracy = f64::from(i) / 100.0;
        // Writes alternate between the nodes; the other node reads at once.
        let (writer, reader) = if i % 2 == 0 { (&a, &b) } else { (&b, &a) };
        version = set_accuracy(writer, &admin, &id, version, accuracy).await;
        let now = model(reader, &admin, &id).await;
        assert_eq!(
            now["accuracy"],
            json!(accuracy),
            "read {i} on the other node"
        );
        assert_eq!(model(writer, &admin, &id).await, now);
    }
    let (sa, sb) = (
        stats(&a, &admin, "model").await,
        stats(&b, &admin, "model").await,
    );
    assert_eq!(sa["entries"].as_u64(), Some(1));
    assert!(sa["hits"].as_u64().unwrap() + sb["hits"].as_u64().unwrap() >= 11);
    let cleared: Value = a
        .client
        .delete(a.url("/api/v1/cache/flush-all"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cleared["removed"], 1);
    // Flushed on A, gone for B too.
    assert_eq!(
        stats(&b, &admin, "model").await["entries"].as_u64(),
        Some(0)
    );
    assert_eq!(model(&b, &admin, &id).await["accuracy"], json!(0.1));
    b.stop().await;
    a.stop().await;
}
both_backends!(
    two_nodes_sharing_redis_never_read_the_old_value,
    two_nodes_sharing_redis_never_read_the_old_value
);

async fn cache_stats_clear_and_flush_are_for_admins(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.token(Role::Admin).await;
    let auditor = app.token(Role::Auditor).await;
    let engineer = app.token(Role::MlEngineer).await;
    let id = create_model(&app, &admin).await;
    model(&app, &admin, &id).await;
    let s: Value = app
        .get("/api/v1/cache/stats", &auditor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s["backend"], "memory");
    let names: Vec<_> = s["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["category"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["dataset_profile", "model", "fairness_reports"]);
    expect_problem(
        app.get("/api/v1/cache/stats", &engineer).await,
        403,
        "forbidden",
    )
    .await;
    expect_problem(
        app.post("/api/v1/cache/clear/model", &auditor, &json!({}))
            .await,
        403,
        "forbidden",
    )
    .await;
    expect_problem(
        app.post("/api/v1/cache/clear/nonsense", &admin, &json!({}))
            .await,
        404,
        "not_found",
    )
    .await;
    let cleared: Value = app
        .post("/api/v1/cache/clear/model", &admin, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cleared, json!({"category": "model", "removed": 1}));
    assert_eq!(stats(&app, &admin, "model").await["entries"], 0);
    model(&app, &admin, &id).await;
    let flushed: Value = app
        .client
        .delete(app.url("/api/v1/cache/flush-all"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(flushed, json!({"category": "all", "removed": 1}));
    let s = stats(&app, &admin, "model").await;
    assert_eq!(
        (s["misses"].as_u64(), s["entries"].as_u64()),
        (Some(2), Some(0))
    );
    let text = app.get("/metrics", &admin).await.text().await.unwrap();
    assert!(
        text.contains("raia_cache_misses_total{category=\"model\"}"),
        "{text}"
    );
}
both_backends!(
    cache_stats_clear_and_flush_are_for_admins,
    cache_stats_clear_and_flush_are_for_admins
);
