//! Background jobs: `Prefer: respond-async` answers 202 with a job to poll; the
//! job ends with the same result a synchronous call gives; only its submitter,
//! admins and auditors see it; cancels are honoured; a restart fails the jobs
//! its node left unfinished.

use std::time::Duration;

use domain::{Metadata, Role};
use raia_tests::{both_backends, expect_problem, Backend, TestApp};
use serde_json::{json, Value};

use crate::datasets::upload;

const CSV: &[u8] = b"a,b,c\n1,x,2.5\n2,y,\n3,x,4.5\n3,x,4.5\n100,z,1.0\n";

pub async fn post_async(app: &TestApp, path: &str, token: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .header("prefer", "respond-async, wait=0")
        .json(body)
        .send()
        .await
        .unwrap()
}

/// Polls a job until it ends.
pub async fn wait_for_job(app: &TestApp, location: &str, token: &str) -> Value {
    for _ in 0..200 {
        let job: Value = app.get(location, token).await.json().await.unwrap();
        if ["succeeded", "failed", "cancelled"].contains(&job["status"].as_str().unwrap()) {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("job {location} did not end in 10 s");
}

async fn async_work_answers_202_and_ends_with_the_synchronous_result(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::DataScientist).await;
    let ds = upload(&app, &t, "small", "small.csv", CSV.to_vec()).await;
    let id = ds["id"].as_str().unwrap();

    let r = post_async(
        &app,
        &format!("/api/v1/data-quality/assess/{id}"),
        &t,
        &json!({}),
    )
    .await;
    assert_eq!(r.status(), 202);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let queued: Value = r.json().await.unwrap();
    assert_eq!(queued["location"], location.as_str());
    assert!(location.ends_with(queued["job_id"].as_str().unwrap()));
    let job = wait_for_job(&app, &location, &t).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["kind"], "data_quality.assess");
    assert_eq!(job["params"]["dataset_id"], id);
    // Progress counts rows: reading then assessing each row.
    let rows = ds["row_count"].as_i64().unwrap();
    assert_eq!(
        (job["done"].as_i64(), job["total"].as_i64()),
        (Some(2 * rows), Some(2 * rows))
    );
    assert_eq!(job["fraction"], 1.0);
    assert!(job["finished_at"].is_string());
    let report: Value = app
        .get(&format!("/api/v1/data-quality/report/{id}"), &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(job["result"]["quality_score"], report["quality_score"]);
    // The synchronous call gives the same numbers.
    let sync: Value = app
        .post(&format!("/api/v1/data-quality/assess/{id}"), &t, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sync["quality_score"], job["result"]["quality_score"]);

    // Drift as a job, and an unknown dataset refused before anything is queued.
    let body = json!({"reference_dataset_id": id, "current_dataset_id": id});
    let r = post_async(&app, "/api/v1/drift/detect", &t, &body).await;
    assert_eq!(r.status(), 202);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let job = wait_for_job(&app, &location, &t).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["result"]["dataset_drift"], false);
    let missing = uuid::Uuid::new_v4();
    let body = json!({"reference_dataset_id": id, "current_dataset_id": missing.to_string()});
    expect_problem(
        post_async(&app, "/api/v1/drift/detect", &t, &body).await,
        404,
        "not_found",
    )
    .await;

    // Who sees what.
    let mine: Value = app.get("/api/v1/jobs", &t).await.json().await.unwrap();
    assert_eq!(mine.as_array().unwrap().len(), 2);
    let other = app.token(Role::DataScientist).await;
    let theirs: Value = app.get("/api/v1/jobs", &other).await.json().await.unwrap();
    assert_eq!(theirs, json!([]));
    expect_problem(app.get(&location, &other).await, 404, "not_found").await;
    let auditor = app.token(Role::Auditor).await;
    let all: Value = app
        .get("/api/v1/jobs?kind=drift.detect&status=succeeded", &auditor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all.as_array().unwrap().len(), 1);
    expect_problem(
        app.post(&format!("{location}/cancel"), &auditor, &json!({}))
            .await,
        403,
        "forbidden",
    )
    .await;
    expect_problem(
        app.post(&format!("{location}/cancel"), &t, &json!({}))
            .await,
        409,
        "job_finished",
    )
    .await;
    // Every step is in the log with its actor.
    let events = app
        .server
        .state
        .store
        .read_stream(
            "job",
            queued["job_id"].as_str().unwrap(),
            commands::Until::Now,
        )
        .await
        .unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(kinds.first(), Some(&"JobSubmitted"));
    assert!(kinds.contains(&"JobStarted"));
    assert_eq!(kinds.last(), Some(&"JobSucceeded"));
    assert!(events
        .iter()
        .all(|e| e.metadata().unwrap().actor_id.is_some()));
}
both_backends!(
    async_work,
    async_work_answers_202_and_ends_with_the_synchronous_result
);

async fn queued_jobs_cancel_and_a_restart_fails_only_its_own_unfinished_jobs(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::MlEngineer).await;
    let me: Value = app.get("/api/v1/auth/me", &t).await.json().await.unwrap();
    let as_me = Metadata {
        actor_id: Some(me["id"].as_str().unwrap().to_owned()),
        ..Metadata::default()
    };
    let store = app.server.state.store.clone();
    let node = app.server.state.jobs.node.clone();
    // Queued work that no worker took (as if the process died right after submitting).
    let submit = |node: String| {
        let (store, meta) = (store.clone(), as_me.clone());
        async move {
            let (id, _) =
                commands::jobs::submit(store.as_ref(), "test.work", json!({}), &node, meta)
                    .await
                    .unwrap();
            id
        }
    };
    let cancelled = submit(node.clone()).await;
    let interrupted = submit(node.clone()).await;
    let elsewhere = submit("another-node".into()).await;
    app.sync().await;
    let r = app
        .post(&format!("/api/v1/jobs/{cancelled}/cancel"), &t, &json!({}))
        .await;
    assert_eq!(r.status(), 202);
    let job: Value = r.json().await.unwrap();
    assert_eq!(
        (job["status"].as_str(), job["cancel_requested"].as_bool()),
        (Some("cancelled"), Some(true))
    );

    let config = app.config.clone();
    let dir = app.stop().await;
    let app = TestApp::start(backend, dir, config).await;
    let status = |id: domain::ids::JobId| {
        let (app, t) = (&app, &t);
        async move {
            let j: Value = app
                .get(&format!("/api/v1/jobs/{id}"), t)
                .await
                .json()
                .await
                .unwrap();
            j
        }
    };
    let j = status(interrupted).await;
    assert_eq!(j["status"], "failed");
    assert!(
        j["error"].as_str().unwrap().starts_with("interrupted"),
        "{j}"
    );
    assert_eq!(status(elsewhere).await["status"], "queued");
    assert_eq!(status(cancelled).await["status"], "cancelled");
    expect_problem(
        app.get(&format!("/api/v1/jobs/{}", uuid::Uuid::new_v4()), &t)
            .await,
        404,
        "not_found",
    )
    .await;
}
both_backends!(
    restart,
    queued_jobs_cancel_and_a_restart_fails_only_its_own_unfinished_jobs
);
