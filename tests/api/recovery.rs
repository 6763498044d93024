//! E-mail verification and password reset: single-use, expiring, hashed
//! tokens; mail through the outbox or a real SMTP conversation; no user
//! enumeration; mail is never re-sent by a rebuild or a restart.

use domain::Role;
use raia_tests::{
    both_backends, expect_problem, link_token, smtp::SmtpServer, Backend, TestApp, PASSWORD,
};
use serde_json::{json, Value};

async fn admin_creates(app: &TestApp, email: &str) -> String {
    let admin = app.token(Role::Admin).await;
    let r = app
        .post(
            "/api/v1/auth/register",
            &admin,
            &json!({"email": email, "password": PASSWORD, "role": "auditor"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn verification_links_work_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let email = "ada@example.org";
    admin_creates(&app, email).await;
    let mails = app.wait_for_outbox(1).await;
    assert!(mails[0].contains("To: ada@example.org"), "{}", mails[0]);
    let token = link_token(&mails[0], "verify-email").expect("a link in the mail");
    // The log holds the token's hash and a nonce, never the token.
    let log: Vec<String> = sqlx::query_scalar("SELECT payload FROM events")
        .fetch_all(app.server.state.db.read())
        .await
        .unwrap();
    assert!(!log.iter().any(|p| p.contains(&token)));
    let t = app.login(email).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let me: Value = app.get("/api/v1/auth/me", &t).await.json().await.unwrap();
    assert_eq!(me["email_verified"], false);
    let anon = |body: Value| {
        app.client
            .post(app.url("/api/v1/auth/verify-email"))
            .json(&body)
            .send()
    };
    assert_eq!(anon(json!({"token": token})).await.unwrap().status(), 200);
    let me: Value = app.get("/api/v1/auth/me", &t).await.json().await.unwrap();
    assert_eq!(me["email_verified"], true);
    expect_problem(
        anon(json!({"token": token})).await.unwrap(),
        400,
        "invalid_token",
    )
    .await;
    expect_problem(
        anon(json!({"token": "vt1.nope.x"})).await.unwrap(),
        400,
        "invalid_token",
    )
    .await;
    // Resend for a verified address sends nothing; the answer is the same.
    let r = app
        .client
        .post(app.url("/api/v1/auth/resend-verification"))
        .json(&json!({"email": email}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let types: Vec<String> =
        sqlx::query_scalar("SELECT event_type FROM events WHERE event_type = 'EmailVerified'")
            .fetch_all(app.server.state.db.read())
            .await
            .unwrap();
    assert_eq!(types.len(), 1);
}
both_backends!(verification_links_work_once, verification_links_work_once);

async fn forgot_password_never_tells_whether_an_address_exists(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let email = app.user(Role::Viewer).await;
    let ask = |e: &str| {
        app.client
            .post(app.url("/api/v1/auth/forgot-password"))
            .json(&json!({"email": e}))
            .send()
    };
    let known = ask(&email).await.unwrap();
    let unknown = ask("nobody@example.org").await.unwrap();
    let malformed = ask("not an address").await.unwrap();
    let (ks, us, ms) = (known.status(), unknown.status(), malformed.status());
    let kb = known.text().await.unwrap();
    assert_eq!((ks.as_u16(), us.as_u16(), ms.as_u16()), (202, 202, 202));
    assert_eq!(kb, unknown.text().await.unwrap());
    assert_eq!(kb, malformed.text().await.unwrap());
    // Only the known address gets mail.
    let mails = app.wait_for_outbox(1).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(app.outbox().len(), 1);
    assert!(mails[0].contains(&format!("To: {email}")));
}
both_backends!(
    forgot_password_never_tells_whether_an_address_exists,
    forgot_password_never_tells_whether_an_address_exists
);

async fn a_reset_link_sets_the_password_once_and_ends_every_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let email = app.user(Role::Viewer).await;
    let session = app.login(&email).await;
    let access = session["access_token"].as_str().unwrap().to_owned();
    let forgot = json!({"email": email});
    app.client
        .post(app.url("/api/v1/auth/forgot-password"))
        .json(&forgot)
        .send()
        .await
        .unwrap();
    let token = link_token(&app.wait_for_outbox(1).await[0], "reset-password").unwrap();
    let reset = |pw: &str| {
        app.client
            .post(app.url("/api/v1/auth/reset-password"))
            .json(&json!({"token": token, "new_password": pw}))
            .send()
    };
    expect_problem(reset("password").await.unwrap(), 422, "weak_password").await;
    expect_problem(
        reset("qwertyqwertyqwerty").await.unwrap(),
        422,
        "weak_password",
    )
    .await;
    let new_pw = "a brand new passphrase 42";
    assert_eq!(reset(new_pw).await.unwrap().status(), 200);
    expect_problem(
        reset("another fine passphrase").await.unwrap(),
        400,
        "invalid_token",
    )
    .await;
    // Every session ended; the old password no longer works; the new one does.
    assert_eq!(app.get("/api/v1/auth/me", &access).await.status(), 401);
    let login = |pw: &str| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": email, "password": pw}))
            .send()
    };
    assert_eq!(login(PASSWORD).await.unwrap().status(), 401);
    assert_eq!(login(new_pw).await.unwrap().status(), 200);
    // A verify token is not a reset token.
    let wrong = token.replacen("pr1.", "vt1.", 1);
    let r = app
        .client
        .post(app.url("/api/v1/auth/verify-email"))
        .json(&json!({"token": wrong}))
        .send()
        .await
        .unwrap();
    expect_problem(r, 400, "invalid_token").await;
    let types: Vec<String> = sqlx::query_scalar(
        "SELECT event_type FROM events WHERE event_type IN ('PasswordReset', 'SessionRevoked') ORDER BY position",
    )
    .fetch_all(app.server.state.db.read())
    .await
    .unwrap();
    assert_eq!(types, ["PasswordReset", "SessionRevoked"]);
}
both_backends!(
    a_reset_link_sets_the_password_once_and_ends_every_session,
    a_reset_link_sets_the_password_once_and_ends_every_session
);

async fn mail_goes_through_smtp_and_is_never_sent_twice(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let url = format!("smtp://mailer:s3cret@{}", smtp.addr);
    let app = TestApp::spawn_with(backend, |c| {
        c.smtp_url = Some(url);
        c.mail_from = "RAIA <raia@example.org>".into();
        c.public_url = Some("https://raia.example.org".into());
    })
    .await;
    let email = "grace@example.org";
    admin_creates(&app, email).await;
    let got = smtp.wait_for(1).await;
    assert_eq!(got[0].to, [email]);
    assert_eq!(got[0].from, "raia@example.org");
    assert_eq!(got[0].auth_user.as_deref(), Some("mailer"));
    assert!(got[0]
        .data
        .contains("Subject: Confirm your e-mail address for RAIA"));
    let token = link_token(&got[0].data, "verify-email").unwrap();
    assert!(got[0]
        .data
        .replace("=\r\n", "")
        .contains("https://raia.example.org/verify-email?token="));
    assert!(app.outbox().is_empty(), "SMTP mail leaves no outbox copy");
    // Rebuilding the read models and restarting the server send nothing again.
    for name in ["users", "sessions", "api_keys"] {
        app.server.state.runner.rebuild(name).await.unwrap();
    }
    let backend = app.backend;
    let config = app.config.clone();
    let dir = app.stop().await;
    let app = TestApp::start(backend, dir, config).await;
    app.sync().await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(smtp.received().len(), 1);
    // The token still works after the restart.
    let r = app
        .client
        .post(app.url("/api/v1/auth/verify-email"))
        .json(&json!({"token": token}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
both_backends!(
    mail_goes_through_smtp_and_is_never_sent_twice,
    mail_goes_through_smtp_and_is_never_sent_twice
);
