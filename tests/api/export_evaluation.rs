//! An LLM/RAG evaluation exports like the other reports: a PDF with its metric
//! chart and evidence hashes, an `.xlsx` with typed metric values and every item.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use domain::Role;
use raia_tests::{both_backends, expect_problem, Backend, TestApp};
use serde_json::json;

use crate::{
    evaluations::{answers, create, dataset, run_to_end},
    export_schedules::{bytes, pdf_text},
    exports::export,
};

async fn an_evaluation_exports_with_its_metrics_and_items(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::MlEngineer).await;
    let ds = dataset(&app, &t, &answers(true)).await;
    let e = create(&app, &t, json!({"name": "exported run", "dataset_id": ds})).await;
    let id = e["id"].as_str().unwrap().to_owned();
    run_to_end(&app, &t, &id).await;
    let viewer = app.token(Role::Viewer).await;
    let subject = json!({"content": "evaluation", "subject_id": id});
    let text = pdf_text(
        &bytes(
            &app,
            &viewer,
            &export(&app, &viewer, "pdf", subject.clone()).await,
        )
        .await,
    );
    for needle in [
        "Evaluation report",
        "exported run",
        "exact_match",
        "Appendix: evidence hashes",
    ] {
        assert!(text.contains(needle), "{needle} missing from {text}");
    }
    let xlsx = bytes(
        &app,
        &viewer,
        &export(&app, &viewer, "excel", subject).await,
    )
    .await;
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(xlsx)).unwrap();
    assert_eq!(
        wb.sheet_names(),
        [
            "Report",
            "Evaluation",
            "Metrics",
            "Corpus BLEU",
            "Items",
            "Evidence"
        ]
    );
    let metrics = wb.worksheet_range("Metrics").unwrap();
    let em: Vec<Data> = metrics
        .rows()
        .find(|r| r[0] == "exact_match")
        .expect("exact_match row")
        .to_vec();
    assert_eq!(em[1], Data::Float(20.0), "{em:?}");
    assert_eq!(em[2], Data::Float(1.0), "{em:?}");
    let items = wb.worksheet_range("Items").unwrap();
    assert_eq!(items.height(), 21, "a header and twenty items");
    assert_eq!(items.rows().nth(20).unwrap()[1].to_string(), "q19");
    // An unknown evaluation is refused and writes nothing.
    let before = app.event_count().await;
    expect_problem(
        app.post(
            "/api/v1/export/pdf",
            &viewer,
            &json!({"content": "evaluation", "subject_id": "nope"}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(app.event_count().await, before);
}
both_backends!(
    an_evaluation_exports_with_its_metrics_and_items,
    an_evaluation_exports_with_its_metrics_and_items
);
