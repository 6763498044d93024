//! GDPR: a person's data export, and erasure by crypto-shredding that leaves no
//! plaintext of them anywhere while the chain still verifies.

use domain::Role;
use raia_tests::{both_backends, expect_problem, Backend, TestApp, PASSWORD};
use serde_json::{json, Value};

/// Every file under `dir`, as bytes.
fn files(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(b) = std::fs::read(&p) {
                out.push((p, b));
            }
        }
    }
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Every row of every table of a PostgreSQL database, as text (SQLite's
/// tables live in the data dir's files, which the file scan covers).
async fn postgres_text(app: &TestApp) -> String {
    let db = app.server.state.db.read();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
    )
    .fetch_all(db)
    .await
    .unwrap();
    let mut text = String::new();
    for t in tables {
        let rows: Vec<String> =
            sqlx::query_scalar(&format!("SELECT CAST(x AS TEXT) FROM \"{t}\" x"))
                .fetch_all(db)
                .await
                .unwrap();
        text.push_str(&rows.join("\n"));
    }
    text
}

async fn erasure_leaves_no_plaintext_and_the_chain_verifies(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.token(Role::Admin).await;
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let email = format!("erin.{tag}@example.org");
    let name = format!("Erin Q. {tag}");
    // Sent with an Idempotency-Key, so the cached answer holds the address too.
    let r = app
        .client
        .post(app.url("/api/v1/auth/register"))
        .bearer_auth(&admin)
        .header("idempotency-key", format!("reg-{tag}"))
        .json(&json!({"email": email, "password": PASSWORD, "display_name": name, "role": "data_scientist"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let t = app.login(&email).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.post(
            "/api/v1/models",
            &t,
            &json!({"name": "erin's model", "type": "classification"})
        )
        .await
        .status(),
        201
    );
    app.client
        .post(app.url("/api/v1/auth/forgot-password"))
        .json(&json!({"email": email}))
        .send()
        .await
        .unwrap();
    app.wait_for_outbox(2).await;
    // Export: the person sees their own data, decrypted; others may not.
    let export_path = format!("/api/v1/privacy/data-export/{id}");
    let other = app.token(Role::Auditor).await;
    expect_problem(app.get(&export_path, &other).await, 403, "forbidden").await;
    let export: Value = app.get(&export_path, &t).await.json().await.unwrap();
    let text = export.to_string();
    assert!(
        text.contains(&email) && text.contains(&name),
        "export is decrypted"
    );
    assert!(export["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["event_type"] == "ModelRegistered"));
    assert!(!text.contains(PASSWORD));
    // Erasure (by an admin).
    let r = app
        .post(
            &format!("/api/v1/privacy/data-deletion/{id}"),
            &admin,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "erased");
    assert_eq!(
        app.get("/api/v1/auth/me", &t).await.status(),
        401,
        "sessions end"
    );
    let login = json!({"email": email, "password": PASSWORD});
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&login)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Exports and audit views show [erased].
    let export: Value = app.get(&export_path, &admin).await.json().await.unwrap();
    assert_eq!(export["erased"], true);
    let registered = export["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event_type"] == "UserRegistered")
        .unwrap();
    assert_eq!(registered["payload"]["email"], "[erased]");
    assert_eq!(registered["payload"]["display_name"], "[erased]");
    let audit: Value = app
        .get(
            &format!("/api/v1/audit/logs?order=asc&stream_type=user&stream_id={id}"),
            &admin,
        )
        .await
        .json()
        .await
        .unwrap();
    let first = &audit["items"][0];
    assert_eq!(first["payload"]["email"], "[erased]", "{first}");
    // No plaintext of the person remains in any file of the data dir...
    app.sync().await;
    sqlx::query("SELECT 1")
        .execute(app.server.state.db.write())
        .await
        .unwrap();
    if backend == Backend::Sqlite {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(app.server.state.db.write())
            .await
            .unwrap();
    }
    for (path, bytes) in files(app.dir.path()) {
        for needle in [&email, &name, &tag] {
            assert!(
                !contains(&bytes, needle),
                "{} still holds {needle}",
                path.display()
            );
        }
    }
    // ...nor in any table of the PostgreSQL database.
    if backend == Backend::Postgres {
        let db_text = postgres_text(&app).await;
        assert!(db_text.contains("UserErased"), "the scan reads the log");
        assert!(
            !db_text.contains(&tag),
            "the database still holds the person"
        );
    }
    // The chain still verifies, and the erasure itself is an event.
    let v: Value = app
        .get("/api/v1/audit/verify", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["status"], "verified", "{v}");
    let types: Vec<String> = sqlx::query_scalar(
        "SELECT event_type FROM events WHERE event_type IN ('UserErased', 'EmailReleased')",
    )
    .fetch_all(app.server.state.db.read())
    .await
    .unwrap();
    assert_eq!(types.len(), 2);
    // The address is free again.
    let r = app
        .post(
            "/api/v1/auth/register",
            &admin,
            &json!({"email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), 201);
}
both_backends!(
    erasure_leaves_no_plaintext_and_the_chain_verifies,
    erasure_leaves_no_plaintext_and_the_chain_verifies
);
