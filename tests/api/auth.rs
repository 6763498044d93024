//! Registration, login and `me`; secrets never reach the log in clear.

use domain::Role;
use raia_tests::{both_backends, expect_problem, Backend, TestApp, PASSWORD};
use serde_json::json;

async fn an_admin_registers_users_who_can_log_in_and_see_themselves(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.token(Role::Admin).await;
    let r = app
        .post("/api/v1/auth/register", &admin, &json!({"email": " Ada@Example.ORG ", "password": PASSWORD, "role": "auditor", "display_name": "Ada L."}))
        .await;
    assert_eq!(r.status(), 201);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        (body["email"].as_str(), body["role"].as_str()),
        (Some("ada@example.org"), Some("auditor"))
    );
    let tokens = app.login("ada@example.org").await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 900);
    assert!(tokens["refresh_token"].as_str().unwrap().len() > 40);
    let me: serde_json::Value = app
        .get("/api/v1/auth/me", tokens["access_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "ada@example.org");
    assert_eq!(me["display_name"], "Ada L.");
    assert_eq!(me["role"], "auditor");
    assert!(me["last_login"].as_str().is_some());
    // Neither the address, the name, the password, its hash nor the refresh token is in the log in clear.
    let log = replay_text(&app).await;
    for secret in [
        "ada@example.org",
        "Ada L.",
        PASSWORD,
        "$argon2",
        tokens["refresh_token"].as_str().unwrap(),
    ] {
        assert!(!log.contains(secret), "{secret} leaked into the log");
    }
    // The login is an event whose actor is the user.
    let logins: serde_json::Value = app
        .get(
            &format!(
                "/api/v1/audit/logs?event_type=UserLoggedIn&actor={}",
                body["id"].as_str().unwrap()
            ),
            &admin,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(logins["items"].as_array().unwrap().len(), 1);
}
both_backends!(
    an_admin_registers_users_who_can_log_in_and_see_themselves,
    an_admin_registers_users_who_can_log_in_and_see_themselves
);

/// Every stored event as text.
pub async fn replay_text(app: &TestApp) -> String {
    let events = app.server.state.store.read_all(0, 100_000).await.unwrap();
    serde_json::to_string(&events).unwrap()
}

async fn registration_refuses_duplicates_weak_passwords_and_strangers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.token(Role::Admin).await;
    let viewer = app.token(Role::Viewer).await;
    let before = app.event_count().await;
    let reg = |email: &str, pw: &str| json!({"email": email, "password": pw});
    expect_problem(
        app.post(
            "/api/v1/auth/register",
            &admin,
            &reg("x@example.org", "short"),
        )
        .await,
        422,
        "weak_password",
    )
    .await;
    expect_problem(
        app.post(
            "/api/v1/auth/register",
            &admin,
            &reg("not-an-email", PASSWORD),
        )
        .await,
        422,
        "invalid_email",
    )
    .await;
    expect_problem(
        app.post(
            "/api/v1/auth/register",
            &viewer,
            &reg("y@example.org", PASSWORD),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let anon = app
        .client
        .post(app.url("/api/v1/auth/register"))
        .json(&reg("z@example.org", PASSWORD))
        .send()
        .await
        .unwrap();
    expect_problem(anon, 403, "forbidden").await;
    assert_eq!(app.event_count().await, before, "refusals write nothing");
    assert_eq!(
        app.post(
            "/api/v1/auth/register",
            &admin,
            &reg("dup@example.org", PASSWORD)
        )
        .await
        .status(),
        201
    );
    expect_problem(
        app.post(
            "/api/v1/auth/register",
            &admin,
            &reg("DUP@example.org", PASSWORD),
        )
        .await,
        409,
        "email_taken",
    )
    .await;
}
both_backends!(
    registration_refuses_duplicates_weak_passwords_and_strangers,
    registration_refuses_duplicates_weak_passwords_and_strangers
);

async fn self_registration_grants_viewer_only_when_enabled(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.self_registration = true).await;
    let r = app
        .client
        .post(app.url("/api/v1/auth/register"))
        .json(&json!({"email": "me@example.org", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["role"],
        "viewer"
    );
    let r = app
        .client
        .post(app.url("/api/v1/auth/register"))
        .json(&json!({"email": "boss@example.org", "password": PASSWORD, "role": "admin"}))
        .send()
        .await
        .unwrap();
    expect_problem(r, 403, "forbidden").await;
}
both_backends!(
    self_registration_grants_viewer_only_when_enabled,
    self_registration_grants_viewer_only_when_enabled
);

async fn wrong_passwords_unknown_users_and_forged_tokens_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let email = app.user(Role::Viewer).await;
    let login = |e: &str, p: &str| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": e, "password": p}))
            .send()
    };
    let a = expect_problem(
        login(&email, "wrong password!!").await.unwrap(),
        401,
        "invalid_credentials",
    )
    .await;
    let b = expect_problem(
        login("nobody@example.org", PASSWORD).await.unwrap(),
        401,
        "invalid_credentials",
    )
    .await;
    assert_eq!(
        a["detail"], b["detail"],
        "no hint whether the address exists"
    );
    let good = app.login(&email).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // Flip one character of the signature.
    let mut forged = good.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    expect_problem(
        app.get("/api/v1/auth/me", &forged).await,
        401,
        "unauthenticated",
    )
    .await;
    // alg=none with the same claims.
    let claims = good.split('.').nth(1).unwrap();
    let none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{claims}.");
    expect_problem(
        app.get("/api/v1/auth/me", &none).await,
        401,
        "unauthenticated",
    )
    .await;
    // A token signed with another server's key.
    let other = api::token::Tokens::new(b"another secret", 900)
        .issue(
            domain::ids::UserId::from_uuid(uuid::Uuid::new_v4()),
            Role::Admin,
            "s",
        )
        .unwrap();
    expect_problem(
        app.get("/api/v1/auth/me", &other).await,
        401,
        "unauthenticated",
    )
    .await;
    // An expired token.
    let expired = api::token::Tokens::new(&app.server.state.keys.jwt, -60)
        .issue(
            domain::ids::UserId::from_uuid(uuid::Uuid::new_v4()),
            Role::Admin,
            "s",
        )
        .unwrap();
    expect_problem(
        app.get("/api/v1/auth/me", &expired).await,
        401,
        "unauthenticated",
    )
    .await;
    let r = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .header("authorization", "Basic abc")
        .send()
        .await
        .unwrap();
    expect_problem(r, 401, "unauthenticated").await;
}
both_backends!(
    wrong_passwords_unknown_users_and_forged_tokens_are_refused,
    wrong_passwords_unknown_users_and_forged_tokens_are_refused
);

async fn twenty_wrong_passwords_lock_the_account_even_against_the_right_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let email = app.user(Role::Viewer).await;
    let attempt = |pw: &'static str| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": email, "password": pw}))
            .send()
    };
    let mut statuses = Vec::new();
    let mut locked_retry = None;
    for _ in 0..20 {
        let r = attempt("wrong password!!").await.unwrap();
        statuses.push(r.status().as_u16());
        if r.status() == 429 {
            assert!(
                r.headers().get("retry-after").is_some(),
                "429 says when to retry"
            );
        }
    }
    assert!(
        statuses[..5].iter().all(|s| *s == 401),
        "first failures are plain refusals: {statuses:?}"
    );
    // Later attempts inside the growing delay are throttled without a password check.
    assert!(
        statuses[5..].iter().all(|s| *s == 429 || *s == 401),
        "{statuses:?}"
    );
    assert!(
        statuses[5..].contains(&429),
        "throttling kicked in: {statuses:?}"
    );
    let r = attempt(PASSWORD).await.unwrap();
    if let Some(v) = r.headers().get("retry-after") {
        locked_retry = v.to_str().ok().and_then(|s| s.parse::<u64>().ok());
    }
    let doc = expect_problem(r, 429, "account_locked").await;
    assert!(doc["detail"].as_str().unwrap().contains("locked"));
    assert!(locked_retry.unwrap() > 800, "locked for about 15 minutes");
    let admin = app.token(Role::Admin).await;
    let failed: serde_json::Value = app
        .get(
            "/api/v1/audit/logs?event_type=UserLoginFailed&limit=100",
            &admin,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        failed["items"].as_array().unwrap().len(),
        20,
        "each failure is an event"
    );
    assert_eq!(failed["items"][0]["metadata"]["client_ip"], "127.0.0.1");
    let locked: serde_json::Value = app
        .get("/api/v1/audit/logs?event_type=UserLockedOut", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(locked["items"].as_array().unwrap().len(), 1);
    let text = replay_text(&app).await;
    assert!(
        !text.contains("wrong password!!"),
        "no attempted password is logged"
    );
}
both_backends!(
    twenty_wrong_passwords_lock_the_account_even_against_the_right_one,
    twenty_wrong_passwords_lock_the_account_even_against_the_right_one
);
