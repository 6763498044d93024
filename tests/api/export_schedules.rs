//! Exports beyond the compliance report and on a schedule: fairness and
//! explainability reports chart group metrics and SHAP importance; a cron
//! schedule runs each occurrence once, unattended, as the owner's export.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use domain::Role;
use raia_tests::{both_backends, expect_problem, Backend, TestApp};
use serde_json::{json, Value};

use crate::{
    compliance::compliant_model,
    exports::{export, types_after},
    jobs::wait_for_job,
};

const HOUR: i64 = 3_600 * 1_000_000;

pub async fn bytes(app: &TestApp, t: &str, job: &Value) -> Vec<u8> {
    let r = app.get(job["download_url"].as_str().unwrap(), t).await;
    assert_eq!(r.status(), 200);
    r.bytes().await.unwrap().to_vec()
}

pub fn pdf_text(pdf: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages).unwrap()
}

async fn fairness_and_explainability_reports_chart_group_metrics_and_shap_importance(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let viewer = app.token(Role::Viewer).await;
    let (id, _) = compliant_model(&app).await;
    let subject = json!({"content": "fairness", "subject_id": id});
    let text = pdf_text(&bytes(&app, &viewer, &export(&app, &viewer, "pdf", subject).await).await);
    for needle in [
        "Fairness report",
        "Selection rate per group (latest assessment)",
        "sex=f",
        "sex=m",
        "Disparities",
        "Appendix: evidence hashes",
    ] {
        assert!(text.contains(needle), "{needle} missing from {text}");
    }
    let subject = json!({"content": "explainability", "subject_id": id});
    let text = pdf_text(
        &bytes(
            &app,
            &viewer,
            &export(&app, &viewer, "pdf", subject.clone()).await,
        )
        .await,
    );
    assert!(text.contains("Explainability report"), "{text}");
    assert!(text.contains("Feature importance (exact)"), "{text}");
    let xlsx = bytes(
        &app,
        &viewer,
        &export(&app, &viewer, "excel", subject).await,
    )
    .await;
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(xlsx)).unwrap();
    assert_eq!(
        wb.sheet_names(),
        ["Report", "Explanations", "Feature importance", "Evidence"]
    );
    let fi = wb.worksheet_range("Feature importance").unwrap();
    let rows: Vec<Vec<Data>> = fi.rows().skip(1).map(<[Data]>::to_vec).collect();
    let mut features: Vec<String> = rows.iter().map(|r| r[0].to_string()).collect();
    features.sort();
    assert_eq!(features, ["pl", "pw", "sl", "sw"]);
    let values: Vec<f64> = rows
        .iter()
        .map(|r| match r[1] {
            Data::Float(x) => x,
            ref other => panic!("importance is not a number: {other:?}"),
        })
        .collect();
    assert!(values.windows(2).all(|w| w[0] >= w[1]), "{values:?}");
    assert!(values[0] > 0.0);
    // Bad input writes nothing.
    let before = app.event_count().await;
    for (body, status, code) in [
        (json!({"content": "fairness"}), 422, "subject_required"),
        (
            json!({"content": "explainability", "subject_id": "nope"}),
            404,
            "not_found",
        ),
    ] {
        expect_problem(
            app.post("/api/v1/export/pdf", &viewer, &body).await,
            status,
            code,
        )
        .await;
    }
    assert_eq!(app.event_count().await, before);
}
both_backends!(
    fairness_and_explainability_reports_chart_group_metrics_and_shap_importance,
    fairness_and_explainability_reports_chart_group_metrics_and_shap_importance
);

async fn schedule(app: &TestApp, t: &str, id: &str) -> Value {
    let all: Value = app
        .get("/api/v1/export/schedules", t)
        .await
        .json()
        .await
        .unwrap();
    all.as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .cloned()
        .unwrap_or(Value::Null)
}

async fn run_schedules(app: &TestApp) -> usize {
    api::export::schedule::run_once(&app.server.state)
        .await
        .unwrap()
}

