//! Exports: a compliance PDF with its evidence hashes, an `.xlsx` with typed
//! sheets, CSV extracts; downloads authorized like the data and every step an event.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use domain::Role;
use raia_tests::{both_backends, expect_problem, Backend, TestApp};
use serde_json::{json, Value};

use crate::{compliance::compliant_model, jobs::wait_for_job};

/// Requests an export (202 with the pending job and its `Location`), waits
/// for the background job, and returns the completed export job.
pub async fn export(app: &TestApp, t: &str, format: &str, body: Value) -> Value {
    let r = app
        .post(&format!("/api/v1/export/{format}"), t, &body)
        .await;
    assert_eq!(r.status(), 202, "{}", r.text().await.unwrap());
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let pending: Value = r.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/jobs/{}", pending["job_id"].as_str().unwrap())
    );
    let job = wait_for_job(app, &location, t).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let r = app
        .get(
            &format!("/api/v1/export/jobs/{}", pending["id"].as_str().unwrap()),
            t,
        )
        .await;
    assert_eq!(r.status(), 200);
    let j: Value = r.json().await.unwrap();
    assert_eq!(j["status"], "completed");
    j
}

async fn download(app: &TestApp, t: &str, job: &Value) -> (String, Vec<u8>) {
    let r = app.get(job["download_url"].as_str().unwrap(), t).await;
    assert_eq!(r.status(), 200);
    let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
    (ct, r.bytes().await.unwrap().to_vec())
}

/// Event types of the export streams after `position`.
pub async fn types_after(app: &TestApp, position: i64) -> Vec<String> {
    let events = app
        .server
        .state
        .store
        .read_all(position, 1000)
        .await
        .unwrap();
    events
        .into_iter()
        .filter(|e| e.stream_type == "export_job")
        .map(|e| e.event_type)
        .collect()
}

async fn a_compliance_pdf_and_workbook_carry_the_checklist_and_its_evidence_hashes(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let auditor = app.token(Role::Auditor).await;
    let (id, _) = compliant_model(&app).await;
    let status: Value = app
        .get(
            &format!("/api/v1/compliance/status?model_id={id}"),
            &auditor,
        )
        .await
        .json()
        .await
        .unwrap();
    let hashes: Vec<String> = status["models"][0]["versions"][0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| {
            i["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["hash"].as_str().unwrap().to_owned())
        })
        .collect();
    assert!(hashes.len() >= 9);

    let before = app.event_count().await;
    let job = export(
        &app,
        &auditor,
        "pdf",
        json!({"content": "compliance", "subject_id": id}),
    )
    .await;
    assert_eq!(
        types_after(&app, before).await,
        ["ExportRequested", "ExportCompleted"]
    );
    let (ct, pdf) = download(&app, &auditor, &job).await;
    assert_eq!(ct, "application/pdf");
    assert_eq!(
        types_after(&app, before).await.last().unwrap(),
        "ExportDownloaded"
    );
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    // Title page, summary (with its chart), checklist, evidence appendix.
    assert_eq!(pages.len(), 4);
    let text = doc.extract_text(&pages).unwrap();
    assert!(text.contains("Compliance report"), "{text}");
    assert!(text.contains("Approved by a second person"), "{text}");
    assert!(text.contains("Appendix: evidence hashes"));
    for h in &hashes {
        assert!(
            text.contains(h.as_str()),
            "hash {h} missing from the PDF text"
        );
    }

    let job = export(
        &app,
        &auditor,
        "excel",
        json!({"content": "compliance", "subject_id": id}),
    )
    .await;
    let (ct, xlsx) = download(&app, &auditor, &job).await;
    assert!(ct.starts_with("application/vnd.openxmlformats"));
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(xlsx)).unwrap();
    assert_eq!(
        wb.sheet_names(),
        ["Report", "Summary", "Checklist", "Evidence"]
    );
    let summary = wb.worksheet_range("Summary").unwrap();
    let header: Vec<String> = summary
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(header[5], "met");
    let row: Vec<Data> = summary.rows().nth(1).unwrap().to_vec();
    assert_eq!(row[0], Data::String(id.clone()));
    assert_eq!(row[3], Data::Float(1.0));
    assert_eq!(row[5], Data::Float(9.0));
    assert_eq!(row[8], Data::Bool(true));
    let checklist = wb.worksheet_range("Checklist").unwrap();
    assert_eq!(checklist.rows().count(), 10);
    let evidence = wb.worksheet_range("Evidence").unwrap();
    let sheet_hashes: Vec<String> = evidence.rows().skip(1).map(|r| r[2].to_string()).collect();
    for h in &hashes {
        assert!(sheet_hashes.contains(h));
    }
    assert!(evidence
        .rows()
        .skip(1)
        .all(|r| matches!(r[0], Data::Float(_))));
}
both_backends!(
    a_compliance_pdf_and_workbook_carry_the_checklist_and_its_evidence_hashes,
    a_compliance_pdf_and_workbook_carry_the_checklist_and_its_evidence_hashes
);

