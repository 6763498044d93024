//! The audit CLI: export verified by an outside script, verify's exit code and
//! message, checkpoints, time travel.

use std::process::Command;

use domain::Role;
use raia_tests::{both_backends, Backend, TestApp};
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_raia-under-test");
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/verify_export.py");

fn raia(app: &TestApp, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .env("RAIA_DATA_DIR", &app.config.data_dir)
        .env("RAIA_DATABASE_URL", app.config.database_url())
        .env("RAIA_LOG", "warn")
        .args(args)
        .output()
        .unwrap()
}

fn python(file: &std::path::Path) -> std::process::Output {
    Command::new("python3")
        .arg(SCRIPT)
        .arg(file)
        .output()
        .expect("python3 runs the verifier")
}

async fn seeded(backend: Backend) -> (TestApp, String) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::Admin).await;
    let mut id = String::new();
    for i in 0..5 {
        let m: serde_json::Value = app
            .post(
                "/api/v1/models",
                &t,
                &json!({"name": format!("m{i} ünïcode \"q\""), "type": "llm"}),
            )
            .await
            .json()
            .await
            .unwrap();
        id = m["id"].as_str().unwrap().to_owned();
    }
    app.client
        .put(app.url(&format!("/api/v1/models/{id}")))
        .bearer_auth(&t)
        .json(&json!({"version": "9"}))
        .send()
        .await
        .unwrap();
    (app, id)
}

async fn exports_verify_with_an_outside_script_and_tampering_fails_it(backend: Backend) {
    let (app, id) = seeded(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full.jsonl");
    let out = raia(
        &app,
        &[
            "replay",
            "export",
            "--format",
            "jsonl",
            "--out",
            full.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ok = python(&full);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).starts_with("ok:"));
    // A filtered export shows one stream and elides the rest, and still verifies.
    let part = dir.path().join("part.jsonl");
    let out = raia(
        &app,
        &[
            "replay",
            "export",
            "--stream-id",
            &id,
            "--from",
            "3",
            "--out",
            part.to_str().unwrap(),
        ],
    );
    assert!(out.status.success());
    let text = std::fs::read_to_string(&part).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["first_position"], 3);
    assert_eq!(lines.iter().filter(|l| l["kind"] == "event").count(), 2);
    assert!(lines
        .iter()
        .filter(|l| l["kind"] == "event")
        .all(|l| l["stream_id"] == id.as_str()));
    assert!(python(&part).status.success());
    // Alter one payload in the export: the script names the position.
    let tampered = dir.path().join("bad.jsonl");
    let mut lines: Vec<serde_json::Value> = std::fs::read_to_string(&full)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let victim = lines
        .iter()
        .position(|l| l["event_type"] == "ModelRegistered")
        .unwrap();
    let pos = lines[victim]["position"].clone();
    let p = lines[victim]["payload"]
        .as_str()
        .unwrap()
        .replace("m0", "m7");
    lines[victim]["payload"] = json!(p);
    std::fs::write(
        &tampered,
        lines
            .iter()
            .map(|l| l.to_string() + "\n")
            .collect::<String>(),
    )
    .unwrap();
    let bad = python(&tampered);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains(&format!("position {pos}")));
}
both_backends!(
    exports_verify_with_an_outside_script_and_tampering_fails_it,
    exports_verify_with_an_outside_script_and_tampering_fails_it
);

async fn replay_verify_exits_nonzero_naming_the_first_bad_position(backend: Backend) {
    let (app, _) = seeded(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let cp = dir.path().join("cp.json");
    let out = raia(
        &app,
        &["replay", "checkpoint", "--out", cp.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let good = raia(
        &app,
        &["replay", "verify", "--checkpoint", cp.to_str().unwrap()],
    );
    assert!(
        good.status.success(),
        "{}",
        String::from_utf8_lossy(&good.stderr)
    );
    assert!(String::from_utf8_lossy(&good.stdout).contains("verified"));
    let db = &app.server.state.db;
    crate::chain::disable_guard(db).await;
    sqlx::query("UPDATE events SET metadata = REPLACE(metadata, 'jwt', 'JWT') WHERE position = 4")
        .execute(db.write())
        .await
        .unwrap();
    let bad = raia(&app, &["replay", "verify"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("first bad position: 4"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}
both_backends!(
    replay_verify_exits_nonzero_naming_the_first_bad_position,
    replay_verify_exits_nonzero_naming_the_first_bad_position
);

async fn replay_state_shows_a_stream_as_it_was(backend: Backend) {
    let (app, id) = seeded(backend).await;
    let before_update = app.event_count().await - 1;
    let out = raia(
        &app,
        &[
            "replay",
            "state",
            "model",
            &id,
            "--at",
            &before_update.to_string(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["version"], 1);
    assert!(s["state"]["spec"]["version"].is_null());
    let now: serde_json::Value =
        serde_json::from_slice(&raia(&app, &["replay", "state", "model", &id]).stdout).unwrap();
    assert_eq!(now["state"]["spec"]["version"], "9");
    let rebuilt = raia(&app, &["replay", "rebuild", "models"]);
    assert!(String::from_utf8_lossy(&rebuilt.stdout).contains("rebuilt models"));
}
both_backends!(
    replay_state_shows_a_stream_as_it_was,
    replay_state_shows_a_stream_as_it_was
);
