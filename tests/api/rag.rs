//! Documents for RAG through the API: extraction of every format, chunking,
//! hybrid/vector/BM25 search with filters and citations, deletion, bad input.

use std::io::Write;

use domain::Role;
use raia_tests::{both_backends, expect_problem, Backend, TestApp};
use serde_json::{json, Value};

use crate::{
    datasets::{file, text, Part},
    datasets_bad_input::blob_files,
};

/// Sends a multipart upload to `/api/v1/documents/upload`.
pub async fn upload_parts(app: &TestApp, token: &str, parts: Vec<Part>) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new();
    for (name, filename, bytes) in parts {
        let part = reqwest::multipart::Part::bytes(bytes);
        form = form.part(
            name,
            match filename {
                Some(f) => part.file_name(f),
                None => part,
            },
        );
    }
    app.client
        .post(app.url("/api/v1/documents/upload"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

pub const FRANCE: &str = "France is a country in Western Europe. Paris is the capital of France. \
    The Seine flows through Paris.";

/// A one-page PDF whose content stream shows `line`.
pub fn pdf(line: &str) -> Vec<u8> {
    let content = format!("BT /F1 12 Tf 72 700 Td ({line}) Tj ET");
    format!(
        "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n4 0 obj\n<< /Length {} >>\nstream\n{content}\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n",
        content.len()
    )
    .into_bytes()
}

/// A DOCX holding `paragraphs`.
pub fn docx(paragraphs: &[&str]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    z.start_file("word/document.xml", opts).unwrap();
    let body: String = paragraphs
        .iter()
        .map(|p| format!("<w:p><w:r><w:t>{p}</w:t></w:r></w:p>"))
        .collect();
    write!(
        z,
        "<?xml version=\"1.0\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
    )
    .unwrap();
    z.finish().unwrap().into_inner()
}

pub async fn upload_doc(app: &TestApp, t: &str, name: &str, bytes: Vec<u8>, meta: Value) -> Value {
    let r = upload_parts(
        app,
        t,
        vec![file(name, bytes), text("metadata", &meta.to_string())],
    )
    .await;
    assert_eq!(r.status(), 201, "{name}: {}", r.text().await.unwrap());
    r.json().await.unwrap()
}

async fn search(app: &TestApp, t: &str, body: Value) -> Vec<Value> {
    let r = app.post("/api/v1/documents/search", t, &body).await;
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap().as_array().unwrap().clone()
}

async fn every_format_is_extracted_chunked_and_found_with_citations(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::DataScientist).await;
    let geo = json!({"topic": "geo"});
    let txt = upload_doc(
        &app,
        &t,
        "france.txt",
        FRANCE.as_bytes().to_vec(),
        geo.clone(),
    )
    .await;
    assert_eq!(txt["format"], "txt");
    assert_eq!(txt["embedder"], "local-hash-v1");
    upload_doc(
        &app,
        &t,
        "cooking.md",
        b"# Bread\n\nBake bread with flour, water and yeast. Knead it well.".to_vec(),
        json!({"topic": "food"}),
    )
    .await;
    upload_doc(&app, &t, "rivers.html", b"<html><body><h1>Rivers</h1><p>The Danube flows through Vienna &amp; Budapest.</p><script>x()</script></body></html>".to_vec(), geo.clone()).await;
    upload_doc(
        &app,
        &t,
        "moon.docx",
        docx(&["The Moon orbits the Earth.", "It has no atmosphere."]),
        json!({}),
    )
    .await;
    upload_doc(
        &app,
        &t,
        "mars.pdf",
        pdf("Mars is called the red planet."),
        json!({}),
    )
    .await;
    let docs: Value = app.get("/api/v1/documents", &t).await.json().await.unwrap();
    assert_eq!(docs.as_array().unwrap().len(), 5);
    for (query, want) in [
        ("What is the capital of France?", "france.txt"),
        ("How do I bake bread?", "cooking.md"),
        ("Which river flows through Budapest?", "rivers.html"),
        ("What orbits the Earth?", "moon.docx"),
        ("the red planet", "mars.pdf"),
    ] {
        for mode in ["hybrid", "vector", "bm25"] {
            let hits = search(&app, &t, json!({"query": query, "k": 3, "mode": mode})).await;
            assert_eq!(hits[0]["filename"], want, "{mode}: {query}");
        }
    }
    let hit = &search(&app, &t, json!({"query": "capital of France", "k": 1})).await[0];
    assert_eq!(hit["document_id"], txt["id"]);
    let chars: Vec<char> = FRANCE.chars().collect();
    let (s, e) = (
        hit["start"].as_u64().unwrap() as usize,
        hit["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(
        hit["text"].as_str().unwrap(),
        chars[s..e].iter().collect::<String>(),
        "the citation's offsets locate its text"
    );
    // Filters: metadata, document ids, formats.
    let hits = search(
        &app,
        &t,
        json!({"query": "flows through", "k": 10, "metadata": {"topic": "geo"}}),
    )
    .await;
    assert!(hits.iter().all(|h| h["metadata"]["topic"] == "geo") && !hits.is_empty());
    let hits = search(
        &app,
        &t,
        json!({"query": "flows through", "document_ids": [txt["id"]]}),
    )
    .await;
    assert!(hits.iter().all(|h| h["document_id"] == txt["id"]) && !hits.is_empty());
    let hits = search(&app, &t, json!({"query": "planet", "formats": ["pdf"]})).await;
    assert!(hits.iter().all(|h| h["filename"] == "mars.pdf") && !hits.is_empty());
    // Chunking is configurable and sentence-aware.
    let long = "Sentence number one is here. ".repeat(40);
    let r = upload_parts(
        &app,
        &t,
        vec![
            file("long.txt", long.into_bytes()),
            text("chunk_size", "100"),
            text("chunk_overlap", "30"),
        ],
    )
    .await;
    let d: Value = r.json().await.unwrap();
    assert!(d["chunks"].as_i64().unwrap() >= 12, "{d}");
    // Deleted documents are no longer retrieved.
    let r = app
        .client
        .delete(app.url(&format!(
            "/api/v1/documents/{}",
            txt["id"].as_str().unwrap()
        )))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let hits = search(&app, &t, json!({"query": "capital of France", "k": 10})).await;
    assert!(hits.iter().all(|h| h["document_id"] != txt["id"]));
    expect_problem(
        app.post("/api/v1/documents/search", &t, &json!({"query": " "}))
            .await,
        422,
        "empty_query",
    )
    .await;
}
both_backends!(
    every_format_is_extracted_chunked_and_found_with_citations,
    every_format_is_extracted_chunked_and_found_with_citations
);

async fn bad_documents_are_refused_clearly_and_write_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::MlEngineer).await;
    let mut encrypted = pdf("secret");
    encrypted.extend_from_slice(b"trailer\n<< /Encrypt 9 0 R >>\n");
    let image_only = b"%PDF-1.4\n3 0 obj\n<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /Length 1 >>\nstream\n\x00\nendstream\nendobj\n%%EOF\n".to_vec();
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("empty.txt", Vec::new(), 422, "empty_document"),
        ("blank.md", b"  \n\n ".to_vec(), 422, "empty_document"),
        (
            "tool.exe",
            b"MZ\x90\x00".to_vec(),
            415,
            "unsupported_document_type",
        ),
        ("locked.pdf", encrypted, 422, "encrypted_pdf"),
        ("scan.pdf", image_only, 422, "image_only_pdf"),
        (
            "fake.pdf",
            b"not a pdf at all".to_vec(),
            422,
            "unreadable_document",
        ),
        (
            "broken.docx",
            b"PK not a zip".to_vec(),
            422,
            "unreadable_document",
        ),
        ("latin1.txt", b"caf\xe9".to_vec(), 422, "invalid_utf8"),
        (
            "huge.txt",
            vec![b'a'; 200 * 1024 * 1024],
            413,
            "payload_too_large",
        ),
    ];
    let before = app.event_count().await;
    for (name, bytes, status, code) in cases {
        let r = upload_parts(&app, &t, vec![file(name, bytes)]).await;
        let doc = expect_problem(r, status, code).await;
        eprintln!("{name}: {}", doc["detail"]);
        assert_eq!(app.event_count().await, before, "{name} wrote an event");
        assert_eq!(blob_files(&app), 0, "{name} left a file");
    }
    let r = upload_parts(
        &app,
        &t,
        vec![
            file("a.txt", FRANCE.as_bytes().to_vec()),
            text("chunk_size", "10"),
        ],
    )
    .await;
    expect_problem(r, 422, "invalid_chunking").await;
    let r = upload_parts(
        &app,
        &t,
        vec![
            file("a.txt", FRANCE.as_bytes().to_vec()),
            text("metadata", "[1]"),
        ],
    )
    .await;
    expect_problem(r, 422, "invalid_metadata").await;
    assert_eq!(app.event_count().await, before);
    assert_eq!(blob_files(&app), 0);
}
both_backends!(
    bad_documents_are_refused_clearly_and_write_nothing,
    bad_documents_are_refused_clearly_and_write_nothing
);
