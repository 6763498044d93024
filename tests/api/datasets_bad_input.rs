//! Bad uploads: each refused with a precise problem document, no event written, no
//! file left behind, and the server still answering.

use domain::Role;
use raia_tests::{both_backends, expect_problem, Backend, TestApp};

use crate::datasets::{file, text, upload_parts};
use crate::datasets_profile::to_parquet;

/// Files in the blob store (its `tmp` area excluded).
pub fn blob_files(app: &TestApp) -> usize {
    let root = app.server.state.blobs.root().to_path_buf();
    let Ok(dirs) = std::fs::read_dir(&root) else {
        return 0;
    };
    dirs.flatten()
        .filter(|d| d.file_name() != "tmp")
        .map(|d| std::fs::read_dir(d.path()).map_or(0, |f| f.count()))
        .sum()
}

async fn bad_uploads_are_refused_precisely_and_write_nothing(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.dataset_max_bytes = 60 * 1024 * 1024).await;
    let t = app.token(Role::DataScientist).await;
    let wide = format!(
        "{}\n{}\n",
        (0..100_000)
            .map(|i| format!("c{i}"))
            .collect::<Vec<_>>()
            .join(","),
        vec!["1"; 100_000].join(",")
    );
    let huge = format!("a,b\n1,{}\n", "x".repeat(50 * 1024 * 1024));
    let table = analysis::profile::read_csv(b"a,b\n1,x\n2,y\n", &Default::default()).unwrap();
    let mut parquet = to_parquet(&table);
    parquet.truncate(parquet.len() / 2);
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("empty.csv", Vec::new(), 422, "empty_file"),
        ("header.csv", b"a,b,c\r\n".to_vec(), 422, "no_data_rows"),
        (
            "ragged.csv",
            b"a,b\n1,2\n3,4,5\n".to_vec(),
            422,
            "ragged_rows",
        ),
        (
            "latin1.csv",
            b"name,city\nJos\xe9,M\xfcnchen\n".to_vec(),
            422,
            "invalid_utf8",
        ),
        ("wide.csv", wide.into_bytes(), 422, "too_many_columns"),
        ("huge.csv", huge.into_bytes(), 422, "field_too_large"),
        ("cut.parquet", parquet, 422, "invalid_parquet"),
        ("book.xlsx", b"a,b\n1,2\n".to_vec(), 422, "invalid_xlsx"),
        (
            "lines.jsonl",
            b"{\"a\": 1}\n{\"a\": \n".to_vec(),
            422,
            "invalid_jsonl",
        ),
        (
            "big.csv",
            vec![b'1'; 61 * 1024 * 1024],
            413,
            "payload_too_large",
        ),
    ];
    let before = app.event_count().await;
    for (name, bytes, status, code) in cases {
        let r = upload_parts(&app, &t, vec![text("name", name), file(name, bytes)]).await;
        let doc = expect_problem(r, status, code).await;
        eprintln!("{name}: {}", doc["detail"]);
        assert_eq!(app.event_count().await, before, "{name} wrote an event");
        assert_eq!(blob_files(&app), 0, "{name} left its file");
    }
    // Form problems.
    let ok = || file("ok.csv", b"a\n1\n".to_vec());
    for (parts, status, code) in [
        (vec![ok()], 422, "invalid_dataset"),
        (vec![text("name", "x")], 422, "invalid_dataset"),
        (
            vec![text("name", "x"), text("schema", "[1]"), ok()],
            400,
            "invalid_schema",
        ),
        (
            vec![
                text("name", "x"),
                text("schema", r#"{"a": "colour"}"#),
                ok(),
            ],
            422,
            "invalid_schema",
        ),
        (
            vec![text("name", "x"), text("schema", r#"{"b": "text"}"#), ok()],
            422,
            "invalid_schema",
        ),
        (
            vec![
                text("name", "x"),
                text("version_of", &uuid::Uuid::new_v4().to_string()),
                ok(),
            ],
            422,
            "unknown_dataset",
        ),
        (
            vec![text("name", "x"), text("colour", "red"), ok()],
            400,
            "invalid_multipart",
        ),
    ] {
        expect_problem(upload_parts(&app, &t, parts).await, status, code).await;
    }
    let json = app
        .post("/api/v1/datasets/upload", &t, &serde_json::json!({}))
        .await;
    expect_problem(json, 415, "unsupported_media_type").await;
    assert_eq!(app.event_count().await, before);
    assert_eq!(blob_files(&app), 0);
    // Still serving.
    let r = upload_parts(
        &app,
        &t,
        vec![
            text("name", "fine"),
            file("fine.tsv", b"a\tb\n1\t2\n".to_vec()),
        ],
    )
    .await;
    assert_eq!(r.status(), 201);
}
both_backends!(
    bad_uploads_are_refused_precisely_and_write_nothing,
    bad_uploads_are_refused_precisely_and_write_nothing
);