/// The drift workbook has a histogram sheet per numerical column whose reference
/// and current shares each sum to one over the bins.
fn drift_histograms_sum_to_one(xlsx: Vec<u8>) {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(xlsx)).unwrap();
    let sheets: Vec<String> = wb
        .sheet_names()
        .into_iter()
        .filter(|n| n.starts_with("Histogram "))
        .collect();
    assert!(!sheets.is_empty(), "no histogram sheet");
    for name in sheets {
        let range = wb.worksheet_range(&name).unwrap();
        for col in [2, 3] {
            let total: f64 = range
                .rows()
                .skip(1)
                .map(|r| match r[col] {
                    Data::Float(x) => x,
                    ref other => panic!("{name}: share is not a number: {other:?}"),
                })
                .sum();
            assert!((total - 1.0).abs() < 1e-9, "{name} column {col}: {total}");
        }
    }
}

async fn every_content_exports_and_downloads_are_authorized_like_the_data(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let auditor = app.token(Role::Auditor).await;
    let viewer = app.token(Role::Viewer).await;
    let (id, _) = compliant_model(&app).await;
    let datasets: Value = app
        .get("/api/v1/datasets", &viewer)
        .await
        .json()
        .await
        .unwrap();
    let ds = datasets["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "iris-train")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Each content in each format renders.
    for (content, subject) in [
        ("model_card", Some(id.as_str())),
        ("drift", Some(id.as_str())),
        ("data_quality", Some(ds.as_str())),
        ("compliance", None),
    ] {
        for format in ["pdf", "excel", "csv"] {
            let j = export(
                &app,
                &viewer,
                format,
                json!({"content": content, "subject_id": subject}),
            )
            .await;
            let (_, bytes) = download(&app, &viewer, &j).await;
            assert!(!bytes.is_empty(), "{content} {format}");
            if (content, format) == ("drift", "excel") {
                drift_histograms_sum_to_one(bytes);
            } else if (content, format) == ("drift", "pdf") {
                let text = crate::export_schedules::pdf_text(&bytes);
                assert!(text.contains("share of rows per bin"), "{text}");
            }
        }
    }
    // The audit log is for admins and auditors only, and so is its download.
    expect_problem(
        app.post(
            "/api/v1/export/csv",
            &viewer,
            &json!({"content": "audit_log"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let job = export(
        &app,
        &auditor,
        "csv",
        json!({"content": "audit_log", "subject_id": id}),
    )
    .await;
    let (ct, csv) = download(&app, &auditor, &job).await;
    assert!(ct.starts_with("text/csv"));
    let csv = String::from_utf8(csv).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "position,recorded_at,stream_type,stream_id,event_type,actor_id,actor_role,hash"
    );
    assert!(lines.clone().count() >= 5);
    assert!(lines.all(|l| l.contains(&id)));
    let url = job["download_url"].as_str().unwrap();
    expect_problem(app.get(url, &viewer).await, 404, "not_found").await;
    // Jobs: a viewer sees their own; an auditor sees everyone's.
    let mine: Value = app
        .get("/api/v1/export/jobs", &viewer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine.as_array().unwrap().len(), 12);
    let all: Value = app
        .get("/api/v1/export/jobs", &auditor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all.as_array().unwrap().len(), 13);
    assert_eq!(all[0]["downloads"], 1);
    // Bad input writes nothing.
    let before = app.event_count().await;
    expect_problem(
        app.post("/api/v1/export/pdf", &viewer, &json!({"content": "nope"}))
            .await,
        400,
        "invalid_body",
    )
    .await;
    expect_problem(
        app.post(
            "/api/v1/export/pdf",
            &viewer,
            &json!({"content": "model_card"}),
        )
        .await,
        422,
        "subject_required",
    )
    .await;
    expect_problem(
        app.post(
            "/api/v1/export/pdf",
            &viewer,
            &json!({"content": "model_card", "subject_id": "nope"}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(app.event_count().await, before);
    // Delete: the requester (or an admin) only; afterwards it is gone.
    let del = |t: &str| {
        app.client
            .delete(app.url(&format!(
                "/api/v1/export/jobs/{}",
                job["id"].as_str().unwrap()
            )))
            .bearer_auth(t.to_owned())
            .send()
    };
    expect_problem(del(&viewer).await.unwrap(), 404, "not_found").await;
    assert_eq!(del(&auditor).await.unwrap().status(), 204);
    assert_eq!(
        types_after(&app, before).await.last().unwrap(),
        "ExportDeleted"
    );
    expect_problem(app.get(url, &auditor).await, 404, "not_found").await;
}
both_backends!(
    every_content_exports_and_downloads_are_authorized_like_the_data,
    every_content_exports_and_downloads_are_authorized_like_the_data
);
