//! Evaluations that run a configuration against the fake OpenAI server:
//! retrieval, answers, usage, the Ragas-style judge with its prompts and
//! verdicts on record, stop mid-run, and the suite runner.

use domain::Role;
use raia_tests::{
    both_backends,
    fake_judge::question_for,
    fake_llm::{FakeLlm, ANSWER},
    Backend, TestApp,
};
use serde_json::{json, Value};

use crate::{
    evaluations::{create, dataset, run_to_end, start},
    llm::{configure, KEY},
    rag::{upload_doc, FRANCE},
};

/// The fake embedding of a text: `[len, 1, 0.5]`.
fn cosine_of_fake_embeddings(a: &str, b: &str) -> f64 {
    let (x, y) = ([a.len() as f64, 1.0, 0.5], [b.len() as f64, 1.0, 0.5]);
    let dot: f64 = x.iter().zip(&y).map(|(p, q)| p * q).sum();
    let n = |v: &[f64; 3]| v.iter().map(|p| p * p).sum::<f64>().sqrt();
    dot / (n(&x) * n(&y))
}

fn close(got: &Value, want: f64, what: &str) {
    let g = got
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: no value ({got})"));
    assert!((g - want).abs() <= 1e-9, "{what}: got {g}, want {want}");
}

async fn items(app: &TestApp, t: &str, doc: &str, n: usize) -> String {
    let qa = [
        (
            "What is the capital of France?",
            "Paris is the capital of France.",
        ),
        (
            "Which river flows through Paris?",
            "The Seine flows through Paris.",
        ),
    ];
    let lines: Vec<Value> = (0..n)
        .map(|i| {
            let (q, a) = qa[i % 2];
            json!({"id": format!("i{i}"), "question": q, "reference_answer": a, "relevant_ids": [doc]})
        })
        .collect();
    dataset(app, t, &lines).await
}

async fn a_run_answers_scores_and_judges_every_item_on_record(backend: Backend) {
    let fake = FakeLlm::start(KEY).await;
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::MlEngineer).await;
    let doc = upload_doc(
        &app,
        &t,
        "france.txt",
        FRANCE.as_bytes().to_vec(),
        json!({}),
    )
    .await;
    let doc = doc["id"].as_str().unwrap().to_owned();
    let gpt = configure(&app, &t, json!({"name": "gpt", "provider": "openai_compatible", "model": "gpt-4o-mini", "base_url": fake.base, "api_key": KEY})).await;
    let judge = configure(&app, &t, json!({"name": "judge", "provider": "openai", "model": "judge-1", "base_url": fake.base, "api_key": KEY})).await;
    let ds = items(&app, &t, &doc, 2).await;
    let e = create(
        &app,
        &t,
        json!({"name": "gpt on france", "dataset_id": ds, "configuration_id": gpt["id"],
        "judge_configuration_id": judge["id"], "k": 3}),
    )
    .await;
    assert_eq!(e["mode"], "run");
    let res = run_to_end(&app, &t, e["id"].as_str().unwrap()).await;
    let items = res["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let (a, b) = (&items[0], &items[1]);
    assert_eq!(a["answer"], ANSWER);
    assert_eq!(a["retrieved_ids"], json!([doc]));
    assert_eq!(a["error"], Value::Null, "{a}");
    close(&a["metrics"]["exact_match"], 1.0, "em a");
    close(&b["metrics"]["exact_match"], 0.0, "em b");
    close(&a["metrics"]["hit@1"], 1.0, "hit");
    close(&a["metrics"]["prompt_tokens"], 12.0, "prompt tokens");
    close(
        &a["metrics"]["cost_usd"],
        (12.0 * 0.15 + 7.0 * 0.6) / 1e6,
        "cost",
    );
    // Judged metrics, as the fake judge decides them on FRANCE.
    let m = &a["metrics"];
    close(&m["faithfulness"], 1.0, "faithfulness");
    close(&m["context_recall"], 1.0, "context recall");
    close(
        &m["context_precision"],
        1.0 / (1.0 + 1e-10),
        "context precision",
    );
    let q = "What is the capital of France?";
    close(
        &m["answer_relevancy"],
        cosine_of_fake_embeddings(q, &question_for(ANSWER)),
        "answer relevancy",
    );
    // The prompts and raw verdicts are on the item.
    let steps: Vec<&str> = a["judge"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps
            .iter()
            .filter(|s| **s == "answer_relevancy.question")
            .count(),
        3
    );
    assert!(
        steps.contains(&"faithfulness.verdicts") && steps.contains(&"context_recall.classify"),
        "{steps:?}"
    );
    let call = &a["judge"][0];
    assert!(
        call["prompt"]
            .as_str()
            .unwrap()
            .contains("Task: faithfulness.statements"),
        "{call}"
    );
    assert!(
        call["verdict"].as_str().unwrap().contains("\"statements\""),
        "{call}"
    );
    // The summary aggregates them; the job's result is the summary.
    let s = &res["evaluation"]["summary"];
    close(&s["metrics"]["exact_match"]["mean"], 0.5, "mean em");
    close(
        &s["metrics"]["faithfulness"]["mean"],
        1.0,
        "mean faithfulness",
    );
    assert_eq!(s["items"], 2);
    // Usage and cost count the answers and every judge call, per configuration.
    let judge_calls: Vec<&Value> = items
        .iter()
        .flat_map(|i| i["judge"].as_array().unwrap())
        .collect();
    assert!(
        judge_calls
            .iter()
            .all(|c| c["prompt_tokens"] == 12 && c["failed"] == false),
        "{judge_calls:?}"
    );
    let usage: Value = app
        .get(
            "/api/v1/llm/usage?group_by=configuration",
            &app.token(Role::Admin).await,
        )
        .await
        .json()
        .await
        .unwrap();
    let row = |id: &Value| {
        usage
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == *id)
            .cloned()
            .unwrap_or_else(|| panic!("no usage row for {id} in {usage}"))
    };
    let (answers, judged) = (row(&gpt["id"]), row(&judge["id"]));
    assert_eq!(answers["calls"], 2);
    assert_eq!(answers["prompt_tokens"], 24);
    assert_eq!(judged["calls"], judge_calls.len());
    assert_eq!(judged["prompt_tokens"], 12 * judge_calls.len());
    assert_eq!(judged["completion_tokens"], 7 * judge_calls.len());
}
both_backends!(
    a_run_answers_scores_and_judges_every_item_on_record,
    a_run_answers_scores_and_judges_every_item_on_record
);

