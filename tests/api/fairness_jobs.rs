//! Large fairness runs as jobs: above `fairness_job_rows` dataset rows an analysis answers
//! 202 and its job ends with the same report the synchronous call gives; `Prefer:
//! respond-async` makes a small mitigation a job too; bad input is still refused at once.

use domain::Role;
use raia_tests::{both_backends, Backend, TestApp};
use serde_json::{json, Value};

use crate::explain_support::wait_job;
use crate::fairness::{fixture_body, fixture_dataset};
use crate::jobs::post_async;
use crate::model_support::plain_model;

async fn a_large_analysis_runs_as_a_job_with_progress_and_files_its_report(backend: Backend) {
    // The fixture has 2000 rows: above a 1000-row threshold.
    let app = TestApp::spawn_with(backend, |c| c.fairness_job_rows = 1000).await;
    let t = app.token(Role::DataScientist).await;
    let (expected, ds) = fixture_dataset(&app, &t).await;
    let model = plain_model(&app, &t, "classification").await;
    let mut body = fixture_body(&expected["meta"], &ds["id"]);
    body["bootstrap"] = json!({"replicates": 50, "seed": 5});
    let path = format!("/api/v1/fairness/analyze/{model}");
    let r = app.post(&path, &t, &body).await;
    assert_eq!(r.status(), 202, "{}", r.text().await.unwrap());
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let job = wait_job(&app, &location, &t).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["kind"], "fairness.analyze");
    assert_eq!(job["params"]["dataset_id"], ds["id"]);
    assert_eq!(
        (job["done"].as_i64(), job["total"].as_i64()),
        (Some(3), Some(3))
    );
    let report_id = job["result"]["id"].as_str().unwrap();
    let stored: Value = app
        .get(&format!("/api/v1/fairness/reports/{model}/{report_id}"), &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        stored["fairness_metrics"],
        job["result"]["fairness_metrics"]
    );
    // The job computed what the synchronous path computes (same seed, same intervals).
    let small = TestApp::spawn(backend).await;
    let t2 = small.token(Role::DataScientist).await;
    let (_, ds2) = fixture_dataset(&small, &t2).await;
    let model2 = plain_model(&small, &t2, "classification").await;
    body["dataset_id"] = ds2["id"].clone();
    let r = small
        .post(&format!("/api/v1/fairness/analyze/{model2}"), &t2, &body)
        .await;
    assert_eq!(r.status(), 201);
    let sync: Value = r.json().await.unwrap();
    assert_eq!(
        sync["fairness_metrics"]["by_attribute"],
        stored["fairness_metrics"]["by_attribute"]
    );
    // Bad input is refused before any job is queued.
    let mut bad = body.clone();
    bad["dataset_id"] = json!("00000000-0000-0000-0000-000000000000");
    let r = app.post(&path, &t, &bad).await;
    assert_eq!(r.status(), 404);
    let jobs: Value = app.get("/api/v1/jobs", &t).await.json().await.unwrap();
    assert_eq!(jobs.as_array().map(Vec::len), Some(1), "{jobs}");
}

both_backends!(
    large_analysis_job,
    a_large_analysis_runs_as_a_job_with_progress_and_files_its_report
);

async fn a_mitigation_asked_to_respond_async_is_a_job(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::DataScientist).await;
    let (expected, ds) = fixture_dataset(&app, &t).await;
    let meta = &expected["meta"];
    let model = plain_model(&app, &t, "classification").await;
    let mut body = fixture_body(meta, &ds["id"]);
    body["method"] = json!("exponentiated_gradient");
    body["constraint"] = json!("demographic_parity");
    body["feature_columns"] = meta["columns"]["features"].clone();
    body["seed"] = json!(3);
    let path = format!("/api/v1/bias/mitigation/{model}");
    let r = post_async(&app, &path, &t, &body).await;
    assert_eq!(r.status(), 202);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let job = wait_job(&app, &location, &t).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["kind"], "fairness.mitigation");
    assert_eq!(job["result"]["method"], "exponentiated_gradient");
    assert_eq!(job["result"]["before"]["rows"], 600);
    // The same request answered synchronously measures the same effect.
    let r = app.post(&path, &t, &body).await;
    assert_eq!(r.status(), 201);
    let sync: Value = r.json().await.unwrap();
    assert_eq!(sync["after"], job["result"]["after"]);
    assert_eq!(sync["accuracy_cost"], job["result"]["accuracy_cost"]);
}

both_backends!(mitigation_job, a_mitigation_asked_to_respond_async_is_a_job);
