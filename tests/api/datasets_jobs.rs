//! Large dataset work becomes a job on its own: past `dataset_job_cells` cells,
//! profiling, assessment and drift answer 202 with a job whose progress counts rows;
//! below it they answer at once.

use domain::Role;
use raia_tests::{both_backends, Backend, TestApp};
use serde_json::{json, Value};

use crate::{datasets::upload, jobs::wait_for_job};

const CSV: &[u8] = b"a,b,c\n1,x,2.5\n2,y,\n3,x,4.5\n3,x,4.5\n100,z,1.0\n";

async fn started(r: reqwest::Response) -> String {
    assert_eq!(r.status(), 202);
    r.headers()["location"].to_str().unwrap().to_owned()
}

async fn large_work_switches_to_a_job_with_row_progress(backend: Backend) {
    // 5 rows × 3 columns = 15 cells: over a threshold of 10, a pair for drift is 30.
    let app = TestApp::spawn_with(backend, |c| c.dataset_job_cells = 10).await;
    let t = app.token(Role::DataScientist).await;
    let ds = upload(&app, &t, "big", "big.csv", CSV.to_vec()).await;
    let id = ds["id"].as_str().unwrap();

    let loc = started(
        app.post(&format!("/api/v1/data-quality/assess/{id}"), &t, &json!({}))
            .await,
    )
    .await;
    let job = wait_for_job(&app, &loc, &t).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["params"]["rows"], 5);
    assert_eq!(
        (job["done"].as_i64(), job["total"].as_i64()),
        (Some(10), Some(10))
    );
    assert_eq!(job["fraction"], 1.0);
    assert!(job["result"]["quality_score"].as_f64().is_some());

    // The upload cached the plain profile, so it answers at once; correlations are new work.
    assert_eq!(
        app.get(&format!("/api/v1/datasets/{id}/profile"), &t)
            .await
            .status(),
        200
    );
    let loc = started(
        app.get(
            &format!("/api/v1/datasets/{id}/profile?correlations=true"),
            &t,
        )
        .await,
    )
    .await;
    let job = wait_for_job(&app, &loc, &t).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["kind"], "dataset.profile");
    assert_eq!(job["total"], 5);
    assert_eq!(job["result"]["dataset_id"], id);
    assert!(
        job["result"]["correlations"].is_object(),
        "{}",
        job["result"]
    );
    // Now cached: immediate.
    let r = app
        .get(
            &format!("/api/v1/datasets/{id}/profile?correlations=true"),
            &t,
        )
        .await;
    assert_eq!(r.status(), 200);

    let body = json!({"reference_dataset_id": id, "current_dataset_id": id});
    let loc = started(app.post("/api/v1/drift/detect", &t, &body).await).await;
    let job = wait_for_job(&app, &loc, &t).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(
        (job["done"].as_i64(), job["total"].as_i64()),
        (Some(20), Some(20))
    );
    assert_eq!(job["result"]["dataset_drift"], false);

    // Below the threshold the same calls answer directly.
    let small = TestApp::spawn(backend).await;
    let t = small.token(Role::DataScientist).await;
    let ds: Value = upload(&small, &t, "small", "small.csv", CSV.to_vec()).await;
    let id = ds["id"].as_str().unwrap();
    assert_eq!(
        small
            .post(&format!("/api/v1/data-quality/assess/{id}"), &t, &json!({}))
            .await
            .status(),
        200
    );
    assert_eq!(
        small
            .get(
                &format!("/api/v1/datasets/{id}/profile?correlations=true"),
                &t
            )
            .await
            .status(),
        200
    );
    assert_eq!(
        small
            .post("/api/v1/drift/detect", &t, &body_for(id))
            .await
            .status(),
        201
    );
}
both_backends!(
    large_work_switches_to_a_job_with_row_progress,
    large_work_switches_to_a_job_with_row_progress
);

fn body_for(id: &str) -> Value {
    json!({"reference_dataset_id": id, "current_dataset_id": id})
}
