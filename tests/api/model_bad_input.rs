//! Bad artifacts and bad rows: precise errors, nothing written, server up.

use domain::Role;
use raia_tests::{both_backends, expect_problem, Backend, TestApp};
use serde_json::{json, Value};

use crate::model_support::{model_file, plain_model, register, upload, upload_fixture};

/// A few protobuf wire-format helpers to build hostile ONNX files by hand.
mod pb {
    pub fn varint(mut n: u64, out: &mut Vec<u8>) {
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }
    pub fn int(field: u64, v: u64) -> Vec<u8> {
        let mut o = Vec::new();
        varint(field << 3, &mut o);
        varint(v, &mut o);
        o
    }
    pub fn bytes(field: u64, b: &[u8]) -> Vec<u8> {
        let mut o = Vec::new();
        varint((field << 3) | 2, &mut o);
        varint(b.len() as u64, &mut o);
        o.extend_from_slice(b);
        o
    }
    pub fn msg(parts: &[Vec<u8>]) -> Vec<u8> {
        parts.concat()
    }
    /// `name: tensor(float)[N, width]`.
    pub fn value(name: &str, width: u64) -> Vec<u8> {
        let dims = msg(&[bytes(1, &bytes(2, b"N")), bytes(1, &int(1, width))]);
        let tensor = msg(&[int(1, 1), bytes(2, &dims)]);
        msg(&[bytes(1, name.as_bytes()), bytes(2, &bytes(1, &tensor))])
    }
    pub fn node(op: &str, inputs: &[&str], outputs: &[&str]) -> Vec<u8> {
        let mut parts: Vec<Vec<u8>> = inputs.iter().map(|i| bytes(1, i.as_bytes())).collect();
        parts.extend(outputs.iter().map(|o| bytes(2, o.as_bytes())));
        parts.push(bytes(4, op.as_bytes()));
        msg(&parts)
    }
    /// A model with one float input of width 2 and the given nodes, initializers and output.
    pub fn model(nodes: &[Vec<u8>], initializers: &[Vec<u8>], output: &str) -> Vec<u8> {
        let mut g: Vec<Vec<u8>> = nodes.iter().map(|n| bytes(1, n)).collect();
        g.push(bytes(2, b"g"));
        g.extend(initializers.iter().map(|t| bytes(5, t)));
        g.push(bytes(11, &value("input", 2)));
        g.push(bytes(12, &value(output, 2)));
        let opset = msg(&[bytes(1, b""), int(2, 17)]);
        msg(&[int(1, 8), bytes(8, &opset), bytes(7, &msg(&g))])
    }
}

