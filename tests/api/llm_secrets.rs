//! API keys never leave in clear: a real `raia serve` process logging at debug
//! level is driven through every key-handling path (create, call, stream,
//! failures, rotate, delete); then its logs, a full export of the log and every
//! answer are searched for the keys.

use std::{
    process::{Command, Stdio},
    time::Duration,
};

use raia_tests::{both_backends, fake_llm::FakeLlm, test_config, Backend, PASSWORD};
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_raia-under-test");
const KEY: &str = "sk-live-FIRSTKEY-9f8e7d6c5b4a";
const ROTATED: &str = "sk-live-ROTATEDKEY-1a2b3c4d";
const INLINE: &str = "sk-live-INLINEKEY-5e6f7a8b";

fn raia(config: &api::config::Config) -> Command {
    let mut c = Command::new(BIN);
    c.env("RAIA_DATA_DIR", &config.data_dir)
        .env("RAIA_DATABASE_URL", config.database_url())
        .env("RAIA_ARGON2_MEMORY_KIB", "1024")
        .env("RAIA_ARGON2_ITERATIONS", "1")
        .env("RAIA_LOG", "debug");
    c
}

async fn no_api_key_appears_in_events_logs_exports_or_errors(backend: Backend) {
    let fake = FakeLlm::start(KEY).await;
    let dir = tempfile::tempdir().unwrap();
    let config = test_config(backend, dir.path()).await;
    let mut create = raia(&config)
        .args([
            "admin",
            "create",
            "--email",
            "root@example.org",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    create
        .stdin
        .take()
        .unwrap()
        .write_all(PASSWORD.as_bytes())
        .unwrap();
    assert!(create.wait().unwrap().success());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let log_out = std::fs::File::create(dir.path().join("stdout.log")).unwrap();
    let log_err = std::fs::File::create(dir.path().join("stderr.log")).unwrap();
    let mut child = raia(&config)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(log_out)
        .stderr(log_err)
        .spawn()
        .unwrap();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    for _ in 0..300 {
        if client
            .get(format!("{base}/api/v1/health"))
            .send()
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let login: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": "root@example.org", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let t = login["access_token"].as_str().unwrap().to_owned();
    let mut answers = String::new();
    let call = |method: reqwest::Method, path: &str, body: Value| {
        let req = client
            .request(method, format!("{base}{path}"))
            .bearer_auth(&t)
            .json(&body);
        async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            let text = r.text().await.unwrap();
            (status, text)
        }
    };
    let (s, text) = call(
        reqwest::Method::POST,
        "/api/v1/llm/configurations",
        json!({"name": "k", "provider": "openai_compatible", "model": "ok-k", "base_url": fake.base, "api_key": KEY}),
    )
    .await;
    assert_eq!(s, 201, "{text}");
    let id = serde_json::from_str::<Value>(&text).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    answers.push_str(&text);
    let steps = [
        (
            reqwest::Method::POST,
            "/api/v1/llm/test-configuration".to_owned(),
            json!({"configuration_id": id}),
        ),
        (
            reqwest::Method::POST,
            "/api/v1/llm/test-configuration".into(),
            json!({"configuration_id": id, "stream": true}),
        ),
        (
            reqwest::Method::POST,
            "/api/v1/llm/test-configuration".into(),
            json!({"provider": "openai_compatible", "model": "ok-inline", "base_url": fake.base, "api_key": INLINE}),
        ),
        (
            reqwest::Method::POST,
            "/api/v1/llm/test-configuration".into(),
            json!({"provider": "anthropic", "model": "broken", "base_url": fake.base, "api_key": INLINE,
                   "parameters": {"max_retries": 0}}),
        ),
        (
            reqwest::Method::PUT,
            format!("/api/v1/llm/configurations/{id}"),
            json!({"api_key": ROTATED}),
        ),
        (
            reqwest::Method::POST,
            "/api/v1/llm/test-configuration".into(),
            json!({"configuration_id": id}),
        ),
        (
            reqwest::Method::PUT,
            format!("/api/v1/llm/configurations/{id}"),
            json!({"api_key": KEY, "model": "broken",
            "parameters": {"max_retries": 1}}),
        ),
        (
            reqwest::Method::POST,
            "/api/v1/llm/test-configuration".into(),
            json!({"configuration_id": id}),
        ),
        (
            reqwest::Method::GET,
            "/api/v1/llm/configurations".into(),
            json!(null),
        ),
        (
            reqwest::Method::DELETE,
            format!("/api/v1/llm/configurations/{id}"),
            json!(null),
        ),
    ];
    let mut statuses = Vec::new();
    for (m, path, body) in steps {
        let (s, text) = call(m, &path, body).await;
        statuses.push(s);
        answers.push_str(&text);
    }
    assert_eq!(
        statuses,
        [200, 200, 502, 502, 200, 502, 200, 502, 200, 204],
        "{answers}"
    );
    // The keys were really used on the wire, so a leak would have had something to leak.
    let used: Vec<String> = fake
        .seen()
        .into_iter()
        .filter_map(|s| s.credential)
        .collect();
    for k in [KEY, ROTATED, INLINE] {
        assert!(
            used.iter().any(|c| c.contains(k)),
            "{k} was sent to the provider"
        );
    }
    let _ = child.kill();
    let _ = child.wait();
    let export = dir.path().join("export.jsonl");
    let out = raia(&config)
        .args([
            "replay",
            "export",
            "--format",
            "jsonl",
            "--out",
            export.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exported = std::fs::read_to_string(&export).unwrap();
    assert!(
        exported.contains("LlmApiKeySet"),
        "the export holds the key events (sealed)"
    );
    let logs = std::fs::read_to_string(dir.path().join("stdout.log")).unwrap()
        + &std::fs::read_to_string(dir.path().join("stderr.log")).unwrap();
    assert!(
        logs.contains("test-configuration"),
        "the logs cover the calls"
    );
    for k in [KEY, ROTATED, INLINE] {
        for (what, text) in [
            ("export", &exported),
            ("logs", &logs),
            ("answers", &answers),
        ] {
            assert!(!text.contains(k), "{k} appears in the {what}");
        }
    }
}
both_backends!(
    no_api_key_appears_in_events_logs_exports_or_errors,
    no_api_key_appears_in_events_logs_exports_or_errors
);
