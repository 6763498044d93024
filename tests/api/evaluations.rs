//! Evaluations of pre-recorded outputs: the fixture values through the API,
//! seeded intervals, compare with a known winner, and bad input.

use domain::Role;
use raia_tests::{both_backends, expect_problem, Backend, TestApp};
use serde_json::{json, Value};

use crate::datasets::{fixture_dir, upload};

/// Uploads JSON Lines as a dataset and returns its id.
pub async fn dataset(app: &TestApp, t: &str, lines: &[Value]) -> String {
    let body: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let d = upload(app, t, "eval set", "eval.jsonl", body.into_bytes()).await;
    d["id"].as_str().unwrap().to_owned()
}

/// Creates an evaluation (201) and returns it.
pub async fn create(app: &TestApp, t: &str, body: Value) -> Value {
    let r = app.post("/api/v1/evaluations", t, &body).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

/// Starts an evaluation and returns the 202 body.
pub async fn start(app: &TestApp, t: &str, id: &str) -> Value {
    let r = app
        .post(&format!("/api/v1/evaluations/{id}/start"), t, &json!({}))
        .await;
    assert_eq!(r.status(), 202, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

/// Polls a job until it ends (three minutes at most: every item is an append on a busy machine).
pub async fn wait_long(app: &TestApp, location: &str, t: &str) -> Value {
    for _ in 0..1800 {
        let job: Value = app.get(location, t).await.json().await.unwrap();
        if ["succeeded", "failed", "cancelled"].contains(&job["status"].as_str().unwrap()) {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("job {location} did not end in 180 s");
}

/// Starts an evaluation, waits for its job and returns its results.
pub async fn run_to_end(app: &TestApp, t: &str, id: &str) -> Value {
    let started = start(app, t, id).await;
    let job = wait_long(app, started["location"].as_str().unwrap(), t).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    app.get(&format!("/api/v1/evaluations/{id}/results"), t)
        .await
        .json()
        .await
        .unwrap()
}

fn close(got: &Value, want: f64, what: &str) {
    let g = got
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: no value ({got})"));
    assert!((g - want).abs() <= 1e-9, "{what}: got {g}, want {want}");
}

async fn recorded_outputs_reproduce_every_fixture_value(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::DataScientist).await;
    let lines = std::fs::read(fixture_dir("rag").join("items.jsonl")).unwrap();
    let ds = upload(&app, &t, "rag fixture", "items.jsonl", lines).await;
    let e = create(
        &app,
        &t,
        json!({"name": "fixture", "dataset_id": ds["id"], "seed": 11, "resamples": 200}),
    )
    .await;
    assert_eq!(
        (e["mode"].as_str(), e["status"].as_str()),
        (Some("recorded"), Some("pending"))
    );
    let id = e["id"].as_str().unwrap();
    let res = run_to_end(&app, &t, id).await;
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture_dir("rag").join("expected.json")).unwrap(),
    )
    .unwrap();
    let ev = &res["evaluation"];
    assert_eq!(ev["status"], "completed");
    assert_eq!(ev["items_done"], 30);
    let summary = &ev["summary"];
    for (name, want) in expected["aggregate"].as_object().unwrap() {
        match name.as_str() {
            "n_items" => assert_eq!(summary["items"], *want),
            "corpus_bleu" => {
                close(
                    &summary["corpus_bleu"]["score"],
                    want["score"].as_f64().unwrap(),
                    name,
                );
                assert_eq!(summary["corpus_bleu"]["counts"], want["counts"]);
                assert_eq!(summary["corpus_bleu"]["totals"], want["totals"]);
            }
            _ => {
                let m = &summary["metrics"][name];
                close(&m["mean"], want.as_f64().unwrap(), name);
                let (lo, hi, mean) = (
                    m["ci_low"].as_f64().unwrap(),
                    m["ci_high"].as_f64().unwrap(),
                    m["mean"].as_f64().unwrap(),
                );
                assert!(lo <= mean + 1e-12 && mean <= hi + 1e-12, "{name}: {m}");
            }
        }
    }
    // Every per-item value of the fixture, item by item.
    let items = res["items"].as_array().unwrap();
    for (got, want) in items.iter().zip(expected["items"].as_array().unwrap()) {
        assert_eq!(got["item_id"], want["id"]);
        let m = &got["metrics"];
        for (name, v) in want["retrieval"].as_object().unwrap() {
            if let Some(x) = v
                .as_f64()
                .filter(|_| !name.starts_with("n_") && name != "first_relevant_rank")
            {
                close(&m[name], x, &format!("{} {name}", want["id"]));
            }
        }
        let a = &want["answer"];
        close(&m["exact_match"], a["exact_match"].as_f64().unwrap(), "em");
        close(&m["f1"], a["f1"].as_f64().unwrap(), "f1");
        close(
            &m["rougeL_fmeasure"],
            a["rougeL"]["fmeasure"].as_f64().unwrap(),
            "rougeL",
        );
        close(&m["bleu"], a["bleu"]["score"].as_f64().unwrap(), "bleu");
        // No judge: no judged metric, no judge call.
        assert!(m.get("faithfulness").is_none() && m.get("answer_relevancy").is_none());
        assert_eq!(got["judge"], json!([]));
    }
    // The same seed gives the same intervals, bit for bit.
    let again = create(
        &app,
        &t,
        json!({"name": "again", "dataset_id": ds["id"], "seed": 11, "resamples": 200}),
    )
    .await;
    let res2 = run_to_end(&app, &t, again["id"].as_str().unwrap()).await;
    assert_eq!(res2["evaluation"]["summary"], *summary);
    let list: Value = app
        .get("/api/v1/evaluations", &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
}
both_backends!(
    recorded_outputs_reproduce_every_fixture_value,
    recorded_outputs_reproduce_every_fixture_value
);

/// Twenty items; `right` answers them all correctly, the other never.
pub fn answers(right: bool) -> Vec<Value> {
    (0..20)
        .map(|i| {
            let reference = format!("answer number {i}");
            let generated = if right { reference.clone() } else { format!("something else {}", i * 7) };
            json!({"id": format!("q{i}"), "question": format!("question {i}?"), "reference_answer": reference,
                "generated_answer": generated, "retrieved_ids": ["d1", "d2"], "relevant_ids": ["d2"]})
        })
        .collect()
}

async fn compare_names_a_winner_only_where_significant(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::MlEngineer).await;
    let mut ids = Vec::new();
    for right in [true, false] {
        let ds = dataset(&app, &t, &answers(right)).await;
        let e = create(
            &app,
            &t,
            json!({"name": format!("right={right}"), "dataset_id": ds}),
        )
        .await;
        let id = e["id"].as_str().unwrap().to_owned();
        run_to_end(&app, &t, &id).await;
        ids.push(id);
    }
    let viewer = app.token(Role::Viewer).await;
    let r = app
        .post(
            "/api/v1/evaluations/compare",
            &viewer,
            &json!({"evaluation_ids": ids, "seed": 3}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let c: Value = r.json().await.unwrap();
    assert_eq!(c["common_items"], 20);
    let metric = |name: &str| {
        c["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["metric"] == name)
            .unwrap_or_else(|| panic!("{name} missing: {c}"))
            .clone()
    };
    let em = metric("exact_match");
    assert_eq!(em["winner"], ids[0].as_str());
    let pair = &em["pairs"][0];
    assert_eq!(pair["sign_test"]["wins"], 20);
    // Two-sided exact binomial: 2 / 2^20.
    close(&pair["sign_test"]["p_value"], 2.0 / 1_048_576.0, "sign p");
    close(&pair["mean_difference"], 1.0, "difference");
    // The rankings are the same: nothing to win.
    let hit = metric("hit@1");
    assert_eq!(hit["winner"], Value::Null);
    assert_eq!(hit["pairs"][0]["sign_test"]["ties"], 20);
}
both_backends!(
    compare_names_a_winner_only_where_significant,
    compare_names_a_winner_only_where_significant
);

async fn bad_evaluation_input_is_refused_and_writes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::DataScientist).await;
    let no_question = dataset(
        &app,
        &t,
        &[json!({"reference_answer": "x", "generated_answer": "y"})],
    )
    .await;
    let answers_only = dataset(
        &app,
        &t,
        &[json!({"question": "q?", "generated_answer": "y"})],
    )
    .await;
    let good = dataset(&app, &t, &answers(true)).await;
    let before = app.event_count().await;
    let cases = [
        (
            json!({"name": "a", "dataset_id": no_question}),
            422,
            "missing_columns",
        ),
        (
            json!({"name": "a", "dataset_id": answers_only}),
            422,
            "missing_columns",
        ),
        (
            json!({"name": "a", "dataset_id": uuid::Uuid::now_v7().to_string()}),
            404,
            "not_found",
        ),
        (json!({"name": "a", "dataset_id": "nope"}), 404, "not_found"),
        (
            json!({"name": "a", "dataset_id": good, "configuration_id": uuid::Uuid::now_v7().to_string()}),
            404,
            "not_found",
        ),
        (
            json!({"name": "a", "dataset_id": good, "judge_configuration_id": "x"}),
            404,
            "not_found",
        ),
        (
            json!({"name": "a", "dataset_id": good, "mode": "run"}),
            422,
            "invalid_evaluation",
        ),
        (
            json!({"name": " ", "dataset_id": good}),
            422,
            "invalid_evaluation",
        ),
        (
            json!({"name": "a", "dataset_id": good, "resamples": 0}),
            422,
            "invalid_evaluation",
        ),
        (
            json!({"name": "a", "dataset_id": good, "unknown": 1}),
            400,
            "invalid_body",
        ),
    ];
    for (body, status, code) in cases {
        let r = app.post("/api/v1/evaluations", &t, &body).await;
        let doc = expect_problem(r, status, code).await;
        assert!(!doc["detail"].as_str().unwrap().is_empty(), "{body}");
    }
    let r = app
        .post(
            &format!("/api/v1/evaluations/{}/start", uuid::Uuid::now_v7()),
            &t,
            &json!({}),
        )
        .await;
    expect_problem(r, 404, "not_found").await;
    let r = app
        .post(
            "/api/v1/evaluations/compare",
            &t,
            &json!({"evaluation_ids": [uuid::Uuid::now_v7().to_string()]}),
        )
        .await;
    expect_problem(r, 422, "invalid_comparison").await;
    let r = app
        .post(
            "/api/v1/evaluations/suites/s/run",
            &t,
            &json!({"dataset_id": good, "configuration_ids": ["nope"]}),
        )
        .await;
    expect_problem(r, 404, "not_found").await;
    assert_eq!(app.event_count().await, before, "bad input wrote events");
}
both_backends!(
    bad_evaluation_input_is_refused_and_writes_nothing,
    bad_evaluation_input_is_refused_and_writes_nothing
);
