//! Login throttling per client address, across accounts: a growing delay,
//! then a lockout that is an event and that a correct password does not pass.

use domain::Role;
use raia_tests::{both_backends, Backend, TestApp, PASSWORD};
use serde_json::json;

async fn an_address_spraying_passwords_is_slowed_then_locked_out(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.address_lock_after = 6).await;
    let victim = app.user(Role::Viewer).await;
    let attempt = |email: String, pw: &'static str| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": email, "password": pw}))
            .send()
    };
    let mut codes = Vec::new();
    for i in 0..8 {
        // Different accounts each time: the per-account throttle never triggers.
        let r = attempt(format!("guess{i}@example.org"), "wrong password here")
            .await
            .unwrap();
        let status = r.status().as_u16();
        let retry = r.headers().get("retry-after").is_some();
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(status != 429 || retry, "429 without Retry-After");
        codes.push((status, body["code"].as_str().unwrap_or("").to_owned()));
    }
    assert_eq!(codes[0], (401, "invalid_credentials".into()));
    assert_eq!(codes[2], (429, "address_throttled".into()), "{codes:?}");
    assert_eq!(codes[7], (429, "address_locked".into()), "{codes:?}");
    // The right password from that address is refused too, during the lockout.
    let r = attempt(victim, PASSWORD).await.unwrap();
    assert_eq!(r.status(), 429);
    app.sync().await;
    let locks: Vec<String> =
        sqlx::query_scalar("SELECT stream_id FROM events WHERE event_type = 'AddressLockedOut'")
            .fetch_all(app.server.state.db.read())
            .await
            .unwrap();
    assert_eq!(locks.len(), 1, "one lockout event");
    assert!(
        !locks[0].contains("127.0.0.1"),
        "the address is not named in clear"
    );
}
both_backends!(
    an_address_spraying_passwords_is_slowed_then_locked_out,
    an_address_spraying_passwords_is_slowed_then_locked_out
);
