//! API keys: shown once, stored hashed, scoped to a role, revocable, with a
//! last-used time; usable as a bearer token by machine clients.

use domain::Role;
use raia_tests::{both_backends, expect_problem, Backend, TestApp};
use serde_json::{json, Value};

async fn api_keys_authenticate_machines_until_revoked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.token(Role::Admin).await;
    let viewer = app.token(Role::Viewer).await;
    let body = json!({"name": "ci pipeline", "role": "ml_engineer"});
    expect_problem(
        app.post("/api/v1/auth/api-keys", &viewer, &body).await,
        403,
        "forbidden",
    )
    .await;
    let r = app.post("/api/v1/auth/api-keys", &admin, &body).await;
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    let key = created["key"].as_str().unwrap().to_owned();
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(key.starts_with("rk1."));
    assert_eq!(created["role"], "ml_engineer");
    // Only the hash is kept: neither the log nor the table holds the key.
    let db = app.server.state.db.read();
    let payloads: Vec<String> = sqlx::query_scalar("SELECT payload FROM events")
        .fetch_all(db)
        .await
        .unwrap();
    assert!(!payloads.iter().any(|p| p.contains(&key[40..])));
    let listed: Value = app
        .get("/api/v1/auth/api-keys", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert!(!listed.to_string().contains(&key[40..]));
    assert!(listed[0]["last_used_at"].is_null());
    // The key acts with its role.
    let r = app
        .post(
            "/api/v1/models",
            &key,
            &json!({"name": "m", "type": "classification"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    expect_problem(app.get("/api/v1/users", &key).await, 403, "forbidden").await;
    // The use was recorded (at most once a minute).
    let mut last = Value::Null;
    for _ in 0..50 {
        app.sync().await;
        let listed: Value = app
            .get("/api/v1/auth/api-keys", &admin)
            .await
            .json()
            .await
            .unwrap();
        last = listed[0]["last_used_at"].clone();
        if !last.is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(last.is_string(), "last_used_at was not recorded");
    // A wrong secret for a real id, and a malformed key, are refused.
    let wrong = format!("{}{}", &key[..key.len() - 4], "0000");
    expect_problem(
        app.get("/api/v1/models", &wrong).await,
        401,
        "unauthenticated",
    )
    .await;
    expect_problem(
        app.get("/api/v1/models", "rk1.x.y").await,
        401,
        "unauthenticated",
    )
    .await;
    // Revocation takes effect at once.
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/auth/api-keys/{id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    expect_problem(
        app.get("/api/v1/models", &key).await,
        401,
        "unauthenticated",
    )
    .await;
    let types: Vec<String> = sqlx::query_scalar(
        "SELECT event_type FROM events WHERE stream_type = 'api_key' ORDER BY position",
    )
    .fetch_all(app.server.state.db.read())
    .await
    .unwrap();
    assert_eq!(types, ["ApiKeyCreated", "ApiKeyUsed", "ApiKeyRevoked"]);
}
both_backends!(
    api_keys_authenticate_machines_until_revoked,
    api_keys_authenticate_machines_until_revoked
);

async fn an_expired_key_or_a_deactivated_owner_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.token(Role::Admin).await;
    let svc = app.user(Role::Viewer).await;
    let svc_token = app.login(&svc).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let me: Value = app
        .get("/api/v1/auth/me", &svc_token)
        .await
        .json()
        .await
        .unwrap();
    let owner = me["id"].as_str().unwrap();
    let body = json!({"name": "svc", "role": "viewer", "owner_id": owner, "expires_in_days": 1});
    let created: Value = app
        .post("/api/v1/auth/api-keys", &admin, &body)
        .await
        .json()
        .await
        .unwrap();
    let key = created["key"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/api/v1/models", &key).await.status(), 200);
    assert_eq!(
        app.post(
            &format!("/api/v1/users/{owner}/deactivate"),
            &admin,
            &json!({})
        )
        .await
        .status(),
        204
    );
    expect_problem(
        app.get("/api/v1/models", &key).await,
        401,
        "unauthenticated",
    )
    .await;
    let bad = json!({"name": "x", "role": "viewer", "owner_id": "not-a-user"});
    expect_problem(
        app.post("/api/v1/auth/api-keys", &admin, &bad).await,
        422,
        "invalid_owner",
    )
    .await;
}
both_backends!(
    an_expired_key_or_a_deactivated_owner_is_refused,
    an_expired_key_or_a_deactivated_owner_is_refused
);
