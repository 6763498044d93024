//! Several servers on one PostgreSQL database behave as one.

use domain::Role;
use raia_tests::{test_config, Backend, TestApp};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_database_never_apply_an_event_twice() {
    let dir = tempfile::tempdir().unwrap();
    let config = test_config(Backend::Postgres, dir.path()).await;
    let a = TestApp::start(
        Backend::Postgres,
        tempfile::tempdir().unwrap(),
        config.clone(),
    )
    .await;
    // The second node shares the database and the keys (same data directory).
    let b = TestApp::start(Backend::Postgres, tempfile::tempdir().unwrap(), config).await;
    let token_a = a.token(Role::Admin).await;
    // A token issued by one node is accepted by the other.
    assert_eq!(b.get("/api/v1/auth/me", &token_a).await.status(), 200);
    let bodies: Vec<_> = (0..40)
        .map(|i| json!({"name": format!("m{i}"), "type": "llm"}))
        .collect();
    let mut writes = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        let node = if i % 2 == 0 { &a } else { &b };
        writes.push(node.post("/api/v1/models", &token_a, body));
    }
    let mut ids = Vec::new();
    for w in futures::future::join_all(writes).await {
        assert_eq!(w.status(), 201);
        ids.push(
            w.json::<serde_json::Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    // Each node reads every write, whichever node took it.
    for id in &ids {
        assert_eq!(
            a.get(&format!("/api/v1/models/{id}"), &token_a)
                .await
                .status(),
            200
        );
        assert_eq!(
            b.get(&format!("/api/v1/models/{id}"), &token_a)
                .await
                .status(),
            200
        );
    }
    a.sync().await;
    b.sync().await;
    let live = replay::tables::dump(&a.server.state.db, "models")
        .await
        .unwrap();
    assert_eq!(live.len(), 40);
    a.server.state.runner.rebuild("models").await.unwrap();
    assert_eq!(
        replay::tables::dump(&a.server.state.db, "models")
            .await
            .unwrap(),
        live,
        "no event was applied twice"
    );
    assert!(replay::verify::verify(&a.server.state.db, None, None)
        .await
        .is_ok());
}