async fn hostile_and_corrupt_artifacts_are_refused_precisely(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::MlEngineer).await;
    let id = plain_model(&app, &t, "regression").await;
    let before = app.event_count().await;
    let cycle = pb::model(
        &[
            pb::node("Add", &["input", "b"], &["a"]),
            pb::node("Identity", &["a"], &["b"]),
        ],
        &[],
        "b",
    );
    // A constant claiming 2^40 x 2^40 floats, with 8 bytes of data.
    let huge = pb::msg(&[
        pb::int(1, 1 << 40),
        pb::int(1, 1 << 40),
        pb::int(2, 1),
        pb::bytes(8, b"w"),
        pb::bytes(9, &[0u8; 8]),
    ]);
    let huge = pb::model(&[pb::node("Add", &["input", "w"], &["a"])], &[huge], "a");
    // A constant claiming 2^31 rows of 2 floats, with 8 bytes of data.
    let long = pb::msg(&[
        pb::int(1, 1 << 31),
        pb::int(1, 2),
        pb::int(2, 1),
        pb::bytes(8, b"w"),
        pb::bytes(9, &[0u8; 8]),
    ]);
    let long = pb::model(&[pb::node("Add", &["input", "w"], &["a"])], &[long], "a");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "invalid_random_bytes.onnx",
            model_file("invalid_random_bytes.onnx"),
            "not a valid ONNX model",
        ),
        (
            "invalid_gbr_double_output.onnx",
            model_file("invalid_gbr_double_output.onnx"),
            "declared",
        ),
        ("cycle.onnx", cycle, "cycle"),
        ("huge.onnx", huge, "too large"),
        ("long.onnx", long, "`w`"),
        ("empty.onnx", Vec::new(), "empty"),
        ("bad.json", b"{\"learner\": 3}".to_vec(), "XGBoost"),
        (
            "truncated.onnx",
            model_file("gbr_diabetes_te5.onnx")[..5000].to_vec(),
            "ONNX",
        ),
    ];
    for (name, bytes, needle) in cases {
        let r = upload(&app, &t, &id, bytes, name, None).await;
        let doc = expect_problem(r, 422, "invalid_artifact").await;
        let detail = doc["detail"].as_str().unwrap();
        assert!(detail.contains(needle), "{name}: {detail}");
    }
    assert_eq!(
        app.event_count().await,
        before,
        "refused artifacts write nothing"
    );
    let kept: Vec<_> = walk(&app.dir.path().join("blobs"));
    assert!(kept.is_empty(), "refused artifacts keep no blob: {kept:?}");
    // Not multipart, no artifact part, unknown parts, bad metadata.
    let r = app
        .post(&format!("/api/v1/models/{id}/versions"), &t, &json!({}))
        .await;
    expect_problem(r, 415, "unsupported_media_type").await;
    let form = reqwest::multipart::Form::new().text("metadata", "{}");
    let r = app
        .client
        .post(app.url(&format!("/api/v1/models/{id}/versions")))
        .bearer_auth(&t)
        .multipart(form)
        .send()
        .await
        .unwrap();
    expect_problem(r, 400, "missing_artifact").await;
    let form = reqwest::multipart::Form::new().text("weights", "x");
    let r = app
        .client
        .post(app.url(&format!("/api/v1/models/{id}/versions")))
        .bearer_auth(&t)
        .multipart(form)
        .send()
        .await
        .unwrap();
    expect_problem(r, 400, "invalid_multipart").await;
    let r = upload(
        &app,
        &t,
        &id,
        model_file("gbr_diabetes_te5.onnx"),
        "m.onnx",
        Some(json!({"colour": 1})),
    )
    .await;
    expect_problem(r, 400, "invalid_body").await;
    let r = upload(
        &app,
        &t,
        &uuid::Uuid::new_v4().to_string(),
        model_file("gbr_diabetes_te5.onnx"),
        "m.onnx",
        None,
    )
    .await;
    expect_problem(r, 404, "not_found").await;
    assert_eq!(app.event_count().await, before);
    assert_eq!(
        app.client
            .get(app.url("/api/v1/health"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}
both_backends!(
    hostile_and_corrupt_artifacts_are_refused_precisely,
    hostile_and_corrupt_artifacts_are_refused_precisely
);

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

async fn an_artifact_over_the_limit_is_413_and_leaves_nothing(backend: Backend) {
    // The default limit (100 MiB) with a 101 MiB artifact, streamed.
    let app = TestApp::spawn(backend).await;
    assert_eq!(app.config.model_artifact_limit_bytes, 100 * 1024 * 1024);
    let t = app.token(Role::MlEngineer).await;
    let id = plain_model(&app, &t, "regression").await;
    let before = app.event_count().await;
    let big = vec![7u8; 101 * 1024 * 1024];
    let r = upload(&app, &t, &id, big, "big.onnx", None).await;
    let doc = expect_problem(r, 413, "payload_too_large").await;
    assert!(
        doc["detail"].as_str().unwrap().contains("104857600"),
        "{doc}"
    );
    assert_eq!(app.event_count().await, before);
    assert!(walk(&app.dir.path().join("blobs")).is_empty());
    // The server stays up and still takes a valid artifact.
    assert_eq!(
        upload_fixture(&app, &t, &id, "gbr_diabetes_te5.onnx").await,
        1
    );
}
both_backends!(
    an_artifact_over_the_limit_is_413_and_leaves_nothing,
    an_artifact_over_the_limit_is_413_and_leaves_nothing
);

async fn bad_rows_are_refused_with_the_row_and_feature_named(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::MlEngineer).await;
    let id = register(
        &app,
        &t,
        json!({"name": "iris", "type": "classification",
        "feature_names": ["sl", "sw", "pl", "pw"]}),
    )
    .await;
    upload_fixture(&app, &t, &id, "rf_iris_f32.onnx").await;
    let path = format!("/api/v1/models/{id}/predict");
    let ok = json!({"sl": 5.1, "sw": 3.5, "pl": 1.4, "pw": 0.2});
    let before = app.event_count().await;
    let cases: Vec<(Value, &str)> = vec![
        (json!([[5.1, 3.5, 1.4]]), "3 values"),
        (json!([[5.1, 3.5, 1.4, 0.2, 9.0]]), "5 values"),
        (
            json!([ok, {"sl": 5.1, "sw": 3.5, "pl": 1.4}]),
            "row 1: feature \"pw\" is missing",
        ),
        (
            json!([{"sl": 5.1, "sw": 3.5, "pl": 1.4, "pw": 0.2, "zz": 1}]),
            "unknown feature \"zz\"",
        ),
        (json!([[5.1, "wide", 1.4, 0.2]]), "\"wide\" is not a number"),
        (json!([[5.1, null, 1.4, 0.2]]), "missing value"),
        (json!([[5.1, true, 1.4, 0.2]]), "not a number"),
        (json!(["5.1,3.5"]), "object or an array"),
        (json!([]), "at least one row"),
    ];
    for (rows, needle) in cases {
        let r = app
            .post(&path, &t, &json!({"rows": rows, "version": 1}))
            .await;
        let doc = expect_problem(r, 422, "invalid_rows").await;
        assert!(
            doc["detail"].as_str().unwrap().contains(needle),
            "{rows}: {doc}"
        );
    }
    // NaN is not JSON.
    let r = app
        .client
        .post(app.url(&path))
        .bearer_auth(&t)
        .header("content-type", "application/json")
        .body(r#"{"rows": [[NaN, 1, 2, 3]], "version": 1}"#)
        .send()
        .await
        .unwrap();
    expect_problem(r, 400, "malformed_json").await;
    for (version, status, code) in [
        (json!(9), 404, "version_not_found"),
        (json!("champion"), 404, "alias_not_found"),
        (json!({"v": 1}), 400, "invalid_body"),
    ] {
        let r = app
            .post(&path, &t, &json!({"rows": [ok], "version": version}))
            .await;
        expect_problem(r, status, code).await;
    }
    let r = app
        .post(
            &format!("/api/v1/models/{}/predict", uuid::Uuid::new_v4()),
            &t,
            &json!({"rows": [ok]}),
        )
        .await;
    expect_problem(r, 404, "not_found").await;
    app.server.state.predictions.flush().await;
    assert_eq!(
        app.event_count().await,
        before,
        "refused predictions are not logged"
    );
    // XGBoost handles missing values natively: null is accepted there.
    let x = plain_model(&app, &t, "classification").await;
    upload_fixture(&app, &t, &x, "xgb_clf_bc.json").await;
    let mut row = vec![json!(null); 30];
    row[0] = json!(14.0);
    let r = app
        .post(
            &format!("/api/v1/models/{x}/predict"),
            &t,
            &json!({"rows": [row], "version": 1}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let out: Value = r.json().await.unwrap();
    assert!(out["predictions"][0]["probabilities"][0]
        .as_f64()
        .unwrap()
        .is_finite());
}
both_backends!(
    bad_rows_are_refused_with_the_row_and_feature_named,
    bad_rows_are_refused_with_the_row_and_feature_named
);
