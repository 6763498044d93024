//! Datasets: upload (streamed, deduplicated, sniffed), list, read with lineage,
//! preview, delete; and the helpers the other dataset tests share.

use domain::Role;
use raia_tests::{both_backends, expect_problem, Backend, TestApp};
use serde_json::Value;

/// `$RAIA_FIXTURES/<area>`, else `shared/fixtures/<area>` beside the repository.
pub fn fixture_dir(area: &str) -> std::path::PathBuf {
    match std::env::var_os("RAIA_FIXTURES") {
        Some(root) => std::path::PathBuf::from(root).join(area),
        None => std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/fixtures"
        ))
        .join(area),
    }
}

/// One multipart part: name, optional file name, bytes.
pub type Part = (String, Option<String>, Vec<u8>);

/// A text part.
pub fn text(name: &str, value: &str) -> Part {
    (name.into(), None, value.as_bytes().to_vec())
}

/// A file part.
pub fn file(filename: &str, bytes: Vec<u8>) -> Part {
    ("file".into(), Some(filename.into()), bytes)
}

/// Sends a multipart upload.
pub async fn upload_parts(app: &TestApp, token: &str, parts: Vec<Part>) -> reqwest::Response {
    let boundary = format!("raia-test-{}", uuid::Uuid::new_v4().simple());
    let mut body = Vec::new();
    for (name, filename, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match filename {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
        }
        body.extend_from_slice(&bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    app.client
        .post(app.url("/api/v1/datasets/upload"))
        .bearer_auth(token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap()
}

/// Uploads `bytes` as `filename` named `name`; asserts 201 and returns the dataset.
pub async fn upload(
    app: &TestApp,
    token: &str,
    name: &str,
    filename: &str,
    bytes: Vec<u8>,
) -> Value {
    let r = upload_parts(app, token, vec![text("name", name), file(filename, bytes)]).await;
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{v}");
    v
}

async fn datasets_are_uploaded_deduplicated_versioned_previewed_and_deleted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::DataScientist).await;
    // UTF-8 BOM, CRLF, semicolons and a quoted separator: sniffed, not configured.
    let csv = b"\xEF\xBB\xBFid;age;city;joined;ok\r\nA1;30;Paris;2024-01-02;True\r\nA2;;\"Ro;me\";2024-02-03;False\r\nA3;41.5;Paris;2024-03-04;True\r\n".to_vec();
    let r = upload_parts(
        &app,
        &t,
        vec![
            text("name", "customers"),
            text("description", "first extract"),
            text("schema", r#"{"city": "text"}"#),
            file("customers.csv", csv.clone()),
        ],
    )
    .await;
    assert_eq!(r.status(), 201);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let a: Value = r.json().await.unwrap();
    let id = a["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/v1/datasets/{id}"));
    assert_eq!(
        (
            a["row_count"].as_i64(),
            a["column_count"].as_i64(),
            a["format"].as_str()
        ),
        (Some(3), Some(5), Some("csv"))
    );
    let types: Vec<(&str, &str, bool)> = a["schema"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap(),
                c["type"].as_str().unwrap(),
                c["overridden"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        types,
        vec![
            ("id", "categorical", false),
            ("age", "float", false),
            ("city", "text", true),
            ("joined", "datetime", false),
            ("ok", "boolean", false)
        ]
    );
    assert_eq!(a["schema"][1]["missing_count"], 1);
    assert_eq!(a["lineage"]["version"], 1);

    // Same bytes again: a new dataset sharing the one blob.
    let b = upload(&app, &t, "customers copy", "again.csv", csv.clone()).await;
    assert_eq!(a["sha256"], b["sha256"]);
    let sha = a["sha256"].as_str().unwrap().to_owned();
    let blob = app.server.state.blobs.path(&sha).unwrap();
    assert!(blob.exists());

    // A new version, and a dataset derived from both.
    let v2 = upload_parts(
        &app,
        &t,
        vec![
            text("name", "customers"),
            text("version_of", &id),
            file("v2.csv", b"id,age\nA1,31\n".to_vec()),
        ],
    )
    .await;
    assert_eq!(v2.status(), 201);
    let v2: Value = v2.json().await.unwrap();
    assert_eq!(v2["version"], 2);
    assert_eq!(v2["lineage"]["family_id"], id.as_str());
    let derived = upload_parts(
        &app,
        &t,
        vec![
            text("name", "joined"),
            text(
                "derived_from",
                &format!("{},{}", id, v2["id"].as_str().unwrap()),
            ),
            file("d.jsonl", b"{\"k\": 1}\n{\"k\": 2}\n".to_vec()),
        ],
    )
    .await;
    assert_eq!(derived.status(), 201);
    let derived: Value = derived.json().await.unwrap();
    assert_eq!(derived["format"], "jsonl");
    let got: Value = app
        .get(&format!("/api/v1/datasets/{id}"), &t)
        .await
        .json()
        .await
        .unwrap();
    let lineage = &got["lineage"];
    assert_eq!(lineage["versions"].as_array().unwrap().len(), 2);
    assert_eq!(lineage["derived"], serde_json::json!([derived["id"]]));
    assert_eq!(
        derived["lineage"]["derived_from"].as_array().unwrap().len(),
        2
    );

    let list: Value = app
        .get("/api/v1/datasets?limit=2", &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert!(list["next_cursor"].is_string());

    let p: Value = app
        .get(
            &format!("/api/v1/datasets/{id}/preview?limit=2&offset=1"),
            &t,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p["columns"][2], "city");
    assert_eq!(
        p["rows"],
        serde_json::json!([
            ["A2", null, "Ro;me", "2024-02-03", false],
            ["A3", 41.5, "Paris", "2024-03-04", true]
        ])
    );
    assert_eq!(p["total_rows"], 3);

    // Delete: an event; the shared blob stays until its last live dataset goes.
    let del = |id: String| {
        let rq = app
            .client
            .delete(app.url(&format!("/api/v1/datasets/{id}")))
            .bearer_auth(&t);
        async move { rq.send().await.unwrap() }
    };
    assert_eq!(del(id.clone()).await.status(), 204);
    expect_problem(
        app.get(&format!("/api/v1/datasets/{id}"), &t).await,
        404,
        "not_found",
    )
    .await;
    assert!(blob.exists(), "the copy still uses the bytes");
    assert_eq!(
        del(b["id"].as_str().unwrap().to_owned()).await.status(),
        204
    );
    assert!(!blob.exists(), "no live dataset uses the bytes any more");
    let history = app
        .server
        .state
        .store
        .read_stream("dataset", &id, commands::Until::Now)
        .await
        .unwrap();
    let kinds: Vec<&str> = history.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(kinds, vec!["DatasetUploaded", "DatasetDeleted"]);
    let meta = history[0].metadata().unwrap();
    assert!(meta.actor_id.is_some());
}
both_backends!(
    datasets_are_uploaded_deduplicated_versioned_previewed_and_deleted,
    datasets_are_uploaded_deduplicated_versioned_previewed_and_deleted
);