async fn stop_is_honoured_between_items(backend: Backend) {
    let fake = FakeLlm::start(KEY).await;
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::MlEngineer).await;
    let doc = upload_doc(
        &app,
        &t,
        "france.txt",
        FRANCE.as_bytes().to_vec(),
        json!({}),
    )
    .await;
    let slow = configure(&app, &t, json!({"name": "slow", "provider": "openai_compatible", "model": "slow-1", "base_url": fake.base, "api_key": KEY})).await;
    let ds = items(&app, &t, doc["id"].as_str().unwrap(), 12).await;
    let e = create(
        &app,
        &t,
        json!({"name": "slow", "dataset_id": ds, "configuration_id": slow["id"]}),
    )
    .await;
    let id = e["id"].as_str().unwrap();
    start(&app, &t, id).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let r = app
        .post(&format!("/api/v1/evaluations/{id}/stop"), &t, &json!({}))
        .await;
    assert_eq!(r.status(), 202);
    let mut view = Value::Null;
    for _ in 0..100 {
        view = app
            .get(&format!("/api/v1/evaluations/{id}"), &t)
            .await
            .json()
            .await
            .unwrap();
        if view["status"] == "stopped" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(view["status"], "stopped", "{view}");
    let done = view["items_done"].as_i64().unwrap();
    assert!((1..12).contains(&done), "{view}");
    assert_eq!(view["summary"]["items"], done);
    let res: Value = app
        .get(&format!("/api/v1/evaluations/{id}/results"), &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(res["items"].as_array().unwrap().len() as i64, done);
    // A stopped evaluation cannot be stopped or started again.
    let r = app
        .post(&format!("/api/v1/evaluations/{id}/stop"), &t, &json!({}))
        .await;
    raia_tests::expect_problem(r, 409, "evaluation_wrong_status").await;
    let r = app
        .post(&format!("/api/v1/evaluations/{id}/start"), &t, &json!({}))
        .await;
    raia_tests::expect_problem(r, 409, "evaluation_wrong_status").await;
}
both_backends!(
    stop_is_honoured_between_items,
    stop_is_honoured_between_items
);

async fn a_suite_runs_several_configurations_and_compares_them(backend: Backend) {
    let fake = FakeLlm::start(KEY).await;
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::DataScientist).await;
    let doc = upload_doc(
        &app,
        &t,
        "france.txt",
        FRANCE.as_bytes().to_vec(),
        json!({}),
    )
    .await;
    let gpt = configure(&app, &t, json!({"name": "gpt", "provider": "openai_compatible", "model": "gpt-4o-mini", "base_url": fake.base, "api_key": KEY})).await;
    let local = configure(
        &app,
        &t,
        json!({"name": "local", "provider": "local", "model": "raia-extractive-v1"}),
    )
    .await;
    let ds = items(&app, &t, doc["id"].as_str().unwrap(), 2).await;
    let r = app
        .post(
            "/api/v1/evaluations/suites/nightly/run",
            &t,
            &json!({"dataset_id": ds, "configuration_ids": [gpt["id"], local["id"]]}),
        )
        .await;
    assert_eq!(r.status(), 202);
    let s: Value = r.json().await.unwrap();
    assert_eq!(s["runs"].as_array().unwrap().len(), 2);
    for run in s["runs"].as_array().unwrap() {
        let job = crate::jobs::wait_for_job(
            &app,
            &format!("/api/v1/jobs/{}", run["job_id"].as_str().unwrap()),
            &t,
        )
        .await;
        assert_eq!(job["status"], "succeeded", "{job}");
    }
    let listed: Value = app
        .get("/api/v1/evaluations?suite=nightly", &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert!(listed
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["status"] == "completed"));
    let c: Value = app
        .post(
            "/api/v1/evaluations/compare",
            &t,
            &json!({"suite": "nightly"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(c["evaluation_ids"].as_array().unwrap().len(), 2, "{c}");
    // Two items cannot make any difference significant.
    assert!(
        c["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["winner"].is_null()),
        "{c}"
    );
}
both_backends!(
    a_suite_runs_several_configurations_and_compares_them,
    a_suite_runs_several_configurations_and_compares_them
);
