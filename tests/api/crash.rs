//! A real `raia serve` killed with SIGKILL in the middle of a burst of appends
//! loses no acknowledged event and leaves nothing half-written.

use std::{
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::Duration,
};

use raia_tests::{both_backends, test_config, Backend, PASSWORD};
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_raia-under-test");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn raia(config: &api::config::Config) -> Command {
    let mut c = Command::new(BIN);
    c.env("RAIA_DATA_DIR", &config.data_dir)
        .env("RAIA_DATABASE_URL", config.database_url())
        .env("RAIA_ARGON2_MEMORY_KIB", "1024")
        .env("RAIA_ARGON2_ITERATIONS", "1")
        .env("RAIA_LOG", "warn");
    c
}

fn serve(config: &api::config::Config, port: u16) -> Child {
    raia(config)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn wait_up(client: &reqwest::Client, base: &str) {
    for _ in 0..300 {
        if client
            .get(format!("{base}/api/v1/health"))
            .send()
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server at {base} did not come up");
}

async fn a_killed_server_keeps_every_acknowledged_event(backend: Backend) {
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

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = serve(&config, port);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    wait_up(&client, &base).await;
    let login: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": "root@example.org", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap().to_owned();

    // Eight writers append as fast as they can; the process dies after 80 acks.
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let (kill_tx, mut kill_rx) = tokio::sync::mpsc::channel::<()>(1);
    let mut writers = Vec::new();
    for w in 0..8 {
        let (client, base, token, acked, kill_tx) = (
            client.clone(),
            base.clone(),
            token.clone(),
            acked.clone(),
            kill_tx.clone(),
        );
        writers.push(tokio::spawn(async move {
            for i in 0.. {
                let r = client
                    .post(format!("{base}/api/v1/models"))
                    .bearer_auth(&token)
                    .json(&json!({"name": format!("w{w}-{i}"), "type": "regression"}))
                    .send()
                    .await;
                let Ok(r) = r else { return };
                if r.status() != 201 {
                    return;
                }
                let Ok(body) = r.json::<serde_json::Value>().await else {
                    return;
                };
                let n = {
                    let mut a = acked.lock().unwrap();
                    a.push(body["id"].as_str().unwrap().to_owned());
                    a.len()
                };
                if n == 80 {
                    let _ = kill_tx.send(()).await;
                }
            }
        }));
    }
    kill_rx.recv().await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    for w in writers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 80);

    // Restart on the same data and database.
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = serve(&config, port);
    wait_up(&client, &base).await;
    let (db, _) = api::startup::open(&config).await.unwrap();
    let store = commands::open_store(db.clone());
    for id in &acked {
        let events = store
            .read_stream("model", id, commands::Until::Now)
            .await
            .unwrap();
        assert_eq!(events.len(), 1, "acknowledged model {id} is in the log");
    }
    let v = replay::verify::verify(&db, None, None).await.unwrap();
    let registered: i64 = sqlx::Row::try_get(
        &sqlx::query("SELECT COUNT(*) FROM events WHERE event_type = 'ModelRegistered'")
            .fetch_one(db.read())
            .await
            .unwrap(),
        0,
    )
    .unwrap();
    assert!(registered as usize >= acked.len());
    // Projections converge: the restarted server serves every registered model.
    let token = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": "root@example.org", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let runner = projections::Runner::new(db.clone(), projections::all(), store.notifier());
    runner.sync().await.unwrap();
    let lag = runner.lag().await.unwrap();
    assert!(
        lag.iter().all(|l| l.lag == 0 && l.head > v.head_position),
        "{lag:?}"
    );
    let mut seen = 0;
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{base}/api/v1/models?limit=500");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page: serde_json::Value = client
            .get(url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        seen += page["items"].as_array().unwrap().len();
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(
        seen as i64, registered,
        "the read model holds every registered model"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}
both_backends!(
    a_killed_server_keeps_every_acknowledged_event,
    a_killed_server_keeps_every_acknowledged_event
);
