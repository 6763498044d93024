//! Sessions: refresh rotation with reuse detection, logout, revocation at once.

use domain::Role;
use raia_tests::{both_backends, expect_problem, Backend, TestApp, PASSWORD};
use serde_json::{json, Value};

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/refresh"))
        .json(&json!({"refresh_token": token}))
        .send()
        .await
        .unwrap()
}

async fn refresh_rotates_and_a_replayed_token_revokes_the_family(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let email = app.user(Role::DataScientist).await;
    let first = app.login(&email).await;
    let r1 = first["refresh_token"].as_str().unwrap();
    let second: Value = refresh(&app, r1).await.json().await.unwrap();
    let r2 = second["refresh_token"].as_str().unwrap();
    assert_ne!(r1, r2);
    let access2 = second["access_token"].as_str().unwrap();
    assert_eq!(app.get("/api/v1/auth/me", access2).await.status(), 200);
    // A thief replays the first token: refused, and the whole session ends.
    expect_problem(refresh(&app, r1).await, 401, "invalid_refresh_token").await;
    expect_problem(refresh(&app, r2).await, 401, "invalid_refresh_token").await;
    expect_problem(
        app.get("/api/v1/auth/me", access2).await,
        401,
        "unauthenticated",
    )
    .await;
    expect_problem(
        refresh(&app, "rt1.garbage").await,
        401,
        "invalid_refresh_token",
    )
    .await;
    let auditor = app.token(Role::Auditor).await;
    let log: Value = app
        .get("/api/v1/audit/logs?event_type=RefreshTokenReused", &auditor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(log["items"].as_array().unwrap().len(), 1);
    // Tokens are hashed at rest: neither appears in the log.
    let text = crate::auth::replay_text(&app).await;
    assert!(!text.contains(r1) && !text.contains(r2));
}
both_backends!(
    refresh_rotates_and_a_replayed_token_revokes_the_family,
    refresh_rotates_and_a_replayed_token_revokes_the_family
);

async fn logout_and_deactivation_end_tokens_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.token(Role::Admin).await;
    let email = app.user(Role::MlEngineer).await;
    let a = app.login(&email).await;
    let b = app.login(&email).await;
    let (ta, tb) = (
        a["access_token"].as_str().unwrap(),
        b["access_token"].as_str().unwrap(),
    );
    let sessions: Value = app
        .get("/api/v1/auth/sessions", ta)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sessions.as_array().unwrap().len(), 2);
    assert_eq!(
        sessions
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["current"] == true)
            .count(),
        1
    );
    assert_eq!(
        app.client
            .post(app.url("/api/v1/auth/logout"))
            .bearer_auth(ta)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    expect_problem(app.get("/api/v1/auth/me", ta).await, 401, "unauthenticated").await;
    expect_problem(
        refresh(&app, a["refresh_token"].as_str().unwrap()).await,
        401,
        "invalid_refresh_token",
    )
    .await;
    assert_eq!(
        app.get("/api/v1/auth/me", tb).await.status(),
        200,
        "the other session lives on"
    );
    let me: Value = app.get("/api/v1/auth/me", tb).await.json().await.unwrap();
    let id = me["id"].as_str().unwrap();
    // A role change applies to the very next request.
    let r = app
        .client
        .put(app.url(&format!("/api/v1/users/{id}/role")))
        .bearer_auth(&admin)
        .json(&json!({"role": "viewer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    expect_problem(
        app.post("/api/v1/models", tb, &json!({"name": "x", "type": "llm"}))
            .await,
        403,
        "forbidden",
    )
    .await;
    let r = app
        .client
        .post(app.url(&format!("/api/v1/users/{id}/deactivate")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    expect_problem(app.get("/api/v1/auth/me", tb).await, 401, "unauthenticated").await;
    expect_problem(
        refresh(&app, b["refresh_token"].as_str().unwrap()).await,
        401,
        "invalid_refresh_token",
    )
    .await;
    let login = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    expect_problem(login, 403, "forbidden").await;
    let listed: Value = app
        .get("/api/v1/users?active=false", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"][0]["email"], email.as_str());
    let r = app
        .client
        .post(app.url(&format!("/api/v1/users/{id}/reactivate")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let again = app.login(&email).await;
    assert_eq!(
        app.get("/api/v1/auth/me", again["access_token"].as_str().unwrap())
            .await
            .status(),
        200
    );
    let r = app
        .client
        .post(app.url(&format!("/api/v1/users/{id}/logout")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    expect_problem(
        app.get("/api/v1/auth/me", again["access_token"].as_str().unwrap())
            .await,
        401,
        "unauthenticated",
    )
    .await;
    let by_email: Value = app
        .client
        .get(app.url("/api/v1/users"))
        .query(&[("email", email.as_str())])
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_email["items"].as_array().unwrap().len(), 1);
}
both_backends!(
    logout_and_deactivation_end_tokens_at_once,
    logout_and_deactivation_end_tokens_at_once
);

async fn changing_the_password_ends_the_other_sessions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let email = app.user(Role::Viewer).await;
    let keep = app.login(&email).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = app.login(&email).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let change = |current: &str, new: &str| {
        app.client
            .put(app.url("/api/v1/auth/change-password"))
            .bearer_auth(&keep)
            .json(&json!({"current_password": current, "new_password": new}))
            .send()
    };
    expect_problem(
        change("wrong password!!", "a new long password")
            .await
            .unwrap(),
        401,
        "invalid_credentials",
    )
    .await;
    expect_problem(
        change(PASSWORD, "short").await.unwrap(),
        422,
        "weak_password",
    )
    .await;
    assert_eq!(
        change(PASSWORD, "a new long password")
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(app.get("/api/v1/auth/me", &keep).await.status(), 200);
    expect_problem(
        app.get("/api/v1/auth/me", &other).await,
        401,
        "unauthenticated",
    )
    .await;
    let old = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    expect_problem(old, 401, "invalid_credentials").await;
    let new = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": "a new long password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(new.status(), 200);
}
both_backends!(
    changing_the_password_ends_the_other_sessions,
    changing_the_password_ends_the_other_sessions
);

async fn concurrent_logins_of_one_account_all_succeed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let email = app.user(Role::Viewer).await;
    let logins = (0..8).map(|_| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"email": email, "password": raia_tests::PASSWORD}))
            .send()
    });
    for r in futures::future::join_all(logins).await {
        assert_eq!(r.unwrap().status(), 200);
    }
    app.sync().await;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(app.server.state.db.read())
        .await
        .unwrap();
    assert_eq!(n, 8);
}
both_backends!(
    concurrent_logins_of_one_account_all_succeed,
    concurrent_logins_of_one_account_all_succeed
);