async fn scheduled_exports_run_each_occurrence_once_unattended(backend: Backend) {
    // The background loop stays out of the way: the test drives the clock and the runs.
    let app = TestApp::spawn_with(backend, |c| c.export_schedule_tick_ms = 3_600_000).await;
    let owner = app.token(Role::DataScientist).await;
    let viewer = app.token(Role::Viewer).await;
    let before = app.event_count().await;
    for (body, status, code) in [
        (
            json!({"name": "x", "cron": "61 * * * *", "format": "csv", "content": "compliance"}),
            422,
            "invalid_cron",
        ),
        (
            json!({"name": " ", "cron": "0 * * * *", "format": "csv", "content": "compliance"}),
            400,
            "invalid_name",
        ),
        (
            json!({"name": "x", "cron": "0 * * * *", "format": "csv", "content": "audit_log"}),
            403,
            "forbidden",
        ),
        (
            json!({"name": "x", "cron": "0 * * * *", "format": "pdf", "content": "model_card"}),
            422,
            "subject_required",
        ),
        (
            json!({"name": "x", "cron": "0 * * * *", "format": "pdf", "content": "compliance", "when": 1}),
            400,
            "invalid_body",
        ),
    ] {
        expect_problem(
            app.post("/api/v1/export/schedules", &owner, &body).await,
            status,
            code,
        )
        .await;
    }
    assert_eq!(app.event_count().await, before);

    let r = app
        .post(
            "/api/v1/export/schedules",
            &owner,
            &json!({"name": "Hourly compliance", "cron": "0 * * * *", "format": "csv", "content": "compliance"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["runs"], 0);
    assert!(created["next_run_at"]
        .as_str()
        .unwrap()
        .ends_with(":00:00+00:00"));
    // Nothing is due before the next full hour.
    assert_eq!(run_schedules(&app).await, 0);
    app.server.state.clock.advance(HOUR);
    assert_eq!(run_schedules(&app).await, 1);
    assert_eq!(run_schedules(&app).await, 0, "an occurrence runs once");
    let s = schedule(&app, &owner, &id).await;
    assert_eq!(s["runs"], 1);
    let export_id = s["last_export_id"].as_str().unwrap().to_owned();
    // The run is the owner's export, rendered by a job, downloadable by the owner only.
    let j: Value = app
        .get(&format!("/api/v1/export/jobs/{export_id}"), &owner)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(j["schedule_id"], id.as_str());
    let job = wait_for_job(
        &app,
        &format!("/api/v1/jobs/{}", j["job_id"].as_str().unwrap()),
        &owner,
    )
    .await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let r = app
        .get(&format!("/api/v1/export/jobs/{export_id}/download"), &owner)
        .await;
    assert_eq!(r.status(), 200);
    assert!(String::from_utf8(r.bytes().await.unwrap().to_vec())
        .unwrap()
        .starts_with("model_id,"));
    expect_problem(
        app.get(
            &format!("/api/v1/export/jobs/{export_id}/download"),
            &viewer,
        )
        .await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(
        types_after(&app, before).await,
        ["ExportRequested", "ExportCompleted", "ExportDownloaded"]
    );
    let ran: Vec<_> = app
        .server
        .state
        .store
        .read_stream("export_schedule", &id, commands::Until::Now)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event_type)
        .collect();
    assert_eq!(ran, ["ExportScheduleCreated", "ExportScheduleRan"]);
    // Missed occurrences collapse into one run.
    app.server.state.clock.advance(3 * HOUR);
    assert_eq!(run_schedules(&app).await, 1);
    assert_eq!(schedule(&app, &owner, &id).await["runs"], 2);
    // Others neither see nor delete it; after its owner deletes it, nothing runs.
    assert!(schedule(&app, &viewer, &id).await.is_null());
    let del = |t: String| {
        app.client
            .delete(app.url(&format!("/api/v1/export/schedules/{id}")))
            .bearer_auth(t)
            .send()
    };
    expect_problem(del(viewer.clone()).await.unwrap(), 404, "not_found").await;
    assert_eq!(del(owner.clone()).await.unwrap().status(), 204);
    app.server.state.clock.advance(2 * HOUR);
    assert_eq!(run_schedules(&app).await, 0);
    assert!(schedule(&app, &owner, &id).await.is_null());
}
both_backends!(
    scheduled_exports_run_each_occurrence_once_unattended,
    scheduled_exports_run_each_occurrence_once_unattended
);
